/*
 * durations.h - the last DURATIONS_RECENT durations of something the gateway
 * times, and their median, 99th percentile and maximum for the health report.
 *
 * Two things are timed this way: the store's WAL syncs (store_sync_times.c), the
 * medium's part of an alarm's delay, and an alarm's whole way through the gateway
 * (core_events.c). A ring of microseconds: 4 KiB each, summarised on demand.
 */
#ifndef RISKGW_DURATIONS_H
#define RISKGW_DURATIONS_H

#include <stdint.h>

#define DURATIONS_RECENT 1024

struct durations {
    uint32_t us[DURATIONS_RECENT];  /* a ring, in microseconds */
    uint64_t count;                 /* every one so far; the ring's next slot */
};

struct durations_summary {
    uint32_t recent;                /* durations these figures cover; 0: none yet, figures 0 */
    double p50_ms, p99_ms, max_ms;
};

void durations_add(struct durations *d, int64_t ns);
void durations_summarise(const struct durations *d, struct durations_summary *out);

#endif
