/*
 * store_sync_times.c - how long the medium takes to keep an event.
 *
 * Every alarm waits for one fdatasync of the WAL before it is sent (store_wal.c),
 * so that sync is the floor of the gateway's alarm latency on its medium, and a
 * flash card wearing out shows here first: its syncs slow down long before its
 * writes fail. The store keeps the durations of the last STORE_SYNC_RECENT syncs;
 * the health report gives their median, 99th percentile and maximum.
 */
#include <stdlib.h>
#include <string.h>

#include "store_internal.h"

#define NS_PER_US 1000
#define US_PER_MS 1000.0

void store_sync_timed(struct store *st, int64_t ns)
{
    int64_t us = ns / NS_PER_US;
    st->sync_us[st->syncs_timed % STORE_SYNC_RECENT] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    st->syncs_timed++;
}

static int by_value(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Nearest rank: the smallest duration at or above fraction p of the sorted ones. */
static double rank_ms(const uint32_t *sorted, size_t n, double p)
{
    size_t k = (size_t)(p * (double)n + 0.999999);
    return sorted[k > 0 ? k - 1 : 0] / US_PER_MS;
}

void store_sync_times(const struct store *st, struct store_sync_times *out)
{
    uint32_t sorted[STORE_SYNC_RECENT];
    size_t n = st->syncs_timed < STORE_SYNC_RECENT ? (size_t)st->syncs_timed : STORE_SYNC_RECENT;
    *out = (struct store_sync_times){.recent = (uint32_t)n};
    if (n == 0)
        return;
    memcpy(sorted, st->sync_us, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, by_value);
    out->p50_ms = rank_ms(sorted, n, 0.5);
    out->p99_ms = rank_ms(sorted, n, 0.99);
    out->max_ms = sorted[n - 1] / US_PER_MS;
}
