/*
 * outputs.h - local outputs (a siren's horn, a beacon) that follow the alarms: pure decisions.
 *
 * A rule may name outputs: writable points it drives while its alarm needs them,
 *   "outputs": [{"point": "siren1.horn", "on": 1, "off": 0, "audible": true}]
 * Several alarms may share one output; it shows `on` while any of them needs it
 * (the number that do is its reference count) and `off` once none does. What an
 * alarm needs is a function of its rule state alone, so a restart re-asserts the
 * outputs from the restored alarm states and nothing has to be counted up or down.
 *
 * An output slot is the life of one writable point's value on its way to the
 * device: what is wanted, what is on the wire, what the device confirmed, the
 * failures and when to try again. These functions only decide; the core sends the
 * writes, records the events, and passes the clock in (core_outputs.c), so the
 * whole life is unit-tested with an injected clock (tests/unit/test_outputs.c).
 * Nothing here ever closes an interlock: see docs/rules.md, "Safety boundary".
 */
#ifndef RISKGW_OUTPUTS_H
#define RISKGW_OUTPUTS_H

#include <stddef.h>
#include <stdint.h>
#include "rules.h"
#include "sample.h"

#define OUTPUTS_PER_RULE_MAX 8

/* One rule naming one output. */
struct output_cfg {
    uint32_t source;                /* the point whose alarm drives it (a combined rule's virtual point) */
    uint32_t source_slot;           /* that point's alarm state: config->points[source].alarm_slot */
    uint32_t target;                /* the writable point it writes */
    double on, off;
    int min_severity;               /* needed while the alarm's severity, in force or latched, is at least this */
    int audible;                    /* silence releases it (GB 16808: silence mutes the sounder) */
};

/* Does an alarm in state st need output o now? In force or latched at min_severity
 * or above, and not silenced if the output is audible. Reset (or a clear, for a
 * rule that does not latch) releases it; a new or higher alarm after silence needs
 * an audible output again (the engine clears the silenced flag). */
int output_needed(const struct output_cfg *o, const struct rule_state *st);

/* What the outputs naming one target want. cfgs[0..n) all name that target;
 * states is indexed by alarm slot (source_slot). */
struct output_want {
    int count;                      /* alarms that need it now: the reference count */
    double value;                   /* `on` of the most severe of them (first listed on a tie), else `off` */
    int severity;                   /* that alarm's severity, 0 when none */
    uint32_t source;                /* that alarm's point, POINT_NONE when none */
};
void outputs_want(const struct output_cfg *cfgs, size_t n, const struct rule_state *states,
                  struct output_want *w);

/* ---- one writable point's value on its way to the device ---- */

enum output_record {
    OUTPUT_RECORD_NONE,
    OUTPUT_RECORD_DRIVEN,           /* record an OUTPUT event: the device took the value */
    OUTPUT_RECORD_FAILED,           /* record an OUTPUT_FAILED event: the first failure in a row */
};

struct output_slot {
    uint32_t target;                /* the point */
    int has_want;                   /* a value is wanted (rules, or an operator's write not yet done) */
    double want;
    int announce;                   /* the wanted value is news: record the event when written */
    int by_hand;                    /* the want is an operator's one-off write, not a standing demand */
    int confirmed;                  /* the device took `value` */
    double value;                   /* what it should read back */
    int in_flight;
    uint32_t id;                    /* of the write on its way */
    double sending;
    double sending_expect;          /* what the device should read back after it */
    int sending_announce;
    int64_t deadline;               /* give up waiting for the poller's result then */
    int failures;                   /* in a row, of failed_value */
    double failed_value;
    int64_t retry_at;               /* no new write before this (monotonic) */
    int64_t done_mono;              /* when the last write ended; later readbacks count */
};

void output_slot_init(struct output_slot *s, uint32_t target);
/* Want `value` from now on. announce: record the write as an event (a change of
 * demand or an operator's act; not a re-assertion after a restart or a readback).
 * Returns 1 when that is news (another value, or by hand), 0 when it was wanted already. */
int output_slot_want(struct output_slot *s, double value, int announce, int by_hand);
/* 1 when a write of *value should be sent now. */
int output_slot_due(const struct output_slot *s, int64_t now, double *value);
/* The write (with id, expecting `expect` back) left; its result is due by `deadline`. */
void output_slot_sent(struct output_slot *s, uint32_t id, double value, double expect,
                      int64_t deadline);
/* The poller's answer for write id (others are stale and ignored). retry_ms: the
 * wait before the next try after a failure. */
enum output_record output_slot_result(struct output_slot *s, uint32_t id, int ok, int64_t now,
                                      int64_t retry_ms);
/* 1 when the write in flight is past its deadline (then settle it with
 * output_slot_result(s, s->id, 0, ...)). */
int output_slot_overdue(const struct output_slot *s, int64_t now);
/* A reading of the point (quality with a value) taken at mono_ms. 1 when it shows
 * something else than the device confirmed, after the confirmation: the output is
 * written again (a module that restarted and dropped its coil), no sooner than
 * retry_ms after the last write. Operator writes are not enforced this way. */
int output_slot_readback(struct output_slot *s, double value, int64_t mono_ms, int64_t retry_ms);

#endif
