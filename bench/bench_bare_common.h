/*
 * bench_bare_common.h - what the two bare loops (bench_bare, sequential; bench_bare_mux,
 * multiplexed) share, so they differ only in how they wait for the devices.
 */
#ifndef RISKGW_BENCH_BARE_COMMON_H
#define RISKGW_BENCH_BARE_COMMON_H

#include <stddef.h>
#include <stdint.h>

#define BARE_TOPIC_FMT "riskgw/v1/bench/bare/telemetry/d%04d"
#define BARE_TOPIC_MAX 96
#define BARE_POINT_JSON_MAX 64          /* one "rNN":{"v":65535,"q":"good","ts":...}, */

/* One device's readings as JSON in the shape of riskgw's telemetry: the length, or -1. */
int bare_payload(char *out, size_t cap, int device, const uint16_t *regs, int nregs, long long ts);
/* Sleep until the monotonic clock (bench_mono_s) reads mono_s. */
void bare_sleep_until(double mono_s);

#endif
