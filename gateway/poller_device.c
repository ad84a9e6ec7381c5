/*
 * poller_device.c - the schedule and failure rules every device follows (see poller_device.h).
 *
 * Invariants:
 *   - in_cycle == 1 exactly while some block of the current cycle is still to be
 *     read; `block` is then the block the transport is asked for.
 *   - last_ok only moves on an answer from the device (values or exception 1-3):
 *     silence is measured from it, so COMM_FAIL cannot be held off by retries.
 *   - held[] only ever holds samples of the current cycle, and exists only when the
 *     plan has several blocks (a one-block cycle ends with its only reply).
 */
#include "poller_device.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "decode.h"
#include "log.h"
#include "poller_layout.h"

/* Modbus exception codes that mean "not this request", not "not now". */
#define MODBUS_EXC_ILLEGAL_FUNCTION 1
#define MODBUS_EXC_ILLEGAL_ADDRESS 2
#define MODBUS_EXC_ILLEGAL_VALUE 3

static int is_area_bits(enum reg_area area)
{
    return area == AREA_COIL || area == AREA_DISCRETE;
}

static const struct batch_plan no_plan;    /* a device without points reads nothing */

const struct batch_plan *poll_device_plan(const struct poll_device *d)
{
    return d->own_plan ? d->own_plan : d->layout ? &d->layout->plan : &no_plan;
}

int poll_device_init(struct poll_device *d, const struct config *cfg, size_t index,
                     const struct poll_layout *layout, int64_t t0, long phase_ms, char *err,
                     size_t errlen)
{
    const struct device_cfg *dc = &cfg->devices[index];

    memset(d, 0, sizeof *d);
    d->cfg = dc;
    if (dc->interval_ms <= 0 || dc->timeout_ms <= 0) {
        snprintf(err, errlen, "device '%s': interval_ms (%" PRId32 ") and timeout_ms (%" PRId32 ") must be "
                 "positive; fix the device in the site config", dc->id, dc->interval_ms,
                 dc->timeout_ms);
        return -1;
    }
    if (dc->first_point + dc->npoints > cfg->npoints) {
        snprintf(err, errlen, "device '%s': points %zu..%zu lie outside the %zu points of the "
                 "config; the config loader built an inconsistent config", dc->id,
                 dc->first_point, dc->first_point + dc->npoints, cfg->npoints);
        return -1;
    }
    d->comm_fail_ms = (int32_t)(dc->comm_fail_ms > 0 && dc->comm_fail_ms <= COMM_FAIL_MAX_MS
                                ? dc->comm_fail_ms : COMM_FAIL_MAX_MS);
    d->grid = d->next_due = t0 + phase_ms;
    d->last_ok = t0;
    if (dc->npoints == 0 || !layout)
        return 0;                       /* nothing to read: never due, never silent */

    d->layout = layout;
    d->refused = calloc(dc->npoints, 1);
    if (layout->plan.nblocks > 1)       /* one block: its samples go out as it is read */
        d->held = calloc(dc->npoints, sizeof *d->held);
    if (!d->refused || (layout->plan.nblocks > 1 && !d->held)) {
        snprintf(err, errlen, "device '%s': out of memory for %zu points", dc->id, dc->npoints);
        poll_device_free(d);
        return -1;
    }
    return 0;
}

void poll_device_free(struct poll_device *d)
{
    if (d->own_plan)
        batch_plan_free(d->own_plan);
    free(d->own_plan);
    free(d->refused);
    free(d->held);
    d->own_plan = NULL;
    d->refused = NULL;
    d->held = NULL;
}

/* The device's own plan, copied from the shared one the first time it must change.
 * NULL when memory ran out (then the block is not split and stays refused). */
static struct batch_plan *own_plan(struct poll_device *d)
{
    if (d->own_plan)
        return d->own_plan;
    struct batch_plan *p = malloc(sizeof *p);
    struct sample *held = d->held ? d->held : calloc(d->cfg->npoints, sizeof *held);
    if (!p || !held || batch_plan_copy(p, poll_device_plan(d)) < 0) {
        log_error("device '%s': out of memory copying its read plan; the refused block "
                  "stays whole and its points read as comm_fail.", d->cfg->id);
        free(p);
        if (held != d->held)
            free(held);
        return NULL;
    }
    d->held = held;                     /* split, the plan has several blocks: hold them */
    d->own_plan = p;
    return p;
}

/* ---- schedule ---- */

/* The latest slot of the device's grid (t0 + phase + k * interval) at or before
 * now; the grid's first slot while now is still earlier. */
static int64_t slot_at(const struct poll_device *d, int64_t now)
{
    int64_t step = d->cfg->interval_ms;

    if (now < d->grid)
        return d->grid;
    return d->grid + (now - d->grid) / step * step;
}

