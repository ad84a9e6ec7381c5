/*
 * config.c - read the site file into a validated struct config.
 *
 * The order is: top-level sections, serial buses, then devices (each device
 * expands its profile, applies its own point overrides and appends its points to
 * the flat point table). Every failure names the JSON path. A config is either
 * returned whole or not at all, so a bad reload can never half-apply.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hash.h"
#include "profile.h"

#define DEFAULT_INTERVAL_MS 1000
#define DEFAULT_TIMEOUT_MS 500
#define DEFAULT_RETRIES 1
#define DEFAULT_COMM_FAIL_MS 10000
#define DEFAULT_BACKOFF_AFTER 3
#define DEFAULT_BACKOFF_MS 10000
#define DEFAULT_MAX_GAP 8
#define DEFAULT_TOPIC_PREFIX "riskgw/v1"
#define DEFAULT_KEEPALIVE_S 30
#define DEFAULT_MQTT_WINDOW 64
#define DEFAULT_RECONNECT_MIN_MS 1000
#define DEFAULT_RECONNECT_MAX_MS 30000
#define DEFAULT_STORE_PATH "/var/lib/riskgw/riskgw.db"
#define DEFAULT_COMMIT_INTERVAL_MS 1000
#define DEFAULT_AGGREGATE_DAYS 90
#define DEFAULT_MAX_MB 2048
#define DEFAULT_HEARTBEAT_S 300
#define DEFAULT_STORE_ALERT_AFTER_S 600   /* a card failing this long is flagged in health */
#define MAX_RETENTION_DAYS 3650
#define DAY_MS (24L * 3600 * 1000)
_Static_assert(DAY_MS <= INT32_MAX, "a device's times are 32-bit (struct device_cfg)");
#define DEFAULT_STATUS_INTERVAL_S 30
#define MS_PER_S 1000
#define MAX_DEVICES 10000
#define MODBUS_MAX_UNIT 247
#define MODBUS_TCP_UNIT_ANY 255

static const char *const top_keys[] = {"enterprise", "gateway", "profile_dir", "buses",
                                       "devices", "mqtt", "store", "status_interval_s",
                                       "national", "webhooks", "calendars", "rules", "metrics", "user",
                                       "telemetry", "console", NULL};
static const char *const bus_keys[] = {"id", "device", "baud", "parity", "data_bits",
                                       "stop_bits", "rs485", "pause_ms", NULL};
static const char *const device_keys[] = {
    "id", "profile", "bus", "host", "port", "unit", "interval_ms", "phase_ms", "timeout_ms",
    "retries", "pause_ms", "connect_pause_ms", "comm_fail_ms", "backoff_after", "backoff_ms",
    "max_registers", "max_bits", "max_gap", "one_per_point", "base", "points", NULL};
static const char *const mqtt_keys[] = {
    "enabled", "uri", "client_id", "topic_prefix", "keepalive_s", "username", "password",
    "ca_file", "cert_file", "key_file", "verify_server", "window", "reconnect_min_ms",
    "reconnect_max_ms", NULL};
static const char *const store_keys[] = {"path", "commit_interval_ms", "retention_days",
                                         "aggregate_days", "max_mb", "heartbeat_s", "alert_after_s", NULL};

/* Ids travel in MQTT topics and file names: keep them to a safe alphabet. */
static int check_id(const char *id, const char *path, const char *key, struct cfg_err *err)
{
    char p[CFG_PATH_MAX];
    for (const char *c = id; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_' || *c == '-' || *c == '.')) {
            jf_path_key(p, sizeof p, path, key);
            return cfg_fail(err, p, "\"%s\" may use only letters, digits, '_', '-' and '.'", id);
        }
    return 0;
}

