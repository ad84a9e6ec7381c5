/*
 * store_outbox_mem.c - telemetry is held in memory, not written to flash, while the
 * uplinks keep up.
 *
 * A telemetry message is a view of the readings of the moment: the history that
 * matters (readings past their deadband, heartbeats, minute aggregates) is stored
 * anyway. Writing every message to the outbox as well, only to delete it a second
 * later once delivered, was almost all of what a steady plant wrote to its card
 * (574 KiB/s at 100 devices, issue 17). So the telemetry class of the outbox lives
 * in a ring in memory: seqs are handed out as before (reserved on disk in blocks,
 * store_seq.c), the outbox fetches from the ring, and a message leaves the ring
 * when every uplink has confirmed it (store_outbox_retire). Only when the uplinks
 * fall behind - a broker outage - does the ring outgrow STORE_TELEMETRY_MEM_BYTES;
 * then store_commit() writes its oldest messages into the outbox table inside the
 * commit (a spill) and drops them from memory once that commit holds. A clean
 * close spills everything left, so a restart resends it with the same seqs.
 *
 * Invariant: the ring holds the contiguous seqs [first, next_seq); the table holds
 * telemetry only below first, and only committed rows (a spill is written and
 * committed within one store_commit()). So every seq is in exactly one place.
 */
#include <stdlib.h>
#include <string.h>
#include "store_internal.h"

#define MEM_MIN_SLOTS 64

static struct store_mem_msg *mem_at(const struct store_tele_mem *m, size_t i)
{
    return &m->ring[(m->head + i) % m->cap];
}

static int mem_grow(struct store_tele_mem *m)
{
    size_t cap = m->cap ? m->cap * 2 : MEM_MIN_SLOTS;
    struct store_mem_msg *ring = malloc(cap * sizeof *ring);
    if (!ring)
        return -1;
    for (size_t i = 0; i < m->count; i++)
        ring[i] = *mem_at(m, i);
    free(m->ring);
    m->ring = ring;
    m->cap = cap;
    m->head = 0;
    return 0;
}

int64_t store_mem_first(const struct store *st)
{
    const struct store_tele_mem *m = &st->mem;
    return m->count ? mem_at(m, 0)->seq : st->next_seq[OUTBOX_TELEMETRY];
}

int store_mem_push(struct store *st, int64_t seq, const char *topic, const char *payload)
{
    struct store_tele_mem *m = &st->mem;
    size_t tlen = strlen(topic), plen = strlen(payload);
    if (m->count == m->cap && mem_grow(m) < 0)
        goto nomem;
    char *copy = malloc(tlen + 1 + plen + 1);   /* topic and payload in one block */
    if (!copy)
        goto nomem;
    memcpy(copy, topic, tlen + 1);
    memcpy(copy + tlen + 1, payload, plen + 1);
    *mem_at(m, m->count++) = (struct store_mem_msg){.seq = seq, .text = copy, .topic_len = tlen,
                                                    .payload_len = plen};
    m->bytes += tlen + plen + 2;
    return 0;
nomem:
    store_say(st, "out of memory holding a telemetry message (%zu held, %zu bytes)", m->count, m->bytes);
    return -1;
}

static void mem_drop_oldest(struct store_tele_mem *m)
{
    struct store_mem_msg *x = mem_at(m, 0);
    m->bytes -= x->topic_len + x->payload_len + 2;
    free(x->text);
    m->head = (m->head + 1) % m->cap;
    m->count--;
}

void store_mem_retire(struct store *st, int64_t delivered)
{
    struct store_tele_mem *m = &st->mem;
    while (m->count && mem_at(m, 0)->seq <= delivered)
        mem_drop_oldest(m);
}

int store_mem_fetch(struct store *st, int64_t after, int64_t last, struct outbox_msg *out, int max)
{
    struct store_tele_mem *m = &st->mem;
    int n = 0;
    int64_t first = store_mem_first(st);
    size_t i = after >= first ? (size_t)(after - first + 1) : 0;
    for (; i < m->count && n < max; i++) {
        const struct store_mem_msg *x = mem_at(m, i);
        if (x->seq > last)
            break;
        struct outbox_msg *o = &out[n++];
        o->cls = OUTBOX_TELEMETRY;
        o->seq = x->seq;
        o->topic = x->text;                     /* lent, not copied: the sink copies on send */
        o->payload = x->text + x->topic_len + 1;
        o->payload_len = x->payload_len;
        o->borrowed = 1;
    }
    return n;
}

/* Write the oldest held messages into the open transaction: how many, or -1. */
static int mem_write(struct store *st, size_t count)
{
    static const char doing[] = "writing telemetry the uplinks have not taken yet to the outbox";
    for (size_t i = 0; i < count; i++) {
        const struct store_mem_msg *x = mem_at(&st->mem, i);
        sqlite3_stmt *s = store_writer(st, STMT_OUTBOX_ADD, doing);
        if (!s)
            return -1;
        sqlite3_bind_int(s, 1, OUTBOX_TELEMETRY);
        sqlite3_bind_int64(s, 2, x->seq);
        sqlite3_bind_text(s, 3, x->text, (int)x->topic_len, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, x->text + x->topic_len + 1, (int)x->payload_len, SQLITE_STATIC);
        if (store_run(st, s, doing) < 0)
            return -1;
        st->tele_table_max = x->seq;
    }
    return (int)count;
}

int store_mem_spill(struct store *st, int all)
{
    struct store_tele_mem *m = &st->mem;
    st->mem_spilling = 0;
    if (!all && m->bytes <= STORE_TELEMETRY_MEM_BYTES)
        return 0;
    /* Down to half the budget, so an outage spills in large batches, not every commit. */
    size_t keep = all ? 0 : STORE_TELEMETRY_MEM_BYTES / 2, bytes = m->bytes, count = 0;
    while (count < m->count && bytes > keep) {
        const struct store_mem_msg *x = mem_at(m, count++);
        bytes -= x->topic_len + x->payload_len + 2;
    }
    if (mem_write(st, count) < 0)
        return -1;
    st->mem_spilling = count;
    st->stats.telemetry_spilled += count;
    return 0;
}

void store_mem_spilled(struct store *st)
{
    for (; st->mem_spilling > 0; st->mem_spilling--)
        mem_drop_oldest(&st->mem);
}

void store_mem_free(struct store *st)
{
    while (st->mem.count)
        mem_drop_oldest(&st->mem);
    free(st->mem.ring);
    st->mem.ring = NULL;
    st->mem.cap = 0;
}
