/*
 * core_console.c - the core's side of the site console (console.h): start it, and
 * publish what the page shows.
 *
 * Two texts are built here, on the core thread, from the core's own tables: the
 * layout (devices and points with their names and units, once per config) and
 * the snapshot (every device's communication state, every point's quality, value
 * and alarm state, in the layout's order, with only what is not at rest, so a
 * 500-device site's snapshot stays small). The snapshot is built only while a page
 * is looking (a request within the last seconds), once a second and at once after
 * an event, so an idle console costs the core nothing and an alarm reaches the
 * page without waiting for the next second. The console holds the layout, the
 * snapshot and the health report only while a page looks: when one starts, the
 * core gives it all three at once; when none has asked for a while, it drops them
 * (at 500 devices they are 1-2 MiB). A fault or lost communication is sent
 * as its quality with no value: the page never gets a number it could show for it.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "console.h"
#include "core.h"
#include "clock.h"
#include "core_internal.h"
#include "log.h"
#include "payload.h"

#define SNAPSHOT_BASE_BYTES 1024
#define SNAPSHOT_DEVICE_BYTES 320
#define SNAPSHOT_POINT_BYTES (128 + 2 * TEXT_MAX)    /* layout: id, name, unit escaped */
#define SNAPSHOT_STATE_BYTES 160
#define SNAPSHOT_PERIOD_MS 1000

void core_console_open(struct core *c)
{
    char why[CFG_ERR_MAX], ctl[PATH_MAX_LEN + 8];
    if (!c->cfg->console.enabled)
        return;
    core_control_socket(c->cfg, ctl, sizeof ctl);
    struct console_paths paths = {.store = c->cfg->store.path, .control_socket = ctl};
    c->console = console_start(&c->cfg->console, &paths, why, sizeof why);
    if (c->console)
        log_info("console: serving %s://%s/", c->cfg->console.cert_file[0] ? "https" : "http",
                 c->cfg->console.listen);
    else
        log_error("%s; the gateway runs without its console", why);
}

static const char *comm_state(const struct device_cfg *d, const struct device_stats *ds, int comm_lost)
{
    if (d->kind == BUS_VIRTUAL)
        return "virtual";
    if (comm_lost || ds->backed_off)
        return "lost";
    return ds->last_ok_ms ? "ok" : "waiting";
}

static void key_str(struct jw *w, const char *key, const char *value)
{
    jw_key(w, key);
    jw_str(w, value);
}

/* An alarm state's fields that are not at rest (the page takes an absent one as 0). */
static void point_alarm(struct jw *w, const struct point_cfg *pc, const struct rule_state *st)
{
    int level = st->level >= 0 ? st->level : st->latched_level;
    const int flags[] = {st->severity, st->latched_severity, st->silenced, st->faulted, st->stale};
    static const char *const names[] = {"severity", "latched", "silenced", "faulted", "stale"};
    jw_key(w, "a");
    jw_open(w, '{');
    for (size_t i = 0; i < sizeof flags / sizeof flags[0]; i++)
        if (flags[i]) {
            jw_key(w, names[i]);
            jw_int(w, flags[i]);
        }
    if (level >= 0 && level < pc->rule.nlevels && (st->severity || st->latched_severity))
        key_str(w, "level", pc->rule.levels[level].name);
    jw_close(w, '}');
}

/* One point now: its quality, its value (none for a fault: never shown as a number), its alarm. */
static void point_json(struct jw *w, struct core *c, size_t p)
{
    const struct reading *r = &c->latest[p];
    const struct rule_state *st = core_alarm_state(c, p);
    jw_open(w, '{');
    key_str(w, "q", r->ts_ms ? quality_name(r->quality) : "none");
    if (r->ts_ms && quality_has_value(r->quality)) {
        jw_key(w, "v");
        jw_num(w, r->value);
    }
    if (st)
        point_alarm(w, config_point_def(c->cfg, p), st);
    jw_close(w, '}');
}

static void device_json(struct jw *w, struct core *c, size_t d)
{
    const struct device_cfg *dev = &c->cfg->devices[d];
    struct device_stats ds = {0};
    int comm_lost = 0;
    if (c->pollers && dev->kind != BUS_VIRTUAL)
        pollers_device_stats(c->pollers, d, &ds);
    for (size_t p = dev->first_point; p < dev->first_point + dev->npoints; p++)
        comm_lost |= c->latest[p].ts_ms && c->latest[p].quality == QUALITY_COMM_FAIL;
    jw_open(w, '{');
    key_str(w, "comm", comm_state(dev, &ds, comm_lost));
    jw_key(w, "last_ok");
    jw_int(w, ds.last_ok_ms);
    jw_key(w, "points");
    jw_open(w, '[');
    for (size_t p = dev->first_point; p < dev->first_point + dev->npoints; p++)
        point_json(w, c, p);
    jw_close(w, ']');
    jw_close(w, '}');
}

