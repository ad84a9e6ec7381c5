/*
 * outbox.h - the delivery scheduler between the store's outbox log and the sinks.
 *
 * For each sink and each class the outbox keeps the confirmed cursor (everything at
 * or below it was delivered; persisted in the store), the highest seq handed over,
 * and the window of messages in flight. outbox_pump() tops every connected sink's
 * window up from the store, events before telemetry, in seq order within a class.
 * Confirmations may arrive out of order: the cursor moves over the contiguous
 * confirmed prefix only. A failure or a lost link sends everything unconfirmed
 * again from the cursor (at-least-once; the receiver deduplicates by seq). Each
 * sink has its own state, so a slow or dead sink never holds back another.
 *
 * Driven from the core thread only: no threads, no clock reads (now_ms is the
 * caller's monotonic time, used to back off from a sink whose sends keep failing).
 * Sinks are borrowed: the caller destroys them after outbox_free().
 */
#ifndef RISKGW_OUTBOX_H
#define RISKGW_OUTBOX_H

#include <stddef.h>
#include <stdint.h>
#include "control.h"
#include "sink.h"
#include "store.h"

struct outbox;

/* One sink's progress through one class, for status. */
struct outbox_lane_status {
    int64_t cursor;         /* confirmed up to here */
    int64_t next;           /* the next seq it will be handed */
    int in_flight;          /* handed over, not yet confirmed */
    int64_t backlog;        /* sendable, not confirmed (seqs skipped at open left out) */
};

struct outbox *outbox_open(struct store *st, char *err, size_t errlen);
void outbox_free(struct outbox *ob);

/* Take a sink into the schedule: sets s->index, loads its cursors. 0, or -1 (outbox_last_error). */
int outbox_add_sink(struct outbox *ob, struct sink *s);
/* The store now holds another database (its epoch changed): every sink starts again
 * from the cursor that file holds, nothing in flight. 0, or -1 (outbox_last_error). */
int outbox_restart(struct outbox *ob);

/*
 * Persist moved cursors (in the store's open transaction; the core's next commit
 * makes them durable; telemetry's once a minute), then fill each connected sink's window. Returns the number
 * of messages handed over, or -1 when the store failed (outbox_last_error); the
 * other sinks are still served.
 */
int outbox_pump(struct outbox *ob, int64_t now_ms);
/* Only the cursor persistence of outbox_pump(), e.g. before closing. 0 or -1. */
int outbox_save_cursors(struct outbox *ob);

/* A sink confirmed (cls, seq). Unknown or stale confirmations are ignored. */
void outbox_on_delivered(struct outbox *ob, int sink, enum outbox_class cls, int64_t seq);
/* A sink gave up on (cls, seq): resend that class from the cursor after a back-off. */
void outbox_on_failed(struct outbox *ob, int sink, enum outbox_class cls, int64_t seq,
                      int64_t now_ms);
/* A sink lost its link: everything unconfirmed goes again from the cursors. */
void outbox_on_link_down(struct outbox *ob, int sink);
/* Route a control message to the calls above: 1 when it was the outbox's, 0 if not (a command). */
int outbox_handle_ctl(struct outbox *ob, const struct ctl_msg *m, int64_t now_ms);

/* Status of one sink in one class. 0, or -1 when sink or cls does not exist. */
int outbox_status(struct outbox *ob, int sink, enum outbox_class cls, struct outbox_lane_status *out);

const char *outbox_last_error(struct outbox *ob);

#endif
