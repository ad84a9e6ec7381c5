/*
 * test_rules_fault.c - a fault is a quality, not a concentration (NAMUR NE43, GB 16808).
 *
 * A dead or shorted detector must be reported once, must never clear or lower an
 * alarm, must never read as zero gas, and must not feed delays or confirmation.
 */
#include <math.h>
#include "rules_fixture.h"

#define GAS "{\"levels\":[{\"name\":\"level1\",\"above\":25},{\"name\":\"level2\",\"above\":50}]"

static void test_fault_during_alarm(void)
{
    struct rule_cfg cfg = rf_rule(GAS "}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 60, 0, ev), 1);
    CHECK_INT(rf_feed_q(&cfg, &st, 0, QUALITY_COMM_FAIL, 1000, ev), 1);
    CHECK_EVENT(ev[0], EV_FAULT, 2, "level2");          /* the alarm in force stays */
    CHECK_INT(ev[0].quality, QUALITY_COMM_FAIL);
    CHECK_NEAR(ev[0].value, 60, 1e-9);                   /* the last good reading, not 0 */
    CHECK_INT(ev[0].ts_ms, RF_WALL0 + 1000);
    CHECK_INT(rf_feed_q(&cfg, &st, 0, QUALITY_COMM_FAIL, 2000, ev), 0);   /* once */
    CHECK_INT(rf_feed_q(&cfg, &st, 2.1, QUALITY_SENSOR_FAULT, 3000, ev), 0);
    CHECK_INT(rf_feed_q(&cfg, &st, -5, QUALITY_OUT_OF_RANGE, 4000, ev), 0);
    CHECK_INT(rf_tick(&cfg, &st, 100000, ev), 0);
    CHECK_INT(st.severity, 2);
    /* Good again: FAULT_CLEARED, then the value is judged as usual. */
    CHECK_INT(rf_feed(&cfg, &st, 55, 101000, ev), 1);
    CHECK_EVENT(ev[0], EV_FAULT_CLEARED, 2, "level2");
    CHECK_NEAR(ev[0].value, 55, 1e-9);
    CHECK_INT(rf_feed_q(&cfg, &st, 0, QUALITY_SENSOR_FAULT, 102000, ev), 1);
    CHECK_EVENT(ev[0], EV_FAULT, 2, "level2");
    CHECK_INT(rf_feed(&cfg, &st, 0, 103000, ev), 2);
    CHECK_EVENT(ev[0], EV_FAULT_CLEARED, 2, "level2");
    CHECK_EVENT(ev[1], EV_CLEARED, 0, "level2");
}

/* A pending clear does not run on while the detector is dead, nor count the fault as 0. */
static void test_fault_freezes_off_delay(void)
{
    struct rule_cfg cfg = rf_rule(GAS ",\"off_delay_s\":10}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 30, 0, ev), 1);
    CHECK_INT(rf_feed(&cfg, &st, 0, 1000, ev), 0);       /* off-delay starts */
    CHECK_INT(rf_feed_q(&cfg, &st, 0, QUALITY_COMM_FAIL, 2000, ev), 1);
    for (int64_t t = 3000; t <= 30000; t += 1000) {
        CHECK_INT(rf_feed_q(&cfg, &st, 0, QUALITY_COMM_FAIL, t, ev), 0);
        CHECK_INT(rf_tick(&cfg, &st, t + 500, ev), 0);
    }
    CHECK_INT(st.severity, 1);
    CHECK_INT(rf_feed(&cfg, &st, 0, 31000, ev), 1);      /* FAULT_CLEARED; delay restarts */
    CHECK_EVENT(ev[0], EV_FAULT_CLEARED, 1, "level1");
    CHECK_INT(rf_tick(&cfg, &st, 40999, ev), 0);
    CHECK_INT(rf_tick(&cfg, &st, 41000, ev), 1);
    CHECK_EVENT(ev[0], EV_CLEARED, 0, "level1");
}

/* Faults stay out of the N-of-M window: they neither confirm nor break a confirmation. */
static void test_fault_not_in_confirmation(void)
{
    struct rule_cfg cfg = rf_rule(GAS ",\"confirm\":{\"n\":2,\"m\":2}}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 30, 0, ev), 0);
    CHECK_INT(rf_feed_q(&cfg, &st, 0, QUALITY_COMM_FAIL, 1000, ev), 1);
    CHECK_INT(rf_feed(&cfg, &st, 30, 2000, ev), 2);
    CHECK_EVENT(ev[0], EV_FAULT_CLEARED, 0, "");
    CHECK_EVENT(ev[1], EV_RAISED, 1, "level1");
}

/* A fault while normal: reported, and no alarm, no clear, nothing else. */
static void test_fault_while_normal_and_bad_numbers(void)
{
    struct rule_cfg cfg = rf_rule(GAS "}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 3, 0, ev), 0);
    CHECK_INT(rf_feed_q(&cfg, &st, 99, QUALITY_SENSOR_FAULT, 1000, ev), 1);
    CHECK_EVENT(ev[0], EV_FAULT, 0, "");                 /* a fault value never alarms */
    CHECK_NEAR(ev[0].value, 3, 1e-9);
    CHECK_INT(rf_feed(&cfg, &st, 3, 2000, ev), 1);
    CHECK_EVENT(ev[0], EV_FAULT_CLEARED, 0, "");
    /* A NaN with a good quality is a broken reading, not a number below every setpoint. */
    CHECK_INT(rf_feed(&cfg, &st, 40, 3000, ev), 1);
    CHECK_INT(rf_feed(&cfg, &st, NAN, 4000, ev), 1);
    CHECK_EVENT(ev[0], EV_FAULT, 1, "level1");
    CHECK_INT(ev[0].quality, QUALITY_OUT_OF_RANGE);
    CHECK_INT(rf_feed(&cfg, &st, INFINITY, 5000, ev), 0);
    CHECK_INT(st.severity, 1);
}

/* NE43 saturation bands are flagged but still a reading: they alarm. */
static void test_uncertain_is_evaluated(void)
{
    struct rule_cfg cfg = rf_rule(GAS "}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    rules_state_init(&st);
    CHECK_INT(rf_feed_q(&cfg, &st, 100, QUALITY_UNCERTAIN, 0, ev), 1);
    CHECK_EVENT(ev[0], EV_RAISED, 2, "level2");
    CHECK_INT(ev[0].quality, QUALITY_UNCERTAIN);
    CHECK_INT(st.faulted, 0);
}

int main(void)
{
    test_fault_during_alarm();
    test_fault_freezes_off_delay();
    test_fault_not_in_confirmation();
    test_fault_while_normal_and_bad_numbers();
    test_uncertain_is_evaluated();
    return check_summary();
}
