/*
 * core_status.c - how the gateway is, for the platform and for a technician.
 *
 * Every status interval the core builds one health report (uptime, version,
 * config hash, per-device poll counters, queue and per-sink outbox depth, store
 * size and failures, alarms standing, clock state, RSS and CPU), publishes it
 * retained on .../health, writes it where `riskgw status` reads it without a
 * broker (status_file.c: RAM, and now and then beside the store), and hands the
 * metrics endpoint (when on) its Prometheus rendering and the console a copy while
 * a page looks (one built for it alone when a page starts looking: docs/console.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "core_internal.h"
#include "log.h"
#include "payload.h"
#include "sink_mqtt.h"
#include "status_file.h"
#include "status_metrics.h"

#define STATUS_BASE_BYTES 4096
#define STATUS_DEVICE_BYTES 256
#define PROC_LINE_MAX 512
#define KIB 1024

#define STAT_UTIME_FIELD 12           /* fields after the ")" of /proc/self/stat, 1-based */
#define STAT_STIME_FIELD 13

/* utime+stime in clock ticks from /proc/self/stat (0 when unreadable). */
static uint64_t read_cpu_ticks(void)
{
    char line[PROC_LINE_MAX], *save = NULL;
    uint64_t ticks = 0;
    FILE *f = fopen("/proc/self/stat", "r");
    if (!f)
        return 0;
    const char *p = fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;  /* names may hold spaces */
    fclose(f);
    char *tok = p ? strtok_r(line + (p - line) + 1, " ", &save) : NULL;
    for (int field = 1; tok; field++, tok = strtok_r(NULL, " ", &save))
        if (field == STAT_UTIME_FIELD || field == STAT_STIME_FIELD)
            ticks += strtoull(tok, NULL, 10);
    return ticks;
}

/* A "Name:   value" line of /proc/self/status, or -1. */
static long status_field(const char *name)
{
    char line[PROC_LINE_MAX];
    size_t n = strlen(name);
    long v = -1;
    FILE *f = fopen("/proc/self/status", "r");
    while (f && fgets(line, sizeof line, f))
        if (strncmp(line, name, n) == 0 && line[n] == ':') {
            v = strtol(line + n + 1, NULL, 10);
            break;
        }
    if (f)
        fclose(f);
    return v;
}

static long long file_bytes(const char *path, const char *suffix)
{
    char p[PATH_MAX_LEN + 8];
    struct stat sb;
    snprintf(p, sizeof p, "%s%s", path, suffix);
    return stat(p, &sb) == 0 ? (long long)sb.st_size : 0;
}

static void lane(struct jw *w, struct core *c, int sink, enum outbox_class cls, const char *name)
{
    struct outbox_lane_status ls;
    if (outbox_status(c->outbox, sink, cls, &ls) < 0)
        return;
    jw_key(w, name);
    jw_open(w, '{');
    jw_key(w, "cursor");
    jw_int(w, ls.cursor);
    jw_key(w, "backlog");
    jw_int(w, ls.backlog);
    jw_key(w, "in_flight");
    jw_int(w, ls.in_flight);
    jw_close(w, '}');
}

/* advance: the next report's CPU is measured from this one (not for the console's extra copy). */
static void section_process(struct jw *w, struct core *c, int64_t now, int advance)
{
    uint64_t ticks = read_cpu_ticks();
    long rss = status_field("VmRSS"), anon = status_field("RssAnon"), threads = status_field("Threads");
    double cpu = 0;
    long hz = sysconf(_SC_CLK_TCK);
    if (c->status_prev_mono && now > c->status_prev_mono && hz > 0)
        cpu = 100.0 * (double)(ticks - c->status_prev_ticks) / (double)hz * 1000.0 /
              (double)(now - c->status_prev_mono);
    if (advance) {
        c->status_prev_ticks = ticks;
        c->status_prev_mono = now;
    }
    jw_key(w, "process");
    jw_open(w, '{');
    jw_key(w, "rss_kib");
    jw_int(w, rss);
    jw_key(w, "private_kib");           /* RSS less shared library pages */
    jw_int(w, anon);
    jw_key(w, "threads");
    jw_int(w, threads);
    jw_key(w, "cpu_pct");
    jw_num(w, cpu);
    jw_close(w, '}');
}

