/*
 * test_expr_rule.c - combined rules end to end: the three site types' example rules
 * driven second by second with an injected clock, an unknown condition that holds,
 * and the errors a rule object can carry.
 */
#include "check.h"
#include "expr_fixture.h"
#include "expr_rule.h"

#define VPOINT 1000u                /* the virtual point the core gives a combined rule */
#define S 1000LL                    /* one second in ms */

static struct expr_rule parse_rule(struct fx *f, const char *json)
{
    struct expr_rule r;
    struct cfg_err err = {{0}};
    cJSON *obj = cJSON_Parse(json);
    if (expr_rule_parse(obj, "site.rules[0]", &f->scope, &r, &err) < 0)
        fprintf(stderr, "parse_rule: %s\n", err.msg);
    CHECK(r.when != NULL);
    cJSON_Delete(obj);
    return r;
}

/* Step the rule at monotonic t (wall = t too); events land in ev, their count returned. */
static int step(struct fx *f, struct expr_rule *r, struct rule_state *st, int64_t t,
                struct event *ev)
{
    f->env.mono_ms = t;
    f->env.wall_ms = t;
    return r->when ? expr_rule_step(r, st, &f->env, VPOINT, ev) : 0;
}

static void check_event(const struct event *e, enum event_kind kind, const char *level,
                        int severity)
{
    CHECK_STR(event_kind_name(e->kind), event_kind_name(kind));
    CHECK_STR(e->level, level);
    CHECK_INT(e->severity, severity);
    CHECK_INT(e->point, VPOINT);
}

