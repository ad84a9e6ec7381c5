/*
 * bench_fsync.c - what one fdatasync costs on this disk while nothing else runs.
 *
 * Every alarm waits for one fdatasync of the store's WAL before it is sent, so the
 * latency phase sets the gateway's figures beside this floor. It overwrites an
 * 8 KiB block (an event's commit writes a few pages) of a preallocated file in DIR,
 * in place as the WAL is, syncs it, and pauses, COUNT times; then it prints
 * `fsync_p50_ms X fsync_p99_ms Y fsync_max_ms Z` and removes the file.
 *
 *   bench_fsync -d DIR [-n COUNT]
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_stats.h"

#define BLOCK_BYTES 8192
#define BLOCKS 256                  /* 2 MiB written in place, round and round */
#define PAUSE_US 2000               /* between syncs: a busy site's alarm rate, not a flood */
#define DEFAULT_COUNT 500

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static int write_block(int fd, const char *block, int i)
{
    return pwrite(fd, block, BLOCK_BYTES, (off_t)(i % BLOCKS) * BLOCK_BYTES) == BLOCK_BYTES ? 0 : -1;
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    int count = DEFAULT_COUNT, opt;
    while ((opt = getopt(argc, argv, "d:n:")) != -1) {
        if (opt == 'd')
            dir = optarg;
        else if (opt == 'n')
            count = atoi(optarg);
    }
    if (!dir || count < 1) {
        fprintf(stderr, "usage: bench_fsync -d DIR [-n COUNT]\n");
        return 2;
    }
    char path[PATH_MAX], block[BLOCK_BYTES];
    snprintf(path, sizeof path, "%s/bench_fsync.dat", dir);
    memset(block, 0x5a, sizeof block);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    double *took = calloc((size_t)count, sizeof *took);
    int failed = fd < 0 || !took;
    for (int i = 0; i < BLOCKS && !failed; i++)     /* the file exists first, as the WAL does */
        failed = write_block(fd, block, i) < 0;
    failed = failed || fdatasync(fd) < 0;
    for (int i = 0; i < count && !failed; i++) {
        failed = write_block(fd, block, i) < 0;
        double start = now_ms();
        failed = failed || fdatasync(fd) < 0;
        took[i] = now_ms() - start;
        usleep(PAUSE_US);
    }
    if (failed) {
        fprintf(stderr, "bench_fsync: %s: %s\n", path, strerror(errno));
        return 1;
    }
    close(fd);
    unlink(path);
    printf("syncs %d", count);
    bench_report_ms("fsync", took, count);
    printf("\n");
    free(took);
    return 0;
}
