/*
 * test_durations.c - the recent-durations ring behind the health report's sync and
 * alarm latency figures (gateway/durations.c).
 *
 * The figures must be the nearest-rank percentiles of exactly the last
 * DURATIONS_RECENT durations: a p99 that still held an old slow spell, or one
 * off by a rank, would misreport a flash card or an alarm path.
 */
#include <stdio.h>

#include "check.h"
#include "durations.h"

#define NS_PER_MS 1000000

static void test_empty(void)
{
    struct durations d = {0};
    struct durations_summary s;
    durations_summarise(&d, &s);
    CHECK_INT(s.recent, 0);
    CHECK_NEAR(s.p99_ms, 0.0, 1e-9);
}

/* 1..100 ms: the median is 50, the 99th percentile 99, the maximum 100. */
static void test_ranks(void)
{
    struct durations d = {0};
    struct durations_summary s;
    for (int ms = 100; ms >= 1; ms--)           /* order of arrival does not matter */
        durations_add(&d, (int64_t)ms * NS_PER_MS);
    durations_summarise(&d, &s);
    CHECK_INT(s.recent, 100);
    CHECK_NEAR(s.p50_ms, 50.0, 1e-9);
    CHECK_NEAR(s.p99_ms, 99.0, 1e-9);
    CHECK_NEAR(s.max_ms, 100.0, 1e-9);
}

/* A slow spell ages out once DURATIONS_RECENT newer durations came after it. */
static void test_ring_forgets(void)
{
    struct durations d = {0};
    struct durations_summary s;
    for (int i = 0; i < 50; i++)
        durations_add(&d, 500LL * NS_PER_MS);
    for (int i = 0; i < DURATIONS_RECENT; i++)
        durations_add(&d, 2LL * NS_PER_MS + (i % 2) * 1000);   /* 2.000 and 2.001 ms */
    durations_summarise(&d, &s);
    CHECK_INT(s.recent, DURATIONS_RECENT);
    CHECK_NEAR(s.max_ms, 2.001, 1e-9);
    CHECK_NEAR(s.p50_ms, 2.0, 1e-9);
}

/* Sub-microsecond parts are dropped; a negative duration (a clock quirk) counts as 0. */
static void test_units(void)
{
    struct durations d = {0};
    struct durations_summary s;
    durations_add(&d, 1999);
    durations_add(&d, -5);
    durations_summarise(&d, &s);
    CHECK_NEAR(s.max_ms, 0.001, 1e-9);
    CHECK_NEAR(s.p50_ms, 0.0, 1e-9);
}

int main(void)
{
    test_empty();
    test_ranks();
    test_ring_forgets();
    test_units();
    return check_summary();
}
