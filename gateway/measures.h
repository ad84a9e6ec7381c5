/*
 * measures.h - what a point measures, and the alarm levels a standard demands for it.
 *
 * A point says "measures": "combustible_lel" (or "h2s", "o2", ...) wherever it is
 * read from: a gas_* profile, a 4-20 mA module channel, a device without a profile.
 * The standard's levels then come from one table here, and measure_check() refuses
 * an alarm that lacks a required level, sets one past its limit, or waits longer
 * than the standard allows, whatever the levels are called or numbered.
 */
#ifndef RISKGW_MEASURES_H
#define RISKGW_MEASURES_H

#include "json_field.h"

enum measure_kind {
    MEASURE_NONE,
    MEASURE_COMBUSTIBLE_LEL,
    MEASURE_H2S,
    MEASURE_CO,
    MEASURE_NH3,
    MEASURE_CL2,
    MEASURE_O2,
    MEASURE_COUNT
};

#define MEASURE_MAX_ABOVE 2
#define MEASURE_MAX_BELOW 1
#define MEASURE_MAX_ALARM_DELAY_MS 60000   /* GB 16808: an alarm delay of at most 1 min */

struct measure {
    const char *name;           /* the "measures" value */
    const char *unit;           /* the point's unit must be this */
    const char *standard;       /* the clause the limits come from */
    int nabove, nbelow;
    double above[MEASURE_MAX_ABOVE];   /* required high levels, mildest first: each at or below */
    double below[MEASURE_MAX_BELOW];   /* required low levels, mildest first: each at or above */
};

/* The "measures" names, MEASURE_COUNT - 1 of them, in enum order from MEASURE_COMBUSTIBLE_LEL. */
extern const char *const measure_names[];

/* The table row of a kind; NULL for MEASURE_NONE. */
const struct measure *measure_of(enum measure_kind kind);

struct point_cfg;

/*
 * Refuse a point whose alarm does not meet what it measures demands: its unit, every
 * required level present and within its limit (counted by setpoint, not by name or
 * severity), and on_delay_s + (confirm.n - 1) poll intervals within
 * MEASURE_MAX_ALARM_DELAY_MS. interval_ms 0 skips the confirmation's share (a profile
 * does not know the poll interval). path names the point object.
 */
int measure_check(const struct point_cfg *pc, long interval_ms, const char *path,
                  struct cfg_err *err);

#endif