static int parse_bus(const cJSON *obj, const char *path, struct bus_cfg *b, struct cfg_err *err)
{
    static const char *const parities[] = {"N", "E", "O"};
    int parity = 0;
    long data_bits = 8, stop_bits = 1;
    memset(b, 0, sizeof *b);
    b->baud = 9600;
    if (jf_known_keys(obj, path, bus_keys, err) < 0 ||
        jf_string(obj, "id", path, JF_REQUIRED, b->id, sizeof b->id, err) < 0 ||
        check_id(b->id, path, "id", err) < 0 ||
        jf_string(obj, "device", path, JF_REQUIRED, b->device, sizeof b->device, err) < 0 ||
        jf_int(obj, "baud", path, JF_OPTIONAL, 300, 4000000, &b->baud, err) < 0 ||
        jf_enum(obj, "parity", path, JF_OPTIONAL, parities, 3, &parity, err) < 0 ||
        jf_int(obj, "data_bits", path, JF_OPTIONAL, 7, 8, &data_bits, err) < 0 ||
        jf_int(obj, "stop_bits", path, JF_OPTIONAL, 1, 2, &stop_bits, err) < 0 ||
        jf_bool(obj, "rs485", path, JF_OPTIONAL, &b->rs485, err) < 0 ||
        jf_int(obj, "pause_ms", path, JF_OPTIONAL, 0, 10000, &b->pause_ms, err) < 0)
        return -1;
    b->parity = parities[parity][0];
    b->data_bits = (int)data_bits;
    b->stop_bits = (int)stop_bits;
    return 0;
}

static void device_defaults(struct device_cfg *d)
{
    memset(d, 0, sizeof *d);
    d->id = d->host = d->profile = "";
    d->unit = 1;
    d->interval_ms = DEFAULT_INTERVAL_MS;
    d->phase_ms = PHASE_AUTO;
    d->timeout_ms = DEFAULT_TIMEOUT_MS;
    d->retries = DEFAULT_RETRIES;
    d->comm_fail_ms = DEFAULT_COMM_FAIL_MS;
    d->backoff_after = DEFAULT_BACKOFF_AFTER;
    d->backoff_ms = DEFAULT_BACKOFF_MS;
    d->limits.max_registers = MODBUS_MAX_READ_REGISTERS;
    d->limits.max_bits = MODBUS_MAX_READ_BITS;
    d->limits.max_gap = DEFAULT_MAX_GAP;
}

/* Where the device is: a serial bus by id, or a TCP host and port. */
static int parse_device_link(const cJSON *obj, const char *path, struct config *cfg,
                             struct device_cfg *d, struct cfg_err *err)
{
    char bus[ID_MAX] = "", host[TEXT_MAX] = "", p[CFG_PATH_MAX];
    long port = 0, unit = d->unit;
    if (jf_string(obj, "bus", path, JF_OPTIONAL, bus, sizeof bus, err) < 0 ||
        jf_string(obj, "host", path, JF_OPTIONAL, host, sizeof host, err) < 0 ||
        jf_int(obj, "port", path, JF_OPTIONAL, 1, 65535, &port, err) < 0 ||
        jf_int(obj, "unit", path, JF_OPTIONAL, 0, MODBUS_TCP_UNIT_ANY, &unit, err) < 0)
        return -1;
    if (!(d->host = config_intern_str(cfg, host)))
        return cfg_fail(err, path, "out of memory");
    d->unit = (uint8_t)unit;
    if (bus[0] && d->host[0])
        return cfg_fail(err, path, "give either \"bus\" (a serial line) or \"host\" (Modbus TCP), not both");
    if (!bus[0] && !d->host[0])
        return cfg_fail(err, path, "needs \"bus\" (a serial line id) or \"host\" and \"port\" (Modbus TCP)");
    if (d->host[0]) {
        d->kind = BUS_TCP;
        d->port = port ? (uint16_t)port : 502;
        return 0;
    }
    d->kind = BUS_RTU;
    for (size_t i = 0; i < cfg->nbuses; i++)
        if (strcmp(cfg->buses[i].id, bus) == 0) {
            d->bus = (int)i;
            if (unit == 0 || unit > MODBUS_MAX_UNIT) {
                jf_path_key(p, sizeof p, path, "unit");
                return cfg_fail(err, p, "%ld: a serial slave address is 1 to %d", unit, MODBUS_MAX_UNIT);
            }
            return 0;
        }
    jf_path_key(p, sizeof p, path, "bus");
    return cfg_fail(err, p, "no bus with id \"%s\" in \"buses\"", bus);
}

