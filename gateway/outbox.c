/*
 * outbox.c - which stored message goes to which sink next.
 *
 * Each pump visits every sink on its own: a sink that is down, backing off or
 * full simply gets nothing this round, and the others are served the same. For
 * one sink the events lane is filled first and telemetry only gets the window
 * that is left, less a quarter kept free for events: alarms overtake a telemetry
 * backlog, and one raised while telemetry fills the window still finds a slot.
 * Reads come from the store in batches of OUTBOX_FETCH_BATCH; only committed rows
 * are ever handed over.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include "log.h"
#include "outbox.h"
#include "outbox_lane.h"

#define OUTBOX_FETCH_BATCH 32           /* rows read from the store per query */
#define OUTBOX_RETRY_MIN_MS 1000        /* back-off after a sink's first failure */
#define OUTBOX_RETRY_MAX_MS 60000       /* and its ceiling while failures continue */
#define OUTBOX_ERR_MAX 512
#define OUTBOX_EVENT_RESERVE_DIV 4      /* 1/4 of a window is for events only (none below 4) */
#define OUTBOX_TELEMETRY_CURSOR_SAVE_MS 60000   /* telemetry's cursors are saved this often */

struct outlet {                         /* one sink as the scheduler sees it */
    struct sink *sink;
    struct lane lane[OUTBOX_CLASS_COUNT];
    int64_t retry_at_ms;                /* no sends before this (monotonic) */
    int64_t retry_delay_ms;             /* 0 while the sink is healthy */
};

struct outbox {
    struct store *st;
    struct outlet *outlets;
    int count;
    int64_t telemetry_save_ms;          /* monotonic: when telemetry's cursors are next saved */
    char err[OUTBOX_ERR_MAX];
};

static int outbox_say(struct outbox *ob, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int outbox_say(struct outbox *ob, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ob->err, sizeof ob->err, fmt, ap);
    va_end(ap);
    return -1;
}

struct outbox *outbox_open(struct store *st, char *err, size_t errlen)
{
    struct outbox *ob = calloc(1, sizeof *ob);
    if (!ob) {
        snprintf(err, errlen, "outbox: out of memory creating the delivery scheduler");
    } else {
        ob->st = st;
        ob->telemetry_save_ms = INT64_MIN;
    }
    return ob;
}

void outbox_free(struct outbox *ob)
{
    if (!ob)
        return;
    for (int i = 0; i < ob->count; i++)
        for (int c = 0; c < OUTBOX_CLASS_COUNT; c++)
            lane_free(&ob->outlets[i].lane[c]);
    free(ob->outlets);
    free(ob);
}

/* The cursor the store holds for this sink, never past the end of the log. */
static int outbox_load_cursor(struct outbox *ob, const struct sink *s, enum outbox_class cls,
                              int64_t *cursor)
{
    if (store_cursor_get(ob->st, s->name, cls, cursor) < 0)
        return outbox_say(ob, "%s", store_last_error(ob->st));
    int64_t last = store_outbox_last_seq(ob->st, cls);
    if (*cursor > last) {
        log_warn("outbox: sink %s's cursor %lld is past the last stored seq %lld of class %d; "
                 "it resumes from %lld", s->name, (long long)*cursor, (long long)last, (int)cls,
                 (long long)last);
        *cursor = last;
    }
    return 0;
}

int outbox_add_sink(struct outbox *ob, struct sink *s)
{
    if (s->window < 1)
        return outbox_say(ob, "outbox: sink %s has a window of %d; it must be at least 1",
                          s->name, s->window);
    struct outlet *grown = realloc(ob->outlets, (size_t)(ob->count + 1) * sizeof *grown);
    if (!grown)
        return outbox_say(ob, "outbox: out of memory adding sink %s", s->name);
    ob->outlets = grown;
    struct outlet *o = &ob->outlets[ob->count];
    *o = (struct outlet){.sink = s};
    for (int c = 0; c < OUTBOX_CLASS_COUNT; c++) {
        int64_t cursor = 0;
        int rc = outbox_load_cursor(ob, s, (enum outbox_class)c, &cursor);
        if (rc == 0 && lane_init(&o->lane[c], s->window, cursor) < 0)
            rc = outbox_say(ob, "outbox: out of memory adding sink %s", s->name);
        if (rc < 0) {
            for (int k = 0; k < c; k++)
                lane_free(&o->lane[k]);
            return -1;
        }
    }
    s->index = ob->count++;
    return 0;
}

