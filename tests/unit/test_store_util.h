/*
 * test_store_util.h - scratch directories and raw SQLite peeks for the store tests.
 *
 * The store and outbox tests run against real database files in a fresh mkdtemp
 * directory, removed at the end. sql_int() reads one number through a separate
 * connection, the way an operator with the sqlite3 shell would see the file.
 */
#ifndef RISKGW_TEST_STORE_UTIL_H
#define RISKGW_TEST_STORE_UTIL_H

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include "store.h"

#include "store.h"

static char test_dir[256];

static const char *test_path(const char *name)
{
    static char path[4][512];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", test_dir, name);
    return p;
}

static void test_dir_make(void)
{
    snprintf(test_dir, sizeof test_dir, "/tmp/riskgw-store-XXXXXX");
    if (!mkdtemp(test_dir)) {
        perror("mkdtemp");
        exit(2);
    }
}

static void test_dir_remove(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", test_dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", test_dir);
}

/* A store the test needs could not be opened: clean up (the tmpfs too) and stop. */
static void test_abort(const char *why)
{
    fprintf(stderr, "aborting: %s\n", why);
    umount2(test_path("small"), MNT_DETACH);
    test_dir_remove();
    exit(1);
}

/* The store at path, or the test stops (nothing after it could mean anything). */
static inline struct store *test_store_open(const char *path)
{
    char err[512] = "";
    struct store *st = store_open(path, err, sizeof err);
    if (!st)
        test_abort(err);
    return st;
}

/* One integer from a query on its own connection; -999 when the query fails. */
static long long sql_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    long long v = -999;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

/* Event ts_ms=ts into the open transaction with its outbox row, payload = its ts. */
__attribute__((unused)) static int event_stage(struct store *st, struct event *ev, int64_t ts)
{
    char payload[32];
    int64_t seq;
    *ev = (struct event){.kind = EV_RAISED, .severity = 2, .value = 55, .ts_ms = ts, .level = "level2"};
    snprintf(payload, sizeof payload, "%lld", (long long)ts);
    if (store_add_event(st, ev, "gas1", "lel") < 0)
        return -1;
    return store_outbox_append(st, OUTBOX_EVENTS, "t/e", payload, &seq);
}

/* The same, committed (and synced, as a commit holding an event is). */
__attribute__((unused)) static int event_record(struct store *st, struct event *ev, int64_t ts)
{
    return event_stage(st, ev, ts) < 0 ? -1 : store_commit(st);
}

/* The events class's payloads from seq 1 on (up to 8), joined by spaces. */
__attribute__((unused)) static const char *event_payloads(struct store *st)
{
    static char out[256];
    struct outbox_msg m[8];
    int n = store_outbox_fetch(st, OUTBOX_EVENTS, 0, m, 8);
    out[0] = '\0';
    for (int i = 0; i < n; i++) {
        snprintf(out + strlen(out), sizeof out - strlen(out), "%s%s", i ? " " : "", m[i].payload);
        outbox_msg_free(&m[i]);
    }
    return n < 0 ? "(fetch failed)" : out;
}

#endif