static int parse_device_timing(const cJSON *obj, const char *path, struct device_cfg *d,
                               struct cfg_err *err)
{
    long retries = d->retries, backoff_after = d->backoff_after;
    long max_regs = d->limits.max_registers, max_bits = d->limits.max_bits, gap = d->limits.max_gap;
    int one = 0;
    if (jf_int32(obj, "interval_ms", path, JF_OPTIONAL, 10, DAY_MS, &d->interval_ms, err) < 0 ||
        jf_int32(obj, "phase_ms", path, JF_OPTIONAL, 0, DAY_MS, &d->phase_ms, err) < 0 ||
        jf_int32(obj, "timeout_ms", path, JF_OPTIONAL, 10, 60000, &d->timeout_ms, err) < 0 ||
        jf_int(obj, "retries", path, JF_OPTIONAL, 0, 10, &retries, err) < 0 ||
        jf_int32(obj, "pause_ms", path, JF_OPTIONAL, 0, 10000, &d->pause_ms, err) < 0 ||
        jf_int32(obj, "connect_pause_ms", path, JF_OPTIONAL, 0, 60000, &d->connect_pause_ms, err) < 0 ||
        jf_int32(obj, "comm_fail_ms", path, JF_OPTIONAL, 100, COMM_FAIL_MAX_MS, &d->comm_fail_ms, err) < 0 ||
        jf_int(obj, "backoff_after", path, JF_OPTIONAL, 1, 1000, &backoff_after, err) < 0 ||
        jf_int32(obj, "backoff_ms", path, JF_OPTIONAL, 100, DAY_MS, &d->backoff_ms, err) < 0 ||
        jf_int(obj, "max_registers", path, JF_OPTIONAL, 1, MODBUS_MAX_READ_REGISTERS, &max_regs, err) < 0 ||
        jf_int(obj, "max_bits", path, JF_OPTIONAL, 1, MODBUS_MAX_READ_BITS, &max_bits, err) < 0 ||
        jf_int(obj, "max_gap", path, JF_OPTIONAL, 0, MODBUS_MAX_READ_REGISTERS, &gap, err) < 0 ||
        jf_bool(obj, "one_per_point", path, JF_OPTIONAL, &one, err) < 0)
        return -1;
    d->retries = (uint16_t)retries;
    d->backoff_after = (uint16_t)backoff_after;
    d->limits.max_registers = (uint16_t)max_regs;
    d->limits.max_bits = (uint16_t)max_bits;
    d->limits.max_gap = (uint16_t)gap;
    d->limits.one_per_point = one;
    return 0;
}

/* The JSON path of point pc: its entry in the site's "points" when the site names it,
 * else the device (the point comes from its profile unchanged). */
static void point_path(char *out, size_t cap, const cJSON *arr, const char *path,
                       const struct point_cfg *pc)
{
    int k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
        if (cJSON_IsString(id) && strcmp(id->valuestring, pc->id) == 0) {
            char p[CFG_PATH_MAX];
            jf_path_key(p, sizeof p, path, "points");
            jf_path_index(out, cap, p, k);
            return;
        }
        k++;
    }
    snprintf(out, cap, "%s", path);
}

/* Each point must fit the device's request cap, have a topic-safe id (duplicates are
 * refused while parsing the points array) and an alarm that meets what it measures. */