/* When the next cycle is due, the one for d->slot having ended at now: the next
 * slot of the grid, or at once when a later slot than d->slot has already come
 * (the cycle overran it: that slot is served late, the ones before it are
 * skipped, so there is never a burst). The grid survives back-off: a device
 * that answers again keeps its phase. */
static int64_t next_slot(const struct poll_device *d, int64_t now)
{
    int64_t last = slot_at(d, now);

    if (now < d->grid)
        return d->grid;
    return last > d->slot ? last : last + d->cfg->interval_ms;
}

void poll_device_current(const struct poll_device *d, struct poll_request *req)
{
    const struct batch_block *b = &poll_device_plan(d)->blocks[d->block];
    req->area = b->area;
    req->start = b->start;
    req->count = b->count;
}

int poll_device_request(struct poll_device *d, int64_t now, struct poll_request *req)
{
    if (!d->in_cycle) {
        if (poll_device_plan(d)->nblocks == 0 || now < d->next_due)
            return 0;
        d->in_cycle = 1;
        d->slot = slot_at(d, now);
        d->block = 0;
        d->attempt = 0;
        d->nheld = 0;
    }
    poll_device_current(d, req);
    return 1;
}

int64_t poll_device_due_at(const struct poll_device *d)
{
    if (d->in_cycle)
        return 0;
    return poll_device_plan(d)->nblocks ? d->next_due : POLL_NEVER;
}

/* ---- samples ---- */

/* When a reply was read, on both clocks: taken once per reply and shared by all its
 * samples (two clock reads per point were 30,000 a second at 500 devices). */
struct reply_time {
    int64_t mono_ns;            /* where an alarm's time inside the gateway starts */
    int64_t wall_ms;            /* the samples' ts */
};

static struct reply_time reply_time_now(void)
{
    return (struct reply_time){.mono_ns = clock_mono_ns(), .wall_ms = clock_wall_ms()};
}

static struct sample make_sample(const struct poll_device *d, size_t point, enum quality q,
                                 double value, int64_t now, struct reply_time at)
{
    return (struct sample){
        .point = (uint32_t)(d->cfg->first_point + point),
        .quality = q,
        .value = quality_has_value(q) ? value : 0.0,
        .ts_ms = at.wall_ms,
        .mono_ms = now,
        .read_ns = at.mono_ns,
    };
}

static void push_sample(const struct poll_device *d, struct queue *samples, size_t point,
                        enum quality q, int64_t now, struct reply_time at)
{
    struct sample s = make_sample(d, point, q, 0.0, now, at);
    queue_push(samples, &s);            /* a full queue counts the refusal itself */
}

static void emit_comm_fail(struct poll_device *d, struct queue *samples, int64_t now)
{
    if (!d->silence_reported)
        log_warn("device '%s' has not answered for %ld ms; its %zu points are comm_fail "
                 "until it does.", d->cfg->id, (long)(now - d->last_ok), d->cfg->npoints);
    struct reply_time at = reply_time_now();
    for (size_t i = 0; i < d->cfg->npoints; i++)
        push_sample(d, samples, i, QUALITY_COMM_FAIL, now, at);
    d->silence_reported = 1;
}

/* ---- end of a cycle ---- */

static void cycle_succeeded(struct poll_device *d, struct queue *samples, int64_t now)
{
    queue_push_many(samples, d->held, d->nheld);   /* a full queue counts the refusals */
    d->nheld = 0;
    d->in_cycle = 0;
    d->failed_cycles = 0;
    if (d->backed_off)
        log_info("device '%s' answers again; back to its %" PRId32 " ms schedule.", d->cfg->id,
                 d->cfg->interval_ms);
    d->backed_off = 0;
    atomic_store(&d->backed_off_flag, 0);
    atomic_fetch_add(&d->polls_ok, 1);
    d->next_due = next_slot(d, now);
}

static void cycle_failed(struct poll_device *d, struct queue *samples, int64_t now,
                         const char *why)
{
    d->nheld = 0;
    d->in_cycle = 0;
    if (d->failed_cycles < INT32_MAX)
        d->failed_cycles++;
    atomic_fetch_add(&d->polls_failed, 1);
    if (!d->backed_off && d->failed_cycles >= d->cfg->backoff_after) {
        d->backed_off = 1;
        atomic_store(&d->backed_off_flag, 1);
        log_warn("device '%s' failed %d cycles in a row (last: %s); probing it only every "
                 "%" PRId32 " ms until it answers. Check its wiring, address and unit id %u.",
                 d->cfg->id, d->failed_cycles, why, d->cfg->backoff_ms, d->cfg->unit);
    }
    d->next_due = d->backed_off ? now + d->cfg->backoff_ms : next_slot(d, now);
    if (now - d->last_ok >= d->comm_fail_ms)
        emit_comm_fail(d, samples, now);    /* again at every failed cycle: the fault persists */
}

