/*
 * bench_store.c - how many samples a second the store takes, with the production PRAGMAs.
 *
 * Writes BENCH_SAMPLES samples in batches of one yardstick second (500 devices x 30
 * registers), committing after each batch as the core does on its timer, into a
 * fresh database in a temporary directory (or in DIR given as the first argument,
 * to measure a particular disk). Prints `store_samples_per_s <number>`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#include "store.h"

#define BENCH_SAMPLES 1000000
#define BENCH_DEVICES 500
#define BENCH_POINTS_PER_DEVICE 30
#define BENCH_BATCH (BENCH_DEVICES * BENCH_POINTS_PER_DEVICE)

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    char dir[256], path[320], err[512];
    snprintf(dir, sizeof dir, "%s/riskgw-bench-XXXXXX", argc > 1 ? argv[1] : "/tmp");
    if (!mkdtemp(dir)) {
        perror("bench_store: mkdtemp");
        return 1;
    }
    snprintf(path, sizeof path, "%s/bench.db", dir);
    struct store *st = store_open(path, err, sizeof err);
    if (!st) {
        fprintf(stderr, "bench_store: %s\n", err);
        return 1;
    }
    static int64_t keys[BENCH_BATCH];
    for (int i = 0; i < BENCH_BATCH; i++) {
        char dev[32], pt[32];
        snprintf(dev, sizeof dev, "dev%d", i / BENCH_POINTS_PER_DEVICE);
        snprintf(pt, sizeof pt, "p%d", i % BENCH_POINTS_PER_DEVICE);
        if (store_point_key(st, dev, pt, &keys[i]) < 0) {
            fprintf(stderr, "bench_store: %s\n", store_last_error(st));
            return 1;
        }
    }
    int rc = 0;
    double t0 = now_s();
    for (int i = 0; i < BENCH_SAMPLES && rc == 0; i++) {
        struct sample s = {.quality = QUALITY_GOOD, .value = i * 0.5,
                           .ts_ms = 1700000000000LL + (i / BENCH_BATCH) * 1000};
        rc = store_add_sample(st, keys[i % BENCH_BATCH], &s);
        if (rc == 0 && (i + 1) % BENCH_BATCH == 0)
            rc = store_commit(st);
    }
    if (rc == 0)
        rc = store_commit(st);
    double elapsed = now_s() - t0;
    if (rc < 0)
        fprintf(stderr, "bench_store: %s\n", store_last_error(st));
    store_close(st);
    unlink(path);
    rmdir(dir);
    if (rc < 0)
        return 1;
    printf("store_samples_per_s %.0f\n", BENCH_SAMPLES / elapsed);
    return 0;
}
