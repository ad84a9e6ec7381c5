/*
 * store_retention.c - what the store keeps, for how long, and what goes first when full.
 *
 * The rules (hazardous-chemical records must be kept at least 30 days) are in
 * store.h. Pruning runs in bounded batches inside the open transaction, so it
 * never stalls the core for long, and it is ordered so that an alarm record is
 * the very last thing a full card gives up. Rows dropped for the size cap are
 * counted in the drops table, so the count survives a restart and reaches status.
 */
#include <stdio.h>
#include "store_internal.h"

#define DAY_MS (24LL * 3600 * 1000)
#define PRUNE_BATCH 5000            /* rows per DELETE */
#define PRUNE_MAX_BATCHES 40        /* per call: bounds the time one prune can take */

int store_add_aggregate(struct store *st, int64_t point_key, const struct store_aggregate *a)
{
    static const char doing[] = "adding a minute aggregate";
    if (a->n == 0)
        return 0;
    sqlite3_stmt *s = store_writer(st, STMT_AGGREGATE_ADD, doing);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, point_key);
    sqlite3_bind_int64(s, 2, a->minute_ms);
    sqlite3_bind_int64(s, 3, a->n);
    sqlite3_bind_double(s, 4, a->min);
    sqlite3_bind_double(s, 5, a->sum / a->n);
    sqlite3_bind_double(s, 6, a->max);
    return store_run(st, s, doing);
}

/* One-off statements (pruning is rare): prepare, bind up to three integers, step. */
static int exec_int(struct store *st, const char *sql, int64_t a, int64_t b, int64_t c,
                    const char *doing, int64_t *changed)
{
    sqlite3_stmt *s = NULL;
    if (!store_writer(st, STMT_BEGIN, doing))   /* make sure the transaction is open */
        return -1;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, a);
        sqlite3_bind_int64(s, 2, b);
        sqlite3_bind_int64(s, 3, c);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
            rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK)
        return store_fail(st, doing, rc);
    if (changed)
        *changed = sqlite3_changes64(st->db);
    return 0;
}

static int64_t pragma_int(struct store *st, const char *sql)
{
    sqlite3_stmt *s = NULL;
    int64_t v = 0;
    if (sqlite3_prepare_v2(st->db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

int64_t store_used_bytes(struct store *st)
{
    return (pragma_int(st, "PRAGMA page_count") - pragma_int(st, "PRAGMA freelist_count")) *
           pragma_int(st, "PRAGMA page_size");
}

static const char *const drop_names[] = {"samples", "telemetry", "aggregates", "events"};

static int64_t *drop_slot(struct store *st, int i)
{
    int64_t *slots[] = {&st->drops.samples, &st->drops.telemetry, &st->drops.aggregates, &st->drops.events};
    return slots[i];
}

const struct store_drops *store_drops(struct store *st)
{
    if (!st->drops_loaded) {
        sqlite3_stmt *s = NULL;
        if (sqlite3_prepare_v2(st->db, "SELECT rows FROM drops WHERE what = ?1", -1, &s, NULL) == SQLITE_OK) {
            for (int i = 0; i < 4; i++) {
                sqlite3_reset(s);
                sqlite3_bind_text(s, 1, drop_names[i], -1, SQLITE_STATIC);
                if (sqlite3_step(s) == SQLITE_ROW)
                    *drop_slot(st, i) = sqlite3_column_int64(s, 0);
            }
        }
        sqlite3_finalize(s);
        st->drops_loaded = 1;
    }
    return &st->drops;
}

static int save_drops(struct store *st, int i)
{
    static const char doing[] = "counting rows dropped for the size cap";
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, "INSERT INTO drops (what, rows) VALUES (?1, ?2) ON CONFLICT (what)"
                                        " DO UPDATE SET rows = excluded.rows", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, drop_names[i], -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, *drop_slot(st, i));
        rc = sqlite3_step(s) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(st->db);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_OK ? 0 : store_fail(st, doing, rc);
}

/* Drop one batch of the oldest rows of kind i for the size cap. Returns rows dropped or -1. */
static int64_t drop_oldest(struct store *st, int i)
{
    static const char *const sql[] = {
        "DELETE FROM samples WHERE rowid IN (SELECT rowid FROM samples ORDER BY rowid LIMIT ?1)",
        "DELETE FROM outbox WHERE cls = 1 AND seq IN (SELECT seq FROM outbox WHERE cls = 1"
        " AND seq < (SELECT MAX(seq) FROM outbox WHERE cls = 1) ORDER BY seq LIMIT ?1)",
        "DELETE FROM aggregates WHERE (minute_ms, point_key) IN (SELECT minute_ms, point_key"
        " FROM aggregates ORDER BY minute_ms LIMIT ?1)",
        "DELETE FROM events WHERE id IN (SELECT id FROM events ORDER BY id LIMIT ?1)",
    };
    int64_t n = 0;
    if (exec_int(st, sql[i], PRUNE_BATCH, 0, 0, "dropping the oldest rows for the size cap", &n) < 0)
        return -1;
    if (n > 0) {
        store_drops(st);
        *drop_slot(st, i) += n;
        if (save_drops(st, i) < 0)
            return -1;
    }
    return n;
}

/* Age limits. */
static int prune_old(struct store *st, const struct store_retention *p, int64_t now_ms)
{
    int64_t n = PRUNE_BATCH;
    for (int b = 0; b < PRUNE_MAX_BATCHES && n == PRUNE_BATCH; b++)
        if (exec_int(st, "DELETE FROM samples WHERE rowid IN (SELECT rowid FROM samples"
                         " WHERE ts_ms < ?1 ORDER BY rowid LIMIT ?2)", now_ms - p->raw_days * DAY_MS,
                     PRUNE_BATCH, 0, "pruning old samples", &n) < 0)
            return -1;
    return exec_int(st, "DELETE FROM aggregates WHERE minute_ms < ?1", now_ms - p->aggregate_days * DAY_MS, 0, 0,
                    "pruning old aggregates", NULL);
}

int store_prune(struct store *st, const struct store_retention *policy, int64_t now_ms)
{
    if (prune_old(st, policy, now_ms) < 0)
        return -1;
    int kind = 0;
    for (int b = 0; policy->max_bytes > 0 && b < PRUNE_MAX_BATCHES && kind < 4; b++) {
        if (store_used_bytes(st) <= policy->max_bytes)
            break;
        int64_t n = drop_oldest(st, kind);
        if (n < 0)
            return -1;
        if (n == 0)
            kind++;             /* nothing left of this kind: the next one goes */
    }
    return 0;
}