static int check_points(struct point_cfg *pts, size_t n, const struct device_cfg *d,
                        const cJSON *arr, const char *path, struct cfg_err *err)
{
    char pp[CFG_PATH_MAX];
    if (n == 0)
        return cfg_fail(err, path, "has no points (give a \"profile\" or \"points\")");
    if (profile_resolve_fault_flags(pts, n, path, err) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        point_path(pp, sizeof pp, arr, path, &pts[i]);
        if (check_id(pts[i].id, path, "points", err) < 0 ||
            measure_check(&pts[i], d->interval_ms, pp, err) < 0)
            return -1;
        if (pts[i].map.type != VT_BIT && point_type_registers(pts[i].map.type) > d->limits.max_registers)
            return cfg_fail(err, path, "point \"%s\" needs %d registers but max_registers is %u",
                            pts[i].id, point_type_registers(pts[i].map.type), d->limits.max_registers);
    }
    return 0;
}

static int append_points(struct config *cfg, size_t dev, const struct point_cfg *pts, size_t n,
                         struct cfg_err *err)
{
    struct site_point *grown = realloc(cfg->points, (cfg->npoints + n) * sizeof *grown);
    if (!grown)
        return cfg_fail(err, NULL, "out of memory for %zu points", cfg->npoints + n);
    cfg->points = grown;
    cfg->devices[dev].first_point = cfg->npoints;
    cfg->devices[dev].npoints = 0;
    for (size_t i = 0; i < n; i++) {
        struct site_point *sp = &grown[cfg->npoints];
        if (config_intern_def(cfg, &pts[i], &sp->def_index, err) < 0)
            return -1;
        sp->device = (uint32_t)dev;
        cfg->npoints++;
        cfg->devices[dev].npoints++;
    }
    return 0;
}

static int parse_device(const cJSON *obj, const char *path, struct config *cfg, size_t dev,
                        struct cfg_err *err)
{
    struct device_cfg *d = &cfg->devices[dev];
    struct point_cfg *pts = NULL;
    size_t npts = 0;
    long base = 0;
    const cJSON *arr;
    char p[CFG_PATH_MAX], id[ID_MAX] = "", profile[ID_MAX] = "";
    int rc = -1;
    device_defaults(d);
    if (jf_known_keys(obj, path, device_keys, err) < 0 ||
        jf_string(obj, "id", path, JF_REQUIRED, id, sizeof id, err) < 0 ||
        check_id(id, path, "id", err) < 0 ||
        jf_string(obj, "profile", path, JF_OPTIONAL, profile, sizeof profile, err) < 0 ||
        jf_int(obj, "base", path, JF_OPTIONAL, 0, 1, &base, err) < 0 ||
        parse_device_link(obj, path, cfg, d, err) < 0 ||
        parse_device_timing(obj, path, d, err) < 0 ||
        jf_array(obj, "points", path, JF_OPTIONAL, &arr, err) < 0)
        return -1;
    if (!(d->id = config_keep_str(cfg, id)) || !(d->profile = config_intern_str(cfg, profile)))
        return cfg_fail(err, path, "out of memory");
    for (size_t i = 0; i < dev; i++)
        if (strcmp(cfg->devices[i].id, d->id) == 0) {
            jf_path_key(p, sizeof p, path, "id");
            return cfg_fail(err, p, "\"%s\" is already the id of devices[%zu]", d->id, i);
        }
    if (d->profile[0]) {
        struct cfg_err perr;
        struct profile *pf = profile_load(cfg->profile_dir, d->profile, &perr);
        if (!pf) {
            jf_path_key(p, sizeof p, path, "profile");
            return cfg_fail(err, p, "%s", perr.msg);
        }
        pts = pf->points;
        npts = pf->npoints;
        pf->points = NULL;
        profile_free(pf);
    }
    jf_path_key(p, sizeof p, path, "points");
    if ((!arr || profile_parse_points(arr, p, (int)base, 0, &pts, &npts, err) == 0) &&
        check_points(pts, npts, d, arr, path, err) == 0)
        rc = append_points(cfg, dev, pts, npts, err);
    free(pts);
    return rc;
}

