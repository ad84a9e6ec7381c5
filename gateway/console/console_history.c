/*
 * console_history.c - the event log and a point's trend, read from the store.
 *
 * The console's own connection, opened read-only in the server's thread on first
 * use. The store is in WAL mode, so this reader never blocks the core's writer
 * (nor it this reader); a query waits at most STORE_BUSY_MS for a checkpoint.
 * Raw samples have no index by point: they are in time order by rowid (as the
 * retention code relies on too), so the last hour is found by a binary search on
 * rowid and read from there. A week is read from the minute aggregates, merged to
 * WEEK_BUCKET_MS so that the chart gets about two thousand points.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "console_internal.h"

#define STORE_BUSY_MS 200
#define HOUR_MS (3600 * 1000LL)
#define WEEK_MS (7 * 24 * HOUR_MS)
#define WEEK_BUCKET_MS (5 * 60 * 1000LL)
#define HOUR_ROWS_MAX 20000

static sqlite3 *db_of(struct console *k, char *why, size_t whylen)
{
    if (k->db)
        return k->db;
    if (sqlite3_open_v2(k->store_path, &k->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
        snprintf(why, whylen, "cannot open %s read-only: %s", k->store_path, k->db ? sqlite3_errmsg(k->db) : "?");
        sqlite3_close(k->db);
        k->db = NULL;
        return NULL;
    }
    sqlite3_busy_timeout(k->db, STORE_BUSY_MS);
    return k->db;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *sql, char *why, size_t whylen)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        snprintf(why, whylen, "%s", sqlite3_errmsg(db));
        return NULL;
    }
    return st;
}

/* Column i as a JSON number, or null when the column is NULL. */
static cJSON *number_or_null(sqlite3_stmt *st, int i)
{
    return sqlite3_column_type(st, i) == SQLITE_NULL ? cJSON_CreateNull()
                                                     : cJSON_CreateNumber(sqlite3_column_double(st, i));
}

static char *finish(cJSON *root, sqlite3_stmt *st, int rc, sqlite3 *db, char *why, size_t whylen)
{
    char *text = NULL;
    if (rc != SQLITE_DONE)
        snprintf(why, whylen, "%s", sqlite3_errmsg(db));
    else if (!(text = cJSON_PrintUnformatted(root)))
        snprintf(why, whylen, "out of memory");
    sqlite3_finalize(st);
    cJSON_Delete(root);
    return text;
}

char *console_history_events(struct console *k, int limit, char *why, size_t whylen)
{
    static const char *const names[] = {"id", "ts", "device", "point", "kind", "level", "severity", "value",
                                        "quality", "actor", "detail"};
    sqlite3 *db = db_of(k, why, whylen);
    sqlite3_stmt *st = db ? prepare(db, "SELECT e.id, e.ts_ms, p.device, p.point, e.kind, e.level, e.severity,"
                                        " e.value, e.quality, e.actor, e.detail FROM events e LEFT JOIN points p"
                                        " ON p.point_key = e.point_key ORDER BY e.id DESC LIMIT ?1", why, whylen)
                          : NULL;
    if (!st)
        return NULL;
    sqlite3_bind_int(st, 1, limit);
    cJSON *root = cJSON_CreateArray();
    int rc;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *ev = cJSON_CreateObject();
        for (int i = 0; i < (int)(sizeof names / sizeof names[0]); i++) {
            int type = sqlite3_column_type(st, i);
            if (type == SQLITE_TEXT)
                cJSON_AddStringToObject(ev, names[i], (const char *)sqlite3_column_text(st, i));
            else if (type == SQLITE_NULL)
                cJSON_AddStringToObject(ev, names[i], "");
            else
                cJSON_AddItemToObject(ev, names[i], number_or_null(st, i));
        }
        cJSON_AddItemToArray(root, ev);
    }
    return finish(root, st, rc, db, why, whylen);
}

