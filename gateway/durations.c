/*
 * durations.c - a ring of recent durations and its percentiles (see durations.h).
 *
 * Summarising sorts a copy of at most DURATIONS_RECENT values: it runs once per
 * health report, not per duration, so adding stays one store into the ring.
 */
#include "durations.h"

#include <stdlib.h>
#include <string.h>

#define NS_PER_US 1000
#define US_PER_MS 1000.0

void durations_add(struct durations *d, int64_t ns)
{
    int64_t us = ns < 0 ? 0 : ns / NS_PER_US;
    d->us[d->count % DURATIONS_RECENT] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
    d->count++;
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

void durations_summarise(const struct durations *d, struct durations_summary *out)
{
    uint32_t sorted[DURATIONS_RECENT];
    size_t n = d->count < DURATIONS_RECENT ? (size_t)d->count : DURATIONS_RECENT;
    *out = (struct durations_summary){.recent = (uint32_t)n};
    if (n == 0)
        return;
    memcpy(sorted, d->us, n * sizeof *sorted);
    qsort(sorted, n, sizeof *sorted, by_value);
    out->p50_ms = rank_ms(sorted, n, 0.5);
    out->p99_ms = rank_ms(sorted, n, 0.99);
    out->max_ms = sorted[n - 1] / US_PER_MS;
}
