/*
 * test_outputs.c - local outputs follow the alarms: which alarms need a siren, and the
 * life of a write to it (sent, answered, failed, retried, re-driven), with an injected
 * clock and real rule states driven through the rule engine.
 */
#include "check.h"
#include "outputs.h"
#include "rules_fixture.h"

#define GAS1 0u
#define GAS2 1u
#define HORN 5u
#define NPOINTS 6
#define RETRY_MS 1000
#define DEADLINE_MS 5000
#define LATCHED "{\"levels\":[{\"name\":\"level1\",\"above\":25},{\"name\":\"level2\",\"above\":50}],\"latch\":true}"

static struct rule_state states[NPOINTS];
static struct event ev[RULE_MAX_EVENTS];

static void feed(const struct rule_cfg *cfg, uint32_t point, double v, int64_t t)
{
    rf_feed(cfg, &states[point], v, t, ev);
}

static struct output_want want(const struct output_cfg *outs, size_t n)
{
    struct output_want w;
    outputs_want(outs, n, states, &w);
    return w;
}

/* Two detectors share one horn: it sounds while either alarm stands, the count says how
 * many, and the more severe alarm's `on` wins. */
static void test_shared_siren(void)
{
    struct rule_cfg cfg = rf_rule(LATCHED);
    struct output_cfg outs[2] = {{.source = GAS1, .source_slot = GAS1, .target = HORN, .on = 1, .off = 0, .min_severity = 1},
                                 {.source = GAS2, .source_slot = GAS2, .target = HORN, .on = 2, .off = 0, .min_severity = 1}};
    const char *why;
    for (size_t i = 0; i < NPOINTS; i++)
        rules_state_init(&states[i]);
    struct output_want w = want(outs, 2);
    CHECK_INT(w.count, 0);
    CHECK_NEAR(w.value, 0, 0);
    CHECK_INT(w.source, POINT_NONE);
    feed(&cfg, GAS1, 30, 0);
    w = want(outs, 2);
    CHECK_INT(w.count, 1);
    CHECK_NEAR(w.value, 1, 0);
    feed(&cfg, GAS2, 60, 10);                   /* level 2 on the second detector */
    w = want(outs, 2);
    CHECK_INT(w.count, 2);
    CHECK_NEAR(w.value, 2, 0);                  /* the more severe alarm's pattern */
    CHECK_INT(w.source, GAS2);
    feed(&cfg, GAS2, 0, 20);                    /* gone, but latched: still needed */
    CHECK_INT(want(outs, 2).count, 2);
    CHECK_INT(rules_reset(&cfg, &states[GAS2], GAS2, 30, "cli:test", ev, &why), 1);
    w = want(outs, 2);
    CHECK_INT(w.count, 1);                      /* gas1 still holds it on */
    CHECK_NEAR(w.value, 1, 0);
    feed(&cfg, GAS1, 0, 40);
    CHECK_INT(rules_reset(&cfg, &states[GAS1], GAS1, 50, "cli:test", ev, &why), 1);
    w = want(outs, 2);
    CHECK_INT(w.count, 0);
    CHECK_NEAR(w.value, 0, 0);
}

/* GB 16808 silence mutes the sounder, not the beacon; a higher alarm sounds it again. */
static void test_silence_and_severity(void)
{
    struct rule_cfg cfg = rf_rule(LATCHED);
    struct output_cfg horn = {.source = GAS1, .source_slot = GAS1, .target = HORN, .on = 1, .min_severity = 1, .audible = 1};
    struct output_cfg beacon = {.source = GAS1, .source_slot = GAS1, .target = HORN - 1, .on = 1, .min_severity = 1};
    struct output_cfg evac = {.source = GAS1, .source_slot = GAS1, .target = HORN - 2, .on = 1, .min_severity = 2};
    const char *why;
    rules_state_init(&states[GAS1]);
    feed(&cfg, GAS1, 30, 0);
    CHECK(output_needed(&horn, &states[GAS1]));
    CHECK(output_needed(&beacon, &states[GAS1]));
    CHECK(!output_needed(&evac, &states[GAS1]));    /* level 1 is below its severity */
    CHECK_INT(rules_silence(&cfg, &states[GAS1], GAS1, 5, "mqtt:duty", ev, &why), 1);
    CHECK(!output_needed(&horn, &states[GAS1]));
    CHECK(output_needed(&beacon, &states[GAS1]));
    feed(&cfg, GAS1, 55, 10);                   /* escalates: sounds again */
    CHECK(output_needed(&horn, &states[GAS1]));
    CHECK(output_needed(&evac, &states[GAS1]));
    feed(&cfg, GAS1, 30, 20);                   /* de-escalates: latched at 2, evac holds */
    CHECK(output_needed(&evac, &states[GAS1]));

    /* A restart restores the state as saved: the same outputs are needed. */
    struct rule_state saved = states[GAS1];
    CHECK_INT(output_needed(&horn, &saved), output_needed(&horn, &states[GAS1]));
    CHECK_INT(output_needed(&evac, &saved), 1);

    /* Without latch the output follows the condition and a clear releases it. */
    struct rule_cfg plain = rf_rule("{\"levels\":[{\"name\":\"H\",\"above\":10}]}");
    rules_state_init(&states[GAS2]);
    struct output_cfg o = {.source = GAS2, .source_slot = GAS2, .target = HORN, .on = 1, .min_severity = 1};
    rf_feed(&plain, &states[GAS2], 11, 0, ev);
    CHECK(output_needed(&o, &states[GAS2]));
    rf_feed(&plain, &states[GAS2], 9, 10, ev);
    CHECK(!output_needed(&o, &states[GAS2]));
}

