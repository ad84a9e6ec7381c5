/*
 * test_rules.c - the alarm lifecycle of one point, driven by an injected clock.
 *
 * Levels, hysteresis, delays, N-of-M confirmation, LOW levels and what the events
 * carry. Faults are in test_rules_fault.c, operator acts in test_rules_acts.c and
 * the config reader in test_rules_parse.c.
 */
#include "rules_fixture.h"

#define GAS "{\"levels\":[{\"name\":\"level1\",\"above\":25},{\"name\":\"level2\",\"above\":50}]"

static void test_exactly_at_setpoint(void)
{
    struct rule_cfg cfg = rf_rule(GAS "}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 24.999, 0, ev), 0);
    CHECK_INT(rf_feed(&cfg, &st, 25.0, 1000, ev), 1);
    CHECK_EVENT(ev[0], EV_RAISED, 1, "level1");
    CHECK_INT(rf_feed(&cfg, &st, 25.0, 2000, ev), 0);   /* still exactly there: holds */
    CHECK_INT(rf_feed(&cfg, &st, 50.0, 3000, ev), 1);
    CHECK_EVENT(ev[0], EV_ESCALATED, 2, "level2");
    CHECK_INT(rf_feed(&cfg, &st, 49.999, 4000, ev), 1);
    CHECK_EVENT(ev[0], EV_DEESCALATED, 1, "level1");
    CHECK_INT(rf_feed(&cfg, &st, 24.999, 5000, ev), 1);
    CHECK_EVENT(ev[0], EV_CLEARED, 0, "level1");
}

static void test_hysteresis_band_is_quiet(void)
{
    struct rule_cfg cfg = rf_rule(GAS ",\"hysteresis\":2}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    static const double band[] = {23.5, 24.9, 23.1, 26.0, 23.0, 24.99, 23.0001};
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 25.0, 0, ev), 1);
    int total = 0;
    for (size_t i = 0; i < sizeof band / sizeof band[0]; i++)
        total += rf_feed(&cfg, &st, band[i], 1000 * (int64_t)(i + 1), ev);
    CHECK_INT(total, 0);
    CHECK_INT(st.severity, 1);
    CHECK_INT(rf_feed(&cfg, &st, 22.999, 10000, ev), 1);
    CHECK_EVENT(ev[0], EV_CLEARED, 0, "level1");
    /* Below the setpoint again: oscillating under it raises nothing. */
    CHECK_INT(rf_feed(&cfg, &st, 24.0, 11000, ev), 0);
}

