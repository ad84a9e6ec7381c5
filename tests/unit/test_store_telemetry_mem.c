/*
 * test_store_telemetry_mem.c - telemetry is held in memory while the uplinks keep up
 * (gateway/store_outbox_mem.c), against real SQLite files.
 *
 * Delivered telemetry never reaches the outbox table, across blocks of seqs too
 * (a new block is reserved before it is needed); telemetry the uplinks do not
 * take is spilled to the table once it outgrows its memory budget, and the outbox
 * then reads it back in seq order across the table and memory, with no seq missing
 * or repeated; a clean close spills what is unconfirmed, so a restart sends it with
 * the same seqs; a failed write loses none of it.
 */
#include <stdio.h>
#include <string.h>
#include "check.h"
#include "store.h"
#include "store_internal.h"
#include "test_store_util.h"

#define TELE_ROWS_SQL "SELECT count(*) FROM outbox WHERE cls = 1"

/* A telemetry message of about 1 KiB whose payload names its seq. */
static int64_t append_one(struct store *st)
{
    char payload[1100];
    int64_t seq = store_outbox_next_seq(st, OUTBOX_TELEMETRY);
    int n = snprintf(payload, sizeof payload, "{\"seq\":%lld,\"pad\":\"", (long long)seq);
    memset(payload + n, 'x', 1000);
    strcpy(payload + n + 1000, "\"}");
    if (store_outbox_append(st, OUTBOX_TELEMETRY, "riskgw/t", payload, &seq) < 0)
        return -1;
    return seq;
}

/* Every sendable telemetry seq after `after`, read as the outbox reads it: 1 when
 * they are after+1, after+2, ... up to want and each payload names its own seq. */
static int read_in_order(struct store *st, int64_t after, int64_t want)
{
    struct outbox_msg m[32];
    int64_t expect = after + 1;
    for (;;) {
        int n = store_outbox_fetch(st, OUTBOX_TELEMETRY, expect - 1, m, 32);
        if (n <= 0)
            break;
        for (int i = 0; i < n; i++) {
            char named[32];
            snprintf(named, sizeof named, "{\"seq\":%lld,", (long long)expect);
            int ok = m[i].seq == expect && strncmp(m[i].payload, named, strlen(named)) == 0;
            outbox_msg_free(&m[i]);
            if (!ok) {
                while (++i < n)
                    outbox_msg_free(&m[i]);
                return 0;
            }
            expect++;
        }
    }
    return expect - 1 == want;
}

static void test_delivered_never_written(void)
{
    const char *path = test_path("kept-up.db");
    struct store *st = test_store_open(path);
    for (int round = 0; round < 50; round++) {
        for (int i = 0; i < 20; i++)
            CHECK(append_one(st) > 0);
        CHECK_INT(store_commit(st), 0);
        int64_t delivered[OUTBOX_CLASS_COUNT] = {0, store_outbox_last_seq(st, OUTBOX_TELEMETRY)};
        CHECK_INT(delivered[1], (round + 1) * 20);
        CHECK_INT(store_outbox_retire(st, delivered), 0);
        CHECK_INT(store_commit(st), 0);
    }
    CHECK_INT(sql_int(path, TELE_ROWS_SQL), 0);         /* 1,000 messages, none on the card */
    CHECK_INT(store_stats(st)->telemetry_spilled, 0);
    store_close(st);
    CHECK_INT(sql_int(path, TELE_ROWS_SQL), 0);         /* all were confirmed: nothing to spill */
    st = test_store_open(path);
    CHECK_INT(store_outbox_next_seq(st, OUTBOX_TELEMETRY), 1001);
    store_close(st);
}

/*
 * A plant of 625 devices whose uplink confirms every message it may send at once, for
 * longer than a block of seqs (store_seq.c): each second the messages come in chunks
 * of 25, the core commits when store_seq_due() says telemetry waits for a block (only
 * the run's first: later blocks are reserved ahead) and at the end of the second, and
 * nothing is ever spilled. A second's
 * telemetry (about 640 KiB) is more than the memory budget, so telemetry held back
 * for a second - as when the block ran out at an append and the next was synced only
 * by the next commit - would be spilled to the card.
 */
