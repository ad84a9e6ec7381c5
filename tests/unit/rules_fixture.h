/*
 * rules_fixture.h - what the rule engine's tests share: a rule from JSON text and a
 * sample fed at an injected time.
 *
 * Time in these tests is whatever the test says it is: t is the monotonic clock in
 * ms, and the wall clock is RF_WALL0 + t, so an event's ts_ms tells which sample (or
 * tick) produced it.
 */
#ifndef RISKGW_RULES_FIXTURE_H
#define RISKGW_RULES_FIXTURE_H

#include <stdlib.h>
#include "check.h"
#include "rules.h"

#define RF_POINT 7u
#define RF_WALL0 1700000000000LL

/* A rule from JSON text; a parse failure fails the test and prints the message. */
static inline struct rule_cfg rf_rule(const char *json)
{
    struct rule_cfg cfg;
    struct cfg_err err = {{0}};
    cJSON *root = cJSON_Parse(json);
    CHECK(root != NULL);
    int rc = rules_parse(root, "alarm", &cfg, &err);
    if (rc != 0)
        fprintf(stderr, "rf_rule(%s): %s\n", json, err.msg);
    CHECK_INT(rc, 0);
    cJSON_Delete(root);
    return cfg;
}

/* Feed one reading at monotonic time t (ms). */
static inline int rf_feed_q(const struct rule_cfg *cfg, struct rule_state *st, double value,
                            enum quality q, int64_t t, struct event *ev)
{
    struct sample s = { .point = RF_POINT, .quality = q, .value = value,
                        .ts_ms = RF_WALL0 + t, .mono_ms = t };
    int n = rules_eval(cfg, st, &s, t, ev);
    CHECK(n >= 0 && n <= RULE_MAX_EVENTS);
    return n;
}

static inline int rf_feed(const struct rule_cfg *cfg, struct rule_state *st, double value,
                          int64_t t, struct event *ev)
{
    return rf_feed_q(cfg, st, value, QUALITY_GOOD, t, ev);
}

static inline int rf_tick(const struct rule_cfg *cfg, struct rule_state *st, int64_t t,
                          struct event *ev)
{
    return rules_tick(cfg, st, RF_POINT, t, RF_WALL0 + t, ev);
}

/* One event's kind (by name, so a failure reads well), severity and level. */
#define CHECK_EVENT(e, k, sev, lvl) do { \
    CHECK_STR(event_kind_name((e).kind), event_kind_name(k)); \
    CHECK_INT((e).severity, (sev)); \
    CHECK_STR((e).level, (lvl)); \
} while (0)

#endif
