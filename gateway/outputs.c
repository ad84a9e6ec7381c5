/*
 * outputs.c - which alarms need an output, and the life of a write to it (see outputs.h).
 *
 * Invariants of a slot:
 *   - at most one write is in flight, and only its result (by id) moves the slot;
 *   - `confirmed` means the device acknowledged `value`; a failure or a readback
 *     that disagrees drops it, and output_slot_due then asks for the wanted value;
 *   - failures count a streak of one value: its first failure is recorded, the
 *     rest wait `retry_ms` each and are logged by the caller; a failure of another
 *     value (a new demand) starts a new streak and is recorded too; a success
 *     after failures is always recorded, so the record shows when it came back.
 */
#include "outputs.h"

#include <math.h>
#include <string.h>

#define OUTPUT_SAME_EPSILON 1e-9    /* a readback this close to the value written is the value */

int output_needed(const struct output_cfg *o, const struct rule_state *st)
{
    int severity = st->severity > st->latched_severity ? st->severity : st->latched_severity;
    if (severity < o->min_severity)
        return 0;
    return !(o->audible && st->silenced);
}

void outputs_want(const struct output_cfg *cfgs, size_t n, const struct rule_state *states,
                  struct output_want *w)
{
    memset(w, 0, sizeof *w);
    w->source = POINT_NONE;
    w->value = n ? cfgs[0].off : 0.0;
    for (size_t i = 0; i < n; i++) {
        const struct rule_state *st = &states[cfgs[i].source_slot];
        if (!output_needed(&cfgs[i], st))
            continue;
        int severity = st->severity > st->latched_severity ? st->severity : st->latched_severity;
        w->count++;
        if (severity > w->severity) {
            w->severity = severity;
            w->value = cfgs[i].on;
            w->source = cfgs[i].source;
        }
    }
}

static int output_same(double a, double b)
{
    return fabs(a - b) <= OUTPUT_SAME_EPSILON * fmax(1.0, fabs(b));
}

void output_slot_init(struct output_slot *s, uint32_t target)
{
    memset(s, 0, sizeof *s);
    s->target = target;
}

int output_slot_want(struct output_slot *s, double value, int announce, int by_hand)
{
    if (s->has_want && output_same(s->want, value) && !by_hand)
        return 0;                   /* nothing new: keep the announcement already pending */
    s->has_want = 1;
    s->want = value;
    s->announce = announce;
    s->by_hand = by_hand;
    if (by_hand)
        s->confirmed = 0;           /* an operator's write goes out even if it seems in place */
    s->retry_at = 0;                /* a new demand does not wait out an old failure's delay */
    return 1;
}

int output_slot_due(const struct output_slot *s, int64_t now, double *value)
{
    if (!s->has_want || s->in_flight || now < s->retry_at)
        return 0;
    if (s->confirmed && output_same(s->value, s->want))
        return 0;
    *value = s->want;
    return 1;
}

void output_slot_sent(struct output_slot *s, uint32_t id, double value, double expect,
                      int64_t deadline)
{
    s->in_flight = 1;
    s->id = id;
    s->sending = value;
    s->sending_expect = expect;
    s->sending_announce = s->announce;
    s->announce = 0;
    s->deadline = deadline;
}

enum output_record output_slot_result(struct output_slot *s, uint32_t id, int ok, int64_t now,
                                      int64_t retry_ms)
{
    if (!s->in_flight || id != s->id)
        return OUTPUT_RECORD_NONE;
    s->in_flight = 0;
    s->done_mono = now;
    if (!ok) {
        int news = s->failures == 0 || !output_same(s->failed_value, s->sending);
        s->failures = news ? 1 : s->failures + 1;
        s->failed_value = s->sending;
        s->confirmed = 0;
        s->announce |= s->sending_announce;     /* still news when it finally goes through */
        if (output_same(s->sending, s->want))
            s->retry_at = now + retry_ms;       /* else the newer value goes out at once */
        if (s->by_hand) {           /* an operator's write is tried once (with the device's */
            s->has_want = 0;        /* retries) and reported; the operator decides what next */
            s->failures = 0;
            return OUTPUT_RECORD_FAILED;
        }
        return news ? OUTPUT_RECORD_FAILED : OUTPUT_RECORD_NONE;
    }
    int recovered = s->failures > 0;
    s->failures = 0;
    s->confirmed = 1;
    s->value = s->sending_expect;
    if (s->by_hand && output_same(s->sending, s->want))
        s->has_want = 0;            /* an operator's write is done once, not held */
    return s->sending_announce || recovered ? OUTPUT_RECORD_DRIVEN : OUTPUT_RECORD_NONE;
}

int output_slot_overdue(const struct output_slot *s, int64_t now)
{
    return s->in_flight && now >= s->deadline;
}

int output_slot_readback(struct output_slot *s, double value, int64_t mono_ms, int64_t retry_ms)
{
    if (!s->has_want || s->by_hand || !s->confirmed || s->in_flight || mono_ms <= s->done_mono ||
        output_same(value, s->value))
        return 0;
    s->confirmed = 0;
    if (s->retry_at < s->done_mono + retry_ms)
        s->retry_at = s->done_mono + retry_ms;
    return 1;
}
