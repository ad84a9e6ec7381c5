/*
 * clock.h - the two clocks of the gateway.
 *
 * Wall time stamps what is stored and sent; monotonic time drives every delay,
 * timeout and schedule, so a clock step (NTP, a board booting in 1970) never
 * fires or stalls a timer. Rules take "now" as an argument and never call these.
 */
#ifndef RISKGW_CLOCK_H
#define RISKGW_CLOCK_H

#include <stdint.h>

int64_t clock_wall_ms(void);
int64_t clock_mono_ms(void);
/* Monotonic nanoseconds, for waits shorter than a millisecond is coarse (a serial
 * line's inter-frame silence). */
int64_t clock_mono_ns(void);

/*
 * 1 when the wall clock can be believed: it reads later than this build's
 * release floor, and it is not re-living times it showed before it was stepped
 * back (clock_step.h). A board without an RTC boots in 1970 and must not send
 * that as if it were real; payloads carry "time_synced": false until this is 1.
 */
int clock_wall_trusted(void);

#endif