/* Parse each element of a top-level array with fn into a fresh table. */
static int parse_table(const cJSON *root, const char *key, size_t elem, void **table, size_t *n,
                       int (*fn)(const cJSON *, const char *, struct config *, size_t, struct cfg_err *),
                       struct config *cfg, struct cfg_err *err)
{
    const cJSON *arr, *it;
    char p[CFG_PATH_MAX];
    if (jf_array(root, key, "", JF_OPTIONAL, &arr, err) < 0)
        return -1;
    int count = arr ? cJSON_GetArraySize(arr) : 0;
    if (count > MAX_DEVICES)
        return cfg_fail(err, key, "has %d entries; at most %d are supported", count, MAX_DEVICES);
    if (count == 0)
        return 0;
    *table = calloc((size_t)count, elem);
    if (!*table)
        return cfg_fail(err, key, "out of memory");
    int i = 0;
    cJSON_ArrayForEach(it, arr) {
        jf_path_index(p, sizeof p, key, i);
        if (!cJSON_IsObject(it))
            return cfg_fail(err, p, "expected an object");
        if (fn(it, p, cfg, (size_t)i, err) < 0)
            return -1;
        *n = (size_t)++i;
    }
    return 0;
}

static int bus_entry(const cJSON *o, const char *p, struct config *cfg, size_t i, struct cfg_err *err)
{
    if (parse_bus(o, p, &cfg->buses[i], err) < 0)
        return -1;
    for (size_t j = 0; j < i; j++)
        if (strcmp(cfg->buses[j].id, cfg->buses[i].id) == 0)
            return cfg_fail(err, p, "bus id \"%s\" appears twice", cfg->buses[i].id);
    return 0;
}

static int parse_mqtt(const cJSON *root, struct config *cfg, struct cfg_err *err)
{
    struct mqtt_cfg *m = &cfg->mqtt;
    const cJSON *obj;
    long window = DEFAULT_MQTT_WINDOW;
    m->keepalive_s = DEFAULT_KEEPALIVE_S;
    m->verify_server = 1;
    m->reconnect_min_ms = DEFAULT_RECONNECT_MIN_MS;
    m->reconnect_max_ms = DEFAULT_RECONNECT_MAX_MS;
    snprintf(m->topic_prefix, sizeof m->topic_prefix, "%s", DEFAULT_TOPIC_PREFIX);
    snprintf(m->client_id, sizeof m->client_id, "riskgw-%s", cfg->gateway_id);
    if (jf_object(root, "mqtt", "", JF_OPTIONAL, &obj, err) < 0)
        return -1;
    if (!obj)
        return 0;
    m->enabled = 1;
    if (jf_known_keys(obj, "mqtt", mqtt_keys, err) < 0 ||
        jf_bool(obj, "enabled", "mqtt", JF_OPTIONAL, &m->enabled, err) < 0 ||
        config_parse_mqtt_uri(obj, m, err) < 0 ||
        jf_string(obj, "client_id", "mqtt", JF_OPTIONAL, m->client_id, sizeof m->client_id, err) < 0 ||
        jf_string(obj, "topic_prefix", "mqtt", JF_OPTIONAL, m->topic_prefix, sizeof m->topic_prefix, err) < 0 ||
        jf_int(obj, "keepalive_s", "mqtt", JF_OPTIONAL, 5, 3600, &m->keepalive_s, err) < 0 ||
        jf_string(obj, "username", "mqtt", JF_OPTIONAL, m->username, sizeof m->username, err) < 0 ||
        jf_string(obj, "password", "mqtt", JF_OPTIONAL, m->password, sizeof m->password, err) < 0 ||
        jf_string(obj, "ca_file", "mqtt", JF_OPTIONAL, m->ca_file, sizeof m->ca_file, err) < 0 ||
        jf_string(obj, "cert_file", "mqtt", JF_OPTIONAL, m->cert_file, sizeof m->cert_file, err) < 0 ||
        jf_string(obj, "key_file", "mqtt", JF_OPTIONAL, m->key_file, sizeof m->key_file, err) < 0 ||
        jf_bool(obj, "verify_server", "mqtt", JF_OPTIONAL, &m->verify_server, err) < 0 ||
        jf_int(obj, "window", "mqtt", JF_OPTIONAL, 1, 65535, &window, err) < 0 ||
        jf_int(obj, "reconnect_min_ms", "mqtt", JF_OPTIONAL, 100, 3600000, &m->reconnect_min_ms, err) < 0 ||
        jf_int(obj, "reconnect_max_ms", "mqtt", JF_OPTIONAL, 100, 3600000, &m->reconnect_max_ms, err) < 0)
        return -1;
    m->window = (int)window;
    if (m->reconnect_min_ms > m->reconnect_max_ms)
        return cfg_fail(err, "mqtt.reconnect_min_ms", "must not exceed reconnect_max_ms");
    if ((m->cert_file[0] != 0) != (m->key_file[0] != 0))
        return cfg_fail(err, "mqtt", "a client certificate needs both cert_file and key_file");
    return 0;
}