/* The site as configured, once per config: what the snapshot's arrays are in the order of. */
static void layout_body(struct jw *w, const struct config *cfg)
{
    key_str(w, "gateway", cfg->gateway_id);
    key_str(w, "enterprise", cfg->enterprise_id);
    jw_key(w, "retention");
    jw_open(w, '{');
    jw_key(w, "raw_days");
    jw_int(w, cfg->store.retention_days);
    jw_key(w, "aggregate_days");
    jw_int(w, cfg->store.aggregate_days);
    jw_key(w, "max_mb");
    jw_int(w, cfg->store.max_mb);
    jw_close(w, '}');
    jw_key(w, "devices");
    jw_open(w, '[');
    for (size_t d = 0; d < cfg->ndevices; d++) {
        const struct device_cfg *dev = &cfg->devices[d];
        jw_open(w, '{');
        key_str(w, "id", dev->id);
        key_str(w, "profile", dev->profile);
        jw_key(w, "points");
        jw_open(w, '[');
        for (size_t p = dev->first_point; p < dev->first_point + dev->npoints; p++) {
            const struct point_cfg *pc = config_point_def(cfg, p);
            jw_open(w, '{');
            key_str(w, "id", pc->id);
            key_str(w, "name", pc->name);
            key_str(w, "unit", pc->unit);
            jw_key(w, "alarm");
            jw_bool(w, cfg->points[p].alarm_slot != ALARM_SLOT_NONE);
            jw_key(w, "latching");
            jw_bool(w, pc->rule.latch);
            jw_close(w, '}');
        }
        jw_close(w, ']');
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

static size_t site_json_cap(const struct core *c, int layout)
{
    return SNAPSHOT_BASE_BYTES + SNAPSHOT_DEVICE_BYTES * c->cfg->ndevices +
           (layout ? SNAPSHOT_POINT_BYTES : SNAPSHOT_STATE_BYTES) * c->cfg->npoints;
}

/* {"config": hash, then the layout or the state} into buf; its length, or -1 when it does not fit. */
static long site_json(struct core *c, int layout, char *buf, size_t cap)
{
    char hash[24];
    struct jw w;
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)c->cfg->hash);
    jw_init(&w, buf, cap);
    jw_open(&w, '{');
    key_str(&w, "config", hash);
    if (layout) {
        layout_body(&w, c->cfg);
    } else {
        jw_key(&w, "ts");
        jw_int(&w, clock_wall_ms());
        jw_key(&w, "devices");
        jw_open(&w, '[');
        for (size_t d = 0; d < c->cfg->ndevices; d++)
            device_json(&w, c, d);
        jw_close(&w, ']');
    }
    jw_close(&w, '}');
    return jw_end(&w);
}

void core_console_tick(struct core *c, int64_t now)
{
    if (!c->console)
        return;
    if (!console_wanted(c->console, now)) {
        if (c->console_looking) {       /* the last page left: keep nothing for it */
            console_release(c->console);
            c->console_looking = 0;
            c->console_layout_hash = 0;
        }
        return;
    }
    if (!c->console_looking) {          /* a page came: "The box" need not wait for the next report */
        c->console_looking = 1;
        core_status_to_console(c, now);
    }
    if (!c->console_dirty && now < c->console_next_ms)
        return;
    if (c->console_layout_hash != c->cfg->hash) {       /* the first look, or a reload */
        size_t cap = site_json_cap(c, 1);
        char *layout = malloc(cap);
        if (layout && site_json(c, 1, layout, cap) >= 0) {
            console_publish_layout(c->console, layout);
            c->console_layout_hash = c->cfg->hash;
        }
        free(layout);
    }
    size_t cap = site_json_cap(c, 0);
    char *snap = console_snapshot_buffer(c->console, cap);
    long len = snap ? site_json(c, 0, snap, cap) : -1;
    console_snapshot_publish(c->console, len);
    if (len < 0)
        log_limited("console-snapshot", LOG_LVL_WARN, "console: the snapshot does not fit in memory; skipped");
    c->console_dirty = 0;
    c->console_next_ms = now + SNAPSHOT_PERIOD_MS;
}

void core_console_close(struct core *c)
{
    console_stop(c->console);
    c->console = NULL;
}