/* PREFIX_recent, PREFIX_p50_ms, PREFIX_p99_ms and PREFIX_max_ms of recent durations. */
static void durations_fields(struct jw *w, const char *prefix, const struct durations_summary *d)
{
    static const char *const suffix[] = {"p50_ms", "p99_ms", "max_ms"};
    const double value[] = {d->p50_ms, d->p99_ms, d->max_ms};
    char key[32];
    snprintf(key, sizeof key, "%s_recent", prefix);
    jw_key(w, key);
    jw_int(w, d->recent);
    for (int i = 0; i < 3; i++) {
        snprintf(key, sizeof key, "%s_%s", prefix, suffix[i]);
        jw_key(w, key);
        jw_num(w, value[i]);
    }
}

static void section_store(struct jw *w, struct core *c)
{
    const struct store_stats *ss = store_stats(c->store);
    struct queue_stats qs;
    queue_stats(&c->samples, &qs);
    jw_key(w, "samples");
    jw_open(w, '{');
    jw_key(w, "seen");
    jw_int(w, (int64_t)c->samples_seen);
    jw_key(w, "queue_depth");
    jw_int(w, (int64_t)qs.depth);
    jw_key(w, "queue_overflowed");
    jw_int(w, (int64_t)qs.overflowed);
    jw_close(w, '}');
    jw_key(w, "events");
    jw_open(w, '{');
    jw_key(w, "recorded");
    jw_int(w, (int64_t)c->events_recorded);
    jw_key(w, "waiting_for_disk");
    jw_int(w, c->replay ? (int64_t)c->npending : 0);
    jw_key(w, "dropped");
    jw_int(w, (int64_t)c->events_dropped);
    struct durations_summary path;
    durations_summarise(&c->alarm_path, &path);
    durations_fields(w, "latency", &path);  /* a reply read to the event handed to the uplinks */
    jw_close(w, '}');
    jw_key(w, "store");
    jw_open(w, '{');
    jw_key(w, "path");
    jw_str(w, c->cfg->store.path);
    jw_key(w, "bytes");
    jw_int(w, file_bytes(c->cfg->store.path, "") + file_bytes(c->cfg->store.path, "-wal"));
    jw_key(w, "ok");
    jw_bool(w, !c->store_failing);
    if (c->store_failing) {
        jw_key(w, "error");
        jw_str(w, store_last_error(c->store));
        jw_key(w, "trouble");
        jw_str(w, store_trouble_name(c->store_ep.cause));
        jw_key(w, "trouble_text");
        jw_str(w, store_trouble_words(c->store_ep.cause));
        jw_key(w, "failing_since");
        jw_int(w, c->store_ep.since_wall);
    }
    int64_t failing_s = core_store_failing_s(c, clock_mono_ms());
    jw_key(w, "failing_s");
    jw_int(w, failing_s);
    jw_key(w, "failing_too_long");          /* what the monitoring centre alerts on */
    jw_bool(w, c->store_failing && failing_s >= c->cfg->store.alert_after_s);
    jw_key(w, "commits");
    jw_int(w, (int64_t)ss->commits);
    jw_key(w, "rollbacks");
    jw_int(w, (int64_t)ss->rollbacks);
    jw_key(w, "telemetry_spilled");         /* written to flash because the uplinks lagged */
    jw_int(w, (int64_t)ss->telemetry_spilled);
    struct durations_summary sync;
    store_sync_times(c->store, &sync);
    jw_key(w, "syncs");
    jw_int(w, (int64_t)ss->durable_commits);
    durations_fields(w, "sync", &sync);
    const struct store_drops *d = store_drops(c->store);
    jw_key(w, "dropped_for_cap");
    jw_open(w, '{');
    jw_key(w, "samples");
    jw_int(w, d->samples);
    jw_key(w, "telemetry");
    jw_int(w, d->telemetry);
    jw_key(w, "aggregates");
    jw_int(w, d->aggregates);
    jw_key(w, "events");
    jw_int(w, d->events);
    jw_close(w, '}');
    jw_close(w, '}');
}

/* Alarms in force now: raised or latched, silenced or not; and points in fault. */
static void section_alarms(struct jw *w, struct core *c)
{
    int64_t standing = 0, silenced = 0, faulted = 0;
    for (size_t k = 0; k < c->cfg->nalarm_points; k++) {
        const struct rule_state *st = &c->rule_state[k];
        int up = st->severity > 0 || st->latched_severity > 0;
        standing += up;
        silenced += up && st->silenced;
        faulted += st->faulted != 0;
    }
    jw_key(w, "alarms");
    jw_open(w, '{');
    jw_key(w, "standing");
    jw_int(w, standing);
    jw_key(w, "silenced");
    jw_int(w, silenced);
    jw_key(w, "faulted");
    jw_int(w, faulted);
    jw_close(w, '}');
}

