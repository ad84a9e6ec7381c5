/*
 * test_rules_stale.c - the stale check: a good reading that stops moving is a fault-class
 * STALE event after its time, exactly then and not before, and STALE_CLEARED once the
 * value moves past its band. Injected clock; ticks let the time run out between samples.
 */
#include "rules_fixture.h"

#define FOR_MS 600000           /* "for_s": 600 */

static struct event ev[RULE_MAX_EVENTS];

static void test_parse(void)
{
    struct rule_cfg cfg = rf_rule("{\"stale\":{\"for_s\":600,\"band\":0.1}}");
    CHECK_INT(cfg.nlevels, 0);                  /* a stale check may stand alone */
    CHECK_INT(cfg.stale_ms, FOR_MS);
    CHECK_NEAR(cfg.stale_band, 0.1, 1e-12);
    CHECK(rules_enabled(&cfg));
    struct rule_cfg none = {0};
    CHECK(!rules_enabled(&none));

    static const struct { const char *json, *msg; } bad[] = {
        {"{\"stale\":{\"band\":1}}", "alarm.stale.for_s: is required"},
        {"{\"stale\":{\"for_s\":0.5}}", "alarm.stale.for_s"},
        {"{\"stale\":{\"for_s\":60,\"band\":-1}}", "alarm.stale.band"},
        {"{\"stale\":{\"for_s\":60,\"bnad\":1}}", "alarm.stale.bnad: unknown key"},
        {"{\"hysteresis\":1}", "alarm.levels: is required"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rule_cfg c;
        struct cfg_err err = {{0}};
        cJSON *root = cJSON_Parse(bad[i].json);
        CHECK_INT(rules_parse(root, "alarm", &c, &err), -1);
        CHECK_CONTAINS(err.msg, bad[i].msg);
        cJSON_Delete(root);
    }
}

/* Exactly at for_s, from a tick; moves inside the band do not restart the period. */
static void test_stale_and_clear(void)
{
    struct rule_cfg cfg = rf_rule("{\"stale\":{\"for_s\":600,\"band\":0.5}}");
    struct rule_state st;
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 20.0, 0, ev), 0);
    CHECK_INT(rf_feed(&cfg, &st, 20.4, 1000, ev), 0);      /* inside the band */
    CHECK_INT(rf_feed(&cfg, &st, 19.6, 2000, ev), 0);
    CHECK_INT(rf_tick(&cfg, &st, FOR_MS - 1, ev), 0);
    CHECK_INT(rf_tick(&cfg, &st, FOR_MS, ev), 1);
    CHECK_EVENT(ev[0], EV_STALE, 0, "");
    CHECK_INT(ev[0].ts_ms, RF_WALL0 + FOR_MS);
    CHECK_INT(rf_tick(&cfg, &st, FOR_MS + 1000, ev), 0);    /* once */
    CHECK_INT(rf_feed(&cfg, &st, 20.0, FOR_MS + 2000, ev), 0);
    CHECK_INT(rf_feed(&cfg, &st, 20.6, FOR_MS + 3000, ev), 1);   /* past the band */
    CHECK_EVENT(ev[0], EV_STALE_CLEARED, 0, "");
    CHECK_NEAR(ev[0].value, 20.6, 1e-12);
    CHECK_INT(rf_tick(&cfg, &st, 2 * FOR_MS + 2999, ev), 0);     /* a new period from 20.6 */
    CHECK_INT(rf_tick(&cfg, &st, 2 * FOR_MS + 3000, ev), 1);
    CHECK_EVENT(ev[0], EV_STALE, 0, "");
}

/* A slow drift, each step inside the band, still moves away from where the quiet
 * period started: that is movement, not a frozen reading. */
static void test_drift_is_movement(void)
{
    struct rule_cfg cfg = rf_rule("{\"stale\":{\"for_s\":600,\"band\":0.5}}");
    struct rule_state st;
    rules_state_init(&st);
    int n = 0;
    for (int k = 0; k <= 20; k++)                           /* 0.3 per minute for 20 min */
        n += rf_feed(&cfg, &st, 10.0 + 0.3 * k, (int64_t)k * 60000, ev);
    CHECK_INT(n, 0);
}

/* A fault breaks the period; a frozen value keeps its alarm and is stale too. */
static void test_fault_and_alarm(void)
{
    struct rule_cfg cfg = rf_rule("{\"levels\":[{\"name\":\"level1\",\"above\":25}],"
                                  "\"stale\":{\"for_s\":600}}");
    struct rule_state st;
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 30, 0, ev), 1);
    CHECK_EVENT(ev[0], EV_RAISED, 1, "level1");
    CHECK_INT(rf_feed_q(&cfg, &st, 0, QUALITY_COMM_FAIL, 300000, ev), 1);
    CHECK_EVENT(ev[0], EV_FAULT, 1, "level1");
    CHECK_INT(rf_tick(&cfg, &st, FOR_MS, ev), 0);           /* a fault runs no timer */
    CHECK_INT(rf_feed(&cfg, &st, 30, FOR_MS + 1000, ev), 1);
    CHECK_EVENT(ev[0], EV_FAULT_CLEARED, 1, "level1");
    CHECK_INT(rf_tick(&cfg, &st, 2 * FOR_MS + 999, ev), 0); /* the period began after the fault */
    CHECK_INT(rf_tick(&cfg, &st, 2 * FOR_MS + 1000, ev), 1);
    CHECK_EVENT(ev[0], EV_STALE, 1, "level1");              /* the alarm stands beside it */
    CHECK_INT(st.severity, 1);
}

int main(void)
{
    test_parse();
    test_stale_and_clear();
    test_drift_is_movement();
    test_fault_and_alarm();
    return check_summary();
}
