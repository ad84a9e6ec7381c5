/*
 * core_history.c - which readings become history, and how old history goes.
 *
 * A reading is stored when it says something new: its quality changed, it moved
 * more than the point's deadband, or the heartbeat says "still the same" is worth
 * a row again (and whether it did decides an on-change telemetry message). Every
 * good reading also feeds its point's minute aggregate (min/avg/max), written when
 * the minute turns for its device, or in part at a stop or reload. Pruning runs hourly, and more
 * often while the store is over its size cap; outbox rows every uplink confirmed
 * go every commit interval.
 */
#include <math.h>

#include "clock.h"
#include "core_internal.h"
#include "log.h"

#define MS_PER_MINUTE 60000LL
#define MS_PER_S 1000
#define PRUNE_INTERVAL_MS (3600LL * 1000)
#define PRUNE_RETRY_MS (10LL * 1000)        /* while over the cap: prune in steps */
#define MIB (1024LL * 1024)

static int worth_storing(const struct core *c, const struct sample *s)
{
    const struct point_history *h = &c->hist[s->point];
    if (h->last_ts_ms == 0 || h->last_quality != s->quality ||
        s->ts_ms - (int64_t)h->last_ts_ms >= c->cfg->store.heartbeat_s * MS_PER_S)
        return 1;
    if (!quality_has_value(s->quality))
        return 0;
    double band = config_point_def(c->cfg, s->point)->deadband;
    return band > 0 ? fabs(s->value - h->last_value) > band : s->value != h->last_value;
}

/*
 * A minute in which every good reading equalled the point's last stored reading,
 * which is good: the history already says all of it (min = avg = max = that value),
 * so no row is written. On a steady plant that is nearly every point's every minute,
 * and those rows were most of what it wrote to flash (issue 17). docs/store.md says
 * how a reader tells such a minute.
 */
static int minute_held_still(const struct point_history *h)
{
    return h->min == h->max && h->last_ts_ms != 0 && h->last_quality == QUALITY_GOOD && h->last_value == h->min;
}

/* The point's minute so far goes into the transaction (unless it held still and may
 * be left out); the store adds up parts. */
static void write_minute(struct core *c, uint32_t point, int may_skip)
{
    struct point_history *h = &c->hist[point];
    if (may_skip && minute_held_still(h)) {
        h->n = 0;
        return;
    }
    int32_t minute = c->device_minute[c->cfg->points[point].device];
    struct store_aggregate done = {.minute_ms = minute * MS_PER_MINUTE, .n = h->n,
                                   .min = h->min, .sum = h->sum, .max = h->max};
    if (store_add_aggregate(c->store, c->store_key[point], &done) < 0)
        c->replay = 1;
    h->n = 0;
}

/* A device's points are read together, so they gather one minute: when a reading of
 * the device comes from another, each of its points writes the minute it gathered
 * (a transaction already lost drops them), and all start on the new one. */
static void turn_minute(struct core *c, uint32_t device, int32_t minute)
{
    const struct device_cfg *d = &c->cfg->devices[device];
    for (size_t i = d->first_point; i < d->first_point + d->npoints; i++) {
        if (c->hist[i].n > 0 && !c->replay)
            write_minute(c, (uint32_t)i, 1);
        c->hist[i].n = 0;
    }
    c->device_minute[device] = minute;
}

static void aggregate(struct core *c, const struct sample *s)
{
    uint32_t device = c->cfg->points[s->point].device;
    int32_t minute = (int32_t)(s->ts_ms / MS_PER_MINUTE);
    if (c->device_minute[device] != minute)
        turn_minute(c, device, minute);
    if (!quality_has_value(s->quality))
        return;
    struct point_history *h = &c->hist[s->point];
    if (h->n == 0) {
        h->min = h->max = s->value;
        h->sum = 0;
    }
    h->min = fmin(h->min, s->value);
    h->max = fmax(h->max, s->value);
    h->sum += s->value;
    if (++h->n == HISTORY_MINUTE_MAX)
        write_minute(c, s->point, 0);   /* a part: the minute's next readings make another */
}

void core_flush_minutes(struct core *c)
{
    for (uint32_t i = 0; i < c->cfg->npoints && !c->replay; i++)
        if (c->hist[i].n > 0)
            write_minute(c, i, 0);      /* a stop or reload: the part is written either way */
}

int core_record_sample(struct core *c, const struct sample *s)
{
    if (c->replay)
        return 0;           /* the store is failing: samples wait for nothing, events are kept */
    aggregate(c, s);
    if (!worth_storing(c, s))
        return 0;
    if (store_add_sample(c->store, c->store_key[s->point], s) < 0) {
        c->replay = 1;      /* the transaction was lost: events in it go again */
        return 0;
    }
    struct point_history *h = &c->hist[s->point];
    h->last_value = s->value;
    h->last_ts_ms = (uint64_t)s->ts_ms;
    h->last_quality = s->quality;
    return 1;
}

/* The highest seq of each class that every uplink has confirmed. */
static void delivered_everywhere(struct core *c, int64_t out[OUTBOX_CLASS_COUNT])
{
    for (int cls = 0; cls < OUTBOX_CLASS_COUNT; cls++) {
        out[cls] = c->nsinks ? INT64_MAX : store_outbox_last_seq(c->store, (enum outbox_class)cls);
        for (int i = 0; i < c->nsinks; i++) {
            struct outbox_lane_status ls;
            if (outbox_status(c->outbox, i, (enum outbox_class)cls, &ls) == 0 && ls.cursor < out[cls])
                out[cls] = ls.cursor;
        }
    }
}

void core_retire_delivered(struct core *c)
{
    if (c->replay)
        return;
    int64_t delivered[OUTBOX_CLASS_COUNT];
    delivered_everywhere(c, delivered);
    if (store_outbox_retire(c->store, delivered) < 0) {
        log_error("store: %s", store_last_error(c->store));
        c->replay = 1;
    }
}

void core_prune(struct core *c, int64_t now_mono)
{
    if (now_mono < c->next_prune_ms || c->replay)
        return;
    const struct store_cfg *sc = &c->cfg->store;
    struct store_retention policy = {.raw_days = (int)sc->retention_days,
                                     .aggregate_days = (int)sc->aggregate_days,
                                     .max_bytes = sc->max_mb * MIB};
    struct store_drops before = *store_drops(c->store);
    if (store_prune(c->store, &policy, clock_wall_ms()) < 0) {
        log_error("store: pruning failed: %s", store_last_error(c->store));
        c->replay = 1;
    }
    core_commit(c);
    const struct store_drops *d = store_drops(c->store);
    if (d->samples + d->telemetry + d->aggregates + d->events >
        before.samples + before.telemetry + before.aggregates + before.events)
        log_warn("store: over its %ld MiB cap; dropped so far: %lld samples, %lld unsent telemetry messages, "
                 "%lld aggregates, %lld events (raise store.max_mb or shorten retention)", sc->max_mb,
                 (long long)d->samples, (long long)d->telemetry, (long long)d->aggregates, (long long)d->events);
    int over = policy.max_bytes > 0 && store_used_bytes(c->store) > policy.max_bytes;
    c->next_prune_ms = now_mono + (over ? PRUNE_RETRY_MS : PRUNE_INTERVAL_MS);
}
