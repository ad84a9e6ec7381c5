/*
 * poller_phase.c - spread the automatic phases of TCP devices (poller_phase.h).
 *
 * Why: with every device asked at the same instant, 2,000 devices x 30 registers
 * reply within milliseconds; the core's sample ring then holds a whole round at
 * once (1.8 MiB resident at 2,000 devices), the uplink gets 2,000 messages in one
 * burst, and the site measured 16.6 MiB against 12.5-12.9 with phases spread.
 *
 * But each slot of the spread costs wake-ups of the poller, the core and the
 * uplink, and the kernel's loopback or network path handles each slot's requests
 * and replies on their own rather than in one batch. At 100 devices spread over
 * 20 slots riskgw ran 1.2-1.3 % of a core against 0.9-1.0 % with all at once
 * (session 11, per-thread schedstat over 30 s). So a slot is given to about
 * POLL_PHASE_SLOT_POINTS points: a small site is asked at once, 100 devices of
 * 30 points in 4 slots, and from 500 devices of 30 points on every one of the
 * 20 slots of the TCP poller's grid is used (poller_tcp.c), as before. 750 points
 * is what one slot asked at 500 devices, where the alarm latency bench runs: the
 * samples the core takes in one go, which an alarm read meanwhile waits behind.
 */
#include "poller_phase.h"

#include <stdlib.h>

#define POLL_PHASE_SLOT_POINTS 750  /* about this many points asked at one instant */

struct interval_group {
    long interval_ms;
    size_t points;          /* of its TCP devices with an automatic phase */
    size_t placed;          /* points of the devices given a phase so far */
};

static int auto_spread(const struct device_cfg *d)
{
    return d->kind == BUS_TCP && d->phase_ms == PHASE_AUTO;
}

/* What a device weighs in the spread: its points (a device without any still polls). */
static size_t weight(const struct device_cfg *d)
{
    return d->npoints ? d->npoints : 1;
}

/* The group of interval_ms in groups[0..*n), added when new. */
static struct interval_group *group_of(struct interval_group *groups, size_t *n, long interval_ms)
{
    for (size_t g = 0; g < *n; g++)
        if (groups[g].interval_ms == interval_ms)
            return &groups[g];
    groups[*n] = (struct interval_group){.interval_ms = interval_ms};
    return &groups[(*n)++];
}

static size_t slots_for(size_t points)
{
    size_t slots = (points + POLL_PHASE_SLOT_POINTS - 1) / POLL_PHASE_SLOT_POINTS;
    return slots < 1 ? 1 : slots > POLL_PHASE_SLOTS_MAX ? POLL_PHASE_SLOTS_MAX : slots;
}

long *poll_phases(const struct config *cfg)
{
    size_t n = cfg->ndevices ? cfg->ndevices : 1, ngroups = 0;
    long *phase = calloc(n, sizeof *phase);
    struct interval_group *groups = calloc(n, sizeof *groups);
    if (!phase || !groups) {
        free(phase);
        free(groups);
        return NULL;
    }
    for (size_t i = 0; i < cfg->ndevices; i++)
        if (auto_spread(&cfg->devices[i]))
            group_of(groups, &ngroups, cfg->devices[i].interval_ms)->points += weight(&cfg->devices[i]);
    for (size_t i = 0; i < cfg->ndevices; i++) {
        const struct device_cfg *d = &cfg->devices[i];
        if (!auto_spread(d)) {
            phase[i] = d->phase_ms == PHASE_AUTO ? 0 : d->phase_ms;
            continue;
        }
        struct interval_group *g = group_of(groups, &ngroups, d->interval_ms);
        long long span = d->interval_ms < POLL_PHASE_SPAN_MAX_MS ? d->interval_ms : POLL_PHASE_SPAN_MAX_MS;
        size_t slots = slots_for(g->points);
        long long slot = (long long)(g->placed * slots / g->points);  /* by the points before it */
        phase[i] = (long)(span * slot / (long long)slots);
        g->placed += weight(d);
    }
    free(groups);
    return phase;
}