/* The HTTP uplinks: the national platform (one) and duty-staff webhooks (a few). */
static int parse_http(const cJSON *root, struct config *cfg, struct cfg_err *err)
{
    const cJSON *obj, *arr, *it;
    char p[CFG_PATH_MAX];
    if (jf_object(root, "national", "", JF_OPTIONAL, &obj, err) < 0 ||
        (obj && sink_http_parse_national(obj, "national", &cfg->national, err) < 0) ||
        jf_array(root, "webhooks", "", JF_OPTIONAL, &arr, err) < 0)
        return -1;
    cfg->national_enabled = obj != NULL;
    if (arr && cJSON_GetArraySize(arr) > CONFIG_MAX_WEBHOOKS)
        return cfg_fail(err, "webhooks", "has %d entries; at most %d are supported",
                        cJSON_GetArraySize(arr), CONFIG_MAX_WEBHOOKS);
    cJSON_ArrayForEach(it, arr) {
        struct webhook_cfg *w = &cfg->webhooks[cfg->nwebhooks];
        jf_path_index(p, sizeof p, "webhooks", (int)cfg->nwebhooks);
        if (sink_http_parse_webhook(it, p, w, err) < 0)
            return -1;
        for (size_t j = 0; j < cfg->nwebhooks; j++)
            if (strcmp(cfg->webhooks[j].name, w->name) == 0)
                return cfg_fail(err, p, "webhook name \"%s\" is used twice; give each its own \"name\"",
                                w->name);
        cfg->nwebhooks++;
    }
    return 0;
}