static void block_done(struct poll_device *d, struct queue *samples, int64_t now)
{
    d->last_ok = now;
    d->silence_reported = 0;
    atomic_store(&d->last_ok_wall, clock_wall_ms());
    d->attempt = 0;
    d->block++;
    if (d->block >= poll_device_plan(d)->nblocks)
        cycle_succeeded(d, samples, now);
}

/*
 * Where a block's samples go. A device whose plan has several blocks holds them in
 * held[] until the cycle ends well (a later block may still fail). With one block the
 * cycle ends with this very block, so they are pushed straight away, in chunks, and
 * the device needs no held[] at all.
 */
#define POLL_PUSH_CHUNK 64
struct block_out {
    struct poll_device *d;
    struct queue *samples;
    struct reply_time at;       /* when the reply was read: every sample of it shares it */
    size_t n;
    struct sample chunk[POLL_PUSH_CHUNK];
};

static void hold_sample(struct block_out *o, size_t point, enum quality q, double value,
                        int64_t now)
{
    struct poll_device *d = o->d;
    struct sample s = make_sample(d, point, q, value, now, o->at);
    if (d->held) {
        if (d->nheld < d->cfg->npoints) /* always: each point is in exactly one block */
            d->held[d->nheld++] = s;
        return;
    }
    o->chunk[o->n++] = s;
    if (o->n == POLL_PUSH_CHUNK) {
        queue_push_many(o->samples, o->chunk, o->n);
        o->n = 0;
    }
}

/* The block is read: push what was not held, then move on. */
static void block_out_done(struct block_out *o, int64_t now)
{
    if (o->n)
        queue_push_many(o->samples, o->chunk, o->n);
    o->n = 0;
    block_done(o->d, o->samples, now);
}

/* ---- outcomes ---- */

/* Does point i's fault flag, read in this same reply, say the detector is in fault?
 * A reading and the flag that invalidates it often share one response (a gas
 * detector's concentration and status registers): judged together, the reading
 * never leaves as a good 0 %LEL. A flag in another block is the core's to apply. */
static int flagged_in_reply(const struct poll_device *d, const struct batch_block *b, size_t i,
                            const uint16_t *words, const uint8_t *bits)
{
    int f = d->layout->fault_flag ? d->layout->fault_flag[i] : -1;
    if (f < 0)
        return 0;
    const struct point_map *m = &d->layout->maps[f];
    size_t n = is_area_bits(m->area) ? 1 : (size_t)point_type_registers(m->type);
    if (m->area != b->area || m->address < b->start || (size_t)(m->address - b->start) + n > b->count)
        return 0;
    double value = 0.0;
    enum quality q = is_area_bits(m->area) ? decode_bit(m, bits[m->address - b->start], &value)
                                           : decode_registers(m, words + (m->address - b->start), &value);
    return quality_has_value(q) && value != 0.0;
}

void poll_device_reply(struct poll_device *d, struct queue *samples, int64_t now,
                       const uint16_t *words, const uint8_t *bits)
{
    const struct batch_plan *plan = poll_device_plan(d);
    const struct batch_block *b = &plan->blocks[d->block];
    struct block_out out = {.d = d, .samples = samples, .at = reply_time_now()};

    for (size_t k = 0; k < b->npoints; k++) {
        size_t i = plan->order[b->first + k];
        const struct point_map *m = &d->layout->maps[i];
        size_t off = (size_t)(m->address - b->start);
        double value = 0.0;
        enum quality q;

        d->refused[i] = 0;
        if (is_area_bits(b->area)) {
            if (off >= b->count)
                continue;               /* the planner never does this; do not read past */
            q = decode_bit(m, bits[off], &value);
        } else {
            if (off + (size_t)point_type_registers(m->type) > b->count)
                continue;
            q = decode_registers(m, words + off, &value);
        }
        if (quality_has_value(q) && flagged_in_reply(d, b, i, words, bits))
            q = QUALITY_SENSOR_FAULT;
        hold_sample(&out, i, q, value, now);
    }
    block_out_done(&out, now);
}

