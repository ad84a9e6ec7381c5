/*
 * test_store_seq.c - telemetry seqs reserved on disk, against real SQLite files.
 *
 * A clean close records the exact next seq (no gap at restart); a run killed with
 * SIGKILL, whose telemetry held in memory dies with it, goes on above every seq it
 * ever handed out and still sends what an earlier run spilled to the table; a
 * block nearly used is refilled ahead of need with one synced commit; a rolled-back
 * reservation is written again; a file from schema version 4 upgrades in place
 * and skips a block once, since the build that wrote it kept no marks.
 */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include "check.h"
#include "store.h"
#include "store_internal.h"
#include "test_store_util.h"

#define MARK_SQL "SELECT reserved FROM seq_marks WHERE cls = 1"
#define CLEAN_SQL "SELECT IFNULL(clean_next, 0) FROM seq_marks WHERE cls = 1"

static struct store *open_ok(const char *path)
{
    char err[512] = "";
    struct store *st = store_open(path, err, sizeof err);
    if (!st)
        test_abort(err);
    return st;
}

/* Append n telemetry rows; returns the seq of the last one, or -1. */
static int64_t telemetry_n(struct store *st, int n)
{
    int64_t seq = -1;
    for (int i = 0; i < n; i++)
        if (store_outbox_append(st, OUTBOX_TELEMETRY, "riskgw/t", "{\"t\":1}", &seq) < 0)
            return -1;
    return seq;
}

static int64_t next_telemetry(struct store *st) { return store_outbox_next_seq(st, OUTBOX_TELEMETRY); }

/* A child opens path, runs fn and dies by SIGKILL: a stop that records nothing. */
static void run_killed(const char *path, void (*fn)(struct store *))
{
    pid_t pid = fork();
    if (pid == 0) {
        char err[512];
        struct store *st = store_open(path, err, sizeof err);
        if (!st)
            _exit(1);
        fn(st);
        kill(getpid(), SIGKILL);
        _exit(1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

static void test_clean_restart(void)
{
    const char *path = test_path("clean.db");
    struct store *st = open_ok(path);
    CHECK_INT(telemetry_n(st, 5), 5);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_TELEMETRY), 5);
    store_close(st);
    CHECK_INT(sql_int(path, CLEAN_SQL), 6);

    st = open_ok(path);
    CHECK_INT(next_telemetry(st), 6);                   /* no gap */
    CHECK_INT(store_outbox_backlog(st, OUTBOX_TELEMETRY, 5), 0);
    CHECK_INT(telemetry_n(st, 1), 6);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(sql_int(path, CLEAN_SQL), 0);             /* a new run: no longer clean */
    CHECK_INT(sql_int(path, MARK_SQL), 5 + STORE_SEQ_BLOCK);
    store_close(st);
}

/* Seqs 6-8 committed, 9 handed out after: all held in memory, none on disk. */
static void hand_out_four(struct store *st)
{
    if (telemetry_n(st, 3) == 8 && store_commit(st) == 0)
        telemetry_n(st, 1);
}

static void test_unclean_stop(void)
{
    const char *path = test_path("cut.db");
    struct store *st = open_ok(path);
    CHECK_INT(telemetry_n(st, 5), 5);
    store_close(st);                                    /* unconfirmed: spilled to the table */
    run_killed(path, hand_out_four);
    CHECK_INT(sql_int(path, MARK_SQL), 5 + STORE_SEQ_BLOCK);
    CHECK_INT(sql_int(path, CLEAN_SQL), 0);
    CHECK_INT(sql_int(path, "SELECT MAX(seq) FROM outbox WHERE cls = 1"), 5);  /* 6-9 died in memory */

    st = open_ok(path);
    CHECK_INT(next_telemetry(st), STORE_SEQ_BLOCK + 6);     /* above all nine */
    struct outbox_msg m[8];
    int n = store_outbox_fetch(st, OUTBOX_TELEMETRY, 0, m, 8);
    CHECK_INT(n, 5);                                    /* what is left is still sent */
    for (int i = 0; i < n; i++)
        outbox_msg_free(&m[i]);
    CHECK_INT(store_outbox_backlog(st, OUTBOX_TELEMETRY, 0), 5);
    CHECK_INT(store_outbox_backlog(st, OUTBOX_TELEMETRY, 5), 0);    /* the skipped seqs are not owed */
    CHECK_INT(telemetry_n(st, 1), STORE_SEQ_BLOCK + 6);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_TELEMETRY), STORE_SEQ_BLOCK + 6);
    CHECK_INT(sql_int(path, MARK_SQL), 2 * STORE_SEQ_BLOCK + 5);
    store_close(st);
}

static void fill_one_block(struct store *st)
{
    if (telemetry_n(st, STORE_SEQ_BLOCK + 1) == STORE_SEQ_BLOCK + 1)
        store_commit(st);
}

/*
 * A block with less than STORE_SEQ_AHEAD left is refilled by the next commit, ahead of
 * need, with one synced commit; so the seq after the block is sendable as soon as it
 * is handed out. Were the block refilled only by the append that finds it used up,
 * that message and every one after it would wait a commit interval for the new
 * block's sync, held in memory (and spilled to the card at 500 devices:
 * test_store_telemetry_mem.c).
 */
