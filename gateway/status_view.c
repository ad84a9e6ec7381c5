/*
 * status_view.c - render the gateway's health report (core_status.c) as text.
 *
 * The daemon writes the report to RAM (and now and then beside its store); this
 * reads it, so a technician with a laptop on the box's console sees how every
 * device and uplink is doing without a broker or a platform account, and a script
 * gets the report itself (--json).
 */
#include "status_view.h"

#include <cjson/cJSON.h>
#include <string.h>

#include "json_field.h"

#define MS_PER_S 1000
#define S_PER_MIN 60
#define S_PER_HOUR 3600

static double num(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsNumber(it) ? it->valuedouble : 0;
}

static const char *str(const cJSON *o, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(o, key);
    return cJSON_IsString(it) ? it->valuestring : "?";
}

static int yes(const cJSON *o, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static const cJSON *obj(const cJSON *o, const char *key)
{
    return cJSON_GetObjectItemCaseSensitive(o, key);
}

/* "3h12m", "4m05s", "12s" */
static void age(char *out, size_t cap, long long s)
{
    if (s >= S_PER_HOUR)
        snprintf(out, cap, "%lldh%02lldm", s / S_PER_HOUR, s % S_PER_HOUR / S_PER_MIN);
    else if (s >= S_PER_MIN)
        snprintf(out, cap, "%lldm%02llds", s / S_PER_MIN, s % S_PER_MIN);
    else
        snprintf(out, cap, "%llds", s);
}

/* A store that does not write: since when, why in a technician's words, and the detail. */
static void print_store_trouble(const cJSON *st, FILE *out)
{
    char since[32];
    if (yes(st, "ok"))
        return;
    age(since, sizeof since, (long long)num(st, "failing_s"));
    fprintf(out, "  %s for %s: %s\n", yes(st, "failing_too_long") ? "ALERT, not writing" : "not writing",
            since, str(st, "trouble_text"));
    fprintf(out, "  存储卡故障，报警仍会上送但未记录 (store failing: alarms are still sent, not recorded)\n");
    fprintf(out, "  error: %s\n", str(st, "error"));
}

static void print_uplinks(const cJSON *root, FILE *out)
{
    const cJSON *u;
    fprintf(out, "uplinks:\n");
    cJSON_ArrayForEach(u, obj(root, "uplinks")) {
        const cJSON *ev = obj(u, "events"), *te = obj(u, "telemetry");
        fprintf(out, "  %-10s %-12s events backlog %.0f (in flight %.0f), telemetry backlog %.0f (in flight %.0f)\n",
                str(u, "name"), yes(u, "connected") ? "connected" : "DISCONNECTED", num(ev, "backlog"),
                num(ev, "in_flight"), num(te, "backlog"), num(te, "in_flight"));
    }
}

static void print_devices(const cJSON *root, int64_t report_ms, FILE *out)
{
    const cJSON *d;
    char ago[32];
    fprintf(out, "devices:\n  %-20s %10s %10s  %-12s %s\n", "ID", "POLLS OK", "FAILED", "LAST GOOD", "STATE");
    cJSON_ArrayForEach(d, obj(root, "devices")) {
        double last = num(d, "last_ok");
        if (last > 0)
            age(ago, sizeof ago, (long long)((double)report_ms - last) / MS_PER_S);
        fprintf(out, "  %-20s %10.0f %10.0f  %-12s %s\n", str(d, "id"), num(d, "polls_ok"),
                num(d, "polls_failed"), last > 0 ? ago : "never",
                yes(d, "backed_off") ? "BACKED OFF (dead?)" : (last > 0 ? "polling" : "NO ANSWER YET"));
    }
}

/* The report's own bytes (the daemon replaces the file whole, so this is one report). */
static int copy_report(const char *path, FILE *out)
{
    char buf[4096];
    size_t n;
    FILE *in = fopen(path, "r");
    if (!in) {
        fprintf(stderr, "riskgw status: no report: %s vanished while being read; try again\n", path);
        return 1;
    }
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, n, out);
    fclose(in);
    return 0;
}

int status_view_print(const char *path, int64_t now_ms, int json, FILE *out)
{
    struct cfg_err err;
    char up[32], old[32];
    cJSON *root = jf_parse_file(path, &err);
    if (!root) {
        fprintf(stderr, "riskgw status: no report: %s (is the gateway running with this config?)\n", err.msg);
        return 1;
    }
    if (json) {
        cJSON_Delete(root);
        return copy_report(path, out);
    }
    int64_t ts = (int64_t)num(root, "ts");
    const cJSON *proc = obj(root, "process"), *st = obj(root, "store"), *ev = obj(root, "events"),
                *sm = obj(root, "samples");
    age(up, sizeof up, (long long)num(root, "uptime_s"));
    age(old, sizeof old, (long long)(now_ms - ts) / MS_PER_S);
    fprintf(out, "riskgw %s (enterprise %s), version %s, up %s; report %s old\n", str(root, "gateway"),
            str(root, "enterprise"), str(root, "version"), up, old);
    fprintf(out, "clock: %s   config: %s\n", yes(root, "time_synced") ? "synchronised" : "NOT SYNCHRONISED",
            str(root, "config_hash"));
    fprintf(out, "process: RSS %.1f MiB, %.0f threads, CPU %.1f %% of one core\n", num(proc, "rss_kib") / 1024.0,
            num(proc, "threads"), num(proc, "cpu_pct"));
    fprintf(out, "store: %s, %.1f MiB, %s (commits %.0f, rollbacks %.0f; WAL sync p50 %.1f / p99 %.1f / "
            "max %.1f ms)\n", str(st, "path"), num(st, "bytes") / (1024.0 * 1024.0),
            yes(st, "ok") ? "writing" : "NOT WRITING", num(st, "commits"), num(st, "rollbacks"),
            num(st, "sync_p50_ms"), num(st, "sync_p99_ms"), num(st, "sync_max_ms"));
    print_store_trouble(st, out);
    fprintf(out, "events: %.0f recorded, %.0f waiting for the disk, %.0f dropped (in the gateway p50 %.1f / "
            "p99 %.1f ms); samples: %.0f seen, queue %.0f, %.0f refused (queue full)\n", num(ev, "recorded"),
            num(ev, "waiting_for_disk"), num(ev, "dropped"), num(ev, "latency_p50_ms"), num(ev, "latency_p99_ms"),
            num(sm, "seen"), num(sm, "queue_depth"), num(sm, "queue_overflowed"));
    const cJSON *al = obj(root, "alarms");
    fprintf(out, "alarms: %.0f standing (%.0f silenced), %.0f points in fault\n", num(al, "standing"),
            num(al, "silenced"), num(al, "faulted"));
    print_uplinks(root, out);
    print_devices(root, ts, out);
    cJSON_Delete(root);
    return 0;
}
