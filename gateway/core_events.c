/*
 * core_events.c - from a sample to a committed event and a queued message.
 *
 * The order matters and is the product's promise: a rule decides, the event and
 * its outbox row enter the store's transaction, the transaction commits, and only
 * then may the outbox publish it - which it does at once (core_send_events), not
 * after the rest of the core's turn. Telemetry is core_telemetry.c's.
 * The time from a poller reading the sample to that hand-off is the gateway's own
 * part of an alarm's delay; the health report gives its recent percentiles.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "core_internal.h"
#include "log.h"
#include "payload.h"
#include "sink_mqtt.h"

struct msg_meta core_msg_meta(struct core *c, enum outbox_class cls)
{
    struct msg_meta m = {.seq = store_outbox_next_seq(c->store, cls),
                         .epoch = store_epoch(c->store), .time_synced = clock_wall_trusted()};
    return m;
}

static void point_names(struct core *c, uint32_t point, const char **dev, const char **pt)
{
    *dev = "";
    *pt = "";
    if (point == POINT_NONE)
        return;
    const struct point_cfg *pc = config_point_def(c->cfg, point);
    *dev = config_device_of(c->cfg, point)->id;
    *pt = pc->id;
}

/*
 * Put one event, its outbox row and its point's rule state into the open
 * transaction. -1 when the store refused (it then rolled back the whole transaction).
 */
static int stage_event(struct core *c, struct event *ev)
{
    const char *dev, *pt;
    char topic[TOPIC_MAX], payload[PAYLOAD_EVENT_MAX];
    int64_t seq;
    point_names(c, ev->point, &dev, &pt);
    if (store_add_event(c->store, ev, dev, pt) < 0)
        return -1;
    struct msg_meta meta = core_msg_meta(c, OUTBOX_EVENTS);
    if (topic_event(topic, sizeof topic, c->cfg, ev->point) < 0 ||
        payload_event(payload, sizeof payload, c->cfg, ev, &meta) < 0) {
        log_error("outbox: event %s on %s/%s does not fit a message; it is stored but not sent",
                  event_kind_name(ev->kind), dev, pt);
        return 0;
    }
    if (store_outbox_append(c->store, OUTBOX_EVENTS, topic, payload, &seq) < 0)
        return -1;
    if (ev->point != POINT_NONE)
        return core_save_rule_state(c, ev->point);
    return 0;
}

/*
 * Stage every event not yet on the medium again, after a failed transaction or a
 * failed sync. An event whose commit did reach the medium (its sync failed, the rows
 * survived) is held already, with its outbox row: it is not stored twice.
 */
static void replay_pending(struct core *c)
{
    for (size_t i = 0; i < c->npending; i++) {
        struct event *ev = &c->pending[i];
        int held = ev->id > 0 ? store_event_held(c->store, ev) : 0;
        if (held < 0 || (held == 0 && stage_event(c, ev) < 0))
            return;
    }
    c->replay = 0;
}

/*
 * The store cannot take these events, but the people on duty must still hear of
 * them: send each once, now, outside the outbox (best effort, no seq, marked
 * "stored": false). The same event follows with its seq once it is on disk.
 */
static void announce_unstored(struct core *c)
{
    char topic[TOPIC_MAX], payload[PAYLOAD_EVENT_MAX];
    struct msg_meta meta = {.seq = 0, .epoch = store_epoch(c->store), .time_synced = clock_wall_trusted()};
    for (; c->announced < c->npending; c->announced++) {
        struct event *ev = &c->pending[c->announced];
        if (!c->mqtt || topic_event(topic, sizeof topic, c->cfg, ev->point) < 0 ||
            payload_event(payload, sizeof payload, c->cfg, ev, &meta) < 0 ||
            sink_mqtt_publish(c->mqtt, topic, payload, 0) < 0)
            return;                 /* the uplink is down too: the outbox will carry it later */
    }
}

