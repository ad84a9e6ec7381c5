/*
 * config.h - the site as the gateway understands it, read from one JSON file.
 *
 * config_load() reads the site file, resolves every device's profile from the
 * profile directory, applies overrides and validates everything. It either returns
 * a complete config or an error naming the JSON path; nothing half-valid escapes.
 * Points of all devices are flattened into one array so a sample can name its
 * point by index and the rule state can live in a parallel array.
 */
#ifndef RISKGW_CONFIG_H
#define RISKGW_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include "batch.h"
#include "console_cfg.h"
#include "expr_rule.h"
#include "json_field.h"
#include "measures.h"
#include "outputs.h"
#include "point.h"
#include "rules.h"
#include "sink_http_cfg.h"

#define ID_MAX 64
#define TEXT_MAX 128
#define PATH_MAX_LEN 256

#define COMM_FAIL_MAX_MS 100000     /* GB 16808: a lost channel must fault within 100 s */
#define CONFIG_MAX_WEBHOOKS 4

enum bus_kind { BUS_TCP, BUS_RTU, BUS_VIRTUAL };

/* The virtual device whose points are the combined rules (never polled). */
#define RULES_DEVICE_ID "_rules"

struct bus_cfg {                    /* a serial line; TCP devices name host:port instead */
    char id[ID_MAX];
    char device[PATH_MAX_LEN];      /* /dev/ttyS1 */
    long baud;
    char parity;                    /* 'N', 'E', 'O' */
    int data_bits, stop_bits;
    int rs485;                      /* 1: ask the kernel for RS-485 mode */
    long pause_ms;                  /* silence between requests on the line */
};

/* phase_ms left out: the pollers choose (TCP devices spread, poller_phase.c). */
#define PHASE_AUTO (-1L)

/*
 * A device of the site. 96 bytes on a 64-bit build (it was 200): the id lives in the
 * config's string storage like host and profile, and the times are 32-bit, as the
 * parser bounds each to a day at most. Ordered widest first, so nothing pads.
 */
struct device_cfg {
    const char *id;                 /* under ID_MAX bytes; config_strings.c keeps it */
    const char *profile;            /* "" none; shared (config_strings.c), never NULL once parsed */
    const char *host;               /* BUS_TCP; "" otherwise; shared like profile */
    size_t first_point, npoints;    /* slice of config->points */
    enum bus_kind kind;
    int bus;                        /* BUS_RTU: index into config->buses */
    int32_t interval_ms;
    int32_t phase_ms;               /* PHASE_AUTO when the site does not say (poller_phase.h) */
    int32_t timeout_ms;
    int32_t pause_ms;               /* after each request to this device */
    int32_t connect_pause_ms;       /* after a TCP connect, before the first request */
    int32_t comm_fail_ms;           /* <= COMM_FAIL_MAX_MS */
    int32_t backoff_ms;             /* probe interval while backed off */
    uint16_t retries;               /* 0 to 10 */
    uint16_t backoff_after;         /* failed cycles before backing off, 1 to 1000 */
    struct batch_limits limits;
    uint16_t port;
    uint8_t unit;
};
_Static_assert(sizeof(struct device_cfg) == 3 * sizeof(const char *) + 2 * sizeof(size_t) + 56,
               "struct device_cfg: 56 bytes after its pointers and sizes, no hole between fields");

/* What a profile (and a site override) says about a point: where it lives, its unit,
 * its alarm rule, what it measures. Devices of one profile share these (struct site_point). */
struct point_cfg {
    char id[ID_MAX];
    char name[TEXT_MAX];
    char unit[16];
    struct point_map map;
    struct rule_cfg rule;
    enum measure_kind measures;     /* MEASURE_NONE, or the gas whose standard bounds the alarm */
    char fault_flag_id[ID_MAX];     /* "fault_flag": the point whose non-zero reading says the
                                       detector is in fault, so this reading is not a value */
    int fault_flag_at;              /* 1 + its index among the device's points; 0 none (so a
                                       zeroed definition has no flag) */
    int is_fault_flag;              /* 1: another point of the device names this one */
    double deadband;                /* a reading is stored when it moves more than this */
    int writable;
};

