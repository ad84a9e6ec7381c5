/*
 * poller_phase.c - spread the automatic phases of TCP devices (poller_phase.h).
 *
 * Why: with every device asked at the same instant, 2,000 devices x 30 registers
 * reply within milliseconds; the core's sample ring then holds a whole round at
 * once (1.8 MiB resident at 2,000 devices), the uplink gets 2,000 messages in one
 * burst, and the site measured 16.6 MiB against 12.5-12.9 with phases spread. The
 * TCP poller sends on a grid of 1/20 of the interval (poller_tcp.c), so spread
 * devices go out in at most 20 groups a second: the CPU cost of spreading is the
 * grid's wake-ups, measured in make bench's scale phase.
 */
#include "poller_phase.h"

#include <stdlib.h>

struct interval_group {
    long interval_ms;
    size_t count, next;     /* TCP devices with an automatic phase; the next one's rank */
};

static int auto_spread(const struct device_cfg *d)
{
    return d->kind == BUS_TCP && d->phase_ms == PHASE_AUTO;
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
            group_of(groups, &ngroups, cfg->devices[i].interval_ms)->count++;
    for (size_t i = 0; i < cfg->ndevices; i++) {
        const struct device_cfg *d = &cfg->devices[i];
        if (!auto_spread(d)) {
            phase[i] = d->phase_ms == PHASE_AUTO ? 0 : d->phase_ms;
            continue;
        }
        struct interval_group *g = group_of(groups, &ngroups, d->interval_ms);
        long span = d->interval_ms < POLL_PHASE_SPAN_MAX_MS ? d->interval_ms : POLL_PHASE_SPAN_MAX_MS;
        phase[i] = (long)((long long)span * (long long)g->next++ / (long long)g->count);
    }
    free(groups);
    return phase;
}
