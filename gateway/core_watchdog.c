/*
 * core_watchdog.c - the progress test behind every WATCHDOG=1 (see core_watchdog.h).
 *
 * Kept free of clocks and I/O: the core gathers the inputs, this file decides.
 */
#include "core_watchdog.h"

#include <stdio.h>

#define MS_PER_S 1000

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }

enum stall { STALL_NONE, STALL_LOOP, STALL_POLL, STALL_COMMIT };

struct stall_ages {
    int64_t loop, poll, commit, poll_window, commit_window;
};

static enum stall stall_of(const struct watchdog_inputs *in, struct stall_ages *a)
{
    a->loop = in->now_ms - in->loop_ms;
    a->poll = in->now_ms - in->poll_progress_ms;
    a->commit = in->now_ms - in->commit_ms;
    a->poll_window = max64(in->interval_ms, in->poll_period_ms);
    a->commit_window = WATCHDOG_COMMIT_SLACK * in->commit_interval_ms;
    if (a->loop > in->interval_ms)
        return STALL_LOOP;
    if (in->ndevices > 0 && a->poll > a->poll_window)
        return STALL_POLL;
    if (!in->store_failing && a->commit > a->commit_window)
        return STALL_COMMIT;
    return STALL_NONE;
}

const char *watchdog_stall_reason(const struct watchdog_inputs *in, char *buf, size_t len)
{
    struct stall_ages a;
    switch (stall_of(in, &a)) {
    case STALL_LOOP:
        snprintf(buf, len, "the core loop has not run for %lld s", (long long)(a.loop / MS_PER_S));
        return buf;
    case STALL_POLL:
        snprintf(buf, len, "no sample and no poll cycle for %lld s (a poller allows %lld s)",
                 (long long)(a.poll / MS_PER_S), (long long)(a.poll_window / MS_PER_S));
        return buf;
    case STALL_COMMIT:
        snprintf(buf, len, "the store has not committed for %lld s (commits are due every %lld ms)",
                 (long long)(a.commit / MS_PER_S), (long long)in->commit_interval_ms);
        return buf;
    case STALL_NONE:
        break;
    }
    return NULL;
}

int watchdog_should_pet(const struct watchdog_inputs *in)
{
    struct stall_ages a;
    return stall_of(in, &a) == STALL_NONE;
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
