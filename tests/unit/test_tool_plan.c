/*
 * test_tool_plan.c - the alarm test plans of riskgw test-alarm, against the real rule engine.
 *
 * For every point with alarm levels in every shipped profile, the plan is played
 * through rules_eval / rules_reset (the daemon's own engine, with an injected clock):
 * each step must make the engine decide exactly the event the plan expects, with the
 * level it names. Each driven value must be plausible and encodable in the point's
 * registers (the simulator must accept it), and sit in the level it is meant for.
 * A few plans are then checked value by value.
 */
#include <dirent.h>
#include <math.h>
#include <string.h>

#include "check.h"
#include "decode.h"
#include "profile.h"
#include "tool_alarm_plan.h"

#define PROFILE_DIR RISKGW_SOURCE_DIR "/drivers/profiles"
#define PROFILE_EXT ".json"
#define STEP_MS 1000
#define HALF 0.5

/* A value in no alarm band: between the worst low setpoint and the mildest high one. */
static double normal_value(const struct point_cfg *pc)
{
    double lo = pc->map.plausible_lo < pc->map.plausible_hi ? pc->map.plausible_lo : -1e6;
    double hi = pc->map.plausible_lo < pc->map.plausible_hi ? pc->map.plausible_hi : 1e6;
    for (int i = 0; i < pc->rule.nlevels; i++) {
        const struct level_cfg *lv = &pc->rule.levels[i];
        if (lv->dir == LEVEL_HIGH && lv->setpoint < hi)
            hi = lv->setpoint;
        if (lv->dir == LEVEL_LOW && lv->setpoint > lo)
            lo = lv->setpoint;
    }
    return lo + (hi - lo) * HALF;
}

/* The events the engine decides for value, held past the rule's delays. */
static int feed(const struct point_cfg *pc, struct rule_state *st, double value, int64_t *now,
                struct event *out)
{
    struct sample s = {.point = 0, .quality = QUALITY_GOOD, .value = value, .ts_ms = *now, .mono_ms = *now};
    int n = 0;
    for (int k = 0; k <= RULE_CONFIRM_MAX && n == 0; k++) {
        n = rules_eval(&pc->rule, st, &s, *now, out);
        *now += STEP_MS + pc->rule.on_delay_ms + pc->rule.off_delay_ms;
        s.ts_ms = s.mono_ms = *now;
    }
    return n;
}

static int encodable(const struct point_map *m, double v)
{
    uint16_t words[4] = {0};
    uint8_t bit;
    if (m->area == AREA_COIL || m->area == AREA_DISCRETE)
        return encode_bit(m, v, &bit) == 0;
    return encode_registers(m, v, words) == 0;
}

/* Play pc's plan through the engine; every step must give its expected event. */
static void play(const char *profile, const struct point_cfg *pc)
{
    struct alarm_plan plan;
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    char why[128];
    int64_t now = STEP_MS;
    rules_state_init(&st);
    CHECK_INT(tool_plan_build(pc, &plan, why, sizeof why), 0);
    CHECK(plan.nsteps > 0);
    CHECK_INT(tool_plan_level_of(&pc->rule, normal_value(pc)), -1);
    for (size_t i = 0; i < plan.nsteps; i++) {
        const struct plan_step *s = &plan.steps[i];
        const char *level = pc->rule.levels[s->level].name;
        int n = 0;
        if (s->action == PLAN_DRIVE) {
            CHECK_INT(tool_plan_level_of(&pc->rule, s->value), s->level);
            CHECK(encodable(&pc->map, s->value));
            CHECK(pc->map.plausible_lo > pc->map.plausible_hi ||
                  (s->value >= pc->map.plausible_lo && s->value <= pc->map.plausible_hi));
            n = feed(pc, &st, s->value, &now, ev);
        } else if (s->action == PLAN_RELEASE) {
            n = feed(pc, &st, normal_value(pc), &now, ev);
        } else {
            const char *refused = NULL;
            n = rules_reset(&pc->rule, &st, 0, now, "test", ev, &refused);
        }
        int ok = n >= 1 && ev[n - 1].kind == s->expect && strcmp(ev[n - 1].level, level) == 0;
        CHECK(ok);
        if (!ok)
            fprintf(stderr, "  %s/%s step %zu: expected %s %s, the engine decided %d event(s), last %s %s\n",
                    profile, pc->id, i, event_kind_name(s->expect), level, n,
                    n > 0 ? event_kind_name(ev[n - 1].kind) : "-", n > 0 ? ev[n - 1].level : "-");
    }
    CHECK_INT(st.severity, 0);              /* the point ends normal and unlatched */
    CHECK_INT(st.latched_severity, 0);
}

