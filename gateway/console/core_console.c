/*
 * core_console.c - the core's side of the site console (console.h): start it, and
 * publish what the page shows.
 *
 * The snapshot is built here, on the core thread, from the core's own tables:
 * every device with its communication state, every point with its last reading,
 * unit, quality and alarm state. It is built only while a page is looking (a
 * request within the last seconds), once a second and at once after an event, so
 * an idle console costs the core nothing and an alarm reaches the page without
 * waiting for the next second. A fault or lost communication is sent as its
 * quality with a null value: the page never gets a number it could show for it.
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
#define SNAPSHOT_POINT_BYTES (400 + 2 * TEXT_MAX)
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

static void point_alarm(struct jw *w, const struct point_cfg *pc, const struct rule_state *st)
{
    int level = st->level >= 0 ? st->level : st->latched_level;
    jw_key(w, "severity");
    jw_int(w, st->severity);
    jw_key(w, "latched");
    jw_int(w, st->latched_severity);
    jw_key(w, "level");
    jw_str(w, level >= 0 && level < pc->rule.nlevels ? pc->rule.levels[level].name : "");
    jw_key(w, "silenced");
    jw_bool(w, st->silenced);
    jw_key(w, "faulted");
    jw_bool(w, st->faulted);
    jw_key(w, "stale");
    jw_bool(w, st->stale);
    jw_key(w, "latching");
    jw_bool(w, pc->rule.latch);
}

static void point_json(struct jw *w, struct core *c, size_t p)
{
    const struct point_cfg *pc = c->cfg->points[p].def;
    const struct reading *r = &c->latest[p];
    const struct rule_state *st = core_alarm_state(c, p);
    jw_open(w, '{');
    jw_key(w, "id");
    jw_str(w, pc->id);
    jw_key(w, "name");
    jw_str(w, pc->name);
    jw_key(w, "unit");
    jw_str(w, pc->unit);
    jw_key(w, "quality");
    jw_str(w, r->ts_ms ? quality_name(r->quality) : "none");
    jw_key(w, "value");               /* null for a fault or no reading: never shown as a number */
    if (r->ts_ms && quality_has_value(r->quality))
        jw_num(w, r->value);
    else
        jw_num(w, NAN);
    jw_key(w, "ts");
    jw_int(w, r->ts_ms);
    if (st) {
        jw_key(w, "alarm");
        jw_open(w, '{');
        point_alarm(w, pc, st);
        jw_close(w, '}');
    }
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
    jw_key(w, "id");
    jw_str(w, dev->id);
    jw_key(w, "profile");
    jw_str(w, dev->profile);
    jw_key(w, "comm");
    jw_str(w, comm_state(dev, &ds, comm_lost));
    jw_key(w, "last_ok");
    jw_int(w, ds.last_ok_ms);
    jw_key(w, "points");
    jw_open(w, '[');
    for (size_t p = dev->first_point; p < dev->first_point + dev->npoints; p++)
        point_json(w, c, p);
    jw_close(w, ']');
    jw_close(w, '}');
}

/* The snapshot into a heap buffer sized for the site; NULL when it cannot. */
static char *snapshot_build(struct core *c)
{
    size_t cap = SNAPSHOT_BASE_BYTES + SNAPSHOT_DEVICE_BYTES * c->cfg->ndevices +
                 SNAPSHOT_POINT_BYTES * c->cfg->npoints;
    char *buf = malloc(cap);
    struct jw w;
    if (!buf)
        return NULL;
    jw_init(&w, buf, cap);
    jw_open(&w, '{');
    jw_key(&w, "gateway");
    jw_str(&w, c->cfg->gateway_id);
    jw_key(&w, "enterprise");
    jw_str(&w, c->cfg->enterprise_id);
    jw_key(&w, "ts");
    jw_int(&w, clock_wall_ms());
    jw_key(&w, "devices");
    jw_open(&w, '[');
    for (size_t d = 0; d < c->cfg->ndevices; d++)
        device_json(&w, c, d);
    jw_close(&w, ']');
    jw_key(&w, "retention");
    jw_open(&w, '{');
    jw_key(&w, "raw_days");
    jw_int(&w, c->cfg->store.retention_days);
    jw_key(&w, "aggregate_days");
    jw_int(&w, c->cfg->store.aggregate_days);
    jw_key(&w, "max_mb");
    jw_int(&w, c->cfg->store.max_mb);
    jw_close(&w, '}');
    jw_close(&w, '}');
    if (jw_end(&w) < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

void core_console_tick(struct core *c, int64_t now)
{
    if (!c->console || !console_wanted(c->console, now) || (!c->console_dirty && now < c->console_next_ms))
        return;
    char *snap = snapshot_build(c);
    if (snap)
        console_publish_now(c->console, snap);
    else
        log_limited("console-snapshot", LOG_LVL_WARN, "console: the snapshot does not fit in memory; skipped");
    free(snap);
    c->console_dirty = 0;
    c->console_next_ms = now + SNAPSHOT_PERIOD_MS;
}

void core_console_close(struct core *c)
{
    console_stop(c->console);
    c->console = NULL;
}
