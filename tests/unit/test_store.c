/*
 * test_store.c - the store against real SQLite files: round trips, gap-free seqs
 * across reopen, events surviving kill -9, migration from v1, a corrupt file moved
 * aside, and recovery after a disk that filled up (tmpfs) or failed (file size limit).
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/resource.h>
#include <limits.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "store.h"
#include "store_internal.h"
#include "test_store_util.h"

static struct store *open_ok(const char *path)
{
    char err[512] = "";
    struct store *st = store_open(path, err, sizeof err);
    if (!st)
        test_abort(err);
    return st;
}

static struct sample sample_at(int64_t ts, double value, enum quality q)
{
    return (struct sample){.quality = q, .value = value, .ts_ms = ts};
}

static struct event event_at(int64_t ts, enum event_kind kind, int severity)
{
    struct event ev = {.kind = kind, .severity = severity, .value = 30.5, .ts_ms = ts};
    snprintf(ev.level, sizeof ev.level, "level1");
    return ev;
}

/* Append n rows to cls; returns the seq of the last one. */
static int64_t append_n(struct store *st, enum outbox_class cls, int n)
{
    int64_t seq = -1;
    for (int i = 0; i < n; i++)
        CHECK_INT(store_outbox_append(st, cls, "riskgw/t", "{\"n\":1}", &seq), 0);
    return seq;
}

/* 1 when fetching everything of cls gives seqs 1..expect with no gap. */
static int seqs_gap_free(struct store *st, enum outbox_class cls, int expect)
{
    struct outbox_msg m[64];
    int n = store_outbox_fetch(st, cls, 0, m, 64), ok = n == expect;
    for (int i = 0; i < n; i++) {
        ok &= m[i].seq == i + 1;
        outbox_msg_free(&m[i]);
    }
    return ok;
}

static void test_round_trip(void)
{
    const char *path = test_path("round.db");
    struct store *st = open_ok(path);
    int64_t k1 = 0, k2 = 0, k1again = 0;
    CHECK_INT(store_point_key(st, "det1", "gas", &k1), 0);
    CHECK_INT(store_point_key(st, "det1", "o2", &k2), 0);
    CHECK_INT(store_point_key(st, "det1", "gas", &k1again), 0);
    CHECK(k1 != k2);
    CHECK_INT(k1again, k1);

    struct sample good = sample_at(1000, 12.5, QUALITY_GOOD);
    struct sample fault = sample_at(2000, 0.0, QUALITY_SENSOR_FAULT);
    CHECK_INT(store_add_sample(st, k1, &good), 0);
    CHECK_INT(store_add_sample(st, k1, &fault), 0);
    struct event ev = event_at(1500, EV_RAISED, 1);
    CHECK_INT(store_add_event(st, &ev, "det1", "gas"), 0);
    CHECK(ev.id > 0);
    struct event gw = event_at(1600, EV_FAULT, 0);
    CHECK_INT(store_add_event(st, &gw, NULL, NULL), 0);
    CHECK(gw.id > ev.id);
    int64_t seq = 0;
    CHECK_INT(store_outbox_append(st, OUTBOX_EVENTS, "riskgw/alarm", "{\"a\":1}", &seq), 0);
    CHECK_INT(seq, 1);

    struct outbox_msg m[4];
    CHECK_INT(store_outbox_fetch(st, OUTBOX_EVENTS, 0, m, 4), 0);   /* not committed yet */
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_EVENTS), 0);
    uint64_t durable = store_stats(st)->durable_commits;
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(store_stats(st)->durable_commits, durable + 1);       /* held an event: WAL synced */
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_EVENTS), 1);
    CHECK_INT(store_outbox_fetch(st, OUTBOX_EVENTS, 0, m, 4), 1);

    /* Read back from beside the writer, as riskgw test-alarm does. */
    struct stored_event se;
    char err[256] = "";
    CHECK_INT(store_lookup_event(path, ev.id, &se, err, sizeof err), 1);
    CHECK_STR(se.device, "det1");
    CHECK_STR(se.point, "gas");
    CHECK_STR(se.kind, "RAISED");
    CHECK_INT(se.ts_ms, 1500);
    CHECK_INT(se.severity, 1);
    CHECK_INT(store_lookup_event(path, gw.id, &se, err, sizeof err), 1);
    CHECK_STR(se.device, "");
    CHECK_INT(store_lookup_event(path, gw.id + 100, &se, err, sizeof err), 0);
    CHECK_INT(store_lookup_event(test_path("absent.db"), 1, &se, err, sizeof err), -1);
    CHECK_CONTAINS(err, "absent.db");
    CHECK_STR(m[0].topic, "riskgw/alarm");
    CHECK_STR(m[0].payload, "{\"a\":1}");
    CHECK_INT(m[0].payload_len, 7);
    outbox_msg_free(&m[0]);

    CHECK_INT(store_add_sample(st, k2, &good), 0);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(store_stats(st)->durable_commits, durable + 1);       /* samples only: no sync */

    CHECK_INT(sql_int(path, "SELECT COUNT(*) FROM samples"), 3);
    CHECK_INT(sql_int(path, "SELECT COUNT(*) FROM samples WHERE value IS NULL AND quality = 3"), 1);
    CHECK_INT(sql_int(path, "SELECT COUNT(*) FROM events WHERE kind = 'RAISED' AND quality = 'good'"
                            " AND level = 'level1' AND severity = 1"), 1);
    CHECK_INT(sql_int(path, "SELECT COUNT(*) FROM events WHERE point_key IS NULL AND kind = 'FAULT'"), 1);

    int64_t cur = -1;
    CHECK_INT(store_cursor_get(st, "mqtt", OUTBOX_EVENTS, &cur), 0);
    CHECK_INT(cur, 0);
    CHECK_INT(store_cursor_set(st, "mqtt", OUTBOX_EVENTS, 1), 0);
    CHECK_INT(store_cursor_set(st, "mqtt", OUTBOX_EVENTS, 1), 0);   /* upsert, not a dup */
    int64_t epoch = store_epoch(st);
    CHECK(epoch > 0);
    CHECK(store_outbox_append(st, (enum outbox_class)7, "t", "p", &seq) < 0);
    CHECK_CONTAINS(store_last_error(st), "class 7 does not exist");
    store_close(st);

    st = open_ok(path);
    CHECK_INT(store_cursor_get(st, "mqtt", OUTBOX_EVENTS, &cur), 0);
    CHECK_INT(cur, 1);
    CHECK_INT(store_point_key(st, "det1", "o2", &k1again), 0);
    CHECK_INT(k1again, k2);
    CHECK_INT(store_epoch(st), epoch);
    store_close(st);
}

