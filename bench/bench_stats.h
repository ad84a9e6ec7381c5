/*
 * bench_stats.h - percentiles for the benchmark's timing programs.
 */
#ifndef BENCH_STATS_H
#define BENCH_STATS_H

/* Sorts v and prints " NAME_p50_ms X NAME_p99_ms Y NAME_max_ms Z" (nearest rank). */
void bench_report_ms(const char *name, double *v, int n);

#endif
