/*
 * test_console_history.c - the console's trends and event log from a real store file
 * (gateway/console/console_history.c): the store's own schema (store_open), rows
 * written as the core writes them, read through the console's read-only connection.
 * The last hour of raw samples is found by a binary search on rowid: it must return
 * exactly the rows of the hour, faults as null; the week comes from the minute
 * aggregates in 5-minute steps; the event log newest first with its actors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sqlite3.h>

#include "check.h"
#include "clock.h"
#include "console_internal.h"
#include "store.h"

#define MIN_MS 60000LL
#define HOUR_MS (60 * MIN_MS)
#define STEP_MS 10000LL                 /* a sample every 10 s */

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        fprintf(stderr, "  %s: %s\n", sql, err);
        CHECK(0);
    }
    sqlite3_free(err);
}

/* Three hours of lel (one fault 10 min ago) and of status, interleaved, in time order;
 * eight days of lel's minute aggregates; three events. */
static void fill(const char *path, int64_t now)
{
    sqlite3 *db;
    sqlite3_stmt *s, *a;
    CHECK_INT(sqlite3_open(path, &db), SQLITE_OK);
    exec(db, "BEGIN; INSERT INTO points (point_key, device, point) VALUES (1, 'gas1', 'lel'), (2, 'gas1', 'status');");
    sqlite3_prepare_v2(db, "INSERT INTO samples (point_key, ts_ms, value, quality) VALUES (?1, ?2, ?3, ?4)", -1, &s, NULL);
    for (int64_t ts = now - 3 * HOUR_MS; ts <= now - STEP_MS; ts += STEP_MS)
        for (int key = 1; key <= 2; key++) {
            int fault = key == 1 && ts >= now - 10 * MIN_MS && ts < now - 10 * MIN_MS + STEP_MS;
            sqlite3_bind_int(s, 1, key);
            sqlite3_bind_int64(s, 2, ts);
            if (fault)
                sqlite3_bind_null(s, 3);
            else
                sqlite3_bind_double(s, 3, key == 1 ? (double)((ts / STEP_MS) % 100) : 0);
            sqlite3_bind_int(s, 4, fault ? 3 : 0);
            sqlite3_step(s);
            sqlite3_reset(s);
        }
    sqlite3_finalize(s);
    sqlite3_prepare_v2(db, "INSERT INTO aggregates (point_key, minute_ms, n, min, avg, max) VALUES (1, ?1, 6, ?2, ?3, ?4)",
                       -1, &a, NULL);
    for (int64_t m = (now - 8 * 24 * HOUR_MS) / MIN_MS * MIN_MS; m < now; m += MIN_MS) {
        sqlite3_bind_int64(a, 1, m);
        sqlite3_bind_double(a, 2, 1.0);
        sqlite3_bind_double(a, 3, (double)(m / MIN_MS % 5));     /* 0..4 in each 5-minute step: avg 2 */
        sqlite3_bind_double(a, 4, 9.0);
        sqlite3_step(a);
        sqlite3_reset(a);
    }
    sqlite3_finalize(a);
    exec(db, "INSERT INTO events (ts_ms, point_key, kind, level, severity, value, quality, actor) VALUES"
             " (1000, 1, 'RAISED', 'level1', 1, 30, 'good', ''),"
             " (2000, 1, 'ESCALATED', 'level2', 2, 60, 'good', ''),"
             " (3000, 1, 'SILENCED', 'level2', 2, 60, 'good', 'console:wang'); COMMIT;");
    sqlite3_close(db);
}

static void test_hour(struct console *k, int64_t now)
{
    char why[256];
    char *text = console_history_trend(k, "gas1", "lel", 0, why, sizeof why);
    CHECK(text != NULL);
    cJSON *root = cJSON_Parse(text ? text : "null");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows"), *row;
    int n = 0, nulls = 0, older = 0;
    cJSON_ArrayForEach(row, rows) {
        double ts = cJSON_GetArrayItem(row, 0)->valuedouble;
        older += ts < (double)(now - HOUR_MS);
        nulls += cJSON_IsNull(cJSON_GetArrayItem(row, 1));
        n++;
    }
    /* 360 samples in the hour before the call (one at the edge may fall either side) */
    CHECK(n >= 359 && n <= 360);
    CHECK_INT(older, 0);
    CHECK_INT(nulls, 1);                                     /* the fault: a gap, not a number */
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(root, "range")->valuestring, "hour");
    cJSON_Delete(root);
    free(text);
}

static void test_week(struct console *k)
{
    char why[256];
    char *text = console_history_trend(k, "gas1", "lel", 1, why, sizeof why);
    cJSON *root = cJSON_Parse(text ? text : "null");
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, "rows");
    int n = cJSON_GetArraySize(rows);
    CHECK(n >= 2016 && n <= 2017);                           /* 7 days in 5-minute steps */
    const cJSON *mid = cJSON_GetArrayItem(rows, n / 2);
    CHECK_INT((int64_t)cJSON_GetArrayItem(mid, 0)->valuedouble % (5 * MIN_MS), 0);
    CHECK_NEAR(cJSON_GetArrayItem(mid, 1)->valuedouble, 1.0, 1e-9);
    CHECK_NEAR(cJSON_GetArrayItem(mid, 2)->valuedouble, 2.0, 1e-9);
    CHECK_NEAR(cJSON_GetArrayItem(mid, 3)->valuedouble, 9.0, 1e-9);
    cJSON_Delete(root);
    free(text);
    text = console_history_trend(k, "gas1", "nope", 0, why, sizeof why);
    CHECK(text && strstr(text, "\"rows\":[]"));
    free(text);
}

static void test_events(struct console *k)
{
    char why[256];
    char *text = console_history_events(k, 2, why, sizeof why);
    cJSON *root = cJSON_Parse(text ? text : "null");
    CHECK_INT(cJSON_GetArraySize(root), 2);
    const cJSON *first = cJSON_GetArrayItem(root, 0);
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(first, "kind")->valuestring, "SILENCED");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(first, "actor")->valuestring, "console:wang");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(first, "device")->valuestring, "gas1");
    CHECK_STR(cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(root, 1), "kind")->valuestring, "ESCALATED");
    cJSON_Delete(root);
    free(text);
}

int main(void)
{
    char dir[] = "/tmp/test_console_history.XXXXXX", path[64], err[256];
    static struct console k;
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/riskgw.db", dir);
    struct store *st = store_open(path, err, sizeof err);
    CHECK(st != NULL);
    store_close(st);
    int64_t now = clock_wall_ms();
    fill(path, now);
    snprintf(k.store_path, sizeof k.store_path, "%s", path);
    test_hour(&k, now);
    test_week(&k);
    test_events(&k);
    sqlite3_close(k.db);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK_INT(system(cmd), 0);
    return check_summary();
}