/* A site's points registered at once: new keys wait in the transaction, one commit
 * keeps them all, and a reopen finds the same keys. */
static void test_point_keys_staged(void)
{
    const char *path = test_path("keys.db");
    struct store *st = open_ok(path);
    const char *points[] = {"lel", "h2s", "o2"};
    int64_t keys[3], again;
    uint64_t commits = store_stats(st)->commits;
    for (int i = 0; i < 3; i++)
        CHECK_INT(store_point_key_staged(st, "det1", points[i], &keys[i]), 1);
    CHECK_INT(store_stats(st)->commits, commits);                  /* none yet */
    CHECK_INT(store_point_key_staged(st, "det1", "lel", &again), 0);  /* staged is found */
    CHECK_INT(again, keys[0]);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(store_stats(st)->commits, commits + 1);
    store_close(st);
    st = open_ok(path);
    for (int i = 0; i < 3; i++) {
        CHECK_INT(store_point_key(st, "det1", points[i], &again), 0);
        CHECK_INT(again, keys[i]);
    }
    store_close(st);
}

static void test_seq_across_reopen(void)
{
    const char *path = test_path("seq.db");
    struct store *st = open_ok(path);
    append_n(st, OUTBOX_EVENTS, 3);
    append_n(st, OUTBOX_TELEMETRY, 5);
    CHECK_INT(store_outbox_next_seq(st, OUTBOX_EVENTS), 4);
    CHECK_INT(store_commit(st), 0);
    store_close(st);

    st = open_ok(path);
    CHECK_INT(store_outbox_next_seq(st, OUTBOX_EVENTS), 4);
    CHECK_INT(store_outbox_next_seq(st, OUTBOX_TELEMETRY), 6);
    CHECK_INT(append_n(st, OUTBOX_EVENTS, 2), 5);
    CHECK_INT(append_n(st, OUTBOX_TELEMETRY, 1), 6);
    CHECK_INT(store_commit(st), 0);
    CHECK(seqs_gap_free(st, OUTBOX_EVENTS, 5));
    CHECK(seqs_gap_free(st, OUTBOX_TELEMETRY, 6));
    store_close(st);
}

