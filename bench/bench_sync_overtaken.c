/*
 * bench_sync_overtaken.c - the writer of bench/sync_overtaken.sh: does an fdatasync
 * that returned 0 keep its data when the filesystem shuts down around it?
 *
 * It appends 512-byte records ("REC n") to DIR/log, one fdatasync each, and prints
 * "n t" (t: CLOCK_MONOTONIC, s) once the sync has returned 0, with -r only after a
 * one-byte read of the file has succeeded too (the store's check, store_wal.c).
 * Beside it a thread keeps writing another file out, as the store's routine
 * commits do. It stops at the first failure; the script shuts the filesystem down
 * under it and then looks for the last record printed.
 *
 *   bench_sync_overtaken DIR [-r]
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define RECORD_BYTES 512
#define NOISE_BYTES 65536
#define NOISE_BLOCKS 256
#define PAUSE_MAX_US 3000

static const char *dir;

/* Dirty and write out DIR/noise in 64 KiB pieces, syncing now and then, until a write fails. */
static void *noise(void *arg)
{
    (void)arg;
    static char buf[NOISE_BYTES];
    char path[4096];
    snprintf(path, sizeof path, "%s/noise", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    memset(buf, 7, sizeof buf);
    for (long i = 0; fd >= 0; i++) {
        if (pwrite(fd, buf, sizeof buf, (off_t)(i % NOISE_BLOCKS) * NOISE_BYTES) < 0)
            break;
        sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
        if (i % 16 == 0)
            fdatasync(fd);
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_sync_overtaken DIR [-r]\n");
        return 2;
    }
    dir = argv[1];
    int read_back = argc > 2 && strcmp(argv[2], "-r") == 0;
    char path[4096], rec[RECORD_BYTES];
    snprintf(path, sizeof path, "%s/log", dir);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
        perror(path);
        return 1;
    }
    pthread_t t;
    pthread_create(&t, NULL, noise, NULL);
    setvbuf(stdout, NULL, _IONBF, 0);
    srand((unsigned)getpid());
    for (long n = 1;; n++) {
        memset(rec, 0, sizeof rec);
        snprintf(rec, sizeof rec, "REC %ld\n", n);
        if (pwrite(fd, rec, sizeof rec, (off_t)(n - 1) * RECORD_BYTES) != (ssize_t)sizeof rec || fdatasync(fd) != 0)
            return 1;
        char byte;
        if (read_back && pread(fd, &byte, 1, 0) != 1)
            return 1;
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        printf("%ld %.6f\n", n, (double)ts.tv_sec + (double)ts.tv_nsec / 1e9);
        usleep((useconds_t)(rand() % PAUSE_MAX_US));
    }
}