static size_t play_every_profile(void)
{
    struct cfg_err err;
    size_t points = 0;
    DIR *d = opendir(PROFILE_DIR);
    CHECK(d != NULL);
    for (struct dirent *e; d && (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len <= strlen(PROFILE_EXT) || strcmp(e->d_name + len - strlen(PROFILE_EXT), PROFILE_EXT) != 0)
            continue;
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len - strlen(PROFILE_EXT)), e->d_name);
        struct profile *pf = profile_load(PROFILE_DIR, name, &err);
        CHECK(pf != NULL);
        for (size_t i = 0; pf && i < pf->npoints; i++)
            if (pf->points[i].rule.nlevels > 0) {
                play(name, &pf->points[i]);
                points++;
            }
        profile_free(pf);
    }
    if (d)
        closedir(d);
    return points;
}

static const struct point_cfg *find(const struct profile *pf, const char *id)
{
    for (size_t i = 0; i < pf->npoints; i++)
        if (strcmp(pf->points[i].id, id) == 0)
            return &pf->points[i];
    return NULL;
}

/* The shapes, value by value. */
static void test_spot_checks(void)
{
    struct cfg_err err;
    struct alarm_plan plan;
    char why[128];
    struct profile *lel = profile_load(PROFILE_DIR, "gas_lel", &err);
    struct profile *o2 = profile_load(PROFILE_DIR, "gas_o2", &err);
    struct profile *dust = profile_load(PROFILE_DIR, "dust_collector", &err);
    CHECK(lel && o2 && dust);
    if (!lel || !o2 || !dust)
        return;

    CHECK_INT(tool_plan_build(find(lel, "lel"), &plan, why, sizeof why), 0);   /* level1 25, level2 50, plausible 105 */
    CHECK_INT(plan.nsteps, 4);                  /* gas_lel latches: released, then reset */
    CHECK_NEAR(plan.steps[0].value, 37.5, 1e-9);
    CHECK_INT(plan.steps[0].expect, EV_RAISED);
    CHECK_NEAR(plan.steps[1].value, 77.5, 1e-9);
    CHECK_INT(plan.steps[1].expect, EV_ESCALATED);
    CHECK_INT(plan.steps[2].action, PLAN_RELEASE);
    CHECK_INT(plan.steps[2].expect, EV_RETURNED);
    CHECK_INT(plan.steps[3].action, PLAN_RESET);
    CHECK_INT(plan.steps[3].expect, EV_RESET);
    char text[128];
    tool_plan_describe(find(lel, "lel"), &plan.steps[0], text, sizeof text);
    CHECK_STR(text, "to 37.5 %LEL (level1 >= 25)");

    CHECK_INT(tool_plan_build(find(o2, "o2"), &plan, why, sizeof why), 0);     /* latching, high then low */
    CHECK_INT(plan.nsteps, 6);
    CHECK_INT(plan.steps[0].expect, EV_RAISED);
    CHECK_INT(plan.steps[1].expect, EV_RETURNED);
    CHECK_INT(plan.steps[2].action, PLAN_RESET);
    CHECK_INT(plan.steps[2].expect, EV_RESET);
    CHECK_NEAR(plan.steps[3].value, (19.5 + 0.0) * HALF, 1e-9);                /* uint16: raw 0 is the floor */

    const struct point_cfg *spark = find(dust, "spark");
    CHECK_INT(tool_plan_build(spark, &plan, why, sizeof why), 0);
    CHECK_NEAR(plan.steps[0].value, 1.0, 0);                                   /* a bit: its setpoint */
    CHECK_INT(tool_plan_build(find(dust, "fan_run"), &plan, why, sizeof why), -1);
    CHECK_CONTAINS(why, "no alarm levels");
    CHECK_INT(tool_plan_level_of(&find(dust, "dp")->rule, 2600), 2);          /* HH, the worst that holds */
    profile_free(lel);
    profile_free(o2);
    profile_free(dust);
}

/* A 4-20 mA channel: the worst level is driven no further than 20 mA. */
static void test_loop_point(void)
{
    struct point_cfg pc;
    struct alarm_plan plan;
    char why[128];
    memset(&pc, 0, sizeof pc);
    pc.map = (struct point_map){.area = AREA_INPUT, .type = VT_UINT16, .bit = -1, .scale = 0.001,
                                .signal = SIGNAL_LOOP_MA, .range_lo = 0, .range_hi = 100,
                                .plausible_lo = 1, .plausible_hi = 0};
    pc.rule.nlevels = 1;
    pc.rule.levels[0] = (struct level_cfg){.name = "H", .dir = LEVEL_HIGH, .setpoint = 80, .severity = 1};
    CHECK_INT(tool_plan_build(&pc, &plan, why, sizeof why), 0);
    CHECK_NEAR(plan.steps[0].value, 90, 1e-9);
    play("site", &pc);
}

int main(void)
{
    size_t n = play_every_profile();
    CHECK(n >= 20);                         /* every shipped alarm point was played */
    printf("played the alarm plans of %zu profile points through the rule engine\n", n);
    test_spot_checks();
    test_loop_point();
    return check_summary();
}
