/*
 * rules_internal.h - what the rule engine's own files share and nobody else needs.
 *
 * rules.c decides transitions from samples and ticks, rules_stale.c the stale
 * check, rules_acts.c handles the operator's silence and reset; both describe their decisions the same way, through
 * one event writer, so every event of a point carries the same fields filled the same
 * way (value and quality are always the point's latest reading, see rules_emit).
 */
#ifndef RISKGW_RULES_INTERNAL_H
#define RISKGW_RULES_INTERNAL_H

#include "rules.h"

#define RULE_LEVEL_NONE (-1)

/* Where the events of one call go, and what they say about who and when. */
struct rule_out {
    uint32_t point;
    int64_t ts_ms;              /* wall clock of the sample or act */
    const char *actor;          /* "" unless an operator acted */
    struct event *ev;           /* room for RULE_MAX_EVENTS */
    int n;                      /* events written so far */
};

/* Append one event: kind, severity and the name of level `level` (RULE_LEVEL_NONE
 * for ""), with the state's last value and quality. */
void rules_emit(struct rule_out *o, const struct rule_cfg *cfg, const struct rule_state *st,
                enum event_kind kind, int severity, int level);

/* rules_stale.c: the stale check on a good value, on a tick, and its break on a fault. */
void rules_stale_sample(const struct rule_cfg *cfg, struct rule_state *st, double value,
                        int64_t now_ms, struct rule_out *o);
void rules_stale_tick(const struct rule_cfg *cfg, struct rule_state *st, int64_t now_ms,
                      struct rule_out *o);
void rules_stale_break(struct rule_state *st);

/* Drop level indices the rule no longer has (a reload shrank it), so no entry
 * point can index past cfg->levels. The core re-inits states on a rule change;
 * this only keeps a missed case from reading out of bounds. */
void rules_fit(const struct rule_cfg *cfg, struct rule_state *st);

#endif
