/*
 * rules.c - the alarm state machine of one point: samples and time in, events out.
 *
 * Three stages turn a reading into a decision, each with its own memory in
 * struct rule_state:
 *   1. levels: which levels hold, with hysteresis (active_levels);
 *   2. confirmation: N of the last M good samples must be in alarm before an
 *      alarm is raised from normal (confirm_bits);
 *   3. delays: the level the samples point at (the candidate) must stay the same
 *      for on_delay_ms before it raises or escalates, off_delay_ms before it
 *      de-escalates or clears (candidate_level, candidate_since_ms).
 * A fault quality bypasses all three: it is reported once and changes nothing
 * else, so a dead detector can never clear an alarm or read as zero gas.
 *
 * Invariant: st->severity == (st->level < 0 ? 0 : levels[st->level].severity).
 * Nothing here reads a clock; "now" is always the caller's monotonic time.
 */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "rules_internal.h"

void rules_state_init(struct rule_state *st)
{
    memset(st, 0, sizeof *st);
    st->candidate_level = RULE_LEVEL_NONE;
    st->level = RULE_LEVEL_NONE;
    st->latched_level = RULE_LEVEL_NONE;
    st->last_quality = QUALITY_GOOD;
}

void rules_emit(struct rule_out *o, const struct rule_cfg *cfg, const struct rule_state *st,
                enum event_kind kind, int severity, int level)
{
    if (o->n >= RULE_MAX_EVENTS)
        return;                 /* cannot happen: no path writes more than four */
    struct event *e = &o->ev[o->n++];
    memset(e, 0, sizeof *e);
    e->point = o->point;
    e->kind = kind;
    e->severity = severity;
    if (level != RULE_LEVEL_NONE)
        snprintf(e->level, sizeof e->level, "%s", cfg->levels[level].name);
    e->value = st->last_value;
    e->quality = st->last_quality;
    e->ts_ms = o->ts_ms;
    snprintf(e->actor, sizeof e->actor, "%s", o->actor ? o->actor : "");
}

#define MASK_BITS ((int)(sizeof(uint32_t) * CHAR_BIT))

/* A mask of the n lowest bits, n up to MASK_BITS (a shift by 32 is undefined in C). */
static uint32_t low_bits(int n)
{
    return n >= MASK_BITS ? UINT32_MAX : (1u << n) - 1u;
}

static int level_severity(const struct rule_cfg *cfg, int level)
{
    return level == RULE_LEVEL_NONE ? 0 : cfg->levels[level].severity;
}

static int rules_fit_level(const struct rule_cfg *cfg, int *level)
{
    if (*level < 0 || *level >= cfg->nlevels)
        *level = RULE_LEVEL_NONE;
    return level_severity(cfg, *level);
}

void rules_fit(const struct rule_cfg *cfg, struct rule_state *st)
{
    st->severity = rules_fit_level(cfg, &st->level);
    st->candidate = rules_fit_level(cfg, &st->candidate_level);
    st->latched_severity = rules_fit_level(cfg, &st->latched_level);
    st->active_levels &= low_bits(cfg->nlevels);
}

/* A level enters at its setpoint and, once in, leaves only beyond setpoint -/+ hysteresis. */
static int level_holds(const struct level_cfg *l, int was_active, double hysteresis, double v)
{
    double band = was_active ? hysteresis : 0.0;
    return l->dir == LEVEL_HIGH ? v >= l->setpoint - band : v <= l->setpoint + band;
}

static uint32_t rules_active_levels(const struct rule_cfg *cfg, uint32_t before, double v)
{
    uint32_t now = 0;
    for (int i = 0; i < cfg->nlevels; i++)
        if (level_holds(&cfg->levels[i], (before >> i) & 1u, cfg->hysteresis, v))
            now |= 1u << i;
    return now;
}

/* The most severe level among `active` (the first listed on a tie), or none. */
static int rules_top_level(const struct rule_cfg *cfg, uint32_t active)
{
    int top = RULE_LEVEL_NONE;
    for (int i = 0; i < cfg->nlevels; i++)
        if (((active >> i) & 1u) && level_severity(cfg, i) > level_severity(cfg, top))
            top = i;
    return top;
}

/* Push one good sample into the N-of-M window; say whether an alarm is confirmed. */
static int rules_confirm(const struct rule_cfg *cfg, struct rule_state *st, int in_alarm)
{
    if (cfg->confirm_n <= 0)
        return 1;
    uint32_t bits = (st->confirm_bits << 1) | (in_alarm ? 1u : 0u);
    st->confirm_bits = bits & low_bits(cfg->confirm_m);
    if (st->confirm_count < cfg->confirm_m)
        st->confirm_count++;
    return __builtin_popcount(st->confirm_bits) >= cfg->confirm_n;
}

static void rules_set_candidate(const struct rule_cfg *cfg, struct rule_state *st, int level,
                                int64_t now_ms)
{
    if (level == st->candidate_level)
        return;
    st->candidate_level = level;
    st->candidate = level_severity(cfg, level);
    st->candidate_since_ms = now_ms;
}