int outbox_restart(struct outbox *ob)
{
    for (int i = 0; i < ob->count; i++) {
        struct outlet *o = &ob->outlets[i];
        for (int c = 0; c < OUTBOX_CLASS_COUNT; c++) {
            int64_t cursor = 0;
            if (outbox_load_cursor(ob, o->sink, (enum outbox_class)c, &cursor) < 0)
                return -1;
            lane_free(&o->lane[c]);
            if (lane_init(&o->lane[c], o->sink->window, cursor) < 0)
                return outbox_say(ob, "outbox: out of memory restarting sink %s", o->sink->name);
        }
    }
    return 0;
}

static struct outlet *outbox_outlet(struct outbox *ob, int sink)
{
    if (sink >= 0 && sink < ob->count)
        return &ob->outlets[sink];
    log_warn("outbox: a report names sink %d, but only %d sinks exist; ignored", sink, ob->count);
    return NULL;
}

static struct lane *outbox_lane(struct outbox *ob, int sink, enum outbox_class cls)
{
    struct outlet *o = outbox_outlet(ob, sink);
    if (!o || (unsigned)cls >= OUTBOX_CLASS_COUNT)
        return NULL;
    return &o->lane[cls];
}

static int outlet_in_flight(const struct outlet *o)
{
    int n = 0;
    for (int c = 0; c < OUTBOX_CLASS_COUNT; c++)
        n += o->lane[c].count;
    return n;
}

/*
 * Hand one class's next rows to the sink while its window has room. 1 when the sink
 * refused a message (stop serving it this round), 0 when done, -1 on a store error.
 * *full is set when rows are left because the window is full.
 */
static int outbox_fill_lane(struct outbox *ob, struct outlet *o, enum outbox_class cls, int *handed,
                            int *full)
{
    struct lane *l = &o->lane[cls];
    int64_t last = store_outbox_last_seq(ob->st, cls);
    int window = o->sink->window - (cls == OUTBOX_EVENTS ? 0 : o->sink->window / OUTBOX_EVENT_RESERVE_DIV);
    int refused = 0;
    while (!refused && l->sent < last) {
        int room = window - outlet_in_flight(o);
        if (room > l->cap - l->count)
            room = l->cap - l->count;
        if (room <= 0) {
            *full = 1;      /* more to send than the window takes */
            return 0;
        }
        struct outbox_msg msgs[OUTBOX_FETCH_BATCH];
        int n = store_outbox_fetch(ob->st, cls, l->sent,
                                   msgs, room < OUTBOX_FETCH_BATCH ? room : OUTBOX_FETCH_BATCH);
        if (n < 0)
            return outbox_say(ob, "%s", store_last_error(ob->st));
        if (n == 0)
            lane_skip_to(l, last);  /* the rest was retired from the log */
        for (int i = 0; i < n; i++) {
            if (!refused && o->sink->ops->send(o->sink, &msgs[i]) == 0) {
                lane_push(l, msgs[i].seq);
                (*handed)++;
            } else {
                refused = 1;
            }
            outbox_msg_free(&msgs[i]);
        }
    }
    return refused;
}

/* Write moved cursors into the open transaction: every class's, or only the events'. */
static int save_cursors(struct outbox *ob, int classes)
{
    for (int i = 0; i < ob->count; i++) {
        struct outlet *o = &ob->outlets[i];
        for (int c = 0; c < classes; c++) {
            struct lane *l = &o->lane[c];
            if (l->cursor == l->saved)
                continue;
            if (store_cursor_set(ob->st, o->sink->name, (enum outbox_class)c, l->cursor) < 0)
                return outbox_say(ob, "%s", store_last_error(ob->st));
            l->saved = l->cursor;
        }
    }
    return 0;
}

int outbox_save_cursors(struct outbox *ob) { return save_cursors(ob, OUTBOX_CLASS_COUNT); }