static void test_block_refill(void)
{
    enum { AHEAD_AT = STORE_SEQ_BLOCK - STORE_SEQ_AHEAD };
    const char *path = test_path("refill.db");
    struct store *st = open_ok(path);
    uint64_t syncs = store_stats(st)->durable_commits;
    CHECK_INT(telemetry_n(st, 1), 1);
    CHECK_INT(store_seq_due(st), 1);                                /* the run's first block waits */
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_TELEMETRY), 0);
    CHECK_INT(telemetry_n(st, AHEAD_AT - 1), AHEAD_AT);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(store_seq_due(st), 0);
    CHECK_INT(store_stats(st)->durable_commits, syncs + 1);        /* the block, once */
    CHECK_INT(sql_int(path, MARK_SQL), STORE_SEQ_BLOCK);
    CHECK_INT(telemetry_n(st, 1), AHEAD_AT + 1);                    /* less than AHEAD left */
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(store_stats(st)->durable_commits, syncs + 2);        /* the next block, ahead */
    CHECK_INT(sql_int(path, MARK_SQL), AHEAD_AT + 1 + STORE_SEQ_BLOCK);
    CHECK_INT(telemetry_n(st, STORE_SEQ_AHEAD), STORE_SEQ_BLOCK + 1);
    CHECK_INT(store_seq_due(st), 0);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_TELEMETRY), STORE_SEQ_BLOCK + 1);   /* no commit waited for */
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(store_stats(st)->durable_commits, syncs + 2);        /* within it: no sync */
    store_close(st);

    /* A store that hands out no telemetry reserves nothing: its clean stop stands. */
    st = open_ok(path);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(store_seq_due(st), 0);
    CHECK_INT(sql_int(path, CLEAN_SQL), STORE_SEQ_BLOCK + 2);       /* not cleared: nothing reserved */
    CHECK_INT(sql_int(path, MARK_SQL), AHEAD_AT + 1 + STORE_SEQ_BLOCK);
    store_close(st);

    /* Killed in a refilled block: the next run goes on above that block. */
    const char *killed = test_path("refill-kill.db");
    run_killed(killed, fill_one_block);
    st = open_ok(killed);
    CHECK_INT(next_telemetry(st), 2 * STORE_SEQ_BLOCK + 1);
    store_close(st);
}

/* A write fails after the transaction reserved a block: the reservation goes with it,
 * the telemetry held in memory keeps its seqs, and the next commit reserves again. */
static void test_reservation_rolled_back(void)
{
    const char *path = test_path("rollback.db");
    struct store *st = open_ok(path);
    int64_t key;
    CHECK_INT(store_point_key(st, "gas1", "lel", &key), 0);
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "CREATE TRIGGER in_the_way BEFORE INSERT ON aggregates"
                               " BEGIN SELECT RAISE(ABORT, 'in the way'); END", NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(telemetry_n(st, 2), 2);
    struct store_aggregate minute = {.minute_ms = 60000, .n = 1, .min = 1, .sum = 1, .max = 1};
    CHECK_INT(store_add_aggregate(st, key, &minute), -1);  /* the block's reservation is rolled back */
    CHECK_CONTAINS(store_last_error(st), "rolled back");
    CHECK_INT(next_telemetry(st), 3);                   /* held in memory: the seqs stand */
    CHECK_INT(sqlite3_exec(db, "DROP TRIGGER in_the_way", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(sql_int(path, MARK_SQL), 2 + STORE_SEQ_BLOCK);    /* reserved again, above both */
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_TELEMETRY), 2);
    store_close(st);
}

static void test_upgrade_from_v4(void)
{
    const char *path = test_path("v4.db");
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    for (int v = 1; v <= 4; v++)
        CHECK_INT(sqlite3_exec(db, store_schema_step(v), NULL, NULL, NULL), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "PRAGMA user_version = 4;"
                           "INSERT INTO outbox VALUES (0, 1, 'e', '{}'), (0, 2, 'e', '{}');"
                           "INSERT INTO outbox VALUES (1, 6, 't', '{}'), (1, 7, 't', '{}');",
                           NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    struct store *st = open_ok(path);
    CHECK_INT(sql_int(path, "PRAGMA user_version"), store_schema_version());
    CHECK_INT(sql_int(path, "SELECT COUNT(*) FROM seq_marks"), 0);
    CHECK_INT(store_outbox_next_seq(st, OUTBOX_EVENTS), 3);        /* events never skip */
    CHECK_INT(next_telemetry(st), 7 + STORE_SEQ_BLOCK + 1);        /* its stops are unknown */
    CHECK_INT(telemetry_n(st, 1), 7 + STORE_SEQ_BLOCK + 1);
    CHECK_INT(store_commit(st), 0);
    store_close(st);
    st = open_ok(path);
    CHECK_INT(next_telemetry(st), 7 + STORE_SEQ_BLOCK + 2);        /* once only */
    store_close(st);
}

int main(void)
{
    test_dir_make();
    test_clean_restart();
    test_unclean_stop();
    test_block_refill();
    test_reservation_rolled_back();
    test_upgrade_from_v4();
    test_dir_remove();
    return check_summary();
}
