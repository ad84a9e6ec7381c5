/*
 * bench_stats.c - percentiles for the benchmark's timing programs, one way for all.
 */
#include "bench_stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* Nearest-rank percentile q (0..1] of n sorted values. */
static double percentile(const double *sorted, int n, double q)
{
    int rank = (int)ceil(q * n);
    return sorted[rank < 1 ? 0 : rank - 1];
}

void bench_report_ms(const char *name, double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    printf(" %s_p50_ms %.2f %s_p99_ms %.2f %s_max_ms %.2f", name, percentile(v, n, 0.5), name,
           percentile(v, n, 0.99), name, v[n - 1]);
}