/* A slot of HORN wanting value, its first write (id 1) on the wire. */
static void slot_on_wire(struct output_slot *s, double value, int by_hand)
{
    output_slot_init(s, HORN);
    output_slot_want(s, value, 1, by_hand);
    output_slot_sent(s, 1, value, value, DEADLINE_MS);
}

/* want -> due -> sent -> confirmed; a new demand while one is on the wire waits for it. */
static void test_slot_write(void)
{
    struct output_slot s;
    double v = -1;
    output_slot_init(&s, HORN);
    CHECK(!output_slot_due(&s, 0, &v));                 /* nothing wanted yet */
    CHECK_INT(output_slot_want(&s, 0, 0, 0), 1);        /* asserted at start: no event */
    CHECK(output_slot_due(&s, 0, &v));
    CHECK_NEAR(v, 0, 0);
    output_slot_sent(&s, 1, 0, 0, DEADLINE_MS);
    CHECK(!output_slot_due(&s, 1, &v));                 /* one write at a time */
    CHECK_INT(output_slot_result(&s, 1, 1, 10, RETRY_MS), OUTPUT_RECORD_NONE);
    CHECK(!output_slot_due(&s, 11, &v));                /* in place */
    CHECK_INT(output_slot_want(&s, 0, 1, 0), 0);        /* the same value is no news */

    CHECK_INT(output_slot_want(&s, 1, 1, 0), 1);        /* an alarm: news */
    CHECK(output_slot_due(&s, 20, &v));
    output_slot_sent(&s, 2, 1, 1, 20 + DEADLINE_MS);
    CHECK_INT(output_slot_want(&s, 0, 1, 0), 1);        /* released before the answer */
    CHECK_INT(output_slot_result(&s, 99, 1, 30, RETRY_MS), OUTPUT_RECORD_NONE);   /* stale id */
    CHECK(s.in_flight);
    CHECK_INT(output_slot_result(&s, 2, 1, 30, RETRY_MS), OUTPUT_RECORD_DRIVEN);
    CHECK(output_slot_due(&s, 31, &v));                 /* now the release goes out */
    CHECK_NEAR(v, 0, 0);
    output_slot_sent(&s, 3, 0, 0, 31 + DEADLINE_MS);
    CHECK_INT(output_slot_result(&s, 3, 1, 40, RETRY_MS), OUTPUT_RECORD_DRIVEN);
}

/* A dead module: the first failure is recorded, retries wait and are not, and the
 * write that finally goes through is recorded; a lost result times out. */
