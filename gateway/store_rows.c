/*
 * store_rows.c - the rows the core writes: point keys, samples, events, rule state.
 *
 * Samples are staged in memory and written by store_stage.c. A reading without a
 * usable value (a fault quality) is stored with value NULL, so nobody downstream
 * can take a fault for zero gas. Events store their kind and quality by wire name, so the
 * table reads the same as the payloads and never depends on enum order.
 */
#include "store_internal.h"

static int rows_point_find(struct store *st, const char *device, const char *point, int64_t *key)
{
    sqlite3_stmt *s = store_reader(st, STMT_POINT_FIND, "looking up a point key");
    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, device, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, point, -1, SQLITE_STATIC);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW)
        *key = sqlite3_column_int64(s, 0);
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_error(st, "looking up a point key", rc);
    return rc == SQLITE_ROW;
}

int store_point_key_staged(struct store *st, const char *device, const char *point, int64_t *key)
{
    static const char doing[] = "creating a point key";
    int found = rows_point_find(st, device, point, key);
    if (found != 0)
        return found < 0 ? -1 : 0;
    sqlite3_stmt *s = store_writer(st, STMT_POINT_ADD, doing);
    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, device, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, point, -1, SQLITE_STATIC);
    if (store_run(st, s, doing) < 0)
        return -1;
    *key = sqlite3_last_insert_rowid(st->db);
    return 1;
}

int store_point_key(struct store *st, const char *device, const char *point, int64_t *key)
{
    int created = store_point_key_staged(st, device, point, key);
    if (created <= 0)
        return created;
    return store_commit(st);    /* a key handed out must never be rolled back */
}

void store_bind_value(sqlite3_stmt *s, int col, double value, enum quality q)
{
    if (quality_has_value(q))
        sqlite3_bind_double(s, col, value);
    else
        sqlite3_bind_null(s, col);
}

int store_add_event(struct store *st, struct event *ev, const char *device, const char *point)
{
    static const char doing[] = "adding an event";
    int64_t key = 0;
    int has_point = device && point;
    if (has_point && store_point_key(st, device, point, &key) < 0)
        return -1;
    sqlite3_stmt *s = store_writer(st, STMT_EVENT_ADD, doing);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, ev->ts_ms);
    if (has_point)
        sqlite3_bind_int64(s, 2, key);
    else
        sqlite3_bind_null(s, 2);
    sqlite3_bind_text(s, 3, event_kind_name(ev->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, ev->level, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, ev->severity);
    store_bind_value(s, 6, ev->value, ev->quality);
    sqlite3_bind_text(s, 7, quality_name(ev->quality), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, ev->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, ev->detail, -1, SQLITE_STATIC);
    if (store_run(st, s, doing) < 0)
        return -1;
    ev->id = sqlite3_last_insert_rowid(st->db);
    st->txn_durable = 1;
    st->stats.events++;
    return 0;
}

int store_event_held(struct store *st, const struct event *ev)
{
    sqlite3_stmt *s = store_reader(st, STMT_EVENT_HELD, "looking an event up");
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, ev->id);
    sqlite3_bind_int64(s, 2, ev->ts_ms);
    sqlite3_bind_text(s, 3, event_kind_name(ev->kind), -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, ev->level, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 5, ev->severity);
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc == SQLITE_ROW || rc == SQLITE_DONE)
        return rc == SQLITE_ROW;
    return store_error(st, "looking an event up", rc);
}

int store_rule_state_save(struct store *st, int64_t point_key, const void *blob, size_t len)
{
    static const char doing[] = "saving a point's rule state";
    sqlite3_stmt *s = store_writer(st, STMT_RULE_SAVE, doing);
    if (!s)
        return -1;
    sqlite3_bind_int64(s, 1, point_key);
    sqlite3_bind_blob64(s, 2, blob, len, SQLITE_STATIC);
    return store_run(st, s, doing);
}

int store_rule_state_load(struct store *st, store_rule_state_fn fn, void *ctx)
{
    sqlite3_stmt *s = store_reader(st, STMT_RULE_LOAD, "reading the alarm states");
    if (!s)
        return -1;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW)
        fn(ctx, sqlite3_column_int64(s, 0), sqlite3_column_blob(s, 1),
           (size_t)sqlite3_column_bytes(s, 1));
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : store_error(st, "loading the rule states", rc);
}
