/*
 * store_outbox.c - the outbox log and the sinks' cursors, as rows.
 *
 * Seqs are handed out from memory (loaded from MAX(seq) at open; telemetry's from
 * its reserved block, store_seq.c) so appending costs no read. Within a run they are
 * gap-free per class because a failed write rolls the whole transaction back and
 * store_fail() resets next_seq to last committed + 1. Fetch
 * returns committed rows only: a row of the open transaction could still be rolled
 * back and its seq reused by a different message, which a receiver deduplicating
 * by seq would then drop. Telemetry is held in memory and read from there (what
 * was spilled to the table first): store_outbox_mem.c.
 */
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"

int64_t store_outbox_next_seq(struct store *st, enum outbox_class cls)
{
    return store_check_class(st, cls) < 0 ? -1 : st->next_seq[cls];
}

int64_t store_outbox_last_seq(struct store *st, enum outbox_class cls)
{
    return store_check_class(st, cls) < 0 ? -1 : st->sendable_seq[cls];
}

int store_outbox_append(struct store *st, enum outbox_class cls, const char *topic,
                        const char *payload, int64_t *seq)
{
    static const char doing[] = "appending to the outbox";
    if (store_check_class(st, cls) < 0 || store_seq_take(st, cls) < 0)
        return -1;
    if (cls == OUTBOX_TELEMETRY) {          /* held in memory, not written (store_outbox_mem.c) */
        if (store_mem_push(st, st->next_seq[cls], topic, payload) < 0)
            return -1;
        *seq = st->next_seq[cls]++;
        store_seq_held(st);                 /* no commit to wait for */
        return 0;
    }
    sqlite3_stmt *s = store_writer(st, STMT_OUTBOX_ADD, doing);
    if (!s)
        return -1;
    sqlite3_bind_int(s, 1, (int)cls);
    sqlite3_bind_int64(s, 2, st->next_seq[cls]);
    sqlite3_bind_text(s, 3, topic, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, payload, -1, SQLITE_STATIC);
    if (store_run(st, s, doing) < 0)
        return -1;
    if (cls == OUTBOX_EVENTS)
        st->txn_durable = 1;
    *seq = st->next_seq[cls]++;
    return 0;
}

int store_outbox_retire(struct store *st, const int64_t delivered[OUTBOX_CLASS_COUNT])
{
    static const char doing[] = "deleting delivered outbox rows";
    store_mem_retire(st, delivered[OUTBOX_TELEMETRY]);
    for (int cls = 0; cls < OUTBOX_CLASS_COUNT; cls++) {
        if (delivered[cls] < 1 || (cls == OUTBOX_TELEMETRY && !st->tele_table_max))
            continue;
        sqlite3_stmt *s = store_writer(st, STMT_OUTBOX_RETIRE, doing);
        if (!s)
            return -1;
        sqlite3_bind_int(s, 1, cls);
        sqlite3_bind_int64(s, 2, delivered[cls]);
        sqlite3_bind_int64(s, 3, STORE_RETIRE_BATCH);
        if (store_run(st, s, doing) < 0)
            return -1;
        if (cls == OUTBOX_TELEMETRY && delivered[cls] >= st->tele_table_max &&
            sqlite3_changes(st->db) < STORE_RETIRE_BATCH)
            st->tele_table_max = 0;     /* at most the newest row is left, delivered */
    }
    return 0;
}

/* Copy column col of the current row into a fresh NUL-terminated string. */
static char *outbox_column_dup(sqlite3_stmt *s, int col, size_t *len)
{
    const unsigned char *text = sqlite3_column_text(s, col);
    size_t n = (size_t)sqlite3_column_bytes(s, col);
    char *copy = malloc(n + 1);
    if (copy) {
        memcpy(copy, text ? (const char *)text : "", n);
        copy[n] = '\0';
    }
    if (len)
        *len = n;
    return copy;
}

/* Committed rows of the table with after < seq <= last, at most max. */
static int outbox_table_fetch(struct store *st, enum outbox_class cls, int64_t after, int64_t last,
                              struct outbox_msg *out, int max)
{
    sqlite3_stmt *s = store_reader(st, STMT_OUTBOX_FETCH, "reading the outbox");
    if (!s)
        return -1;
    sqlite3_bind_int(s, 1, (int)cls);
    sqlite3_bind_int64(s, 2, after);
    sqlite3_bind_int64(s, 3, last);
    sqlite3_bind_int(s, 4, max);
    int n = 0, rc = SQLITE_DONE;
    while (n < max && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct outbox_msg *m = &out[n];
        m->cls = cls;
        m->borrowed = 0;
        m->seq = sqlite3_column_int64(s, 0);
        m->topic = outbox_column_dup(s, 1, NULL);
        m->payload = outbox_column_dup(s, 2, &m->payload_len);
        n++;
        if (!m->topic || !m->payload) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    if (n == max)
        rc = SQLITE_DONE;
    sqlite3_reset(s);
    if (rc == SQLITE_DONE)
        return n;
    while (n > 0)
        outbox_msg_free(&out[--n]);
    return store_error(st, "fetching from the outbox", rc);
}

int store_outbox_fetch(struct store *st, enum outbox_class cls, int64_t after,
                       struct outbox_msg *out, int max)
{
    if (store_check_class(st, cls) < 0)
        return -1;
    int64_t last = st->sendable_seq[cls];
    if (cls == OUTBOX_EVENTS)
        return outbox_table_fetch(st, cls, after, last, out, max);
    /* Telemetry: what was spilled (or left by the last run) lies below what is held. */
    int64_t first = store_mem_first(st);
    int n = 0;
    if (after + 1 < first) {
        n = outbox_table_fetch(st, cls, after, last < first - 1 ? last : first - 1, out, max);
        if (n < 0 || n == max)
            return n;       /* fewer than max: the table holds nothing more below first */
    }
    int m = store_mem_fetch(st, n > 0 ? out[n - 1].seq : after, last, out + n, max - n);
    if (m < 0) {
        while (n > 0)
            outbox_msg_free(&out[--n]);
        return -1;
    }
    return n + m;
}

void outbox_msg_free(struct outbox_msg *m)
{
    if (!m->borrowed) {
        free(m->topic);
        free(m->payload);
    }
    m->topic = m->payload = NULL;
}

int store_cursor_get(struct store *st, const char *sink, enum outbox_class cls, int64_t *seq)
{
    if (store_check_class(st, cls) < 0)
        return -1;
    sqlite3_stmt *s = store_reader(st, STMT_CURSOR_GET, "reading a sink's cursor");
    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, sink, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, (int)cls);
    int rc = sqlite3_step(s);
    *seq = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_reset(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return store_error(st, "reading a sink's cursor", rc);
    return 0;
}

int store_cursor_set(struct store *st, const char *sink, enum outbox_class cls, int64_t seq)
{
    static const char doing[] = "saving a sink's cursor";
    if (store_check_class(st, cls) < 0)
        return -1;
    sqlite3_stmt *s = store_writer(st, STMT_CURSOR_SET, doing);
    if (!s)
        return -1;
    sqlite3_bind_text(s, 1, sink, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, (int)cls);
    sqlite3_bind_int64(s, 3, seq);
    return store_run(st, s, doing);
}
