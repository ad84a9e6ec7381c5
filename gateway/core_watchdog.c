/*
 * core_watchdog.c - the progress test behind every WATCHDOG=1 (see core_watchdog.h).
 *
 * Kept free of clocks and I/O: the core gathers the inputs, this file decides.
 */
#include "core_watchdog.h"

#include <stdio.h>

#define MS_PER_S 1000

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

const char *watchdog_stall_reason(const struct watchdog_inputs *in, char *buf, size_t len)
{
    int64_t loop_age = in->now_ms - in->loop_ms;
    int64_t poll_age = in->now_ms - in->poll_progress_ms;
    int64_t commit_age = in->now_ms - in->commit_ms;
    int64_t poll_window = max64(in->interval_ms, in->poll_period_ms);
    int64_t commit_window = WATCHDOG_COMMIT_SLACK * in->commit_interval_ms;
    if (loop_age > in->interval_ms)
        snprintf(buf, len, "the core loop has not run for %lld s", (long long)(loop_age / MS_PER_S));
    else if (in->ndevices > 0 && poll_age > poll_window)
        snprintf(buf, len, "no sample and no poll cycle for %lld s (a poller allows %lld s)",
                 (long long)(poll_age / MS_PER_S), (long long)(poll_window / MS_PER_S));
    else if (!in->store_failing && commit_age > commit_window)
        snprintf(buf, len, "the store has not committed for %lld s (commits are due every %lld ms)",
                 (long long)(commit_age / MS_PER_S), (long long)in->commit_interval_ms);
    else
        return NULL;
    return buf;
}

int watchdog_should_pet(const struct watchdog_inputs *in)
{
    char why[1];
    return watchdog_stall_reason(in, why, sizeof why) == NULL;
}

/* Worst case of one device's cycle: every point its own request, every try timing out. */
static int64_t device_cycle_ms(const struct device_cfg *d)
{
    int64_t tries = d->retries + 1;
    return (int64_t)d->npoints * tries * (d->timeout_ms + d->pause_ms) + d->connect_pause_ms;
}

int64_t watchdog_poll_period_ms(const struct config *cfg)
{
    int64_t longest = 0;
    for (size_t i = 0; i < cfg->ndevices; i++) {
        const struct device_cfg *d = &cfg->devices[i];
        int64_t wait = max64(d->interval_ms, d->backoff_ms), busy = device_cycle_ms(d);
        if (d->kind == BUS_RTU)         /* a serial line is one lock: its devices take turns */
            for (size_t j = 0; j < cfg->ndevices; j++)
                if (j != i && cfg->devices[j].kind == BUS_RTU && cfg->devices[j].bus == d->bus)
                    busy += device_cycle_ms(&cfg->devices[j]);
        longest = max64(longest, wait + busy);
    }
    return longest;
}
