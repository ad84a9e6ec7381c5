/*
 * poller_phase.h - when each device's poll cycles start (its phase).
 *
 * A device that states phase_ms keeps it. A Modbus TCP device that does not is
 * given one: the TCP devices of one poll interval are spread evenly over that
 * interval, or over its first second when the interval is longer, in slots of
 * about 750 points (at most 20), so a big site does not ask every device at the
 * same instant and a small one is not woken for a handful of devices at a time
 * (docs/drivers.md, "Scheduling").
 * A serial device without phase_ms starts at 0: its bus asks one device at a time
 * anyway.
 */
#ifndef RISKGW_POLLER_PHASE_H
#define RISKGW_POLLER_PHASE_H

#include <stddef.h>
#include "config.h"

/* The longest span automatic phases spread over, so devices polled every minute
 * still read the plant within about a second of each other. */
#define POLL_PHASE_SPAN_MAX_MS 1000

/* The most slots a spread uses: the TCP poller's timer grid is 1/POLL_PHASE_SLOTS_MAX
 * of the shortest interval (poller_tcp.c), so more slots would be sent together anyway. */
#define POLL_PHASE_SLOTS_MAX 20

/* An array of cfg->ndevices phases in ms (free() it), or NULL when out of memory. */
long *poll_phases(const struct config *cfg);

#endif
