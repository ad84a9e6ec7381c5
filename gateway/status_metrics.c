/*
 * status_metrics.c - render the health report as Prometheus metrics.
 *
 * The report (core_status.c) is the one account of how the gateway is; this turns
 * it into the text exposition format: a HELP and a TYPE line per family, then
 * its samples, labelled by device, uplink and outbox class. Names follow
 * Prometheus' conventions: a riskgw_ prefix, base units (bytes, seconds, a CPU
 * ratio rather than a percentage) and _total on counters. The tables below are
 * the whole mapping; docs/operations.md lists it for the people who scrape it.
 */
#include "status_metrics.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "json_field.h"
#include "log.h"

#define KIB 1024.0
#define PCT_TO_RATIO 0.01
#define MS_TO_S 0.001

struct family {
    const char *name;
    const char *type;                 /* "gauge" or "counter" */
    const char *section;              /* object of the report holding key; NULL: the top */
    const char *key;
    double scale;                     /* to the family's base unit */
    const char *help;
};

static const struct family report_families[] = {
    {"riskgw_uptime_seconds", "gauge", NULL, "uptime_s", 1, "Seconds since the daemon started."},
    {"riskgw_report_timestamp_seconds", "gauge", NULL, "ts", MS_TO_S,
     "Wall-clock time of the health report these metrics come from."},
    {"riskgw_time_synced", "gauge", NULL, "time_synced", 1,
     "1 when the wall clock is synchronised; 0 while samples are flagged unsynchronised."},
    {"riskgw_process_resident_memory_bytes", "gauge", "process", "rss_kib", KIB, "Resident set size."},
    {"riskgw_process_private_memory_bytes", "gauge", "process", "private_kib", KIB,
     "Resident memory less shared library pages."},
    {"riskgw_process_threads", "gauge", "process", "threads", 1, "Threads of the daemon."},
    {"riskgw_process_cpu_ratio", "gauge", "process", "cpu_pct", PCT_TO_RATIO,
     "CPU used over the last status interval, in cores (1 = one core busy)."},
    {"riskgw_samples_seen_total", "counter", "samples", "seen", 1, "Samples the pollers delivered."},
    {"riskgw_sample_queue_depth", "gauge", "samples", "queue_depth", 1,
     "Samples waiting between the pollers and the core."},
    {"riskgw_sample_queue_overflowed_total", "counter", "samples", "queue_overflowed", 1,
     "Samples refused because the queue was full."},
    {"riskgw_events_recorded_total", "counter", "events", "recorded", 1, "Alarm and fault events recorded."},
    {"riskgw_events_waiting_for_disk", "gauge", "events", "waiting_for_disk", 1,
     "Events kept in memory while the store cannot write."},
    {"riskgw_events_dropped_total", "counter", "events", "dropped", 1,
     "Events lost because the store failed for too long."},
    {"riskgw_store_size_bytes", "gauge", "store", "bytes", 1, "Size of the store and its WAL."},
    {"riskgw_store_ok", "gauge", "store", "ok", 1, "1 while the store commits; 0 while it fails."},
    {"riskgw_store_failing_seconds", "gauge", "store", "failing_s", 1,
     "How long the store has not written (0 while it does)."},
    {"riskgw_store_failing_too_long", "gauge", "store", "failing_too_long", 1,
     "1 once the store has failed past store.alert_after_s (a card to replace)."},
    {"riskgw_store_commits_total", "counter", "store", "commits", 1, "Store transactions committed."},
    {"riskgw_store_rollbacks_total", "counter", "store", "rollbacks", 1, "Store transactions lost."},
    {"riskgw_store_telemetry_spilled_total", "counter", "store", "telemetry_spilled", 1,
     "Telemetry messages written to flash because the uplinks fell behind (0 while they keep up)."},
    {"riskgw_store_syncs_total", "counter", "store", "syncs", 1,
     "Commits the WAL was synced for (they held an event or reserved telemetry seqs)."},
    {"riskgw_store_sync_p50_seconds", "gauge", "store", "sync_p50_ms", MS_TO_S,
     "Median WAL sync of the last 1024: every alarm waits for one before it is sent."},
    {"riskgw_store_sync_p99_seconds", "gauge", "store", "sync_p99_ms", MS_TO_S,
     "99th percentile WAL sync of the last 1024; a wearing flash card slows here first."},
    {"riskgw_store_sync_max_seconds", "gauge", "store", "sync_max_ms", MS_TO_S,
     "Slowest WAL sync of the last 1024."},
    {"riskgw_event_latency_p50_seconds", "gauge", "events", "latency_p50_ms", MS_TO_S,
     "Median time of the last 1024 alarms in the gateway: a reply read to the event synced and handed to the uplinks."},
    {"riskgw_event_latency_p99_seconds", "gauge", "events", "latency_p99_ms", MS_TO_S,
     "99th percentile time of the last 1024 alarms in the gateway (the WAL sync is part of it)."},
    {"riskgw_alarms_standing", "gauge", "alarms", "standing", 1,
     "Points in alarm now, or latched and waiting for a reset."},
    {"riskgw_alarms_silenced", "gauge", "alarms", "silenced", 1, "Standing alarms an operator silenced."},
    {"riskgw_points_faulted", "gauge", "alarms", "faulted", 1, "Points whose instrument reports a fault."},
};