/* The level in force ends: CLEARED, or RETURNED when the alarm latches. */
static void rules_end(const struct rule_cfg *cfg, struct rule_state *st, struct rule_out *o)
{
    int was = st->level;
    st->level = RULE_LEVEL_NONE;
    st->severity = 0;
    if (cfg->latch) {
        rules_emit(o, cfg, st, EV_RETURNED, 0, was);
    } else {
        st->silenced = 0;
        rules_emit(o, cfg, st, EV_CLEARED, 0, was);
    }
}

/* Put level `to` in force and say so. Crossing straight from a LOW alarm to a HIGH
 * one (or back) ends the first alarm and raises the second. */
static void rules_move(const struct rule_cfg *cfg, struct rule_state *st, struct rule_out *o,
                       int to)
{
    if (st->level != RULE_LEVEL_NONE &&
        (to == RULE_LEVEL_NONE || cfg->levels[to].dir != cfg->levels[st->level].dir))
        rules_end(cfg, st, o);
    if (to == RULE_LEVEL_NONE)
        return;
    int from_severity = st->severity;
    enum event_kind kind = from_severity == 0 ? EV_RAISED
                         : cfg->levels[to].severity > from_severity ? EV_ESCALATED
                         : EV_DEESCALATED;
    st->level = to;
    st->severity = cfg->levels[to].severity;
    if (kind != EV_DEESCALATED)
        st->silenced = 0;       /* a new or higher alarm sounds again */
    if (cfg->latch && st->severity > st->latched_severity) {
        st->latched_severity = st->severity;
        st->latched_level = to;
    }
    rules_emit(o, cfg, st, kind, st->severity, to);
}

/* Promote the candidate once it has held for its delay. */
static void rules_settle(const struct rule_cfg *cfg, struct rule_state *st, int64_t now_ms,
                         struct rule_out *o)
{
    int to = st->candidate_level;
    if (to == st->level)
        return;
    int rising = to != RULE_LEVEL_NONE &&
                 (st->level == RULE_LEVEL_NONE || st->candidate > st->severity ||
                  cfg->levels[to].dir != cfg->levels[st->level].dir);
    int64_t delay = rising ? cfg->on_delay_ms : cfg->off_delay_ms;
    if (now_ms - st->candidate_since_ms >= delay)
        rules_move(cfg, st, o, to);
}

/* A reading a rule may compare: a value-carrying quality and a finite number. */
static int rules_usable(const struct sample *s)
{
    return quality_has_value(s->quality) && isfinite(s->value);
}

static void rules_fault(const struct rule_cfg *cfg, struct rule_state *st,
                        const struct sample *s, struct rule_out *o)
{
    /* A good quality with a NaN or infinite value is a broken reading, not a number. */
    st->last_quality = quality_has_value(s->quality) ? QUALITY_OUT_OF_RANGE : s->quality;
    rules_stale_break(st);
    if (st->faulted)
        return;
    st->faulted = 1;
    rules_emit(o, cfg, st, EV_FAULT, st->severity, st->level);
}

int rules_eval(const struct rule_cfg *cfg, struct rule_state *st, const struct sample *s,
               int64_t now_ms, struct event *out)
{
    struct rule_out o = { .point = s->point, .ts_ms = s->ts_ms, .actor = "", .ev = out };
    rules_fit(cfg, st);
    if (!rules_usable(s)) {
        rules_fault(cfg, st, s, &o);
        return o.n;
    }
    st->last_value = s->value;
    st->last_quality = s->quality;
    if (st->faulted) {
        st->faulted = 0;
        rules_emit(&o, cfg, st, EV_FAULT_CLEARED, st->severity, st->level);
        /* The fault broke continuity: any pending delay starts over from here. */
        st->candidate_level = st->level;
        st->candidate = st->severity;
        st->candidate_since_ms = now_ms;
    }
    rules_stale_sample(cfg, st, s->value, now_ms, &o);
    if (cfg->nlevels == 0)
        return o.n;
    st->active_levels = rules_active_levels(cfg, st->active_levels, s->value);
    int confirmed = rules_confirm(cfg, st, st->active_levels != 0);
    int top = rules_top_level(cfg, st->active_levels);
    if (st->level == RULE_LEVEL_NONE && !confirmed)
        top = RULE_LEVEL_NONE;
    rules_set_candidate(cfg, st, top, now_ms);
    rules_settle(cfg, st, now_ms, &o);
    return o.n;
}

int rules_tick(const struct rule_cfg *cfg, struct rule_state *st, uint32_t point,
               int64_t now_ms, int64_t wall_ms, struct event *out)
{
    struct rule_out o = { .point = point, .ts_ms = wall_ms, .actor = "", .ev = out };
    rules_fit(cfg, st);
    if (st->faulted)
        return 0;               /* a fault freezes the alarm: no delay may expire */
    rules_stale_tick(cfg, st, now_ms, &o);
    if (cfg->nlevels > 0)
        rules_settle(cfg, st, now_ms, &o);
    return o.n;
}
