/*
 * clock_step.h - steps of the wall clock, seen from the readings (see clock_step.c).
 *
 * clock.c feeds every wall reading here; a test may feed its own readings.
 */
#ifndef RISKGW_CLOCK_STEP_H
#define RISKGW_CLOCK_STEP_H

#include <stdint.h>

/* One reading of both clocks, taken together: logs a step and remembers a step back. */
void clock_step_observe(int64_t wall_ms, int64_t mono_ms);

/* 1 when wall_ms is a time the clock already showed before it was stepped back. */
int clock_step_replaying(int64_t wall_ms);

#endif