static int parse_store(const cJSON *root, struct config *cfg, struct cfg_err *err)
{
    const cJSON *obj;
    struct store_cfg *st = &cfg->store;
    snprintf(st->path, sizeof st->path, "%s", DEFAULT_STORE_PATH);
    st->commit_interval_ms = DEFAULT_COMMIT_INTERVAL_MS;
    st->retention_days = RETENTION_MIN_DAYS;
    st->aggregate_days = DEFAULT_AGGREGATE_DAYS;
    st->max_mb = DEFAULT_MAX_MB;
    st->heartbeat_s = DEFAULT_HEARTBEAT_S;
    st->alert_after_s = DEFAULT_STORE_ALERT_AFTER_S;
    if (jf_object(root, "store", "", JF_OPTIONAL, &obj, err) < 0)
        return -1;
    if (!obj)
        return 0;
    if (jf_known_keys(obj, "store", store_keys, err) < 0 ||
        jf_string(obj, "path", "store", JF_OPTIONAL, st->path, sizeof st->path, err) < 0 ||
        jf_int(obj, "commit_interval_ms", "store", JF_OPTIONAL, 10, 60000, &st->commit_interval_ms, err) < 0 ||
        jf_int(obj, "retention_days", "store", JF_OPTIONAL, 0, MAX_RETENTION_DAYS, &st->retention_days, err) < 0 ||
        jf_int(obj, "aggregate_days", "store", JF_OPTIONAL, 0, MAX_RETENTION_DAYS, &st->aggregate_days, err) < 0 ||
        jf_int(obj, "max_mb", "store", JF_OPTIONAL, 0, 1024L * 1024, &st->max_mb, err) < 0 ||
        jf_int(obj, "heartbeat_s", "store", JF_OPTIONAL, 1, 86400, &st->heartbeat_s, err) < 0 ||
        jf_int(obj, "alert_after_s", "store", JF_OPTIONAL, 1, 86400, &st->alert_after_s, err) < 0)
        return -1;
    if (st->retention_days < RETENTION_MIN_DAYS)
        return cfg_fail(err, "store.retention_days", "%ld is below the %d days that records must be kept",
                        st->retention_days, RETENTION_MIN_DAYS);
    if (st->aggregate_days < st->retention_days)
        return cfg_fail(err, "store.aggregate_days", "%ld is shorter than retention_days (%ld): "
                        "aggregates outlive the raw samples they summarise", st->aggregate_days,
                        st->retention_days);
    return 0;
}

/* A point with a rule (every combined rule's point has one) keeps alarm state. */
static int has_alarm_state(const struct config *cfg, size_t point)
{
    return rules_enabled(&config_point_def(cfg, point)->rule) || config_device_of(cfg, point)->kind == BUS_VIRTUAL;
}

/* Number the points with alarm state: only they need the core's 96-byte rule state. */
static int number_alarm_slots(struct config *cfg, struct cfg_err *err)
{
    size_t n = 0;
    for (size_t i = 0; i < cfg->npoints; i++)
        n += has_alarm_state(cfg, i);
    if (!(cfg->alarm_points = calloc(n ? n : 1, sizeof *cfg->alarm_points)))
        return cfg_fail(err, NULL, "out of memory for %zu alarm states", n);
    for (size_t i = 0; i < cfg->npoints; i++) {
        cfg->points[i].alarm_slot = ALARM_SLOT_NONE;
        if (has_alarm_state(cfg, i)) {
            cfg->points[i].alarm_slot = (uint32_t)cfg->nalarm_points;
            cfg->alarm_points[cfg->nalarm_points++] = (uint32_t)i;
        }
    }
    return 0;
}

static int parse_root(const cJSON *root, struct config *cfg, const char *profile_dir_default,
                      struct cfg_err *err)
{
    long status_s = DEFAULT_STATUS_INTERVAL_S;
    snprintf(cfg->profile_dir, sizeof cfg->profile_dir, "%s", profile_dir_default);
    if (jf_int(root, "status_interval_s", "", JF_OPTIONAL, 1, 3600, &status_s, err) < 0)
        return -1;
    cfg->status_interval_ms = status_s * MS_PER_S;
    if (jf_known_keys(root, "", top_keys, err) < 0 ||
        jf_string(root, "enterprise", "", JF_REQUIRED, cfg->enterprise_id, sizeof cfg->enterprise_id, err) < 0 ||
        check_id(cfg->enterprise_id, "", "enterprise", err) < 0 ||
        jf_string(root, "gateway", "", JF_REQUIRED, cfg->gateway_id, sizeof cfg->gateway_id, err) < 0 ||
        check_id(cfg->gateway_id, "", "gateway", err) < 0 ||
        jf_string(root, "profile_dir", "", JF_OPTIONAL, cfg->profile_dir, sizeof cfg->profile_dir, err) < 0 ||
        jf_string(root, "user", "", JF_OPTIONAL, cfg->user, sizeof cfg->user, err) < 0 ||
        parse_mqtt(root, cfg, err) < 0 || parse_http(root, cfg, err) < 0 || parse_store(root, cfg, err) < 0 ||
        config_parse_telemetry(root, cfg, err) < 0 || config_parse_metrics(root, cfg, err) < 0 ||
        config_parse_console(root, cfg, err) < 0 ||
        parse_table(root, "buses", sizeof *cfg->buses, (void **)&cfg->buses, &cfg->nbuses,
                    bus_entry, cfg, err) < 0 ||
        parse_table(root, "devices", sizeof *cfg->devices, (void **)&cfg->devices, &cfg->ndevices,
                    parse_device, cfg, err) < 0)
        return -1;
    if (cfg->ndevices == 0)
        return cfg_fail(err, "devices", "is required: at least one device to poll");
    if (config_parse_rules(root, cfg, err) < 0 || number_alarm_slots(cfg, err) < 0)
        return -1;
    return config_parse_outputs(root, cfg, err);
}

