/*
 * test_rules_acts.c - silence and reset, the operator's acts (GB 16808 latching).
 *
 * Silence acknowledges and a new or higher alarm sounds again; reset ends a
 * latched alarm only once its condition is gone; every refusal gives a reason
 * and changes nothing.
 */
#include "rules_fixture.h"

#define GAS "{\"levels\":[{\"name\":\"level1\",\"above\":25},{\"name\":\"level2\",\"above\":50}]"

static void test_reset_refused_while_active(void)
{
    struct rule_cfg cfg = rf_rule(GAS ",\"latch\":true}");
    struct rule_state st, before;
    struct event ev[RULE_MAX_EVENTS];
    const char *why = NULL;
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 30, 0, ev), 1);
    before = st;
    CHECK_INT(rules_reset(&cfg, &st, RF_POINT, RF_WALL0 + 500, "cli", ev, &why), -1);
    CHECK_STR(why, "the alarm condition still holds; reset once the reading is back to normal");
    CHECK(memcmp(&before, &st, sizeof st) == 0);
}

static void test_latch_returned_reset(void)
{
    struct rule_cfg cfg = rf_rule(GAS ",\"latch\":true}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    const char *why = NULL;
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 30, 0, ev), 1);
    CHECK_INT(rf_feed(&cfg, &st, 60, 1000, ev), 1);
    CHECK_EVENT(ev[0], EV_ESCALATED, 2, "level2");
    CHECK_INT(rf_feed(&cfg, &st, 30, 2000, ev), 1);
    CHECK_EVENT(ev[0], EV_DEESCALATED, 1, "level1");
    CHECK_INT(rf_feed(&cfg, &st, 0, 3000, ev), 1);
    CHECK_EVENT(ev[0], EV_RETURNED, 0, "level1");       /* not CLEARED: it waits */
    CHECK_INT(st.latched_severity, 2);
    CHECK_INT(rf_feed(&cfg, &st, 0, 4000, ev), 0);
    CHECK_INT(rules_reset(&cfg, &st, RF_POINT, RF_WALL0 + 5000, "cli", ev, &why), 1);
    CHECK_EVENT(ev[0], EV_RESET, 0, "level2");          /* the highest level latched */
    CHECK_STR(ev[0].actor, "cli");
    CHECK_INT(ev[0].ts_ms, RF_WALL0 + 5000);
    CHECK_INT(ev[0].point, RF_POINT);
    CHECK_INT(st.latched_severity, 0);
    CHECK_INT(rules_reset(&cfg, &st, RF_POINT, RF_WALL0 + 6000, "cli", ev, &why), -1);
    CHECK_STR(why, "no alarm is latched on this point, so there is nothing to reset");
    /* After a reset the next alarm is a new alarm. */
    CHECK_INT(rf_feed(&cfg, &st, 26, 7000, ev), 1);
    CHECK_EVENT(ev[0], EV_RAISED, 1, "level1");
}

static void test_reset_refusals(void)
{
    struct rule_cfg plain = rf_rule(GAS "}");
    struct rule_cfg latch = rf_rule(GAS ",\"latch\":true}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    const char *why = NULL;
    rules_state_init(&st);
    CHECK_INT(rules_reset(&plain, &st, RF_POINT, RF_WALL0, "cli", ev, &why), -1);
    CHECK_CONTAINS(why, "do not latch");
    /* A latched alarm on a dead detector: the condition cannot be seen to be gone. */
    CHECK_INT(rf_feed(&latch, &st, 30, 0, ev), 1);
    CHECK_INT(rf_feed(&latch, &st, 0, 1000, ev), 1);
    CHECK_INT(rf_feed_q(&latch, &st, 0, QUALITY_COMM_FAIL, 2000, ev), 1);
    CHECK_INT(rules_reset(&latch, &st, RF_POINT, RF_WALL0, "cli", ev, &why), -1);
    CHECK_CONTAINS(why, "in fault");
    CHECK_INT(st.latched_severity, 1);
}

static void test_silence_then_realarm(void)
{
    struct rule_cfg cfg = rf_rule(GAS ",\"hysteresis\":1}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    const char *why = NULL;
    rules_state_init(&st);
    CHECK_INT(rules_silence(&cfg, &st, RF_POINT, RF_WALL0, "mqtt", ev, &why), -1);
    CHECK_STR(why, "nothing is in alarm on this point, so there is nothing to silence");
    CHECK_INT(rf_feed(&cfg, &st, 30, 0, ev), 1);
    CHECK_INT(rules_silence(&cfg, &st, RF_POINT, RF_WALL0 + 1000, "mqtt", ev, &why), 1);
    CHECK_EVENT(ev[0], EV_SILENCED, 1, "level1");
    CHECK_STR(ev[0].actor, "mqtt");
    CHECK_INT(ev[0].ts_ms, RF_WALL0 + 1000);
    CHECK_INT(st.severity, 1);                           /* silence is not a clear */
    CHECK_INT(rules_silence(&cfg, &st, RF_POINT, RF_WALL0 + 1500, "mqtt", ev, &why), -1);
    CHECK_CONTAINS(why, "already silenced");
    CHECK_INT(rf_feed(&cfg, &st, 55, 2000, ev), 1);
    CHECK_EVENT(ev[0], EV_ESCALATED, 2, "level2");
    CHECK_INT(st.silenced, 0);                           /* sounds again */
    CHECK_INT(rules_silence(&cfg, &st, RF_POINT, RF_WALL0 + 3000, "cli", ev, &why), 1);
    CHECK_EVENT(ev[0], EV_SILENCED, 2, "level2");
    CHECK_INT(rf_feed(&cfg, &st, 30, 4000, ev), 1);
    CHECK_EVENT(ev[0], EV_DEESCALATED, 1, "level1");
    CHECK_INT(st.silenced, 1);                           /* lower is not a new alarm */
    CHECK_INT(rf_feed(&cfg, &st, 0, 5000, ev), 1);
    CHECK_INT(st.silenced, 0);                           /* cleared: the next one sounds */
    CHECK_INT(rules_silence(&cfg, &st, RF_POINT, RF_WALL0 + 6000, "cli", ev, &why), -1);
}

/* Silence a latched alarm after it returned, then a new alarm sounds again. */
static void test_silence_latched(void)
{
    struct rule_cfg cfg = rf_rule(GAS ",\"latch\":true}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    const char *why = NULL;
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 60, 0, ev), 1);
    CHECK_INT(rf_feed(&cfg, &st, 0, 1000, ev), 1);
    CHECK_EVENT(ev[0], EV_RETURNED, 0, "level2");
    CHECK_INT(rules_silence(&cfg, &st, RF_POINT, RF_WALL0 + 2000, "mqtt", ev, &why), 1);
    CHECK_EVENT(ev[0], EV_SILENCED, 2, "level2");
    CHECK_INT(rf_feed(&cfg, &st, 30, 3000, ev), 1);
    CHECK_EVENT(ev[0], EV_RAISED, 1, "level1");
    CHECK_INT(st.silenced, 0);
    CHECK_INT(st.latched_severity, 2);
}

int main(void)
{
    test_reset_refused_while_active();
    test_latch_returned_reset();
    test_reset_refusals();
    test_silence_then_realarm();
    test_silence_latched();
    return check_summary();
}