static const struct family device_families[] = {
    {"riskgw_device_polls_ok_total", "counter", NULL, "polls_ok", 1, "Polls the device answered."},
    {"riskgw_device_polls_failed_total", "counter", NULL, "polls_failed", 1, "Polls that failed."},
    {"riskgw_device_last_ok_timestamp_seconds", "gauge", NULL, "last_ok", MS_TO_S,
     "Wall-clock time of the device's last good poll (0: never)."},
    {"riskgw_device_backed_off", "gauge", NULL, "backed_off", 1,
     "1 while the poller waits longer between attempts at a dead device."},
    {"riskgw_device_frames_dropped_total", "counter", NULL, "frames_dropped", 1,
     "Malformed or unexpected frames from the device."},
};

static const struct family uplink_connected = {"riskgw_uplink_connected", "gauge", NULL, "connected", 1,
                                               "1 while the uplink is connected."};
/* Per uplink and outbox class (events go ahead of telemetry). */
static const struct family lane_families[] = {
    {"riskgw_outbox_backlog", "gauge", NULL, "backlog", 1,
     "Stored messages the uplink has not confirmed yet."},
    {"riskgw_outbox_in_flight", "gauge", NULL, "in_flight", 1, "Messages sent and awaiting confirmation."},
};

static const char *const outbox_classes[] = {"events", "telemetry"};

/* A number or a boolean of o (1/0); 0 when absent, *found tells. */
static double value_of(const cJSON *o, const char *key, int *found)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    *found = cJSON_IsNumber(it) || cJSON_IsBool(it);
    return cJSON_IsNumber(it) ? it->valuedouble : cJSON_IsTrue(it) ? 1 : 0;
}

static void header(FILE *out, const struct family *f)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, f->type);
}

/* A label value, escaped as the format wants (backslash, quote, newline). */
static void label_value(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '\\' || *s == '"')
            fputc('\\', out);
        if (*s == '\n')
            fputs("\\n", out);
        else
            fputc(*s, out);
    }
}

static void sample(FILE *out, const struct family *f, const cJSON *o, const char *labels[][2], int nlabels)
{
    int found;
    double v = value_of(o, f->key, &found);
    if (!found)
        return;
    fputs(f->name, out);
    for (int i = 0; i < nlabels; i++) {
        fprintf(out, "%s%s=\"", i ? "," : "{", labels[i][0]);
        label_value(out, labels[i][1]);
        fputc('"', out);
    }
    fprintf(out, "%s %.15g\n", nlabels ? "}" : "", v * f->scale);
}

