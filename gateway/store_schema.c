/*
 * store_schema.c - the database's numbered schema and how an old file is brought up to it.
 *
 * The version lives in PRAGMA user_version (0 = an empty file). Each step below takes
 * version N-1 to N and runs in its own transaction together with the version bump,
 * so a power cut mid-upgrade leaves the file at N-1 or N, never between. Steps are
 * only ever appended: a released step is never edited, because boxes in the field
 * already ran it. docs/store.md explains each table.
 */
#include <stdio.h>
#include "store_internal.h"

static const char *const steps[] = {
    /* 1: points, samples, events, the outbox log and the sinks' cursors. */
    "CREATE TABLE points ("
    "  point_key INTEGER PRIMARY KEY,"
    "  device TEXT NOT NULL,"
    "  point TEXT NOT NULL,"
    "  UNIQUE (device, point));"
    "CREATE TABLE samples ("
    "  point_key INTEGER NOT NULL,"
    "  ts_ms INTEGER NOT NULL,"
    "  value REAL,"
    "  quality INTEGER NOT NULL);"
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "  ts_ms INTEGER NOT NULL,"
    "  point_key INTEGER,"
    "  kind TEXT NOT NULL,"
    "  level TEXT NOT NULL,"
    "  severity INTEGER NOT NULL,"
    "  value REAL,"
    "  quality TEXT NOT NULL,"
    "  actor TEXT NOT NULL);"
    "CREATE TABLE outbox ("
    "  cls INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  topic TEXT NOT NULL,"
    "  payload TEXT NOT NULL,"
    "  PRIMARY KEY (cls, seq));"
    "CREATE TABLE cursors ("
    "  sink TEXT NOT NULL,"
    "  cls INTEGER NOT NULL,"
    "  seq INTEGER NOT NULL,"
    "  PRIMARY KEY (sink, cls));",

    /* 2: rule state that survives a restart, and the database's epoch. */
    "CREATE TABLE rule_state ("
    "  point_key INTEGER PRIMARY KEY,"
    "  state BLOB NOT NULL);"
    "CREATE TABLE meta ("
    "  name TEXT PRIMARY KEY,"
    "  value);",

    /* 3: per-minute aggregates kept longer than raw samples, and drop counters. */
    "CREATE TABLE aggregates ("
    "  point_key INTEGER NOT NULL,"
    "  minute_ms INTEGER NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  min REAL NOT NULL,"
    "  avg REAL NOT NULL,"
    "  max REAL NOT NULL,"
    "  PRIMARY KEY (point_key, minute_ms)) WITHOUT ROWID;"
    "CREATE TABLE drops ("
    "  what TEXT PRIMARY KEY,"
    "  rows INTEGER NOT NULL);",

    /* 4: a sentence with an event, e.g. why a local output could not be written. */
    "ALTER TABLE events ADD COLUMN detail TEXT NOT NULL DEFAULT '';",

    /* 5: seqs reserved on disk ahead of use, and the exact next seq after a clean stop
     * (store_seq.c). Empty after the upgrade: store_seq_load() then knows the file
     * comes from a build that did not reserve. */
    "CREATE TABLE seq_marks ("
    "  cls INTEGER PRIMARY KEY,"
    "  reserved INTEGER NOT NULL,"
    "  clean_next INTEGER);",

    /* 6: aggregates keyed by minute first. Keyed by point first, each minute's rows
     * landed on a different page per point (the end of that point's run), so every
     * minute rewrote one page per point of the site: at 500 devices x 30 points
     * about 15,000 pages (60 MB) a minute. By minute first, a minute's rows are
     * appended together; pruning by age is a range too. A point's history is a
     * lookup per minute (docs/store.md). */
    "CREATE TABLE aggregates_by_minute ("
    "  minute_ms INTEGER NOT NULL,"
    "  point_key INTEGER NOT NULL,"
    "  n INTEGER NOT NULL,"
    "  min REAL NOT NULL,"
    "  avg REAL NOT NULL,"
    "  max REAL NOT NULL,"
    "  PRIMARY KEY (minute_ms, point_key)) WITHOUT ROWID;"
    "INSERT INTO aggregates_by_minute (minute_ms, point_key, n, min, avg, max)"
    "  SELECT minute_ms, point_key, n, min, avg, max FROM aggregates;"
    "DROP TABLE aggregates;"
    "ALTER TABLE aggregates_by_minute RENAME TO aggregates;",
};

#define STEP_COUNT ((int)(sizeof steps / sizeof steps[0]))

int store_schema_version(void) { return STEP_COUNT; }

const char *store_schema_step(int version)
{
    return version >= 1 && version <= STEP_COUNT ? steps[version - 1] : NULL;
}

static int schema_read_version(struct store *st, int *version, int *rc)
{
    sqlite3_stmt *s = NULL;
    *rc = sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL);
    if (*rc == SQLITE_OK) {
        *rc = sqlite3_step(s);
        if (*rc == SQLITE_ROW) {
            *version = sqlite3_column_int(s, 0);
            *rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(s);
    return *rc == SQLITE_OK ? 0 : store_error(st, "reading the schema version", *rc);
}

/* One step and its version bump, all or nothing. */
static int schema_apply(struct store *st, int version, int *rc)
{
    char bump[64];
    snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", version);
    *rc = sqlite3_exec(st->db, "BEGIN IMMEDIATE;", NULL, NULL, NULL);
    if (*rc == SQLITE_OK)
        *rc = sqlite3_exec(st->db, steps[version - 1], NULL, NULL, NULL);
    if (*rc == SQLITE_OK)
        *rc = sqlite3_exec(st->db, bump, NULL, NULL, NULL);
    if (*rc == SQLITE_OK)
        *rc = sqlite3_exec(st->db, "COMMIT;", NULL, NULL, NULL);
    if (*rc == SQLITE_OK)
        return 0;
    char doing[64];
    snprintf(doing, sizeof doing, "upgrading the schema to version %d", version);
    store_error(st, doing, *rc);
    if (!sqlite3_get_autocommit(st->db))
        sqlite3_exec(st->db, "ROLLBACK;", NULL, NULL, NULL);
    return -1;
}

int store_schema_migrate(struct store *st, int *rc)
{
    int version = 0;
    if (schema_read_version(st, &version, rc) < 0)
        return -1;
    if (version > STEP_COUNT) {
        *rc = SQLITE_ERROR;
        store_say(st, "the database has schema version %d but this riskgw knows only up to %d; "
                  "run the riskgw that wrote it, or move the file aside to start afresh",
                  version, STEP_COUNT);
        return -1;
    }
    for (int v = version + 1; v <= STEP_COUNT; v++)
        if (schema_apply(st, v, rc) < 0)
            return -1;
    *rc = SQLITE_OK;
    return 0;
}
