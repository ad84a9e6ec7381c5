/*
 * history.c - fixed rings of recent samples, one per point that a window function reads.
 *
 * All rings share one pool allocated at config load; a push is a store and two index
 * updates, a window summary walks back from the newest entry and stops at the first
 * one older than the window. Nothing here allocates after history_create, so the
 * memory bound in history.h is the whole story.
 */
#include "history.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

struct history_ring {
    struct history_entry *slot;     /* NULL: the point has no ring */
    uint32_t size, head, count;     /* head: where the next entry goes */
};

struct history {
    size_t npoints;
    size_t nslots;
    struct history_ring *ring;
    struct history_entry *pool;
};

/* Slots for a window at an interval: every poll in the window, the one at its start,
 * and headroom for polls that come early. 0 when the point needs no ring. */
static int64_t history_slots(const struct history_spec *sp)
{
    if (sp->window_ms <= 0)
        return 0;
    if (sp->interval_ms <= 0)
        return 1;               /* history_check refuses it */
    int64_t base = (sp->window_ms + sp->interval_ms - 1) / sp->interval_ms + 1;
    return base + (base * HISTORY_HEADROOM_PERCENT + 99) / 100;
}

/* Refuse a point whose ring would have no interval to size it or exceed its bound. */
static int history_check(const struct history_spec *sp, size_t i, int64_t slots,
                         struct cfg_err *err)
{
    char name[CFG_PATH_MAX];
    snprintf(name, sizeof name, "point %zu", i);
    const char *label = sp->label ? sp->label : name;
    if (slots > 0 && sp->interval_ms <= 0)
        return cfg_fail(err, label, "a window function reads this point but it has no poll "
                        "interval; give its device an interval_ms");
    if (slots > HISTORY_MAX_SLOTS)
        return cfg_fail(err, label, "a %.0f s window at a %ld ms poll interval needs %lld "
                        "history slots, more than the %d one point may have; shorten the "
                        "window or poll the point less often",
                        (double)sp->window_ms / 1000.0, sp->interval_ms, (long long)slots,
                        HISTORY_MAX_SLOTS);
    return 0;
}

struct history *history_create(const struct history_spec *specs, size_t npoints,
                               struct cfg_err *err)
{
    int64_t total = 0;
    for (size_t i = 0; i < npoints; i++) {
        int64_t slots = history_slots(&specs[i]);
        if (history_check(&specs[i], i, slots, err) < 0)
            return NULL;
        total += slots;
    }
    if (total > HISTORY_MAX_TOTAL_SLOTS) {
        cfg_fail(err, "history", "the window functions of all combined rules need %lld "
                 "history slots, more than the %d allowed in all; shorten windows or poll "
                 "windowed points less often", (long long)total, HISTORY_MAX_TOTAL_SLOTS);
        return NULL;
    }
    struct history *h = calloc(1, sizeof *h);
    if (h) {
        h->ring = calloc(npoints ? npoints : 1, sizeof *h->ring);
        h->pool = calloc(total ? (size_t)total : 1, sizeof *h->pool);
    }
    if (!h || !h->ring || !h->pool) {
        history_free(h);
        cfg_fail(err, "history", "out of memory for %lld history slots", (long long)total);
        return NULL;
    }
    h->npoints = npoints;
    h->nslots = (size_t)total;
    struct history_entry *next = h->pool;
    for (size_t i = 0; i < npoints; i++) {
        int64_t slots = history_slots(&specs[i]);
        if (slots == 0)
            continue;
        h->ring[i].slot = next;
        h->ring[i].size = (uint32_t)slots;
        next += slots;
    }
    return h;
}

void history_free(struct history *h)
{
    if (!h)
        return;
    free(h->ring);
    free(h->pool);
    free(h);
}

void history_push(struct history *h, const struct sample *s)
{
    if (!h || s->point >= h->npoints)
        return;
    struct history_ring *r = &h->ring[s->point];
    if (!r->slot)
        return;
    r->slot[r->head] = (struct history_entry){ s->mono_ms, s->value, s->quality };
    r->head = r->head + 1 == r->size ? 0 : r->head + 1;
    if (r->count < r->size)
        r->count++;
}

static void history_take(struct history_window *w, const struct history_entry *e)
{
    if (w->count == 0) {
        w->min = w->max = w->last = e->value;
        w->last_ms = e->mono_ms;
        w->sum = 0.0;
    }
    w->count++;
    w->sum += e->value;
    w->min = e->value < w->min ? e->value : w->min;
    w->max = e->value > w->max ? e->value : w->max;
    w->first = e->value;            /* walking backwards: the latest taken is the oldest */
    w->first_ms = e->mono_ms;
}

int history_window(const struct history *h, uint32_t point, int64_t since_ms,
                   struct history_window *out)
{
    out->count = 0;
    if (!h || point >= h->npoints || !h->ring[point].slot)
        return -1;
    const struct history_ring *r = &h->ring[point];
    uint32_t at = r->head;
    for (uint32_t k = 0; k < r->count; k++) {
        at = at == 0 ? r->size - 1 : at - 1;
        const struct history_entry *e = &r->slot[at];
        if (e->mono_ms < since_ms)
            break;
        if (quality_has_value(e->quality) && isfinite(e->value))
            history_take(out, e);
    }
    return 0;
}

size_t history_bytes(const struct history *h)
{
    return h ? h->nslots * sizeof(struct history_entry) : 0;
}