/*
 * One point of the site: a device and the definition it polls. Definitions are
 * interned (config_defs.c): the 500 devices of one profile share its 30 unchanged
 * definitions, so a point costs 12 bytes here rather than a copy of 600. The
 * definition is named by its index, not a pointer (4 bytes less a point, 240 KB at
 * 60,000 points): read it with config_point_def().
 */
struct site_point {
    uint32_t def_index;             /* index into config->defs.def */
    uint32_t device;                /* index into config->devices */
    uint32_t alarm_slot;            /* its alarm state's index, ALARM_SLOT_NONE without a rule */
};
_Static_assert(sizeof(struct site_point) == 12, "a site point is three 32-bit indices");
#define ALARM_SLOT_NONE UINT32_MAX

/* The distinct point definitions of a config, each stored once, found by content. */
struct point_defs {
    struct point_cfg **def;
    size_t n, cap;
    uint32_t *slot;                 /* open addressing: index + 1 into def, 0 = empty */
    size_t nslots;                  /* a power of two, at least twice n */
};

/* The devices' ids, hosts and profile names (config_strings.c): packed into blocks,
 * hosts and profile names stored once each. */
struct string_block;
struct config_strings {
    const char **s;                 /* the shared ones, found by content */
    size_t n, cap;
    struct string_block *blocks;    /* where every copy lives; the newest first */
};

#define MQTT_URIS_MAX 8             /* the nodes of a broker cluster (config_mqtt_uri.c) */
struct mqtt_cfg {
    int enabled;
    char uris[MQTT_URIS_MAX][PATH_MAX_LEN]; /* tcp://127.0.0.1:1883, ssl://host:8883; in order */
    int nuris;                      /* at least 1 when enabled */
    char client_id[TEXT_MAX];
    char topic_prefix[TEXT_MAX];    /* riskgw/v1 */
    long keepalive_s;
    char username[TEXT_MAX];
    char password[TEXT_MAX];
    char ca_file[PATH_MAX_LEN];
    char cert_file[PATH_MAX_LEN];
    char key_file[PATH_MAX_LEN];
    int verify_server;              /* 1 unless explicitly turned off */
    int window;                     /* QoS 1 messages in flight */
    long reconnect_min_ms, reconnect_max_ms;
};

#define RETENTION_MIN_DAYS 30        /* hazardous-chemical records: at least 30 days */

struct store_cfg {
    char path[PATH_MAX_LEN];
    long commit_interval_ms;
    long retention_days;            /* raw samples; >= RETENTION_MIN_DAYS */
    long aggregate_days;            /* per-minute min/avg/max */
    long max_mb;                    /* hard cap on the data in the file; 0 = none */
    long heartbeat_s;               /* an unchanged reading is stored again this often */
    long alert_after_s;             /* the store failing this long: "failing_too_long" in health */
};

/* When a device's telemetry is sent (config_telemetry.c). */
enum telemetry_send { TELEMETRY_EVERY_INTERVAL, TELEMETRY_ON_CHANGE };
struct telemetry_cfg {
    enum telemetry_send send;
    long heartbeat_s;               /* on_change: a device unchanged this long is sent anyway */
};

/* The optional Prometheus endpoint (docs/operations.md); off unless "metrics" is given. */
#define METRICS_LISTEN_MAX 64       /* "[ipv6]:port" */
struct metrics_cfg {
    int enabled;
    char listen[METRICS_LISTEN_MAX];  /* numeric "address:port": 127.0.0.1:9105, [::1]:9105 */
};

