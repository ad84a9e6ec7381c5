/*
 * store_history.c - history read back in bounded steps on a read-only connection
 * (see store_history.h).
 *
 * Every statement runs to its end or is reset before the step returns, so no read
 * transaction outlives a step: the checkpoint thread can always copy the WAL back.
 */
#include "store_history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sqlite3.h>

/* Readings reach the store through the core's queue, a little out of time order;
 * a clock stepped back by more than this is not followed (docs/interface.md). */
#define RAW_ORDER_MARGIN_MS 60000
#define READER_BUSY_TIMEOUT_MS 20     /* a reader in WAL mode waits for nobody; don't stall */

enum reader_stmt { Q_ROWID_RANGE, Q_PROBE, Q_RAW_SCAN, Q_MINUTE, Q_COUNT };

static const char *const sql[Q_COUNT] = {
    "SELECT min(rowid), max(rowid) FROM samples",
    "SELECT rowid, ts_ms FROM samples WHERE rowid >= ? ORDER BY rowid LIMIT 1",
    "SELECT rowid, point_key, ts_ms, value, quality FROM samples WHERE rowid > ? AND rowid <= ?"
    " ORDER BY rowid LIMIT ?",
    "SELECT minute_ms, n, min, avg, max FROM aggregates WHERE point_key = ? AND minute_ms >= ?"
    " AND minute_ms < ? ORDER BY minute_ms LIMIT ?",
};

struct history_reader {
    sqlite3 *db;
    sqlite3_stmt *q[Q_COUNT];
};

static int reader_fail(struct history_reader *r, const char *doing, int rc, char *err, size_t errlen)
{
    snprintf(err, errlen, "reading the store's history failed while %s: %s", doing,
             r && r->db ? sqlite3_errmsg(r->db) : sqlite3_errstr(rc));
    return -1;
}

struct history_reader *history_reader_open(const char *path, char *err, size_t errlen)
{
    struct history_reader *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, "out of memory for a history reader");
        return NULL;
    }
    int rc = sqlite3_open_v2(path, &r->db, SQLITE_OPEN_READONLY, NULL);
    for (int i = 0; rc == SQLITE_OK && i < Q_COUNT; i++)
        rc = sqlite3_prepare_v3(r->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &r->q[i], NULL);
    if (rc != SQLITE_OK) {
        reader_fail(r, "opening the store read-only", rc, err, errlen);
        history_reader_close(r);
        return NULL;
    }
    sqlite3_busy_timeout(r->db, READER_BUSY_TIMEOUT_MS);
    return r;
}

void history_reader_close(struct history_reader *r)
{
    if (!r)
        return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(r->q[i]);
    sqlite3_close_v2(r->db);
    free(r);
}

/* The first row at or after rowid: 1 with its rowid and ts, 0 when none, -1. */
static int probe(struct history_reader *r, int64_t rowid, int64_t *at, int64_t *ts)
{
    sqlite3_stmt *s = r->q[Q_PROBE];
    sqlite3_bind_int64(s, 1, rowid);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *at = sqlite3_column_int64(s, 0);
        *ts = sqlite3_column_int64(s, 1);
    }
    sqlite3_reset(s);
    return rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
}

/* The first rowid in [lo, hi] whose row is stamped at or after ts (hi + 1: none). */
static int first_at_or_after(struct history_reader *r, int64_t lo, int64_t hi, int64_t ts, int64_t *out)
{
    int64_t end = hi + 1;
    while (lo < end) {
        int64_t mid = lo + (end - lo) / 2, at, t;
        int found = probe(r, mid, &at, &t);
        if (found < 0)
            return -1;
        if (found && at < end && t < ts)
            lo = at + 1;                /* that row is too early: look after it */
        else
            end = mid;                  /* no row in [mid, end), or one in time */
    }
    *out = lo;
    return 0;
}

int history_raw_window(struct history_reader *r, int64_t from_ms, int64_t to_ms, int64_t *first,
                       int64_t *last, char *err, size_t errlen)
{
    sqlite3_stmt *s = r->q[Q_ROWID_RANGE];
    int rc = sqlite3_step(s);
    int64_t lo = sqlite3_column_int64(s, 0), hi = sqlite3_column_int64(s, 1);
    int empty = rc != SQLITE_ROW || sqlite3_column_type(s, 0) == SQLITE_NULL;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW)
        return reader_fail(r, "finding the samples", rc, err, errlen);
    *first = 1;
    *last = 0;
    if (empty)
        return 0;
    if (first_at_or_after(r, lo, hi, from_ms - RAW_ORDER_MARGIN_MS, first) < 0 ||
        first_at_or_after(r, lo, hi, to_ms + RAW_ORDER_MARGIN_MS, last) < 0)
        return reader_fail(r, "finding the range's samples", SQLITE_ERROR, err, errlen);
    (*last)--;
    return 0;
}

static int key_wanted(const int64_t *keys, int nkeys, int64_t key)
{
    for (int i = 0; i < nkeys; i++)
        if (keys[i] == key)
            return 1;
    return 0;
}

int history_raw_step(struct history_reader *r, const int64_t *keys, int nkeys, int64_t from_ms,
                     int64_t to_ms, int64_t *cursor, int64_t last, int scan_max, struct history_row *out,
                     int max, int *done, char *err, size_t errlen)
{
    sqlite3_stmt *s = r->q[Q_RAW_SCAN];
    int kept = 0, seen = 0, rc;
    int64_t at = *cursor;
    sqlite3_bind_int64(s, 1, *cursor);
    sqlite3_bind_int64(s, 2, last);
    sqlite3_bind_int(s, 3, scan_max);
    while (kept < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        seen++;
        at = sqlite3_column_int64(s, 0);
        int64_t key = sqlite3_column_int64(s, 1), ts = sqlite3_column_int64(s, 2);
        if (ts < from_ms || ts >= to_ms || !key_wanted(keys, nkeys, key))
            continue;
        struct history_row *row = &out[kept++];
        row->point_key = key;
        row->ts_ms = ts;
        row->value = sqlite3_column_type(s, 3) == SQLITE_NULL ? NAN : sqlite3_column_double(s, 3);
        row->quality = sqlite3_column_int(s, 4);
    }
    if (kept < max && rc != SQLITE_DONE) {
        sqlite3_reset(s);
        if (rc == SQLITE_BUSY)
            return 0;
        return reader_fail(r, "reading samples", rc, err, errlen);
    }
    sqlite3_reset(s);
    *cursor = at;
    *done = at >= last || (kept < max && seen < scan_max);
    return kept;
}

int history_minute_step(struct history_reader *r, int64_t key, int64_t from_ms, int64_t to_ms,
                        struct history_row *out, int max, char *err, size_t errlen)
{
    sqlite3_stmt *s = r->q[Q_MINUTE];
    int n = 0, rc;
    sqlite3_bind_int64(s, 1, key);
    sqlite3_bind_int64(s, 2, from_ms);
    sqlite3_bind_int64(s, 3, to_ms);
    sqlite3_bind_int(s, 4, max);
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct history_row *row = &out[n++];
        row->point_key = key;
        row->ts_ms = sqlite3_column_int64(s, 0);
        row->n = (uint32_t)sqlite3_column_int64(s, 1);
        row->min = sqlite3_column_double(s, 2);
        row->avg = sqlite3_column_double(s, 3);
        row->max = sqlite3_column_double(s, 4);
    }
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? n : reader_fail(r, "reading minute aggregates", rc, err, errlen);
}
