/*
 * store_lookup.c - read an event back from the database file, beside the running gateway.
 *
 * The store itself is single-writer and lives in the daemon. A technician's tool
 * (riskgw test-alarm) must prove that an alarm it saw on MQTT is also on disk, so
 * it opens the same file read-only, as the sqlite3 shell would: WAL lets it read
 * the committed state while the daemon writes.
 */
#include <stdio.h>
#include <string.h>
#include <sqlite3.h>

#include "store.h"

#define LOOKUP_BUSY_TIMEOUT_MS 2000

static const char lookup_sql[] =
    "SELECT e.id, e.ts_ms, coalesce(p.device, ''), coalesce(p.point, ''), e.kind, e.level, e.severity"
    " FROM events e LEFT JOIN points p ON p.point_key = e.point_key WHERE e.id = ?";

static void lookup_text(sqlite3_stmt *s, int col, char *out, size_t cap)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    snprintf(out, cap, "%s", t ? (const char *)t : "");
}

int store_lookup_event(const char *path, int64_t id, struct stored_event *out, char *err,
                       size_t errlen)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_busy_timeout(db, LOOKUP_BUSY_TIMEOUT_MS);
        rc = sqlite3_prepare_v2(db, lookup_sql, -1, &s, NULL);
    }
    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, id);
        rc = sqlite3_step(s);
    }
    int found = rc == SQLITE_ROW;
    if (found) {
        memset(out, 0, sizeof *out);
        out->id = sqlite3_column_int64(s, 0);
        out->ts_ms = sqlite3_column_int64(s, 1);
        lookup_text(s, 2, out->device, sizeof out->device);
        lookup_text(s, 3, out->point, sizeof out->point);
        lookup_text(s, 4, out->kind, sizeof out->kind);
        lookup_text(s, 5, out->level, sizeof out->level);
        out->severity = sqlite3_column_int(s, 6);
    } else if (rc != SQLITE_DONE) {
        snprintf(err, errlen, "cannot read event %lld from the store %s: %s; check the path "
                 "(store.path in the config) and that this user may read it", (long long)id, path,
                 db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    }
    sqlite3_finalize(s);
    sqlite3_close_v2(db);
    return found ? 1 : rc == SQLITE_DONE ? 0 : -1;
}
