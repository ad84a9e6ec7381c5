/*
 * core_watchdog.h - when the gateway may tell systemd "still alive" (WATCHDOG=1).
 *
 * A watchdog that is petted by a timer proves only that the timer runs. riskgw
 * pets only while the three things that make it useful are progressing:
 *
 *   1. the core loop ran within the watchdog interval;
 *   2. the field is being polled: no devices are configured, or the core saw a
 *      sample arrive or a poll cycle end (good or failed) within
 *      max(interval, poll period), where the poll period is the longest a
 *      healthy poller may take between two cycles, back-off included
 *      (watchdog_poll_period_ms); a hung poller thread stops that;
 *   3. the store is committing: a commit succeeded within
 *      WATCHDOG_COMMIT_SLACK commit intervals, unless the store is reporting a
 *      failure (disk full, I/O error): then a restart would not help, the core
 *      holds events in memory for a replay, and the failure is logged and sent.
 *
 * Otherwise systemd kills and restarts the daemon after WatchdogSec, which is
 * what a wedged gateway needs. The decision is a pure function so it is tested
 * without a clock or a service manager.
 */
#ifndef RISKGW_CORE_WATCHDOG_H
#define RISKGW_CORE_WATCHDOG_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"

#define WATCHDOG_COMMIT_SLACK 2     /* commit intervals a commit may be late by */

struct watchdog_inputs {
    int64_t now_ms;                 /* monotonic, like every field below */
    int64_t interval_ms;            /* systemd's period (notify_watchdog_interval_ms) */
    int64_t loop_ms;                /* the core loop's last pass through its timers */
    size_t ndevices;
    int64_t poll_progress_ms;       /* last sample taken, or last change of any device's
                                       polls_ok + polls_failed; start time before any */
    int64_t poll_period_ms;         /* watchdog_poll_period_ms(cfg) */
    int64_t commit_interval_ms;     /* cfg->store.commit_interval_ms */
    int64_t commit_ms;              /* last successful commit (empty ones count); start time before any */
    int store_failing;              /* the store reports failure and events are held for replay */
};

/* 1: send WATCHDOG=1 now. 0: something is stuck; let systemd's timer run out. */
int watchdog_should_pet(const struct watchdog_inputs *in);
/* Why not, as a phrase for the log ("no poll cycle ended for 95 s"); NULL when petting is right. */
const char *watchdog_stall_reason(const struct watchdog_inputs *in, char *buf, size_t len);
/* The longest a healthy poller may take between two cycles of any device of cfg, in ms. */
int64_t watchdog_poll_period_ms(const struct config *cfg);

#endif
