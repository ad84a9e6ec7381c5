/*
 * clock_step.c - noticing when the wall clock is stepped, and what that does to stamps.
 *
 * Timers never read the wall clock (clock.h), so a step (NTP, an operator's
 * `date -s`, an RTC read late) cannot fire or stall them. What a step does
 * change is the meaning of the timestamps: after a step back, the clock
 * re-lives times the gateway has already stamped, so a new reading could look
 * older than one already sent. Until the wall clock passes the latest time it
 * showed before the step again, stamps are not believable and payloads carry
 * "time_synced": false. A step forward is what setting a lagging clock looks
 * like; it is logged and its stamps are believed.
 *
 * A step is a change of (wall - monotonic) between two readings. Every wall
 * reading goes through here under one mutex, so the pollers and the core see
 * one history; the log line is written after the lock is released (log.c
 * reads the wall clock itself).
 */
#include "clock_step.h"

#include <pthread.h>
#include <stdint.h>

#include "log.h"

#define CLOCK_STEP_MIN_MS 1000      /* smaller changes are slewing and jitter, not steps */
#define MS_PER_S 1000.0

static pthread_mutex_t step_lock = PTHREAD_MUTEX_INITIALIZER;
static int step_seen_first;
static int64_t step_offset;         /* wall - monotonic at the previous reading */
static int64_t step_high_water;     /* the latest wall time read so far */
static int64_t step_replay_until;   /* wall times before this were lived already */

void clock_step_observe(int64_t wall_ms, int64_t mono_ms)
{
    int64_t offset = wall_ms - mono_ms, step = 0, lived = 0;
    pthread_mutex_lock(&step_lock);
    if (step_seen_first)
        step = offset - step_offset;
    else
        step_high_water = wall_ms;
    step_seen_first = 1;
    step_offset = offset;
    if (step <= -CLOCK_STEP_MIN_MS && step_high_water > step_replay_until)
        step_replay_until = step_high_water;
    lived = step_replay_until;
    if (wall_ms > step_high_water)
        step_high_water = wall_ms;
    pthread_mutex_unlock(&step_lock);
    if (step <= -CLOCK_STEP_MIN_MS)
        log_warn("wall clock stepped back by %.1f s; timers run on the monotonic clock and are "
                 "unaffected, but timestamps are flagged \"time_synced\": false for the next %.1f s, "
                 "until the clock shows times it has not shown before; check the time source (NTP, RTC)",
                 (double)-step / MS_PER_S, (double)(lived - wall_ms) / MS_PER_S);
    else if (step >= CLOCK_STEP_MIN_MS)
        log_warn("wall clock stepped forward by %.1f s; timers run on the monotonic clock and are "
                 "unaffected; timestamps follow the new time", (double)step / MS_PER_S);
}

int clock_step_replaying(int64_t wall_ms)
{
    pthread_mutex_lock(&step_lock);
    int replaying = wall_ms < step_replay_until;
    pthread_mutex_unlock(&step_lock);
    return replaying;
}