static void section_uplinks(struct jw *w, struct core *c)
{
    jw_key(w, "uplinks");
    jw_open(w, '[');
    for (int i = 0; i < c->nsinks; i++) {
        jw_open(w, '{');
        jw_key(w, "name");
        jw_str(w, c->sinks[i]->name);
        jw_key(w, "connected");
        jw_bool(w, c->sinks[i]->ops->connected(c->sinks[i]));
        lane(w, c, i, OUTBOX_EVENTS, "events");
        lane(w, c, i, OUTBOX_TELEMETRY, "telemetry");
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

static void section_devices(struct jw *w, struct core *c)
{
    jw_key(w, "devices");
    jw_open(w, '[');
    for (size_t d = 0; d < c->cfg->ndevices; d++) {
        struct device_stats ds = {0};
        if (c->cfg->devices[d].kind == BUS_VIRTUAL)
            continue;
        if (c->pollers)
            pollers_device_stats(c->pollers, d, &ds);
        jw_open(w, '{');
        jw_key(w, "id");
        jw_str(w, c->cfg->devices[d].id);
        jw_key(w, "polls_ok");
        jw_int(w, (int64_t)ds.polls_ok);
        jw_key(w, "polls_failed");
        jw_int(w, (int64_t)ds.polls_failed);
        jw_key(w, "last_ok");
        jw_int(w, ds.last_ok_ms);
        jw_key(w, "backed_off");
        jw_bool(w, ds.backed_off);
        jw_key(w, "frames_dropped");
        jw_int(w, (int64_t)ds.frames_dropped);
        jw_close(w, '}');
    }
    jw_close(w, ']');
}

/* Build the report into a heap buffer sized for the site. NULL when it cannot. */
static char *status_build(struct core *c, int64_t now, int advance)
{
    size_t cap = STATUS_BASE_BYTES + STATUS_DEVICE_BYTES * c->cfg->ndevices;
    char *buf = malloc(cap), hash[24];
    if (!buf)
        return NULL;
    struct jw w;
    jw_init(&w, buf, cap);
    jw_open(&w, '{');
    jw_key(&w, "v");
    jw_int(&w, INTERFACE_VERSION);
    jw_key(&w, "enterprise");
    jw_str(&w, c->cfg->enterprise_id);
    jw_key(&w, "gateway");
    jw_str(&w, c->cfg->gateway_id);
    jw_key(&w, "ts");
    jw_int(&w, clock_wall_ms());
    jw_key(&w, "time_synced");
    jw_bool(&w, clock_wall_trusted());
    jw_key(&w, "version");
    jw_str(&w, RISKGW_VERSION);
    jw_key(&w, "uptime_s");
    jw_int(&w, (now - c->started_mono) / 1000);
    snprintf(hash, sizeof hash, "%016llx", (unsigned long long)c->cfg->hash);
    jw_key(&w, "config_hash");
    jw_str(&w, hash);
    section_process(&w, c, now, advance);
    section_store(&w, c);
    section_alarms(&w, c);
    section_uplinks(&w, c);
    section_devices(&w, c);
    jw_close(&w, '}');
    if (jw_end(&w) < 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* The last report, beside the store (status_file.c). */
void core_status_final(struct core *c)
{
    char *report = status_build(c, clock_mono_ms(), 0);
    if (report)
        status_file_final(c->cfg, report);
    free(report);
}

void core_publish_status(struct core *c, int64_t now)
{
    char *report = status_build(c, now, 1), topic[TOPIC_MAX];
    if (!report) {
        log_warn("status: the report does not fit in memory; skipped");
        return;
    }
    status_file_write(c->cfg, report, now, &c->next_status_on_card_ms);
    if (c->mqtt && topic_gateway(topic, sizeof topic, c->cfg, "health") > 0)
        sink_mqtt_publish(c->mqtt, topic, report, 1);
    if (c->metrics) {                 /* the endpoint's thread reads only this copy */
        char *text = status_metrics_render(report);
        if (text)
            metrics_server_publish(c->metrics, text);
        free(text);
    }
    if (c->console_looking)           /* "The box" page: the same report */
        console_publish_health(c->console, report);
    free(report);
}

void core_status_to_console(struct core *c, int64_t now)
{
    char *report = status_build(c, now, 0);
    if (report)
        console_publish_health(c->console, report);
    free(report);
}
