/*
 * rules_stale.c - a reading that should move but has not: a frozen transmitter.
 *
 * A gas detector whose output hangs, a PLC register no longer refreshed, a
 * converter that keeps answering with a cached value: the quality says good and
 * the number looks plausible, yet nothing is being measured. The stale check
 * opens a quiet period at a good value; a value further than `band` from that
 * value ends it (and clears STALE if it stood); a quiet period that lasts
 * `stale_ms` reports STALE once. STALE is fault class (docs/rules.md): it says
 * the instrument cannot be trusted and changes no alarm; a frozen 30 %LEL still
 * alarms. A fault quality breaks continuity, so the quiet period starts again
 * from the first good value after it.
 */
#include <math.h>
#include "rules_internal.h"

int rules_enabled(const struct rule_cfg *cfg)
{
    return cfg->nlevels > 0 || cfg->stale_ms > 0;
}

void rules_stale_break(struct rule_state *st)
{
    st->stale_armed = 0;
}

static void rules_stale_expire(const struct rule_cfg *cfg, struct rule_state *st, int64_t now_ms,
                               struct rule_out *o)
{
    if (!st->stale && now_ms - st->stale_since_ms >= cfg->stale_ms) {
        st->stale = 1;
        rules_emit(o, cfg, st, EV_STALE, st->severity, st->level);
    }
}

void rules_stale_sample(const struct rule_cfg *cfg, struct rule_state *st, double value,
                        int64_t now_ms, struct rule_out *o)
{
    if (cfg->stale_ms <= 0)
        return;
    if (st->stale_armed && fabs(value - st->stale_ref) <= cfg->stale_band) {
        rules_stale_expire(cfg, st, now_ms, o);
        return;
    }
    int moved = st->stale_armed;        /* not the first value of a quiet period */
    st->stale_armed = 1;
    st->stale_ref = value;
    st->stale_since_ms = now_ms;
    if (moved && st->stale) {
        st->stale = 0;
        rules_emit(o, cfg, st, EV_STALE_CLEARED, st->severity, st->level);
    }
}

void rules_stale_tick(const struct rule_cfg *cfg, struct rule_state *st, int64_t now_ms,
                      struct rule_out *o)
{
    if (cfg->stale_ms > 0 && st->stale_armed)
        rules_stale_expire(cfg, st, now_ms, o);
}
