/*
 * test_store_sync.c - an event is sent only once its WAL sync succeeded.
 *
 * A power cut loses what the WAL holds but has not synced. The store syncs the
 * WAL after every commit holding an event, and the outbox may fetch an event
 * only after that sync succeeded, so that nothing announced with a seq can be
 * lost. Here SQLite runs on a shim VFS (the default one underneath) whose WAL
 * sync can be made to fail, as it does when the disk goes away: the event stays
 * committed but unsendable, and so does telemetry past its seqs reserved on disk
 * (store_seq.c) while telemetry within them is not held back; later commits (empty
 * ones too) keep retrying, and the first sync that succeeds releases it.
 * tests/integration/test_power_cut.sh cuts a real filesystem.
 */
#include <sqlite3.h>
#include <stddef.h>
#include <stdio.h>
#include <unistd.h>

#include "check.h"
#include "store.h"
#include "test_store_util.h"

/* ---- the shim: every call goes to the real file, except a WAL sync told to fail ---- */

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

static sqlite3_file *real_of(sqlite3_file *f) { return ((struct shim_file *)f)->real; }

static int shim_close(sqlite3_file *f) { return real_of(f)->pMethods->xClose(real_of(f)); }
static int shim_read(sqlite3_file *f, void *b, int n, sqlite3_int64 o)
{
    return real_of(f)->pMethods->xRead(real_of(f), b, n, o);
}
static int shim_write(sqlite3_file *f, const void *b, int n, sqlite3_int64 o)
{
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

/* ---- the test ---- */

#define SLOW_SYNCS 3
#define FAST_SYNCS 20
#define SLOW_SYNC_MS 20

static int64_t sendable_events(struct store *st) { return store_outbox_last_seq(st, OUTBOX_EVENTS); }

int main(void)
{
    shim_install();
    test_dir_make();
    char err[512] = "";
    struct store *st = store_open(test_path("sync.db"), err, sizeof err);
    if (!st)
        test_abort(err);
    struct event ev = {.kind = EV_RAISED, .severity = 1, .value = 30.5, .ts_ms = 1000, .level = "level1"};
    int64_t seq = 0;
    struct outbox_msg m[2];

    /* A healthy disk: the event is synced and sendable at once. */
    CHECK_INT(store_add_event(st, &ev, "det1", "gas"), 0);
    CHECK_INT(store_outbox_append(st, OUTBOX_EVENTS, "t/e", "{\"e\":1}", &seq), 0);
    CHECK_INT(store_commit(st), 0);
    CHECK(wal_syncs > 0);
    CHECK_INT(sendable_events(st), 1);

    /* The disk stops syncing: the next event is committed, but held back. */
    wal_sync_fails = 1;
    CHECK_INT(store_add_event(st, &ev, "det1", "gas"), 0);
    CHECK_INT(store_outbox_append(st, OUTBOX_EVENTS, "t/e", "{\"e\":2}", &seq), 0);
    CHECK_INT(seq, 2);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(sendable_events(st), 1);
    CHECK_INT(store_outbox_fetch(st, OUTBOX_EVENTS, 1, m, 2), 0);
    CHECK_INT(sql_int(test_path("sync.db"), "SELECT count(*) FROM events"), 2);     /* committed all the same */

    /* Telemetry is not synced per commit (docs/store.md), but the block of seqs it
     * draws from is reserved on disk first: the run's first telemetry waits too. */
    CHECK_INT(store_outbox_append(st, OUTBOX_TELEMETRY, "t/t", "{\"t\":1}", &seq), 0);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_TELEMETRY), 0);
    CHECK_INT(sendable_events(st), 1);

    /* Empty commits keep trying; the first sync that succeeds releases both. */
    int tries = wal_syncs;
    CHECK_INT(store_commit(st), 0);
    CHECK(wal_syncs > tries);
    CHECK_INT(sendable_events(st), 1);
    wal_sync_fails = 0;
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(sendable_events(st), 2);
    CHECK_INT(store_outbox_fetch(st, OUTBOX_EVENTS, 1, m, 2), 1);
    CHECK_INT(m[0].seq, 2);
    outbox_msg_free(&m[0]);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_TELEMETRY), 1);

    /* Within a block already on disk, a failing sync holds no telemetry back. */
    wal_sync_fails = 1;
    tries = wal_syncs;
    CHECK_INT(store_outbox_append(st, OUTBOX_TELEMETRY, "t/t", "{\"t\":2}", &seq), 0);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(wal_syncs, tries);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_TELEMETRY), 2);
    wal_sync_fails = 0;

    /* Nothing owed any more: an empty commit does not sync. */
    tries = wal_syncs;
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(wal_syncs, tries);

    /* Each sync's time is kept: a medium slow for a few of them shows in p99 and max. */
    struct store_sync_times t;
    store_sync_times(st, &t);
    uint32_t before = t.recent;
    CHECK(before >= 1);
    for (int i = 0; i < SLOW_SYNCS + FAST_SYNCS; i++) {
        wal_sync_delay_us = i < SLOW_SYNCS ? SLOW_SYNC_MS * 1000 : 0;
        CHECK_INT(store_add_event(st, &ev, "det1", "gas"), 0);
        CHECK_INT(store_commit(st), 0);
    }
    store_sync_times(st, &t);
    CHECK_INT(t.recent, before + SLOW_SYNCS + FAST_SYNCS);
    CHECK(t.p50_ms < SLOW_SYNC_MS);
    CHECK(t.p99_ms >= SLOW_SYNC_MS && t.max_ms >= t.p99_ms);
    printf("sync times over %u syncs: p50 %.3f p99 %.3f max %.3f ms\n", t.recent, t.p50_ms, t.p99_ms, t.max_ms);
    store_close(st);
    test_dir_remove();
    return check_summary();
}
