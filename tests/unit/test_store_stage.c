/*
 * test_store_stage.c - samples wait in memory for a routine commit: an alarm's
 * synced commit never carries them, and nothing staged is lost to a failed
 * commit, a failed card or a clean stop.
 *
 * Real database files, read through a connection of their own as an operator's
 * sqlite3 shell would; the card fails through the shim VFS (writes with EIO), as
 * in test_store_reopen.c. What an alarm's commit writes is the WAL's growth in
 * bytes over that one commit (no checkpoint runs this early: the WAL is far
 * below SQLite's threshold).
 */
#include <stdio.h>
#include <sys/stat.h>

#include "check.h"
#include "store.h"
#include "test_store_util.h"
#include "test_vfs_shim.h"

#define WAL_FRAME_BYTES (4096 + 24)
#define ALARM_COMMIT_FRAMES_MAX 8       /* the event, its outbox row, the sequence: 4 frames here */
#define BATCH (STORE_STAGE_ROWS - 1)    /* staged rows, not yet due: about 14 pages of samples */

static long long wal_bytes(const char *path)
{
    char wal[600];
    struct stat sb;
    snprintf(wal, sizeof wal, "%s-wal", path);
    return stat(wal, &sb) == 0 ? (long long)sb.st_size : 0;
}

static long long rows(const char *path) { return sql_int(path, "SELECT count(*) FROM samples"); }

/* Rows in time order by rowid, each ts once: none lost, none twice, none out of order. */
static long long rows_in_order(const char *path)
{
    return sql_int(path, "SELECT count(*) FROM samples a JOIN samples b ON b.rowid = a.rowid + 1"
                         " WHERE b.ts_ms = a.ts_ms + 1");
}

/* Exactly n rows stored, in order, each once. */
static void check_stored(const char *path, long long n)
{
    CHECK_INT(rows(path), n);
    CHECK_INT(rows_in_order(path), n - 1);
}

static void stage(struct store *st, int64_t key, int64_t from_ts, int n)
{
    for (int i = 0; i < n; i++) {
        struct sample s = {.quality = QUALITY_GOOD, .value = 20.0 + i % 7, .ts_ms = from_ts + i};
        if (store_add_sample(st, key, &s) < 0)
            test_abort(store_last_error(st));
    }
}

static int commit_alarm(struct store *st)
{
    struct event ev = {.kind = EV_RAISED, .severity = 2, .value = 55, .ts_ms = 1000, .level = "level2"};
    int64_t seq = 0;
    if (store_add_event(st, &ev, "gas1", "lel") < 0 || store_outbox_append(st, OUTBOX_EVENTS, "t/e", "{}", &seq) < 0)
        return -1;
    return store_commit(st);
}

/* A fresh store with one point, its key in *key. */
static struct store *open_with_point(const char *path, int64_t *key)
{
    struct store *st = test_store_open(path);
    if (store_point_key(st, "gas1", "lel", key) < 0)
        test_abort(store_last_error(st));
    return st;
}