/* Deep-well casting: past 400 mm, cooling pressure low or falling fast. */
static void test_casting(struct fx *f)
{
    struct expr_rule r = parse_rule(f,
        "{\"id\": \"cooling_loss\", \"name\": \"Cooling water lost while casting\","
        " \"when\": \"cast.casting == 1 and cast.length_mm > 400 and (cast.cool_p < 0.15 or "
        "rate(cast.cool_p, 10s) < -0.02)\", \"level\": \"alarm\", \"severity\": 2,"
        " \"on_delay_s\": 2, \"latch\": true}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS] = {{0}};
    rules_state_init(&st);
    CHECK_STR(r.name, "Cooling water lost while casting");
    int raised_at = -1, returned_at = -1, other = 0;
    for (int t = 0; t <= 30; t++) {
        double cool = t < 12 ? 0.5 : 0.25;      /* a sudden drop at 12 s, still above 0.15 */
        fx_good(f, P_CASTING, 1, t * S);
        fx_good(f, P_LENGTH, 300 + t * 20, t * S);
        fx_good(f, P_COOL_P, cool, t * S);
        int n = step(f, &r, &st, t * S, ev);
        for (int i = 0; i < n; i++) {
            if (ev[i].kind == EV_RAISED) {
                raised_at = t;
                check_event(&ev[i], EV_RAISED, "alarm", 2);
                CHECK_INT(ev[i].ts_ms, t * S);
                CHECK_NEAR(ev[i].value, 1.0, 0);
            } else if (ev[i].kind == EV_RETURNED) {
                returned_at = t;
            } else {
                other++;
            }
        }
    }
    CHECK_INT(raised_at, 14);       /* true from 12 s (rate -0.025/s), on-delay 2 s */
    CHECK_INT(returned_at, 22);     /* the 10 s window no longer reaches the drop */
    CHECK_INT(other, 0);
    const char *why = NULL;
    CHECK_INT(rules_reset(&r.rule, &st, VPOINT, 31 * S, "cli", ev, &why), 1);
    check_event(&ev[0], EV_RESET, "alarm", 0);

    /* the pressure itself below its limit; not before 400 mm; not when not casting */
    fx_good(f, P_COOL_P, 0.1, 40 * S);
    CHECK_INT(expr_eval(r.when, &f->env), EXPR_TRUE);
    fx_good(f, P_LENGTH, 350, 40 * S);
    CHECK_INT(expr_eval(r.when, &f->env), EXPR_FALSE);
    fx_good(f, P_LENGTH, 900, 40 * S);
    fx_good(f, P_CASTING, 0, 40 * S);
    CHECK_INT(expr_eval(r.when, &f->env), EXPR_FALSE);
    /* a faulted cast-length reading leaves the answer unknown, never "short" */
    fx_good(f, P_CASTING, 1, 40 * S);
    fx_sample(f, P_LENGTH, 0, QUALITY_SENSOR_FAULT, 40 * S);
    CHECK_INT(expr_eval(r.when, &f->env), EXPR_UNKNOWN);
    expr_rule_free(&r);
}

/* Dust removal: the rotary valve faults while the fan runs. Unknown holds. */
static void test_dust(struct fx *f)
{
    struct expr_rule r = parse_rule(f, "{\"id\": \"valve_fault_running\", \"when\": "
                                    "\"dust.fan_run == 1 and dust.valve_fault == 1\"}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS] = {{0}};
    rules_state_init(&st);
    CHECK_STR(r.name, "valve_fault_running");       /* defaults */
    fx_good(f, P_FAN_RUN, 1, 0);
    fx_good(f, P_VALVE_FAULT, 0, 0);
    CHECK_INT(step(f, &r, &st, 0, ev), 0);
    fx_good(f, P_VALVE_FAULT, 1, 1 * S);
    CHECK_INT(step(f, &r, &st, 1 * S, ev), 1);
    check_event(&ev[0], EV_RAISED, "alarm", 1);
    /* the valve's channel is lost: unknown, the alarm holds, no fault event of its own */
    fx_sample(f, P_VALVE_FAULT, 0, QUALITY_COMM_FAIL, 2 * S);
    CHECK_INT(step(f, &r, &st, 2 * S, ev), 0);
    CHECK_INT(step(f, &r, &st, 60 * S, ev), 0);
    CHECK_INT(st.severity, 1);
    /* the fan stops: false whatever the valve says, so the alarm clears */
    fx_good(f, P_FAN_RUN, 0, 61 * S);
    CHECK_INT(step(f, &r, &st, 61 * S, ev), 1);
    check_event(&ev[0], EV_CLEARED, "alarm", 0);
    fx_good(f, P_FAN_RUN, 1, 62 * S);
    fx_good(f, P_VALVE_FAULT, 1, 62 * S);
    CHECK_INT(step(f, &r, &st, 62 * S, ev), 1);
    CHECK_INT(ev[0].kind, EV_RAISED);
    expr_rule_free(&r);

    /* with an on-delay, an unknown stretch restarts the pending delay */
    r = parse_rule(f, "{\"id\": \"d\", \"when\": \"dust.fan_run == 1 and dust.valve_fault == 1\","
                      " \"on_delay_s\": 5, \"off_delay_s\": 3, \"level\": \"L\"}");
    rules_state_init(&st);
    fx_good(f, P_VALVE_FAULT, 1, 100 * S);
    CHECK_INT(step(f, &r, &st, 100 * S, ev), 0);                /* pending from 100 s */
    fx_sample(f, P_VALVE_FAULT, 0, QUALITY_SENSOR_FAULT, 103 * S);
    CHECK_INT(step(f, &r, &st, 103 * S, ev), 0);
    CHECK_INT(step(f, &r, &st, 106 * S, ev), 0);                /* no delay runs while unknown */
    fx_good(f, P_VALVE_FAULT, 1, 107 * S);
    CHECK_INT(step(f, &r, &st, 107 * S, ev), 0);                /* pending again from 107 s */
    CHECK_INT(step(f, &r, &st, 111 * S, ev), 0);
    CHECK_INT(step(f, &r, &st, 112 * S, ev), 1);
    check_event(&ev[0], EV_RAISED, "L", 1);
    fx_good(f, P_VALVE_FAULT, 0, 113 * S);
    CHECK_INT(step(f, &r, &st, 113 * S, ev), 0);                /* off-delay 3 s */
    CHECK_INT(step(f, &r, &st, 116 * S, ev), 1);
    CHECK_INT(ev[0].kind, EV_CLEARED);
    expr_rule_free(&r);
}

/* Power: load above 50 kW inside the ordered shutdown; the calendar starts by time alone. */
static void test_power(struct fx *f)
{
    struct cfg_err err;
    cJSON *cals = cJSON_Parse("{\"shutdown\": [{\"from\": \"2026-12-01T00:00\", "
                              "\"to\": \"2026-12-15T00:00\"}]}");
    CHECK_INT(expr_calendars_parse(cals, "calendars", &f->cals, &err), 0);
    cJSON_Delete(cals);
    struct expr_rule r = parse_rule(f, "{\"id\": \"illegal_production\", \"when\": "
        "\"calendar(\\\"shutdown\\\") and meter.kw_total > 50\", \"level\": \"illegal_load\","
        " \"severity\": 2, \"on_delay_s\": 60}");
    CHECK_INT(expr_uses_time(r.when), 1);
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS] = {{0}};
    rules_state_init(&st);
    f->offset_min = 0;                  /* wall ms = UTC = local here */
    f->env.cal_wall_min = INT64_MIN;
    int64_t midnight = (int64_t)1796083200 * 1000;     /* 2026-12-01T00:00Z */
    int64_t t0 = midnight - 120 * S;
    fx_good(f, P_KW, 120, 0);
    int raised = 0;
    for (int64_t t = 0; t <= 240 * S; t += 10 * S) {  /* the core's timer: every 10 s */
        f->env.mono_ms = t;
        f->env.wall_ms = t0 + t;
        int n = expr_rule_step(&r, &st, &f->env, VPOINT, ev);
        if (n == 1 && ev[0].kind == EV_RAISED) {
            raised++;
            CHECK_INT(ev[0].ts_ms, midnight + 60 * S);  /* 60 s into the shutdown */
            check_event(&ev[0], EV_RAISED, "illegal_load", 2);
        }
    }
    CHECK_INT(raised, 1);
    fx_good(f, P_KW, 10, 250 * S);
    f->env.wall_ms = t0 + 250 * S;
    CHECK_INT(expr_rule_step(&r, &st, &f->env, VPOINT, ev), 1);
    CHECK_INT(ev[0].kind, EV_CLEARED);
    expr_rule_free(&r);
    f->offset_min = FX_UTC_OFFSET_MIN;
}

struct bad {
    const char *json;
    const char *says;
};

static const struct bad bads[] = {
    {"[1]", "site.rules[0]: expected a rule like"},
    {"{\"when\": \"a.x > 1\"}", "site.rules[0].id: is required"},
    {"{\"id\": \"r\"}", "site.rules[0].when: is required"},
    {"{\"id\": \"r\", \"when\": \"cast.casting == 1 and cast.flwo > 2\"}",
     "site.rules[0].when:1:23: unknown point \"cast.flwo\""},
    {"{\"id\": \"r\", \"when\": \"a.x\"}", "site.rules[0].when:1:1: a condition must be true"},
    {"{\"id\": \"r\", \"when\": \"a.x > 1\", \"on_delay\": 3}",
     "site.rules[0].on_delay: unknown key"},
    {"{\"id\": \"r\", \"when\": \"a.x > 1\", \"on_delay_s\": -1}",
     "site.rules[0].on_delay_s: -1 is out of range"},
    {"{\"id\": \"r\", \"when\": \"a.x > 1\", \"off_delay_s\": 90000}",
     "site.rules[0].off_delay_s: 90000 is out of range"},
    {"{\"id\": \"r\", \"when\": \"a.x > 1\", \"latch\": \"yes\"}",
     "site.rules[0].latch: expected true or false"},
    {"{\"id\": \"r\", \"when\": \"a.x > 1\", \"severity\": 9}",
     "site.rules[0].severity: 9 is out of range (1 to 4)"},
    {"{\"id\": \"r\", \"when\": \"a.x > 1\", \"level\": \"a-level-name-far-too-long\"}",
     "site.rules[0].level: is too long"},
    {"{\"id\": \"r\", \"when\": \"a.x > 1\", \"level\": \"\"}", "\"level\" is empty"},
    {"{\"id\": \"r\", \"when\": 5}", "site.rules[0].when: expected a string"},
};

static void test_errors(struct fx *f)
{
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        struct expr_rule r;
        struct cfg_err err = {{0}};
        cJSON *obj = cJSON_Parse(bads[i].json);
        CHECK_INT(expr_rule_parse(obj, "site.rules[0]", &f->scope, &r, &err), -1);
        CHECK_CONTAINS(err.msg, bads[i].says);
        CHECK(r.when == NULL);
        cJSON_Delete(obj);
    }
}

int main(void)
{
    struct fx f;
    fx_init(&f, 10 * S);
    test_casting(&f);
    test_dust(&f);
    test_power(&f);
    test_errors(&f);
    fx_done(&f);
    return check_summary();
}