static void test_ramp_up_and_down(void)
{
    struct rule_cfg cfg = rf_rule(GAS ",\"hysteresis\":2}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS], seen[16];
    int64_t seen_t[16];
    int nseen = 0;
    rules_state_init(&st);
    for (int step = 0; step <= 24; step++) {
        int v = step <= 12 ? step * 5 : (24 - step) * 5;   /* 0, 5, ... 60, ... 5, 0 */
        int n = rf_feed(&cfg, &st, v, step * 1000, ev);
        for (int i = 0; i < n && nseen < 16; i++, nseen++) {
            seen[nseen] = ev[i];
            seen_t[nseen] = step * 1000;
        }
    }
    CHECK_INT(nseen, 4);
    CHECK_EVENT(seen[0], EV_RAISED, 1, "level1");
    CHECK_NEAR(seen[0].value, 25, 1e-9);
    CHECK_EVENT(seen[1], EV_ESCALATED, 2, "level2");
    CHECK_NEAR(seen[1].value, 50, 1e-9);
    CHECK_EVENT(seen[2], EV_DEESCALATED, 1, "level1");
    CHECK_NEAR(seen[2].value, 45, 1e-9);             /* 50 - 2 = 48 still holds */
    CHECK_EVENT(seen[3], EV_CLEARED, 0, "level1");
    CHECK_NEAR(seen[3].value, 20, 1e-9);             /* 25 - 2 = 23 still holds */
    for (int i = 0; i < 4; i++) {
        CHECK_INT(seen[i].point, RF_POINT);
        CHECK_INT(seen[i].ts_ms, RF_WALL0 + seen_t[i]);
        CHECK_INT(seen[i].quality, QUALITY_GOOD);
        CHECK_STR(seen[i].actor, "");
    }
}

static void test_on_delay_interrupted(void)
{
    struct rule_cfg cfg = rf_rule(GAS ",\"on_delay_s\":5}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 30, 0, ev), 0);
    CHECK_INT(rf_feed(&cfg, &st, 31, 3000, ev), 0);
    CHECK_INT(rf_feed(&cfg, &st, 10, 4000, ev), 0);     /* interrupted: starts over */
    CHECK_INT(rf_tick(&cfg, &st, 5000, ev), 0);          /* 5 s after the first, but broken */
    CHECK_INT(rf_feed(&cfg, &st, 30, 6000, ev), 0);
    CHECK_INT(rf_tick(&cfg, &st, 10999, ev), 0);
    CHECK_INT(rf_tick(&cfg, &st, 11000, ev), 1);         /* 5 s of uninterrupted alarm */
    CHECK_EVENT(ev[0], EV_RAISED, 1, "level1");
    CHECK_INT(ev[0].ts_ms, RF_WALL0 + 11000);           /* the tick's wall time */
    CHECK_NEAR(ev[0].value, 30, 1e-9);
    CHECK_INT(rf_tick(&cfg, &st, 20000, ev), 0);         /* nothing more to decide */
}

static void test_off_delay(void)
{
    struct rule_cfg cfg = rf_rule(GAS ",\"off_delay_s\":10}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 30, 0, ev), 1);         /* no on-delay: at once */
    CHECK_INT(rf_feed(&cfg, &st, 5, 1000, ev), 0);
    CHECK_INT(rf_feed(&cfg, &st, 30, 6000, ev), 0);      /* back in alarm: clear cancelled */
    CHECK_INT(rf_feed(&cfg, &st, 5, 7000, ev), 0);
    CHECK_INT(rf_tick(&cfg, &st, 16999, ev), 0);
    CHECK_INT(rf_tick(&cfg, &st, 17000, ev), 1);
    CHECK_EVENT(ev[0], EV_CLEARED, 0, "level1");
    /* De-escalation waits for the off-delay too; escalation does not. */
    CHECK_INT(rf_feed(&cfg, &st, 60, 20000, ev), 1);
    CHECK_EVENT(ev[0], EV_RAISED, 2, "level2");
    CHECK_INT(rf_feed(&cfg, &st, 30, 21000, ev), 0);
    CHECK_INT(rf_tick(&cfg, &st, 31000, ev), 1);
    CHECK_EVENT(ev[0], EV_DEESCALATED, 1, "level1");
}

static void test_n_of_m(void)
{
    struct rule_cfg cfg = rf_rule(GAS ",\"confirm\":{\"n\":2,\"m\":3}}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    static const double spikes[] = {30, 0, 0, 30, 0, 0, 60, 0};
    rules_state_init(&st);
    int total = 0;
    for (size_t i = 0; i < sizeof spikes / sizeof spikes[0]; i++)
        total += rf_feed(&cfg, &st, spikes[i], 1000 * (int64_t)i, ev);
    CHECK_INT(total, 0);                                 /* lone spikes never confirm */
    CHECK_INT(rf_feed(&cfg, &st, 30, 9000, ev), 1);      /* window 60,0,30: two of three */
    CHECK_EVENT(ev[0], EV_RAISED, 1, "level1");
    CHECK_INT(rf_feed(&cfg, &st, 0, 10000, ev), 1);      /* clearing needs no confirmation */
    CHECK_EVENT(ev[0], EV_CLEARED, 0, "level1");
    /* The widest window: all 32 of the last 32. */
    struct rule_cfg wide = rf_rule(GAS ",\"confirm\":{\"n\":32,\"m\":32}}");
    rules_state_init(&st);
    total = 0;
    for (int i = 0; i < 31; i++)
        total += rf_feed(&wide, &st, 30, 1000 * (int64_t)i, ev);
    CHECK_INT(total, 0);
    CHECK_INT(rf_feed(&wide, &st, 30, 31000, ev), 1);
    CHECK_EVENT(ev[0], EV_RAISED, 1, "level1");
}

static void test_low_levels_oxygen(void)
{
    struct rule_cfg cfg = rf_rule("{\"levels\":[{\"name\":\"low\",\"below\":19.5},"
                                  "{\"name\":\"high\",\"above\":23.5}],\"hysteresis\":0.5}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 20.9, 0, ev), 0);
    CHECK_INT(rf_feed(&cfg, &st, 19.6, 1000, ev), 0);
    CHECK_INT(rf_feed(&cfg, &st, 19.5, 2000, ev), 1);
    CHECK_EVENT(ev[0], EV_RAISED, 1, "low");
    CHECK_INT(rf_feed(&cfg, &st, 19.9, 3000, ev), 0);    /* inside 19.5 + 0.5 */
    CHECK_INT(rf_feed(&cfg, &st, 20.1, 4000, ev), 1);
    CHECK_EVENT(ev[0], EV_CLEARED, 0, "low");
    CHECK_INT(rf_feed(&cfg, &st, 23.5, 5000, ev), 1);
    CHECK_EVENT(ev[0], EV_RAISED, 1, "high");
    CHECK_INT(rf_feed(&cfg, &st, 23.1, 6000, ev), 0);
    CHECK_INT(rf_feed(&cfg, &st, 22.9, 7000, ev), 1);
    CHECK_EVENT(ev[0], EV_CLEARED, 0, "high");
    /* Straight from too little oxygen to too much: one alarm ends, the other starts. */
    CHECK_INT(rf_feed(&cfg, &st, 18.0, 8000, ev), 1);
    CHECK_INT(rf_feed(&cfg, &st, 24.0, 9000, ev), 2);
    CHECK_EVENT(ev[0], EV_CLEARED, 0, "low");
    CHECK_EVENT(ev[1], EV_RAISED, 1, "high");
}

static void test_hh_h_l_ll(void)
{
    struct rule_cfg cfg = rf_rule("{\"levels\":[{\"name\":\"H\",\"above\":80},"
                                  "{\"name\":\"HH\",\"above\":90},{\"name\":\"L\",\"below\":20},"
                                  "{\"name\":\"LL\",\"below\":10}]}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    CHECK_INT(cfg.levels[0].severity, 1);
    CHECK_INT(cfg.levels[1].severity, 2);
    CHECK_INT(cfg.levels[2].severity, 1);
    CHECK_INT(cfg.levels[3].severity, 2);
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 5, 0, ev), 1);
    CHECK_EVENT(ev[0], EV_RAISED, 2, "LL");
    CHECK_INT(rf_feed(&cfg, &st, 15, 1000, ev), 1);
    CHECK_EVENT(ev[0], EV_DEESCALATED, 1, "L");
    CHECK_INT(rf_feed(&cfg, &st, 95, 2000, ev), 2);
    CHECK_EVENT(ev[0], EV_CLEARED, 0, "L");
    CHECK_EVENT(ev[1], EV_RAISED, 2, "HH");
}

static void test_no_levels_still_faults(void)
{
    struct rule_cfg cfg = {0};
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    rules_state_init(&st);
    CHECK_INT(rf_feed(&cfg, &st, 1e9, 0, ev), 0);
    CHECK_INT(rf_tick(&cfg, &st, 1000, ev), 0);
    CHECK_INT(rf_feed_q(&cfg, &st, 0, QUALITY_COMM_FAIL, 2000, ev), 1);
    CHECK_EVENT(ev[0], EV_FAULT, 0, "");
}

/* A state kept across a reload that shrank the rule must not index a level that is gone. */
static void test_state_outlives_smaller_rule(void)
{
    struct rule_cfg big = rf_rule("{\"levels\":[{\"name\":\"a\",\"above\":1},"
                                  "{\"name\":\"b\",\"above\":2},{\"name\":\"c\",\"above\":3},"
                                  "{\"name\":\"d\",\"above\":4}],\"latch\":true}");
    struct rule_cfg small = rf_rule("{\"levels\":[{\"name\":\"a\",\"above\":1}]}");
    struct rule_state st;
    struct event ev[RULE_MAX_EVENTS];
    const char *why = NULL;
    rules_state_init(&st);
    CHECK_INT(rf_feed(&big, &st, 10, 0, ev), 1);
    CHECK_EVENT(ev[0], EV_RAISED, 4, "d");
    CHECK_INT(rf_tick(&small, &st, 1000, ev), 0);
    CHECK_INT(st.severity, 0);                           /* the level is gone, not kept */
    CHECK_INT(rules_silence(&small, &st, RF_POINT, RF_WALL0, "cli", ev, &why), -1);
    CHECK_INT(rf_feed(&small, &st, 10, 2000, ev), 1);
    CHECK_EVENT(ev[0], EV_RAISED, 1, "a");
}

int main(void)
{
    test_exactly_at_setpoint();
    test_hysteresis_band_is_quiet();
    test_ramp_up_and_down();
    test_on_delay_interrupted();
    test_off_delay();
    test_n_of_m();
    test_low_levels_oxygen();
    test_hh_h_l_ll();
    test_no_levels_still_faults();
    test_state_outlives_smaller_rule();
    return check_summary();
}