/* An alarm's synced commit carries the event, not the samples staged before it. */
static void test_alarm_commit_carries_no_samples(void)
{
    const char *path = test_path("alarm.db");
    int64_t key = 0;
    struct store *st = open_with_point(path, &key);
    CHECK_INT(commit_alarm(st), 0);                /* the tables' first pages exist */
    stage(st, key, 1, BATCH);
    CHECK_INT(store_samples_staged(st), BATCH);
    CHECK_INT(store_samples_due(st), 0);
    uint64_t synced = store_stats(st)->durable_commits;
    long long before = wal_bytes(path);
    CHECK_INT(commit_alarm(st), 0);
    long long written = wal_bytes(path) - before;
    CHECK_INT(store_stats(st)->durable_commits, synced + 1);       /* it was synced */
    CHECK(written > 0 && written <= ALARM_COMMIT_FRAMES_MAX * WAL_FRAME_BYTES);
    if (written > ALARM_COMMIT_FRAMES_MAX * WAL_FRAME_BYTES)
        fprintf(stderr, "the alarm's commit wrote %lld WAL bytes\n", written);
    CHECK_INT(rows(path), 0);
    CHECK_INT(store_samples_staged(st), BATCH);

    /* The next routine commit writes them, unsynced. */
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(store_stats(st)->durable_commits, synced + 1);
    check_stored(path, BATCH);
    CHECK_INT(store_samples_staged(st), 0);
    CHECK_INT(store_stats(st)->sample_commits >= 1, 1);

    /* Due at STORE_STAGE_ROWS; past twice that without a commit, the store commits itself. */
    stage(st, key, BATCH + 1, STORE_STAGE_ROWS);
    CHECK_INT(store_samples_due(st), 1);
    stage(st, key, BATCH + 1 + STORE_STAGE_ROWS, STORE_STAGE_ROWS + 5);
    CHECK_INT(store_samples_staged(st), 5);
    CHECK_INT(store_commit(st), 0);
    check_stored(path, BATCH + 2 * STORE_STAGE_ROWS + 5);
    store_close(st);
}

/* A routine commit that fails keeps its samples staged; the next one stores each once. */
static void test_failed_commit_keeps_samples(void)
{
    const char *path = test_path("rollback.db");
    int64_t key = 0;
    struct store *st = open_with_point(path, &key);
    stage(st, key, 1, 100);
    CHECK_INT(store_commit(st), 0);
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "CREATE TRIGGER in_the_way BEFORE INSERT ON samples WHEN new.ts_ms = 150"
                               " BEGIN SELECT RAISE(ABORT, 'in the way'); END", NULL, NULL, NULL), SQLITE_OK);
    stage(st, key, 101, 100);
    CHECK_INT(store_commit(st), -1);        /* half of them were in the transaction */
    CHECK_CONTAINS(store_last_error(st), "rolled back");
    CHECK_INT(store_samples_staged(st), 100);
    CHECK_INT(rows(path), 100);
    CHECK_INT(sqlite3_exec(db, "DROP TRIGGER in_the_way", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    stage(st, key, 201, 50);
    CHECK_INT(store_commit(st), 0);
    check_stored(path, 250);
    store_close(st);
}

/* The card fails under staged samples: released, reopened, and then they are stored. */
static void test_card_outage_keeps_samples(void)
{
    const char *path = test_path("card.db");
    int64_t key = 0;
    struct store *st = open_with_point(path, &key);
    stage(st, key, 1, 500);
    CHECK_INT(store_commit(st), 0);
    stage(st, key, 501, 700);
    CHECK_INT(commit_alarm(st), 0);         /* synced, the samples still staged */
    writes_fail = 1;
    CHECK_INT(store_commit(st), -1);
    CHECK_INT(store_trouble(st), STORE_TROUBLE_IO);
    store_release(st);
    CHECK_INT(store_commit(st), -1);        /* closed: nothing is written, nothing forgotten */
    store_reopen(st);
    CHECK_INT(store_commit(st), -1);        /* the card still fails */
    store_release(st);
    writes_fail = 0;
    CHECK_INT(store_reopen(st), 0);
    CHECK_INT(store_samples_staged(st), 700);
    CHECK_INT(store_commit(st), 0);
    check_stored(path, 1200);
    store_close(st);
}

/* A clean stop writes what is staged, even behind an alarm's commit. */
static void test_clean_stop_keeps_samples(void)
{
    const char *path = test_path("stop.db");
    int64_t key = 0;
    struct store *st = open_with_point(path, &key);
    stage(st, key, 1, 900);
    CHECK_INT(commit_alarm(st), 0);
    CHECK_INT(rows(path), 0);
    store_close(st);
    check_stored(path, 900);
}

int main(void)
{
    shim_install();
    test_dir_make();
    test_alarm_commit_carries_no_samples();
    test_failed_commit_keeps_samples();
    test_card_outage_keeps_samples();
    test_clean_stop_keeps_samples();
    test_dir_remove();
    return check_summary();
}
