/*
 * clock.c - wall and monotonic milliseconds, and monotonic nanoseconds (see clock.h for why there are two).
 *
 * Every wall reading is shown to clock_step.c, which notices steps of the clock.
 */
#include "clock.h"

#include <time.h>

#include "clock_step.h"

#define MS_PER_S 1000
#define NS_PER_MS 1000000
#define NS_PER_S 1000000000LL
#define WALL_FLOOR_MS 1704067200000LL   /* 2024-01-01T00:00:00Z: older is an unset clock */

static int64_t read_ms(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (int64_t)ts.tv_sec * MS_PER_S + ts.tv_nsec / NS_PER_MS;
}

int64_t clock_wall_ms(void)
{
    int64_t wall = read_ms(CLOCK_REALTIME);
    clock_step_observe(wall, read_ms(CLOCK_MONOTONIC));
    return wall;
}

int64_t clock_mono_ms(void) { return read_ms(CLOCK_MONOTONIC); }

int64_t clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * NS_PER_S + ts.tv_nsec;
}

int clock_wall_trusted(void)
{
    int64_t wall = clock_wall_ms();
    return wall >= WALL_FLOOR_MS && !clock_step_replaying(wall);
}