void core_commit(struct core *c)
{
    int64_t now = clock_mono_ms();
    if (!core_store_attempt_due(c, now)) {
        announce_unstored(c);       /* the store rests; the people on duty do not wait */
        return;
    }
    if (c->store_failing)
        core_store_heal(c);
    if (c->replay)
        replay_pending(c);
    /* A commit whose sync failed may not be on the card: kept and announced as if it failed. */
    if (c->replay || store_commit(c->store) < 0 || store_events_unsynced(c->store)) {
        core_store_failed(c, now);
        announce_unstored(c);
        return;
    }
    int recovered = c->store_failing;
    size_t kept = c->npending;
    c->store_failing = 0;
    c->npending = 0;
    c->announced = 0;
    if (recovered)
        core_store_recovered(c, kept);
}

void core_record_event(struct core *c, struct event *ev)
{
    const char *dev, *pt;
    point_names(c, ev->point, &dev, &pt);
    if (c->npending == CORE_PENDING_EVENTS) {
        memmove(c->pending, c->pending + 1, (CORE_PENDING_EVENTS - 1) * sizeof *c->pending);
        c->npending--;
        c->announced -= c->announced > 0;
        c->events_dropped++;
        log_error("store: more than %d events waiting for the disk; the oldest is dropped (%llu so far)",
                  CORE_PENDING_EVENTS, (unsigned long long)c->events_dropped);
    }
    if (!c->replay && stage_event(c, ev) < 0)
        c->replay = 1;
    c->pending[c->npending++] = *ev;
    c->events_recorded++;
    c->console_dirty = 1;
    core_outputs_event(c, ev);
    log_info("event %s %s/%s level=%s severity=%d value=%g quality=%s id=%lld", event_kind_name(ev->kind),
             dev, pt, ev->level[0] ? ev->level : "-", ev->severity, ev->value, quality_name(ev->quality),
             (long long)ev->id);
}

static void record_all(struct core *c, struct event *evs, int n)
{
    for (int i = 0; i < n; i++)
        core_record_event(c, &evs[i]);
}

void core_send_events(struct core *c)
{
    core_commit(c);
    core_pump(c);
}

void core_handle_sample(struct core *c, const struct sample *in)
{
    if (in->point >= c->cfg->npoints)
        return;
    struct sample flagged = *in;
    core_fault_flag_apply(c, &flagged);     /* the detector says it is in fault: no value */
    const struct sample *s = &flagged;
    int flag_stood = core_fault_flag_standing(c, s->point);
    const struct point_cfg *pc = config_point_def(c->cfg, s->point);
    struct event evs[RULE_MAX_EVENTS];
    if (c->unsent[s->point])
        core_telemetry_flush_device(c, c->cfg->points[s->point].device);    /* a reading is never overwritten before it is sent */
    c->latest[s->point] = reading_of(s);
    c->samples_seen++;
    core_telemetry_note_sample(c, s->point, core_record_sample(c, s), s->mono_ms);
    core_outputs_readback(c, s);
    int n = 0;
    struct rule_state *st = core_alarm_state(c, s->point);
    if (st) {
        n = rules_eval(&pc->rule, st, s, s->mono_ms, evs);
        record_all(c, evs, n);
    }
    n += core_rules_sample(c, s);
    if (n > 0) {
        core_send_events(c);    /* events reach the disk before anything is published */
        if (s->read_ns && !c->store_failing)
            durations_add(&c->alarm_path, clock_mono_ns() - s->read_ns);
    }
    if (!flag_stood)
        core_fault_flag_spread(c, s);
}

void core_tick_rules(struct core *c, int64_t now_mono, int64_t now_wall)
{
    struct event evs[RULE_MAX_EVENTS];
    int any = 0;
    for (size_t k = 0; k < c->cfg->nalarm_points; k++) {
        uint32_t i = c->cfg->alarm_points[k];
        if (config_device_of(c->cfg, i)->kind == BUS_VIRTUAL)
            continue;           /* combined rules tick in core_rules_tick */
        int n = rules_tick(&config_point_def(c->cfg, i)->rule, &c->rule_state[k], i, now_mono, now_wall, evs);
        record_all(c, evs, n);
        any += n;
    }
    any += core_rules_tick(c, now_mono, now_wall);
    if (any)
        core_send_events(c);
}