static void test_kept_up_across_blocks(void)
{
    enum { PER_CHUNK = 25, CHUNKS = 25, SECONDS = STORE_SEQ_BLOCK / (PER_CHUNK * CHUNKS) + 2 };
    const char *path = test_path("kept-up-blocks.db");
    struct store *st = test_store_open(path);
    int64_t last = 0;
    int waited = 0;
    for (int second = 0; second < SECONDS; second++) {
        for (int chunk = 0; chunk < CHUNKS; chunk++) {
            for (int i = 0; i < PER_CHUNK; i++)
                last = append_one(st);
            if (store_seq_due(st)) {
                waited++;
                CHECK_INT(store_commit(st), 0);
            }
            int64_t delivered[OUTBOX_CLASS_COUNT] = {0, store_outbox_last_seq(st, OUTBOX_TELEMETRY)};
            CHECK_INT(delivered[1], last);              /* every message sendable at once */
            CHECK_INT(store_outbox_retire(st, delivered), 0);
        }
        CHECK_INT(store_commit(st), 0);
    }
    CHECK(last > STORE_SEQ_BLOCK);
    CHECK_INT(waited, 1);           /* the run's first block only: the next was reserved ahead */
    CHECK_INT(store_stats(st)->telemetry_spilled, 0);
    CHECK_INT(sql_int(path, TELE_ROWS_SQL), 0);
    store_close(st);
}

static void test_spill_when_behind(void)
{
    const char *path = test_path("behind.db");
    struct store *st = test_store_open(path);
    int64_t total = 0;
    for (int round = 0; round < 30; round++) {          /* about 1.2 MiB: over the budget */
        for (int i = 0; i < 40; i++)
            total = append_one(st);
        CHECK_INT(store_commit(st), 0);
    }
    CHECK_INT(total, 1200);
    long long rows = sql_int(path, TELE_ROWS_SQL);
    CHECK(rows > 0 && rows < total);                    /* the oldest went to the table */
    CHECK_INT(store_stats(st)->telemetry_spilled, rows);
    CHECK(read_in_order(st, 0, total));                 /* table, then memory, no seq missed */
    CHECK(read_in_order(st, 5, total));
    CHECK(read_in_order(st, rows + 3, total));          /* starting inside memory */

    /* The uplink confirms half: memory and table rows below it go. */
    int64_t half[OUTBOX_CLASS_COUNT] = {0, total / 2};
    for (int i = 0; i < 3; i++) {
        CHECK_INT(store_outbox_retire(st, half), 0);
        CHECK_INT(store_commit(st), 0);
    }
    CHECK(sql_int(path, "SELECT count(*) FROM outbox WHERE cls = 1 AND seq < 600") <= 1);
    CHECK(read_in_order(st, total / 2, total));

    /* A clean close spills the rest; the next run sends it under the same seqs. */
    store_close(st);
    st = test_store_open(path);
    CHECK_INT(store_outbox_next_seq(st, OUTBOX_TELEMETRY), total + 1);
    CHECK(read_in_order(st, total / 2, total));
    CHECK_INT(append_one(st), total + 1);
    CHECK_INT(store_commit(st), 0);
    CHECK(read_in_order(st, total / 2, total + 1));
    store_close(st);
}

/* The disk refuses a spill: nothing held is lost, and the next commit spills it. */
static void test_spill_fails(void)
{
    const char *path = test_path("refused.db");
    struct store *st = test_store_open(path);
    sqlite3 *db = NULL;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    CHECK_INT(sqlite3_exec(db, "CREATE TRIGGER full BEFORE INSERT ON outbox"
                               " BEGIN SELECT RAISE(ABORT, 'disk full'); END", NULL, NULL, NULL), SQLITE_OK);
    int64_t total = 0;
    for (int i = 0; i < 700; i++)
        total = append_one(st);
    CHECK_INT(store_commit(st), -1);
    CHECK_CONTAINS(store_last_error(st), "rolled back");
    CHECK_INT(store_outbox_next_seq(st, OUTBOX_TELEMETRY), total + 1);
    CHECK_INT(sqlite3_exec(db, "DROP TRIGGER full", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    CHECK_INT(store_commit(st), 0);
    CHECK(sql_int(path, TELE_ROWS_SQL) > 0);
    CHECK(read_in_order(st, 0, total));
    store_close(st);
}

/* The card let go and came back (store_release, store_reopen: the same database)
 * while telemetry was held in memory, not yet confirmed: the seqs go on where they
 * were, so the held messages and the next ones read as one run, in order. */
static void test_held_across_reopen(void)
{
    char err[256] = "";
    struct store *st = store_open(test_path("reopen.db"), err, sizeof err);
    if (!st)
        test_abort(err);
    for (int i = 0; i < 3; i++)
        CHECK_INT(append_one(st), i + 1);
    CHECK_INT(store_commit(st), 0);
    store_release(st);
    CHECK_INT(store_reopen(st), 0);
    CHECK_INT(append_one(st), 4);
    CHECK_INT(store_commit(st), 0);
    CHECK(read_in_order(st, 0, 4));
    CHECK_INT(store_outbox_backlog(st, OUTBOX_TELEMETRY, 0), 4);
    store_close(st);
}

int main(void)
{
    test_dir_make();
    test_held_across_reopen();
    test_delivered_never_written();
    test_kept_up_across_blocks();
    test_spill_when_behind();
    test_spill_fails();
    test_dir_remove();
    return check_summary();
}