/*
 * Events' cursors are saved at every pump. Telemetry's moves with every message, and
 * saving it each second was a page rewritten on flash each second for a number that
 * matters little: telemetry is held in memory, which a crash loses anyway, and a
 * cursor saved late only sends the spilled rows above it again (same seqs). So it
 * is saved once a minute, and at a clean stop (outbox_save_cursors).
 */
static int save_due_cursors(struct outbox *ob, int64_t now_ms)
{
    int all = now_ms >= ob->telemetry_save_ms;
    if (all)
        ob->telemetry_save_ms = now_ms + OUTBOX_TELEMETRY_CURSOR_SAVE_MS;
    return save_cursors(ob, all ? OUTBOX_CLASS_COUNT : OUTBOX_EVENTS + 1);
}

int outbox_pump(struct outbox *ob, int64_t now_ms)
{
    int handed = 0, failed = save_due_cursors(ob, now_ms) < 0;
    for (int i = 0; i < ob->count; i++) {
        struct outlet *o = &ob->outlets[i];
        if (now_ms < o->retry_at_ms || !o->sink->ops->connected(o->sink))
            continue;
        int full = 0;
        for (int c = 0; c < OUTBOX_CLASS_COUNT; c++) {
            int rc = outbox_fill_lane(ob, o, (enum outbox_class)c, &handed, &full);
            failed |= rc < 0;
            if (rc != 0)
                break;      /* refused or failed: telemetry never overtakes events */
        }
        /* A backlog waits for room: the sink wakes the core as confirmations free it. */
        atomic_store(&o->sink->wants_room, full);
    }
    return failed ? -1 : handed;
}

void outbox_on_delivered(struct outbox *ob, int sink, enum outbox_class cls, int64_t seq)
{
    struct lane *l = outbox_lane(ob, sink, cls);
    if (l && lane_confirm(l, seq))
        ob->outlets[sink].retry_delay_ms = 0;
}

void outbox_on_failed(struct outbox *ob, int sink, enum outbox_class cls, int64_t seq,
                      int64_t now_ms)
{
    struct lane *l = outbox_lane(ob, sink, cls);
    if (!l || !lane_in_flight(l, seq))
        return;             /* a late report from before the last rewind */
    struct outlet *o = &ob->outlets[sink];
    lane_rewind(l);
    o->retry_delay_ms = o->retry_delay_ms ? o->retry_delay_ms * 2 : OUTBOX_RETRY_MIN_MS;
    if (o->retry_delay_ms > OUTBOX_RETRY_MAX_MS)
        o->retry_delay_ms = OUTBOX_RETRY_MAX_MS;
    o->retry_at_ms = now_ms + o->retry_delay_ms;
}

void outbox_on_link_down(struct outbox *ob, int sink)
{
    struct outlet *o = outbox_outlet(ob, sink);
    for (int c = 0; o && c < OUTBOX_CLASS_COUNT; c++)
        lane_rewind(&o->lane[c]);
}

int outbox_handle_ctl(struct outbox *ob, const struct ctl_msg *m, int64_t now_ms)
{
    switch (m->kind) {
    case CTL_DELIVERED:
        outbox_on_delivered(ob, m->sink, m->cls, m->seq);
        return 1;
    case CTL_FAILED:
        outbox_on_failed(ob, m->sink, m->cls, m->seq, now_ms);
        return 1;
    case CTL_LINK_DOWN:
        outbox_on_link_down(ob, m->sink);
        return 1;
    case CTL_LINK_UP:
        return 1;           /* the next pump sees connected() and fills the window */
    default:
        return 0;
    }
}

int outbox_status(struct outbox *ob, int sink, enum outbox_class cls, struct outbox_lane_status *out)
{
    if (sink < 0 || sink >= ob->count || (unsigned)cls >= OUTBOX_CLASS_COUNT)
        return outbox_say(ob, "outbox: no status for sink %d class %d; they do not exist",
                          sink, (int)cls);
    const struct lane *l = &ob->outlets[sink].lane[cls];
    out->cursor = l->cursor;
    out->next = l->sent + 1;
    out->in_flight = l->count;
    out->backlog = store_outbox_backlog(ob->st, cls, l->cursor);
    return 0;
}

const char *outbox_last_error(struct outbox *ob) { return ob->err; }
