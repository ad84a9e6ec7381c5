/*
 * test_vfs_shim.h - SQLite on a shim VFS (the default one underneath) whose medium
 * can be made to fail, as a dying card does: a WAL sync (wal_sync_fails), every
 * write with EIO (writes_fail), or a slow sync (wal_sync_delay_us); and it can lose
 * what the WAL never synced, as a card mounted afresh does (shim_lose_unsynced); and
 * wal_sync_then runs right after a WAL sync that succeeded (a card dying just then). shim_install()
 * makes it the default VFS, so store_open() uses it. For test_store_sync.c and
 * test_store_reopen.c; a real filesystem is in tests/integration/test_power_cut.sh
 * and test_store_card.sh.
 */
#ifndef RISKGW_TEST_VFS_SHIM_H
#define RISKGW_TEST_VFS_SHIM_H

#include <errno.h>
#include <sqlite3.h>
#include <stddef.h>
#include <unistd.h>


struct shim_file {
    sqlite3_file base;
    int is_wal;
    sqlite3_file real[];            /* the default VFS's file, szOsFile bytes */
};

static sqlite3_vfs *real_vfs;
static sqlite3_vfs shim_vfs;
static int wal_sync_fails;
static int wal_sync_delay_us;       /* a slow medium */
static int wal_syncs;
static int writes_fail;             /* every write fails with EIO, as on a dying card */
static sqlite3_int64 wal_synced_size;   /* the WAL's size at its last sync that succeeded */
static void (*wal_sync_then)(void);     /* called after a WAL sync that succeeded, if set */

static sqlite3_file *real_of(sqlite3_file *f) { return ((struct shim_file *)f)->real; }

static int shim_close(sqlite3_file *f) { return real_of(f)->pMethods->xClose(real_of(f)); }
static int shim_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
    return real_of(f)->pMethods->xRead(real_of(f), b, n, o);
}
static int shim_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
    if (writes_fail) {
        errno = EIO;                /* what sqlite3_system_errno() reports */
        return SQLITE_IOERR_WRITE;
    }
    return real_of(f)->pMethods->xWrite(real_of(f), b, n, o);
}
static int shim_truncate(sqlite3_file *f, sqlite3_int64 n) { return real_of(f)->pMethods->xTruncate(real_of(f), n); }
static int shim_sync(sqlite3_file *f, int flags)
{
    if (((struct shim_file *)f)->is_wal) {
        wal_syncs++;
        if (wal_sync_fails)
            return SQLITE_IOERR_FSYNC;
        if (wal_sync_delay_us)
            usleep((useconds_t)wal_sync_delay_us);
        int rc = real_of(f)->pMethods->xSync(real_of(f), flags);
        if (rc == SQLITE_OK)
            real_of(f)->pMethods->xFileSize(real_of(f), &wal_synced_size);
        if (rc == SQLITE_OK && wal_sync_then)
            wal_sync_then();
        return rc;
    }
    return real_of(f)->pMethods->xSync(real_of(f), flags);
}
static int shim_size(sqlite3_file *f, sqlite3_int64 *n) { return real_of(f)->pMethods->xFileSize(real_of(f), n); }
static int shim_lock(sqlite3_file *f, int l) { return real_of(f)->pMethods->xLock(real_of(f), l); }
static int shim_unlock(sqlite3_file *f, int l) { return real_of(f)->pMethods->xUnlock(real_of(f), l); }
static int shim_reserved(sqlite3_file *f, int *r) { return real_of(f)->pMethods->xCheckReservedLock(real_of(f), r); }
static int shim_fcntl(sqlite3_file *f, int op, void *a) { return real_of(f)->pMethods->xFileControl(real_of(f), op, a); }
static int shim_sector(sqlite3_file *f) { return real_of(f)->pMethods->xSectorSize(real_of(f)); }
static int shim_device(sqlite3_file *f) { return real_of(f)->pMethods->xDeviceCharacteristics(real_of(f)); }
static int shim_shm_map(sqlite3_file *f, int pg, int sz, int extend, void volatile **p)
{
    return real_of(f)->pMethods->xShmMap(real_of(f), pg, sz, extend, p);
}
static int shim_shm_lock(sqlite3_file *f, int off, int n, int flags)
{
    return real_of(f)->pMethods->xShmLock(real_of(f), off, n, flags);
}
static void shim_shm_barrier(sqlite3_file *f) { real_of(f)->pMethods->xShmBarrier(real_of(f)); }
static int shim_shm_unmap(sqlite3_file *f, int del) { return real_of(f)->pMethods->xShmUnmap(real_of(f), del); }

/* Version 2: no memory-mapped I/O (xFetch), so every page goes through shim_read. */
static const sqlite3_io_methods shim_io = {
    2, shim_close, shim_read, shim_write, shim_truncate, shim_sync, shim_size, shim_lock, shim_unlock,
    shim_reserved, shim_fcntl, shim_sector, shim_device, shim_shm_map, shim_shm_lock, shim_shm_barrier,
    shim_shm_unmap, NULL, NULL};

static int shim_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags)
{
    (void)vfs;
    struct shim_file *s = (struct shim_file *)f;
    s->base.pMethods = NULL;
    s->is_wal = (flags & SQLITE_OPEN_WAL) != 0;
    int rc = real_vfs->xOpen(real_vfs, name, s->real, flags, out_flags);
    if (rc == SQLITE_OK)
        s->base.pMethods = &shim_io;
    return rc;
}

/* The card is mounted afresh: the WAL at wal_path (closed by now) keeps only what its
 * last good sync wrote; the WAL index goes, as after a reboot. 0 or -1. */
__attribute__((unused)) static int shim_lose_unsynced(const char *wal_path, const char *shm_path)
{
    unlink(shm_path);
    return truncate(wal_path, (off_t)wal_synced_size);
}

/* Make the shim the default VFS, so that store_open() uses it. */
static void shim_install(void)
{
    real_vfs = sqlite3_vfs_find(NULL);
    shim_vfs = *real_vfs;
    shim_vfs.zName = "riskgw-test-shim";
    shim_vfs.szOsFile = (int)(offsetof(struct shim_file, real) + (size_t)real_vfs->szOsFile);
    shim_vfs.xOpen = shim_open;
    sqlite3_vfs_register(&shim_vfs, 1);
}

#endif
