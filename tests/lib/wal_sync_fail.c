/*
 * wal_sync_fail.c - an LD_PRELOAD library for test_store_sync_fail.sh: while the file
 * named by RISKGW_WAL_SYNC_FAIL exists, fsync() and fdatasync() of a file whose name
 * ends in "-wal" fail with EIO, and every other call (writes included) goes through.
 * A card whose writes land in the page cache but never reach the medium: the commit
 * "succeeds", its sync does not. No root, no loop device; the SQLite VFS shim of the
 * unit tests (tests/unit/test_vfs_shim.h) does the same inside one process.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE     /* RTLD_NEXT */
#endif
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define WAL_SUFFIX "-wal"

static int wal_sync_fails(int fd)
{
    const char *flag = getenv("RISKGW_WAL_SYNC_FAIL");
    char link[64], target[4096];
    if (!flag || access(flag, F_OK) != 0)
        return 0;
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    size_t suffix = sizeof WAL_SUFFIX - 1;
    if (n < (ssize_t)suffix)
        return 0;
    target[n] = '\0';
    return strcmp(target + n - suffix, WAL_SUFFIX) == 0;
}

static int sync_through(const char *name, int fd)
{
    int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, name);
    if (wal_sync_fails(fd)) {
        errno = EIO;
        return -1;
    }
    return real ? real(fd) : -1;
}

int fsync(int fd) { return sync_through("fsync", fd); }
int fdatasync(int fd) { return sync_through("fdatasync", fd); }