void poll_device_exception(struct poll_device *d, struct queue *samples, int64_t now,
                           uint8_t code)
{
    const struct batch_block *b = &poll_device_plan(d)->blocks[d->block];

    if (code != MODBUS_EXC_ILLEGAL_FUNCTION && code != MODBUS_EXC_ILLEGAL_ADDRESS &&
        code != MODBUS_EXC_ILLEGAL_VALUE) {
        char why[POLL_WHY_MAX];
        snprintf(why, sizeof why, "exception %u", code);
        poll_device_failure(d, samples, now, why);  /* busy, device failure, gateway: try again */
        return;
    }
    uint16_t start = b->start, count = b->count;
    struct batch_plan *mine = b->npoints > 1 ? own_plan(d) : NULL;
    if (mine && batch_plan_split(mine, d->block, d->layout->maps) == 0) {
        log_info("device '%s' refused %u items at address %u (exception %u); reading them "
                 "in two smaller blocks from the next cycle.", d->cfg->id, count, start, code);
        d->block++;                     /* skip the second half (block+1) this cycle too */
        block_done(d, samples, now);
        return;
    }
    /* A point (or points at one address) the device will not serve even alone:
     * a fault of those points only; the block is asked again every cycle. */
    struct block_out out = {.d = d, .samples = samples, .at = reply_time_now()};
    for (size_t k = 0; k < b->npoints; k++) {
        size_t i = poll_device_plan(d)->order[b->first + k];
        if (!d->refused[i])
            log_warn("device '%s' refuses point %zu (address %u) with exception %u; it is "
                     "reported as comm_fail. Check the point's area and address in the "
                     "profile.", d->cfg->id, d->cfg->first_point + i,
                     d->layout->maps[i].address, code);
        d->refused[i] = 1;
        hold_sample(&out, i, QUALITY_COMM_FAIL, 0.0, now);
    }
    block_out_done(&out, now);
}

void poll_device_failure(struct poll_device *d, struct queue *samples, int64_t now,
                         const char *why)
{
    if (!d->in_cycle)
        return;
    log_debug("device '%s': block %u attempt %d failed: %s.", d->cfg->id, d->block,
              d->attempt + 1, why);
    if (!d->backed_off && d->attempt < d->cfg->retries) {
        d->attempt++;                   /* the same block is asked for again */
        return;
    }
    cycle_failed(d, samples, now, why);
}

void poll_device_abort(struct poll_device *d, struct queue *samples, int64_t now,
                       const char *why)
{
    if (d->in_cycle)
        cycle_failed(d, samples, now, why);
}

void poll_device_count_dropped(struct poll_device *d)
{
    atomic_fetch_add(&d->frames_dropped, 1);
}

int64_t poll_device_watch(struct poll_device *d, struct queue *samples, int64_t now)
{
    if (d->silence_reported || d->cfg->npoints == 0)
        return POLL_NEVER;
    int64_t deadline = d->last_ok + d->comm_fail_ms;
    if (now < deadline)
        return deadline;
    emit_comm_fail(d, samples, now);
    return POLL_NEVER;
}

void poll_device_stats(const struct poll_device *d, struct device_stats *out)
{
    out->polls_ok = atomic_load(&d->polls_ok);
    out->polls_failed = atomic_load(&d->polls_failed);
    out->last_ok_ms = atomic_load(&d->last_ok_wall);
    out->backed_off = atomic_load(&d->backed_off_flag);
    out->frames_dropped = atomic_load(&d->frames_dropped);
}

/* ---- groups ---- */

struct poll_device *poll_group_pick(struct poll_device **devs, size_t n, uint32_t *rr,
                                    int64_t now, struct poll_request *req)
{
    for (size_t k = 0; k < n; k++) {
        size_t i = (*rr + k) % n;
        if (poll_device_request(devs[i], now, req)) {
            *rr = (uint32_t)((i + 1) % n);
            return devs[i];
        }
    }
    return NULL;
}

int64_t poll_group_due_at(struct poll_device **devs, size_t n)
{
    int64_t t = POLL_NEVER;
    for (size_t i = 0; i < n; i++) {
        int64_t due = poll_device_due_at(devs[i]);
        if (due < t)
            t = due;
    }
    return t;
}

int64_t poll_group_watch(struct poll_device **devs, size_t n, struct queue *samples,
                         int64_t now)
{
    int64_t t = POLL_NEVER;
    for (size_t i = 0; i < n; i++) {
        int64_t next = poll_device_watch(devs[i], samples, now);
        if (next < t)
            t = next;
    }
    return t;
}

int poll_group_start_due(struct poll_device **devs, size_t n, int64_t now)
{
    struct poll_request req;
    int any = 0;
    for (size_t i = 0; i < n; i++)
        any |= poll_device_request(devs[i], now, &req);
    return any;
}

void poll_group_abort(struct poll_device **devs, size_t n, struct queue *samples, int64_t now,
                      const char *why)
{
    for (size_t i = 0; i < n; i++)
        poll_device_abort(devs[i], samples, now, why);
}

int32_t poll_reopen_delay(int32_t previous_ms, int32_t cap_ms)
{
    /* Doubled in 64 bits: a cap near DAY_MS would overflow 32 on its way up. */
    int64_t next = previous_ms > 0 ? (int64_t)previous_ms * 2 : POLL_REOPEN_FIRST_MS;
    if (cap_ms < POLL_REOPEN_FIRST_MS)
        cap_ms = POLL_REOPEN_FIRST_MS;
    return next < cap_ms ? (int32_t)next : cap_ms;
}
