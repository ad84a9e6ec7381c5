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

static void sort_ms(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
}

void bench_report_parts_p99_ms(const char *name, const double *v, int n, int parts)
{
    if (parts < 1 || n < parts)
        return;
    int len = n / parts;
    double *part = malloc((size_t)len * sizeof *part), *p99 = malloc((size_t)parts * sizeof *p99);
    if (!part || !p99) {
        free(part);
        free(p99);
        return;
    }
    printf(" %s_parts_p99_ms ", name);
    for (int k = 0; k < parts; k++) {
        for (int i = 0; i < len; i++)
            part[i] = v[k * len + i];
        sort_ms(part, len);
        p99[k] = percentile(part, len, 0.99);
        printf("%s%.2f", k ? "," : "", p99[k]);
    }
    sort_ms(p99, parts);
    double median = parts % 2 ? p99[parts / 2] : (p99[parts / 2 - 1] + p99[parts / 2]) / 2;
    printf(" %s_p99_median_ms %.2f", name, median);
    free(part);
    free(p99);
}

void bench_report_ms(const char *name, double *v, int n)
{
    sort_ms(v, n);
    printf(" %s_p50_ms %.2f %s_p99_ms %.2f %s_max_ms %.2f", name, percentile(v, n, 0.5), name,
           percentile(v, n, 0.99), name, v[n - 1]);
}