static void test_slot_failures(void)
{
    struct output_slot s;
    double v;
    slot_on_wire(&s, 1, 0);
    CHECK_INT(output_slot_result(&s, 1, 0, 100, RETRY_MS), OUTPUT_RECORD_FAILED);
    CHECK(!output_slot_due(&s, 100 + RETRY_MS - 1, &v));
    CHECK(output_slot_due(&s, 100 + RETRY_MS, &v));
    output_slot_sent(&s, 2, 1, 1, 1100 + DEADLINE_MS);
    CHECK_INT(output_slot_result(&s, 2, 0, 1200, RETRY_MS), OUTPUT_RECORD_NONE);
    CHECK_INT(s.failures, 2);
    CHECK(output_slot_due(&s, 2200, &v));
    output_slot_sent(&s, 3, 1, 1, 2200 + DEADLINE_MS);
    CHECK(!output_slot_overdue(&s, 2200 + DEADLINE_MS - 1));
    CHECK(output_slot_overdue(&s, 2200 + DEADLINE_MS));
    CHECK_INT(output_slot_result(&s, 3, 0, 2200 + DEADLINE_MS, RETRY_MS), OUTPUT_RECORD_NONE);
    output_slot_want(&s, 0, 1, 0);                      /* a new demand does not wait */
    CHECK(output_slot_due(&s, 2200 + DEADLINE_MS, &v));
    CHECK_NEAR(v, 0, 0);
    output_slot_sent(&s, 4, 0, 0, 9000 + DEADLINE_MS);
    CHECK_INT(output_slot_result(&s, 4, 1, 9000, RETRY_MS), OUTPUT_RECORD_DRIVEN);   /* back */
    CHECK_INT(s.failures, 0);
}

/* The value wanted moves on while a write fails: each value's first failure is news,
 * and the newer value goes out at once, not after the old one's retry delay. */
static void test_slot_superseded_failure(void)
{
    struct output_slot s;
    double v;
    output_slot_init(&s, HORN);
    output_slot_want(&s, 0, 0, 0);                      /* asserted at start */
    output_slot_sent(&s, 1, 0, 0, DEADLINE_MS);
    output_slot_want(&s, 1, 1, 0);                      /* an alarm meanwhile */
    CHECK_INT(output_slot_result(&s, 1, 0, 100, RETRY_MS), OUTPUT_RECORD_FAILED);
    CHECK(output_slot_due(&s, 100, &v));                /* no wait for the newer value */
    CHECK_NEAR(v, 1, 0);
    output_slot_sent(&s, 2, 1, 1, 100 + DEADLINE_MS);
    CHECK_INT(output_slot_result(&s, 2, 0, 200, RETRY_MS), OUTPUT_RECORD_FAILED);   /* news */
    CHECK(output_slot_due(&s, 200 + RETRY_MS, &v));
    output_slot_sent(&s, 3, 1, 1, 1200 + DEADLINE_MS);
    CHECK_INT(output_slot_result(&s, 3, 0, 1300, RETRY_MS), OUTPUT_RECORD_NONE);    /* a retry */
}

/* A module that restarted and lost its coil is written again, once a reading taken
 * after the write shows it; readings from before the write do not count. */
static void test_slot_readback(void)
{
    struct output_slot s;
    double v;
    slot_on_wire(&s, 1, 0);
    CHECK_INT(output_slot_readback(&s, 0, 50, RETRY_MS), 0);    /* still on the wire */
    CHECK_INT(output_slot_result(&s, 1, 1, 100, RETRY_MS), OUTPUT_RECORD_DRIVEN);
    CHECK_INT(output_slot_readback(&s, 0, 90, RETRY_MS), 0);    /* read before the write */
    CHECK_INT(output_slot_readback(&s, 1, 150, RETRY_MS), 0);   /* agrees */
    CHECK_INT(output_slot_readback(&s, 0, 200, RETRY_MS), 1);   /* lost it */
    CHECK(!output_slot_due(&s, 100 + RETRY_MS - 1, &v));        /* not sooner than a retry */
    CHECK(output_slot_due(&s, 100 + RETRY_MS, &v));
    CHECK_NEAR(v, 1, 0);
}

/* An operator's write goes out once, even over the same value, and is not held. */
static void test_slot_by_hand(void)
{
    struct output_slot s;
    double v;
    slot_on_wire(&s, 3, 1);
    CHECK_INT(output_slot_result(&s, 1, 1, 10, RETRY_MS), OUTPUT_RECORD_DRIVEN);
    CHECK(!s.has_want);
    CHECK_INT(output_slot_readback(&s, 0, 20, RETRY_MS), 0);    /* not enforced */
    CHECK_INT(output_slot_want(&s, 3, 1, 1), 1);
    CHECK(output_slot_due(&s, 30, &v));
    output_slot_sent(&s, 2, 3, 3, 30 + DEADLINE_MS);
    CHECK_INT(output_slot_result(&s, 2, 0, 40, RETRY_MS), OUTPUT_RECORD_FAILED);
    CHECK(!output_slot_due(&s, 40 + 10 * RETRY_MS, &v));        /* not retried: reported */
}

int main(void)
{
    test_shared_siren();
    test_silence_and_severity();
    test_slot_write();
    test_slot_failures();
    test_slot_superseded_failure();
    test_slot_readback();
    test_slot_by_hand();
    return check_summary();
}
