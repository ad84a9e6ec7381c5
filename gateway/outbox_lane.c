/*
 * outbox_lane.c - the in-flight window of one sink in one class, and its cursor.
 *
 * The window is a ring of (seq, confirmed) in the order the seqs were handed over,
 * which is ascending. A confirmation marks its entry; the cursor then advances
 * while the oldest entry is confirmed, so an ack for seq 7 before seq 6 waits until
 * 6 is confirmed too. Seqs may skip (rows retired by retention): the cursor takes
 * the seq of each popped entry, never cursor + 1.
 */
#include <stdlib.h>
#include "outbox_lane.h"

int lane_init(struct lane *l, int cap, int64_t cursor)
{
    l->ring = calloc((size_t)cap, sizeof *l->ring);
    l->cap = cap;
    l->head = l->count = 0;
    l->cursor = l->saved = l->sent = cursor;
    return l->ring ? 0 : -1;
}

void lane_free(struct lane *l)
{
    free(l->ring);
    l->ring = NULL;
}

static struct lane_flight *lane_at(const struct lane *l, int i)
{
    return &l->ring[(l->head + i) % l->cap];
}

void lane_push(struct lane *l, int64_t seq)
{
    struct lane_flight *f = lane_at(l, l->count++);
    f->seq = seq;
    f->confirmed = 0;
    l->sent = seq;
}

static struct lane_flight *lane_find(const struct lane *l, int64_t seq)
{
    for (int i = 0; i < l->count; i++)
        if (lane_at(l, i)->seq == seq)
            return lane_at(l, i);
    return NULL;
}

int lane_in_flight(const struct lane *l, int64_t seq) { return lane_find(l, seq) != NULL; }

int lane_confirm(struct lane *l, int64_t seq)
{
    struct lane_flight *f = lane_find(l, seq);
    if (!f)
        return 0;
    f->confirmed = 1;
    while (l->count > 0 && lane_at(l, 0)->confirmed) {
        l->cursor = lane_at(l, 0)->seq;
        l->head = (l->head + 1) % l->cap;
        l->count--;
    }
    if (l->count == 0)
        l->cursor = l->sent;    /* all handed over is confirmed, skipped seqs included */
    return 1;
}

void lane_skip_to(struct lane *l, int64_t seq)
{
    l->sent = seq;
    if (l->count == 0)
        l->cursor = seq;
}

void lane_rewind(struct lane *l)
{
    l->head = l->count = 0;
    l->sent = l->cursor;
}
