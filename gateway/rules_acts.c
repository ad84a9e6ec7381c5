/*
 * rules_acts.c - the operator's two acts on an alarm: silence and reset (GB 16808).
 *
 * They are separate on purpose. Silence acknowledges: the alarm stays, only the
 * sounder stops, and a new or higher alarm sounds again (rules.c clears the flag).
 * Reset ends a latched alarm, and only once its condition is gone: resetting a
 * standing alarm would hide it, so that request is refused with a sentence the
 * operator can act on. Refusals change nothing and write no event.
 */
#include "rules_internal.h"

/* The level the operator sees: the one in force, else the one still latched. */
static int rules_shown_level(const struct rule_state *st)
{
    return st->level != RULE_LEVEL_NONE ? st->level : st->latched_level;
}

int rules_silence(const struct rule_cfg *cfg, struct rule_state *st, uint32_t point,
                  int64_t wall_ms, const char *actor, struct event *out, const char **why)
{
    rules_fit(cfg, st);
    int shown = rules_shown_level(st);
    if (shown == RULE_LEVEL_NONE) {
        *why = "nothing is in alarm on this point, so there is nothing to silence";
        return -1;
    }
    if (st->silenced) {
        *why = "the alarm is already silenced; it sounds again by itself on a new or higher alarm";
        return -1;
    }
    struct rule_out o = { .point = point, .ts_ms = wall_ms, .actor = actor, .ev = out };
    st->silenced = 1;
    rules_emit(&o, cfg, st, EV_SILENCED, cfg->levels[shown].severity, shown);
    return o.n;
}

int rules_reset(const struct rule_cfg *cfg, struct rule_state *st, uint32_t point,
                int64_t wall_ms, const char *actor, struct event *out, const char **why)
{
    rules_fit(cfg, st);
    if (st->severity > 0) {
        *why = "the alarm condition still holds; reset once the reading is back to normal";
        return -1;
    }
    if (st->faulted) {
        *why = "the point is in fault, so the alarm condition cannot be seen to be gone; "
               "repair the detector or its line, then reset";
        return -1;
    }
    if (!cfg->latch) {
        *why = "this point's alarms do not latch: they clear by themselves, "
               "there is nothing to reset";
        return -1;
    }
    if (st->latched_severity == 0) {
        *why = "no alarm is latched on this point, so there is nothing to reset";
        return -1;
    }
    struct rule_out o = { .point = point, .ts_ms = wall_ms, .actor = actor, .ev = out };
    int was = st->latched_level;
    st->latched_severity = 0;
    st->latched_level = RULE_LEVEL_NONE;
    st->silenced = 0;
    rules_emit(&o, cfg, st, EV_RESET, 0, was);
    return o.n;
}
