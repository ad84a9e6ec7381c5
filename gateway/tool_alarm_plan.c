/*
 * tool_alarm_plan.c - the steps that prove a point's setpoints (see tool_alarm_plan.h).
 *
 * A level is driven to the middle of its band: halfway between its setpoint and
 * the next worse setpoint, or for the worst level halfway to the edge of what the
 * point can show (its plausible range, its 4-20 mA range, zero for an unsigned
 * register). The middle is far from both edges, so neither hysteresis nor the
 * register's resolution can put the reading into the wrong level. A bit is driven
 * to its setpoint itself, the only value it can take in alarm.
 */
#include "tool_alarm_plan.h"

#include <math.h>
#include <stdio.h>

#include "tool.h"

#define FALLBACK_SPAN 1.0           /* a band with no edge at all reaches this far, at least */
#define HALF 0.5

static int is_unsigned(enum value_type t)
{
    return t == VT_UINT16 || t == VT_UINT32 || t == VT_UINT64;
}

/* How far a reading can go up (dir HIGH) or down from setpoint. */
static double plan_edge(const struct point_map *m, enum level_dir dir, double setpoint)
{
    int plausible = m->plausible_lo < m->plausible_hi;
    double edge = dir == LEVEL_HIGH ? setpoint + fmax(fabs(setpoint), FALLBACK_SPAN)
                                    : setpoint - fmax(fabs(setpoint), FALLBACK_SPAN);
    if (dir == LEVEL_HIGH) {
        if (plausible)
            edge = m->plausible_hi;
        if (m->signal == SIGNAL_LOOP_MA)
            edge = fmin(edge, m->range_hi);
        return edge;
    }
    if (plausible)
        edge = m->plausible_lo;
    if (m->signal == SIGNAL_LOOP_MA)
        edge = fmax(edge, m->range_lo);
    if (is_unsigned(m->type) && m->scale > 0)
        edge = fmax(edge, m->offset);           /* raw 0 */
    return edge;
}

/* The levels of one direction, mildest first (by setpoint: the loader checked that
 * setpoint order and severity order agree). Returns how many. */
static int plan_chain(const struct rule_cfg *rule, enum level_dir dir, int *idx)
{
    int n = 0;
    for (int i = 0; i < rule->nlevels; i++) {
        if (rule->levels[i].dir != dir)
            continue;
        int j = n++;
        while (j > 0 && rule->levels[idx[j - 1]].severity > rule->levels[i].severity) {
            idx[j] = idx[j - 1];
            j--;
        }
        idx[j] = i;
    }
    return n;
}

static void plan_add(struct alarm_plan *p, enum plan_action a, double value, int level,
                     enum event_kind expect)
{
    if (p->nsteps < PLAN_STEPS_MAX)
        p->steps[p->nsteps++] = (struct plan_step){a, value, level, expect};
}

static void plan_direction(const struct point_cfg *pc, enum level_dir dir, struct alarm_plan *p)
{
    const struct rule_cfg *rule = &pc->rule;
    int idx[RULE_MAX_LEVELS];
    int n = plan_chain(rule, dir, idx);
    if (n == 0)
        return;
    for (int k = 0; k < n; k++) {
        double set = rule->levels[idx[k]].setpoint;
        double far = k + 1 < n ? rule->levels[idx[k + 1]].setpoint : plan_edge(&pc->map, dir, set);
        double value = pc->map.type == VT_BIT ? set : set + (far - set) * HALF;
        plan_add(p, PLAN_DRIVE, value, idx[k], k == 0 ? EV_RAISED : EV_ESCALATED);
    }
    plan_add(p, PLAN_RELEASE, 0.0, idx[n - 1], rule->latch ? EV_RETURNED : EV_CLEARED);
    if (rule->latch)
        plan_add(p, PLAN_RESET, 0.0, idx[n - 1], EV_RESET);
}

int tool_plan_build(const struct point_cfg *pc, struct alarm_plan *out, char *why, size_t cap)
{
    out->nsteps = 0;
    if (pc->rule.nlevels <= 0) {
        snprintf(why, cap, "the point has no alarm levels to test");
        return -1;
    }
    plan_direction(pc, LEVEL_HIGH, out);
    plan_direction(pc, LEVEL_LOW, out);
    return 0;
}

int tool_plan_level_of(const struct rule_cfg *rule, double value)
{
    int best = -1;
    for (int i = 0; i < rule->nlevels; i++) {
        const struct level_cfg *lv = &rule->levels[i];
        int holds = lv->dir == LEVEL_HIGH ? value >= lv->setpoint : value <= lv->setpoint;
        if (holds && (best < 0 || lv->severity > rule->levels[best].severity))
            best = i;
    }
    return best;
}

void tool_plan_describe(const struct point_cfg *pc, const struct plan_step *st, char *out, size_t cap)
{
    const struct level_cfg *lv = &pc->rule.levels[st->level];
    char v[TOOL_WHY_MAX / 4], set[TOOL_WHY_MAX / 4];
    switch (st->action) {
    case PLAN_DRIVE:
        tool_format_value(st->value, v, sizeof v);
        tool_format_value(lv->setpoint, set, sizeof set);
        snprintf(out, cap, "to %s%s%s (%s %s %s)", v, pc->unit[0] ? " " : "", pc->unit, lv->name,
                 lv->dir == LEVEL_HIGH ? ">=" : "<=", set);
        return;
    case PLAN_RELEASE:
        snprintf(out, cap, "back to normal");
        return;
    case PLAN_RESET:
        snprintf(out, cap, "reset the latched alarm");
        return;
    }
    out[0] = '\0';
}
