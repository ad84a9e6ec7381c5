/*
 * core_events.c - from a sample to a committed event and a queued message.
 *
 * The order matters and is the product's promise: a rule decides, the event and
 * its outbox row enter the store's transaction, the transaction commits, and only
 * then may the outbox publish it (core.c commits before it pumps). Telemetry rows
 * are gathered per device and written once per commit interval.
 */
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "core_internal.h"
#include "log.h"
#include "payload.h"

#define TELEMETRY_MAX_BYTES 65536

void core_commit(struct core *c)
{
    if (!c->uncommitted)
        return;
    if (store_commit(c->store) < 0)
        log_error("store: commit failed: %s", store_last_error(c->store));
    c->uncommitted = 0;
}

void core_record_event(struct core *c, struct event *ev)
{
    const char *dev = "", *pt = "";
    char topic[TOPIC_MAX], payload[PAYLOAD_EVENT_MAX];
    int64_t seq = 0;
    if (ev->point != POINT_NONE) {
        const struct point_cfg *pc = &c->cfg->points[ev->point];
        dev = c->cfg->devices[pc->device].id;
        pt = pc->id;
    }
    if (store_add_event(c->store, ev, dev, pt) < 0)
        log_error("store: event %s on %s/%s not stored: %s", event_kind_name(ev->kind), dev, pt,
                  store_last_error(c->store));
    if (topic_event(topic, sizeof topic, c->cfg, ev->point) < 0 ||
        payload_event(payload, sizeof payload, c->cfg, ev, store_outbox_next_seq(c->store, OUTBOX_EVENTS),
                      clock_wall_trusted()) < 0 ||
        store_outbox_append(c->store, OUTBOX_EVENTS, topic, payload, &seq) < 0)
        log_error("outbox: event %s on %s/%s not queued: %s", event_kind_name(ev->kind), dev, pt,
                  store_last_error(c->store));
    c->uncommitted++;
    c->events_recorded++;
    log_info("event %s %s/%s level=%s severity=%d value=%g quality=%s seq=%lld", event_kind_name(ev->kind),
             dev, pt, ev->level[0] ? ev->level : "-", ev->severity, ev->value, quality_name(ev->quality),
             (long long)seq);
}

static void record_all(struct core *c, struct event *evs, int n)
{
    for (int i = 0; i < n; i++)
        core_record_event(c, &evs[i]);
}

void core_handle_sample(struct core *c, const struct sample *s)
{
    if (s->point >= c->cfg->npoints)
        return;
    const struct point_cfg *pc = &c->cfg->points[s->point];
    struct event evs[RULE_MAX_EVENTS];
    c->latest[s->point] = *s;
    c->samples_seen++;
    if (store_add_sample(c->store, c->store_key[s->point], s) == 0)
        c->uncommitted++;
    if (pc->rule.nlevels > 0) {
        int n = rules_eval(&pc->rule, &c->rule_state[s->point], s, s->mono_ms, evs);
        record_all(c, evs, n);
        if (n > 0)
            core_commit(c);     /* events reach the disk before anything is published */
    }
    c->device_dirty[pc->device] = 1;
}

void core_tick_rules(struct core *c, int64_t now_mono, int64_t now_wall)
{
    struct event evs[RULE_MAX_EVENTS];
    int any = 0;
    for (size_t i = 0; i < c->cfg->npoints; i++) {
        const struct point_cfg *pc = &c->cfg->points[i];
        if (pc->rule.nlevels == 0)
            continue;
        int n = rules_tick(&pc->rule, &c->rule_state[i], (uint32_t)i, now_mono, now_wall, evs);
        record_all(c, evs, n);
        any += n;
    }
    if (any)
        core_commit(c);
}

void core_flush_telemetry(struct core *c)
{
    static char payload[TELEMETRY_MAX_BYTES];
    char topic[TOPIC_MAX];
    for (size_t d = 0; d < c->cfg->ndevices; d++) {
        if (!c->device_dirty[d])
            continue;
        c->device_dirty[d] = 0;
        int64_t seq = store_outbox_next_seq(c->store, OUTBOX_TELEMETRY);
        if (topic_telemetry(topic, sizeof topic, c->cfg, d) < 0 ||
            payload_telemetry(payload, sizeof payload, c->cfg, d, c->latest + c->cfg->devices[d].first_point,
                              seq, clock_wall_trusted()) < 0) {
            log_warn("telemetry of device %s does not fit in %d bytes; not sent",
                     c->cfg->devices[d].id, TELEMETRY_MAX_BYTES);
            continue;
        }
        if (store_outbox_append(c->store, OUTBOX_TELEMETRY, topic, payload, &seq) == 0)
            c->uncommitted++;
    }
}
