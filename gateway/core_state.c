/*
 * core_state.c - alarm state that survives kill -9 and power loss.
 *
 * GB 16808 wants a latched alarm to stay latched until a person resets it, and a
 * restart is not a person. Whenever an event is committed, the point's rule state
 * is saved in the same transaction; at start it is restored, so the same alarms
 * stand (and none is sent again as new). A state saved under a different rule
 * (the setpoints changed) is not restored: that point starts afresh and says so.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"
#include "expr.h"
#include "hash.h"
#include "log.h"

struct saved_state {
    uint64_t rule_hash;             /* of the rule_cfg the state was decided under */
    struct rule_state state;
};

/* The rule config is parsed into zeroed memory, so its padding is stable. */
static uint64_t rule_hash(const struct rule_cfg *r)
{
    return hash_fnv1a(r, sizeof *r);
}

int core_save_rule_state(struct core *c, uint32_t point)
{
    struct saved_state s;
    const struct rule_state *st = core_alarm_state(c, point);
    if (!st)
        return 0;                   /* no rule, nothing to keep (an output's own events) */
    memset(&s, 0, sizeof s);
    s.rule_hash = rule_hash(&config_point_def(c->cfg, point)->rule);
    s.state = *st;
    return store_rule_state_save(c->store, c->store_key[point], &s, sizeof s);
}

static void restore_one(void *ctx, int64_t point_key, const void *blob, size_t len)
{
    struct core *c = ctx;
    struct saved_state s;
    for (size_t i = 0; i < c->cfg->npoints; i++) {
        if (c->store_key[i] != point_key)
            continue;
        struct rule_state *st = core_alarm_state(c, i);
        if (!st)
            return;                 /* its rule was removed: nothing to restore */
        const struct point_cfg *pc = config_point_def(c->cfg, i);
        const char *dev = config_device_of(c->cfg, i)->id;
        if (len != sizeof s) {
            log_warn("alarm state of %s/%s was saved by another build; it starts afresh", dev, pc->id);
            return;
        }
        memcpy(&s, blob, sizeof s);
        if (s.rule_hash != rule_hash(&pc->rule)) {
            log_warn("alarm rule of %s/%s changed since its state was saved; it starts afresh", dev, pc->id);
            return;
        }
        *st = s.state;
        if (s.state.severity > 0 || s.state.latched_severity > 0)
            log_info("alarm state of %s/%s restored: severity %d%s%s", dev, pc->id, s.state.severity,
                     s.state.latched_severity > 0 ? ", latched" : "", s.state.silenced ? ", silenced" : "");
        return;
    }
}

int core_tables_alloc(struct point_tables *t, const struct config *cfg)
{
    t->latest = calloc(cfg->npoints, sizeof *t->latest);
    t->rule_state = calloc(cfg->nalarm_points ? cfg->nalarm_points : 1, sizeof *t->rule_state);
    t->store_key = calloc(cfg->npoints, sizeof *t->store_key);
    t->device_dirty = calloc(cfg->ndevices, 1);
    t->hist = calloc(cfg->npoints ? cfg->npoints : 1, sizeof *t->hist);
    t->device_minute = calloc(cfg->ndevices ? cfg->ndevices : 1, sizeof *t->device_minute);
    t->unsent = calloc(cfg->npoints ? cfg->npoints : 1, 1);
    t->telemetry_sent_ms = calloc(cfg->ndevices ? cfg->ndevices : 1, sizeof *t->telemetry_sent_ms);
    if (t->latest && t->rule_state && t->store_key && t->device_dirty && t->hist && t->device_minute &&
        t->unsent && t->telemetry_sent_ms) {
        expr_latest_init(t->latest, cfg->npoints);  /* never read: a fault, not a zero */
        return 0;
    }
    core_tables_free(t);
    return -1;
}

void core_tables_free(struct point_tables *t)
{
    free(t->latest);
    free(t->rule_state);
    free(t->store_key);
    free(t->device_dirty);
    free(t->hist);
    free(t->device_minute);
    free(t->unsent);
    free(t->telemetry_sent_ms);
    memset(t, 0, sizeof *t);
}

void core_tables_install(struct core *c, const struct point_tables *t)
{
    struct point_tables old = {c->latest,      c->rule_state,    c->store_key, c->device_dirty,
                               c->hist,        c->device_minute, c->unsent,    c->telemetry_sent_ms};
    core_tables_free(&old);
    c->latest = t->latest;
    c->rule_state = t->rule_state;
    c->store_key = t->store_key;
    c->device_dirty = t->device_dirty;
    c->hist = t->hist;
    c->device_minute = t->device_minute;
    c->unsent = t->unsent;
    c->telemetry_sent_ms = t->telemetry_sent_ms;
}

int core_register_points(struct core *c, char *err, size_t errlen)
{
    int created = 0;
    for (size_t i = 0; i < c->cfg->npoints; i++) {
        const struct point_cfg *pc = config_point_def(c->cfg, i);
        int64_t key = 0;
        int rc = store_point_key_staged(c->store, config_device_of(c->cfg, i)->id, pc->id, &key);
        if (rc < 0) {
            snprintf(err, errlen, "store: cannot register point %s/%s: %s",
                     config_device_of(c->cfg, i)->id, pc->id, store_last_error(c->store));
            return -1;
        }
        if (key < 1 || key > (int64_t)UINT32_MAX) {     /* the table keeps 32 bits a point */
            snprintf(err, errlen, "store: point %s/%s has key %lld, beyond the 32 bits the gateway keeps",
                     config_device_of(c->cfg, i)->id, pc->id, (long long)key);
            return -1;
        }
        c->store_key[i] = (uint32_t)key;
        created += rc;
    }
    if (created > 0 && store_commit(c->store) < 0) {      /* the new keys, on disk before any use */
        snprintf(err, errlen, "store: cannot register %d new points: %s", created, store_last_error(c->store));
        return -1;
    }
    return 0;
}

int core_bind_points(struct core *c, char *err, size_t errlen)
{
    for (size_t k = 0; k < c->cfg->nalarm_points; k++)
        rules_state_init(&c->rule_state[k]);
    if (core_register_points(c, err, errlen) < 0)
        return -1;
    if (store_rule_state_load(c->store, restore_one, c) < 0)
        log_error("store: alarm states could not be read (%s); every point starts afresh",
                  store_last_error(c->store));
    return 0;
}
