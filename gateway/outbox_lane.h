/*
 * outbox_lane.h - one sink's progress through one outbox class: cursor, sent, window.
 *
 * Kept apart from the scheduler (outbox.c) because this is where the delivery
 * invariants live: cursor <= every in-flight seq <= sent, in-flight seqs ascend,
 * and the cursor only moves over a confirmed prefix. outbox_lane.c holds no I/O.
 */
#ifndef RISKGW_OUTBOX_LANE_H
#define RISKGW_OUTBOX_LANE_H

#include <stdint.h>

struct lane_flight {
    int64_t seq;
    int confirmed;
};

struct lane {
    int64_t cursor;             /* confirmed: every seq <= cursor was delivered */
    int64_t saved;              /* the cursor as last written to the store */
    int64_t sent;               /* highest seq handed to the sink */
    struct lane_flight *ring;   /* in flight, ascending seq */
    int cap, head, count;
};

int lane_init(struct lane *l, int cap, int64_t cursor);     /* 0, or -1 out of memory */
void lane_free(struct lane *l);
void lane_push(struct lane *l, int64_t seq);                /* caller checks count < cap */
/* Mark seq confirmed and move the cursor over the confirmed prefix. 1 if seq was in flight. */
int lane_confirm(struct lane *l, int64_t seq);
int lane_in_flight(const struct lane *l, int64_t seq);
/* Nothing exists up to seq any more (retention): count it as handed over. */
void lane_skip_to(struct lane *l, int64_t seq);
/* Forget what is in flight: the next fill starts again after the cursor. */
void lane_rewind(struct lane *l);

#endif
