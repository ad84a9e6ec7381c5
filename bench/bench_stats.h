/*
 * bench_stats.h - percentiles for the benchmark's timing programs.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

/* Sorts v and prints " NAME_p50_ms X NAME_p99_ms Y NAME_max_ms Z" (nearest rank). */
void bench_report_ms(const char *name, double *v, int n);

/*
 * Cuts v (in the order measured) into `parts` consecutive runs of equal length and
 * prints " NAME_parts_p99_ms A,B,.. NAME_p99_median_ms M": the p99 of each part and
 * their median. A burst of a neighbour's load on a shared machine then moves one
 * part, not the figure. Leaves v as it was; prints nothing when n < parts.
 */
void bench_report_parts_p99_ms(const char *name, const double *v, int n, int parts);

#endif