static const char *id_of(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(it) ? it->valuestring : "";
}

static void render_info(FILE *out, const cJSON *r)
{
    static const char *const keys[] = {"enterprise", "gateway", "version", "config_hash"};
    fputs("# HELP riskgw_info The gateway's identity, version and config fingerprint.\n"
          "# TYPE riskgw_info gauge\nriskgw_info", out);
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        fprintf(out, "%s%s=\"", i ? "," : "{", keys[i]);
        label_value(out, id_of(r, keys[i]));
        fputc('"', out);
    }
    fputs("} 1\n", out);
}

static void render_cap_drops(FILE *out, const cJSON *r)
{
    static const struct family f = {"riskgw_store_dropped_for_cap_total", "counter", NULL, NULL, 1,
                                    "Rows pruned early to keep the store under its size cap."};
    const cJSON *drops = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "store"),
                                                          "dropped_for_cap"), *it;
    header(out, &f);
    cJSON_ArrayForEach(it, drops) {
        struct family one = f;
        const char *labels[][2] = {{"kind", it->string}};
        one.key = it->string;
        sample(out, &one, drops, labels, 1);
    }
}

static void render_devices(FILE *out, const cJSON *r)
{
    const cJSON *devs = cJSON_GetObjectItemCaseSensitive(r, "devices"), *d;
    for (size_t i = 0; i < sizeof device_families / sizeof *device_families; i++) {
        header(out, &device_families[i]);
        cJSON_ArrayForEach(d, devs) {
            const char *labels[][2] = {{"device", id_of(d, "id")}};
            sample(out, &device_families[i], d, labels, 1);
        }
    }
}

static void render_uplinks(FILE *out, const cJSON *r)
{
    const cJSON *ups = cJSON_GetObjectItemCaseSensitive(r, "uplinks"), *u;
    header(out, &uplink_connected);
    cJSON_ArrayForEach(u, ups) {
        const char *labels[][2] = {{"uplink", id_of(u, "name")}};
        sample(out, &uplink_connected, u, labels, 1);
    }
    for (size_t i = 0; i < sizeof lane_families / sizeof *lane_families; i++) {
        header(out, &lane_families[i]);
        cJSON_ArrayForEach(u, ups)
            for (size_t k = 0; k < sizeof outbox_classes / sizeof *outbox_classes; k++) {
                const char *labels[][2] = {{"uplink", id_of(u, "name")}, {"class", outbox_classes[k]}};
                sample(out, &lane_families[i], cJSON_GetObjectItemCaseSensitive(u, outbox_classes[k]),
                       labels, 2);
            }
    }
}

char *status_metrics_render(const char *report)
{
    struct cfg_err err;
    char *text = NULL;
    size_t len = 0;
    cJSON *r = jf_parse_text(report, "health report", &err);
    if (!r || !cJSON_IsObject(r)) {
        log_warn("metrics: the health report is not a JSON object (%s); the endpoint keeps the last text",
                 r ? "wrong type" : err.msg);
        cJSON_Delete(r);
        return NULL;
    }
    FILE *out = open_memstream(&text, &len);
    if (!out) {
        log_warn("metrics: out of memory rendering the report; the endpoint keeps the last text");
        cJSON_Delete(r);
        return NULL;
    }
    render_info(out, r);
    for (size_t i = 0; i < sizeof report_families / sizeof *report_families; i++) {
        const struct family *f = &report_families[i];
        header(out, f);
        sample(out, f, f->section ? cJSON_GetObjectItemCaseSensitive(r, f->section) : r, NULL, 0);
    }
    render_cap_drops(out, r);
    render_devices(out, r);
    render_uplinks(out, r);
    cJSON_Delete(r);
    int failed = ferror(out);
    if (fclose(out) != 0 || failed) {
        log_warn("metrics: out of memory rendering the report; the endpoint keeps the last text");
        free(text);
        return NULL;
    }
    return text;
}