/* A child commits one event and leaves one uncommitted, then dies by SIGKILL. */
static void test_event_survives_kill(void)
{
    const char *path = test_path("kill.db");
    pid_t pid = fork();
    if (pid == 0) {
        char err[512];
        struct store *st = store_open(path, err, sizeof err);
        struct event ev = event_at(42, EV_RAISED, 2);
        int64_t seq;
        if (!st || store_add_event(st, &ev, "det9", "h2s") < 0 ||
            store_outbox_append(st, OUTBOX_EVENTS, "a", "{}", &seq) < 0 || store_commit(st) < 0)
            _exit(1);
        ev.ts_ms = 43;
        store_add_event(st, &ev, "det9", "h2s");        /* never committed */
        kill(getpid(), SIGKILL);
        _exit(1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
    struct store *st = open_ok(path);
    CHECK_INT(sql_int(path, "SELECT COUNT(*) FROM events WHERE ts_ms = 42 AND severity = 2"), 1);
    CHECK_INT(sql_int(path, "SELECT COUNT(*) FROM events WHERE ts_ms = 43"), 0);
    CHECK_INT(store_outbox_next_seq(st, OUTBOX_EVENTS), 2);
    store_close(st);
}

static void test_migrate_from_v1(void)
{
    const char *path = test_path("v1.db");
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, store_schema_step(1), NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "PRAGMA user_version = 1;"
                           "INSERT INTO points (device, point) VALUES ('d', 'p');"
                           "INSERT INTO outbox VALUES (0, 1, 't', '{}'), (0, 2, 't', '{}');"
                           "INSERT INTO cursors VALUES ('mqtt', 0, 1);", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    struct store *st = open_ok(path);
    CHECK_INT(sql_int(path, "PRAGMA user_version"), store_schema_version());
    CHECK(store_schema_version() >= 2);
    CHECK_INT(store_outbox_next_seq(st, OUTBOX_EVENTS), 3);
    int64_t key = 0, cur = 0;
    CHECK_INT(store_point_key(st, "d", "p", &key), 0);
    CHECK_INT(key, 1);
    CHECK_INT(store_cursor_get(st, "mqtt", OUTBOX_EVENTS, &cur), 0);
    CHECK_INT(cur, 1);
    CHECK_INT(store_rule_state_save(st, key, "abc", 3), 0);        /* a v2 table */
    CHECK_INT(store_commit(st), 0);
    CHECK(store_epoch(st) > 0);
    store_close(st);
}

static void test_newer_schema_refused(void)
{
    const char *path = test_path("future.db");
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "PRAGMA user_version = 99;", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    char err[512] = "";
    CHECK(store_open(path, err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "schema version 99");
    CHECK_CONTAINS(err, path);
}

/* The name of the first file in test_dir that starts with prefix, or "". */
static const char *find_file(const char *prefix)
{
    static char found[256];
    found[0] = '\0';
    DIR *d = opendir(test_dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && !found[0])
            snprintf(found, sizeof found, "%s", e->d_name);
    if (d)
        closedir(d);
    return found;
}

static void test_corrupt_moved_aside(void)
{
    const char *path = test_path("bad.db");
    FILE *f = fopen(path, "w");
    for (int i = 0; f && i < 512; i++)
        fputs("this is not a database, it is a text file. ", f);
    if (f)
        fclose(f);
    struct store *st = open_ok(path);
    const char *aside = find_file("bad.db.corrupt-");
    CHECK(aside[0] != '\0');
    struct stat sb;
    CHECK_INT(stat(test_path(aside), &sb), 0);
    CHECK(sb.st_size > 10000);                  /* the old bytes, kept for inspection */
    int64_t seq = 0;
    CHECK_INT(store_outbox_append(st, OUTBOX_EVENTS, "t", "{}", &seq), 0);
    CHECK_INT(seq, 1);
    CHECK_INT(store_commit(st), 0);
    store_close(st);
}

/*
 * Write until the store refuses, check the sentence and that nothing half-committed
 * shows, then let the disk recover and check the store goes on gap-free.
 */
static void fill_until_failure(struct store *st, const char *expect_in_error)
{
    struct sample s = sample_at(1, 1.0, QUALITY_GOOD);
    int64_t seq = 0, before = store_outbox_next_seq(st, OUTBOX_EVENTS);
    int failed = 0;
    for (int batch = 0; batch < 400 && !failed; batch++) {
        failed |= store_outbox_append(st, OUTBOX_EVENTS, "t", "{}", &seq) < 0;
        for (int i = 0; i < 500 && !failed; i++)
            failed |= store_add_sample(st, 1, &s) < 0;
        /* The events-class row's synced commit, then a routine one with the staged samples. */
        for (int commit = 0; commit < 2 && !failed; commit++) {
            failed = store_commit(st) < 0;
            if (!failed)
                before = store_outbox_next_seq(st, OUTBOX_EVENTS);
        }
    }
    CHECK(failed);
    CHECK_CONTAINS(store_last_error(st), expect_in_error);
    CHECK_CONTAINS(store_last_error(st), "rolled back");
    CHECK_INT(store_outbox_next_seq(st, OUTBOX_EVENTS), before);    /* rolled back */
}

static void check_recovered(struct store *st, const char *path)
{
    int64_t seq = 0, expect = store_outbox_next_seq(st, OUTBOX_EVENTS);
    struct event ev = event_at(7, EV_RAISED, 1);
    CHECK_INT(store_add_event(st, &ev, NULL, NULL), 0);
    CHECK_INT(store_outbox_append(st, OUTBOX_EVENTS, "t", "{}", &seq), 0);
    CHECK_INT(seq, expect);
    CHECK_INT(store_commit(st), 0);
    store_close(st);
    st = open_ok(path);
    CHECK(seqs_gap_free(st, OUTBOX_EVENTS, (int)expect));
    store_close(st);
}

static void test_disk_full(void)
{
    if (geteuid() != 0) {
        printf("test_disk_full: not root, so no tmpfs; the I/O error test covers the rollback\n");
        return;
    }
    const char *mnt = test_path("small");
    CHECK_INT(mkdir(mnt, 0700), 0);
    if (mount("tmpfs", mnt, "tmpfs", 0, "size=1m") != 0) {
        fprintf(stderr, "mount tmpfs on %s: %s\n", mnt, strerror(errno));
        CHECK(0);
        return;
    }
    char path[512], filler[512];
    snprintf(path, sizeof path, "%s/full.db", mnt);
    snprintf(filler, sizeof filler, "%s/filler", mnt);
    struct store *st = open_ok(path);
    append_n(st, OUTBOX_EVENTS, 3);
    CHECK_INT(store_commit(st), 0);
    FILE *f = fopen(filler, "w");               /* leave the store ~200 KiB */
    static const char block[4096];
    for (int i = 0; f && i < 200; i++)
        fwrite(block, 1, sizeof block, f);
    if (f)
        fclose(f);
    fill_until_failure(st, "free space");
    unlink(filler);
    check_recovered(st, path);
    CHECK_INT(umount(mnt), 0);
}

static void test_io_error(void)
{
    const char *path = test_path("ioerr.db");
    struct store *st = open_ok(path);
    append_n(st, OUTBOX_EVENTS, 2);
    CHECK_INT(store_commit(st), 0);
    struct rlimit old, small;
    getrlimit(RLIMIT_FSIZE, &old);
    small = old;
    small.rlim_cur = 256 * 1024;
    signal(SIGXFSZ, SIG_IGN);
    CHECK_INT(setrlimit(RLIMIT_FSIZE, &small), 0);
    fill_until_failure(st, "storage medium");
    CHECK_INT(setrlimit(RLIMIT_FSIZE, &old), 0);
    check_recovered(st, path);
}

struct loaded { int n; int64_t key; char blob[16]; size_t len; };

static void collect_state(void *ctx, int64_t key, const void *blob, size_t len)
{
    struct loaded *l = ctx;
    l->n++;
    l->key = key;
    l->len = len;
    memcpy(l->blob, blob, len < sizeof l->blob ? len : sizeof l->blob);
}

static void test_rule_state(void)
{
    const char *path = test_path("rule.db");
    struct store *st = open_ok(path);
    CHECK_INT(store_rule_state_save(st, 5, "first", 5), 0);
    CHECK_INT(store_rule_state_save(st, 5, "second!", 7), 0);      /* replaces */
    CHECK_INT(store_commit(st), 0);
    store_close(st);
    st = open_ok(path);
    struct loaded l = {0};
    CHECK_INT(store_rule_state_load(st, collect_state, &l), 0);
    CHECK_INT(l.n, 1);
    CHECK_INT(l.key, 5);
    CHECK_INT(l.len, 7);
    CHECK(memcmp(l.blob, "second!", 7) == 0);
    store_close(st);
}

static void test_unwritable_path(void)
{
    char err[512] = "";
    CHECK(store_open(test_path("no/such/dir/x.db"), err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "opening failed");
    CHECK_CONTAINS(err, "no/such/dir/x.db");
}

#define CKPT_WAL_BYTES (1000 * 4096)         /* 1,000 pages of 4 KiB */

#define CKPT_FORCE_WAL_BYTES (4000 * 4096)  /* where the writer copies the WAL itself */
#define CKPT_WAIT_MS 5000
#define CKPT_DB_CHUNK_BYTES (1024 * 1024)  /* store_wal.c's STORE_DB_CHUNK_BYTES */

static off_t file_size(const char *path, const char *suffix)
{
    char name[PATH_MAX];
    snprintf(name, sizeof name, "%s%s", path, suffix);
    struct stat sb = {0};
    return stat(name, &sb) == 0 ? sb.st_size : 0;
}

static off_t wal_size(const char *path) { return file_size(path, "-wal"); }

/* Commits holding events fill the WAL past SQLite's threshold: the checkpoint thread
 * copies it back while the writer does nothing at all (an alarm never waits for it). */
static void test_checkpoint_thread(void)
{
    const char *path = test_path("ckpt.db");
    struct store *st = open_ok(path);
    int64_t key = 0;
    CHECK_INT(store_point_key(st, "det1", "gas", &key), 0);
    int batch = 0, n = 0;
    for (; batch < 40 && wal_size(path) < CKPT_WAL_BYTES; batch++) {
        for (int i = 0; i < 10000; i++, n++) {
            struct sample s = sample_at(n, i, QUALITY_GOOD);
            store_add_sample(st, key, &s);
        }
        struct event ev = event_at(batch, EV_RAISED, 1);
        CHECK_INT(store_add_event(st, &ev, "det1", "gas"), 0);
        CHECK_INT(store_commit(st), 0);
    }
    CHECK(wal_size(path) >= CKPT_WAL_BYTES);        /* past SQLite's own threshold */
    int waited = 0;
    for (; store_stats(st)->checkpoints == 0 && waited < CKPT_WAIT_MS; waited += 10)
        usleep(10000);
    CHECK_INT(store_stats(st)->checkpoints >= 1, 1);
    CHECK_INT(store_commit(st), 0);                 /* a routine commit: the samples still staged */
    CHECK_INT(sql_int(path, "SELECT COUNT(*) FROM samples"), n);
    /* The copy grew the database in whole chunks, not to the page (store_wal.c). */
    CHECK(file_size(path, "") > 0 && file_size(path, "") % CKPT_DB_CHUNK_BYTES == 0);
    store_close(st);
}

/* A writer that never pauses: the WAL still stops growing near the forced limit. */
static void test_wal_bounded(void)
{
    const char *path = test_path("bounded.db");
    struct store *st = open_ok(path);
    int64_t key = 0;
    CHECK_INT(store_point_key(st, "det1", "gas", &key), 0);
    off_t largest = 0;
    int n = 0;
    for (int batch = 0; batch < 1200; batch++) {
        for (int i = 0; i < 2000; i++, n++) {
            struct sample s = sample_at(n, i, QUALITY_GOOD);
            store_add_sample(st, key, &s);
        }
        CHECK_INT(store_commit(st), 0);
        off_t size = wal_size(path);
        largest = size > largest ? size : largest;
    }
    off_t db_size = 0;
    struct stat sb;
    if (stat(path, &sb) == 0)
        db_size = sb.st_size;
    CHECK(db_size > 3 * CKPT_FORCE_WAL_BYTES / 2);  /* an unbounded WAL would have passed it */
    CHECK(largest < CKPT_FORCE_WAL_BYTES + CKPT_WAL_BYTES);
    CHECK_INT(sql_int(path, "SELECT COUNT(*) FROM samples"), n);
    store_close(st);
}

int main(void)
{
    test_dir_make();
    test_round_trip();
    test_point_keys_staged();
    test_seq_across_reopen();
    test_event_survives_kill();
    test_migrate_from_v1();
    test_newer_schema_refused();
    test_corrupt_moved_aside();
    test_disk_full();
    test_io_error();
    test_rule_state();
    test_checkpoint_thread();
    test_wal_bounded();
    test_unwritable_path();
    test_dir_remove();
    return check_summary();
}
