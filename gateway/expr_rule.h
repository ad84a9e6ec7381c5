/*
 * expr_rule.h - a combined rule: an alarm whose condition is an expression over points.
 *
 *   {"id": "cooling_loss", "name": "Cooling water lost while casting",
 *    "when": "cast.casting == 1 and cast.length_mm > 400 and cast.cool_p < 0.15",
 *    "level": "alarm", "severity": 2, "on_delay_s": 2, "off_delay_s": 10, "latch": true}
 *
 * The lifecycle (delays, latch, silence, reset, escalation bookkeeping) is the single-point
 * engine's own: the condition becomes a reading of a virtual point, 1 when true and 0
 * when false, judged by a rule_cfg with one high level at 1. An unknown condition is fed
 * as a fault reading, which the engine already treats as "hold": nothing raises, nothing
 * clears, no delay runs, and a pending delay starts over once the condition is known
 * again. The engine's FAULT / FAULT_CLEARED events are not passed on: the points' own
 * fault events already say which reading is missing.
 */
#ifndef RISKGW_EXPR_RULE_H
#define RISKGW_EXPR_RULE_H

#include "expr.h"
#include "rules.h"

#define EXPR_RULE_NAME_MAX 128

struct expr_rule {
    char id[EXPR_ID_MAX];
    char name[EXPR_RULE_NAME_MAX];
    struct expr *when;
    struct rule_cfg rule;           /* one HIGH level at 1: the level name and severity */
};

/* Read and compile one combined rule object; path ("casting.rules[0]") prefixes errors,
 * and a compile error reads "casting.rules[0].when:1:17: unknown point \"cast.flwo\"".
 * Returns 0, or -1 with err set and nothing to free. */
int expr_rule_parse(const cJSON *obj, const char *path, const struct expr_scope *scope,
                    struct expr_rule *out, struct cfg_err *err);
void expr_rule_free(struct expr_rule *r);

/*
 * Evaluate the condition with env (its times set to now) and run the rule's lifecycle.
 * point is the virtual point the rule's events name. Writes at most RULE_MAX_EVENTS
 * events (ts_ms = env->wall_ms) and returns how many. st starts with rules_state_init;
 * silence and reset are rules_silence / rules_reset on &r->rule and st.
 */
int expr_rule_step(struct expr_rule *r, struct rule_state *st, struct expr_env *env,
                   uint32_t point, struct event *out);

#endif
