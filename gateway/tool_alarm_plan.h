/*
 * tool_alarm_plan.h - how to walk one point through every alarm level it has, and back.
 *
 * `riskgw test-alarm` proves each setpoint of a point: it drives the reading into
 * each level in turn (the mildest first), returns it to normal, and resets what
 * latched, expecting exactly the event the rule engine must decide at each step
 * (docs/rules.md): RAISED, then ESCALATED for each worse level, then CLEARED - or
 * RETURNED and, after the reset, RESET when the rule latches. High levels are
 * walked first, then low ones. Pure functions of the point's config.
 */
#ifndef RISKGW_TOOL_ALARM_PLAN_H
#define RISKGW_TOOL_ALARM_PLAN_H

#include <stddef.h>
#include "config.h"
#include "rules.h"

enum plan_action {
    PLAN_DRIVE,             /* put the reading at value */
    PLAN_RELEASE,           /* hand the reading back to the instrument (normal) */
    PLAN_RESET,             /* reset the latched alarm through the gateway */
};

struct plan_step {
    enum plan_action action;
    double value;           /* PLAN_DRIVE: a value well inside the level's band */
    int level;              /* index into rule.levels: the level driven to, or that the event names */
    enum event_kind expect; /* the event that proves the step */
};

/* A drive per level, and per direction a release and a reset. */
#define PLAN_STEPS_MAX (RULE_MAX_LEVELS + 4)

struct alarm_plan {
    size_t nsteps;
    struct plan_step steps[PLAN_STEPS_MAX];
};

/* The plan for pc. 0, or -1 with a sentence in why (the point has no alarm levels). */
int tool_plan_build(const struct point_cfg *pc, struct alarm_plan *out, char *why, size_t cap);

/* Index of the most severe level whose condition holds at value (no hysteresis), or -1. */
int tool_plan_level_of(const struct rule_cfg *rule, double value);

/* The step for people: "drive to 37.5 %LEL (level1 >= 25)", "back to normal", "reset". */
void tool_plan_describe(const struct point_cfg *pc, const struct plan_step *st, char *out, size_t cap);

#endif