struct config {
    char source[PATH_MAX_LEN];      /* the file it came from */
    uint64_t hash;                  /* fingerprint of its content, reported in status */
    long status_interval_ms;        /* health published and written this often */
    char enterprise_id[ID_MAX];
    char gateway_id[ID_MAX];
    char profile_dir[PATH_MAX_LEN];
    char user[ID_MAX];              /* started as root: switch to this user once all is open */
    struct bus_cfg *buses;
    size_t nbuses;
    struct device_cfg *devices;
    size_t ndevices;
    struct site_point *points;
    size_t npoints;
    struct point_defs defs;         /* what points[].def_index index */
    struct config_strings strings;  /* what devices[].host and .profile point into */
    uint32_t *alarm_points;         /* the points with a rule: alarm_points[k] owns slot k */
    size_t nalarm_points;
    struct mqtt_cfg mqtt;
    int national_enabled;           /* the national dust-enterprise platform */
    struct national_cfg national;
    struct webhook_cfg webhooks[CONFIG_MAX_WEBHOOKS];
    size_t nwebhooks;
    struct store_cfg store;
    struct telemetry_cfg telemetry;
    struct metrics_cfg metrics;
    struct console_cfg console;     /* the site console (gateway/console/), off unless given */
    struct expr_calendars calendars;
    struct expr_rule *crules;       /* combined rules; crules[i] is point rules_first_point + i */
    size_t ncrules;
    size_t rules_first_point;
    struct output_cfg *outputs;     /* the outputs rules drive, sorted by target point */
    size_t noutputs;
};

/*
 * Load and validate. profile_dir_default is used when the file names none.
 * Returns a config to free with config_free, or NULL with err filled.
 */
struct config *config_load(const char *filename, const char *profile_dir_default,
                           struct cfg_err *err);
/* The same from text already in memory (tests, fuzzing). */
struct config *config_parse(const char *text, const char *origin,
                            const char *profile_dir_default, struct cfg_err *err);
void config_free(struct config *cfg);

/* config_rules.c: "calendars" and "rules" (after the devices); free what they hold. */
int config_parse_rules(const cJSON *root, struct config *cfg, struct cfg_err *err);
void config_free_rules(struct config *cfg);

/* config_outputs.c: the "outputs" of point alarms and combined rules (after the rules). */
int config_parse_outputs(const cJSON *root, struct config *cfg, struct cfg_err *err);
/* config_telemetry.c: the "telemetry" section. */
int config_parse_telemetry(const cJSON *root, struct config *cfg, struct cfg_err *err);
/* config_mqtt_uri.c: "mqtt.uri", one address or a list, into m->uris. */
int config_parse_mqtt_uri(const cJSON *mqtt, struct mqtt_cfg *m, struct cfg_err *err);
/* config_metrics.c: the "metrics" section; and a listen address into a socket address
 * (0, or -1 with the reason in why). */
struct sockaddr_storage;
int config_parse_metrics(const cJSON *root, struct config *cfg, struct cfg_err *err);
/* console/config_console.c: the "console" section. */
int config_parse_console(const cJSON *root, struct config *cfg, struct cfg_err *err);
int config_listen_addr(const char *listen, struct sockaddr_storage *sa, unsigned *salen, char *why,
                       size_t whylen);

/* The device a point belongs to. */
static inline const struct device_cfg *config_device_of(const struct config *cfg, size_t point)
{
    return &cfg->devices[cfg->points[point].device];
}

/* What a point polls and how it alarms: its interned definition. */
static inline const struct point_cfg *config_point_def(const struct config *cfg, size_t point)
{
    return cfg->defs.def[cfg->points[point].def_index];
}

/* config_defs.c: the index in cfg->defs of the shared copy of a definition equal to pc
 * (added when new) into *index, 0; or -1 with err when memory ran out. And freeing them all. */
int config_intern_def(struct config *cfg, const struct point_cfg *pc, uint32_t *index,
                      struct cfg_err *err);
void config_free_defs(struct config *cfg);
/* config_strings.c: the shared copy of s ("" for ""), or NULL when memory ran out; and
 * a copy of its own (a device id: each is unique), or NULL. Both live until config_free. */
const char *config_intern_str(struct config *cfg, const char *s);
const char *config_keep_str(struct config *cfg, const char *s);
void config_free_strings(struct config *cfg);

/* 1 when the file holds secrets (passwords, keys, tokens) and every user may read it. */
int config_secrets_exposed(const struct config *cfg);

/* Index of a device/point by id, or -1. */
long config_find_point(const struct config *cfg, const char *device, const char *point);
/* The same for "device.point" (ids may hold dots: every split is tried). The index,
 * -1 when no split names a point, -2 when more than one does. */
long config_find_point_ref(const struct config *cfg, const char *ref);

#endif