/* The smallest rowid of samples whose time is at or after since (rows are in time order). */
static int64_t first_rowid_since(sqlite3 *db, int64_t since, char *why, size_t whylen)
{
    sqlite3_stmt *bounds = prepare(db, "SELECT min(rowid), max(rowid) FROM samples", why, whylen);
    sqlite3_stmt *at = prepare(db, "SELECT ts_ms FROM samples WHERE rowid >= ?1 ORDER BY rowid LIMIT 1", why,
                               whylen);
    int64_t lo = 0, hi = -1;
    if (bounds && sqlite3_step(bounds) == SQLITE_ROW) {
        lo = sqlite3_column_int64(bounds, 0);
        hi = sqlite3_column_int64(bounds, 1) + 1;
    }
    while (at && lo < hi) {           /* the first rowid whose next row is recent enough */
        int64_t mid = lo + (hi - lo) / 2;
        sqlite3_reset(at);
        sqlite3_bind_int64(at, 1, mid);
        if (sqlite3_step(at) == SQLITE_ROW && sqlite3_column_int64(at, 0) < since)
            lo = mid + 1;
        else
            hi = mid;
    }
    sqlite3_finalize(bounds);
    sqlite3_finalize(at);
    return lo;
}

static sqlite3_stmt *trend_query(sqlite3 *db, int week, int64_t key, int64_t now, char *why, size_t whylen)
{
    sqlite3_stmt *st;
    if (week) {
        st = prepare(db, "SELECT (minute_ms / ?3) * ?3, min(min), sum(avg * n) / sum(n), max(max) FROM aggregates"
                         " WHERE point_key = ?1 AND minute_ms >= ?2 GROUP BY minute_ms / ?3 ORDER BY 1", why,
                     whylen);
        if (st) {
            sqlite3_bind_int64(st, 2, now - WEEK_MS);
            sqlite3_bind_int64(st, 3, WEEK_BUCKET_MS);
        }
    } else {
        int64_t from = first_rowid_since(db, now - HOUR_MS, why, whylen);
        st = prepare(db, "SELECT ts_ms, value, quality FROM samples WHERE rowid >= ?2 AND point_key = ?1"
                         " AND ts_ms >= ?3 ORDER BY rowid LIMIT ?4", why, whylen);
        if (st) {
            sqlite3_bind_int64(st, 2, from);
            sqlite3_bind_int64(st, 3, now - HOUR_MS);
            sqlite3_bind_int(st, 4, HOUR_ROWS_MAX);
        }
    }
    if (st)
        sqlite3_bind_int64(st, 1, key);
    return st;
}

char *console_history_trend(struct console *k, const char *device, const char *point, int week, char *why,
                            size_t whylen)
{
    sqlite3 *db = db_of(k, why, whylen);
    sqlite3_stmt *find = db ? prepare(db, "SELECT point_key FROM points WHERE device = ?1 AND point = ?2", why,
                                      whylen) : NULL;
    if (!find)
        return NULL;
    sqlite3_bind_text(find, 1, device, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(find, 2, point, -1, SQLITE_TRANSIENT);
    int64_t key = sqlite3_step(find) == SQLITE_ROW ? sqlite3_column_int64(find, 0) : -1;
    sqlite3_finalize(find);
    int64_t now = clock_wall_ms();
    sqlite3_stmt *st = trend_query(db, week, key, now, why, whylen);
    if (!st)
        return NULL;
    cJSON *root = cJSON_CreateObject(), *rows = cJSON_CreateArray();
    cJSON_AddStringToObject(root, "device", device);
    cJSON_AddStringToObject(root, "point", point);
    cJSON_AddStringToObject(root, "range", week ? "week" : "hour");
    cJSON_AddNumberToObject(root, "from", (double)(now - (week ? WEEK_MS : HOUR_MS)));
    cJSON_AddNumberToObject(root, "to", (double)now);
    cJSON_AddItemToObject(root, "rows", rows);
    int rc, ncols = week ? 4 : 2;
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        cJSON *row = cJSON_CreateArray();
        for (int i = 0; i < ncols; i++)   /* hour: a fault's value is NULL, drawn as a gap */
            cJSON_AddItemToArray(row, number_or_null(st, i));
        cJSON_AddItemToArray(rows, row);
    }
    return finish(root, st, rc, db, why, whylen);
}