/* Build a config from parsed JSON; takes ownership of root. */
static struct config *config_from_json(cJSON *root, const char *origin,
                                       const char *profile_dir_default, struct cfg_err *err)
{
    if (!root)
        return NULL;
    struct config *cfg = calloc(1, sizeof *cfg);
    if (!cfg) {
        cfg_fail(err, NULL, "%s: out of memory", origin);
    } else {
        snprintf(cfg->source, sizeof cfg->source, "%s", origin);
        char *canonical = cJSON_PrintUnformatted(root);
        cfg->hash = canonical ? hash_fnv1a(canonical, strlen(canonical)) : 0;
        cJSON_free(canonical);
        struct cfg_err inner;
        int rc = cJSON_IsObject(root) ? parse_root(root, cfg, profile_dir_default, &inner)
                                      : cfg_fail(&inner, NULL, "expected a JSON object at the top");
        if (rc < 0) {
            cfg_fail(err, NULL, "%s: %s", origin, inner.msg);
            config_free(cfg);
            cfg = NULL;
        }
    }
    cJSON_Delete(root);
    return cfg;
}

struct config *config_parse(const char *text, const char *origin, const char *profile_dir_default,
                            struct cfg_err *err)
{
    return config_from_json(jf_parse_text(text, origin, err), origin, profile_dir_default, err);
}

struct config *config_load(const char *filename, const char *profile_dir_default,
                           struct cfg_err *err)
{
    return config_from_json(jf_parse_file(filename, err), filename, profile_dir_default, err);
}

void config_free(struct config *cfg)
{
    if (!cfg)
        return;
    config_free_rules(cfg);
    free(cfg->outputs);
    free(cfg->buses);
    free(cfg->devices);
    free(cfg->points);
    free(cfg->alarm_points);
    config_free_defs(cfg);
    config_free_strings(cfg);
    free(cfg);
}

long config_find_point_ref(const struct config *cfg, const char *ref)
{
    char dev[ID_MAX];
    long found = -1;
    for (const char *dot = strchr(ref, '.'); dot; dot = strchr(dot + 1, '.')) {
        size_t n = (size_t)(dot - ref);
        if (n == 0 || n >= sizeof dev)
            continue;
        memcpy(dev, ref, n);
        dev[n] = '\0';
        long p = config_find_point(cfg, dev, dot + 1);
        if (p >= 0 && found >= 0)
            return -2;
        if (p >= 0)
            found = p;
    }
    return found;
}

long config_find_point(const struct config *cfg, const char *device, const char *point)
{
    for (size_t i = 0; i < cfg->npoints; i++)
        if (strcmp(config_point_def(cfg, i)->id, point) == 0 &&
            strcmp(config_device_of(cfg, i)->id, device) == 0)
            return (long)i;
    return -1;
}
