/*
 * sink_http_cfg.h - the settings of the HTTP uplinks, and their JSON readers.
 *
 * Kept apart from sink_http.h so that config.h can embed these structs without
 * pulling in libcurl or the sink machinery. The readers follow json_field.h:
 * each takes the object and its JSON path, fills a struct with defaults for
 * what is absent, and names the path of anything wrong. Error messages never
 * contain a secret (appsecret, SM4 key or IV), only its length or position.
 *
 *   "national": {"url": "https://...", "appid": "...", "appsecret": "...",
 *                "sm4_key": "<32 hex>", "sm4_iv": "<32 hex>", "timeout_ms": 10000,
 *                "connect_timeout_ms": 5000, "window": 8, "classes": ["events", "telemetry"]}
 *   "webhooks": [{"name": "duty", "url": "https://...", "timeout_ms": 10000,
 *                 "rate_limit": {"count": 5, "window_s": 60}, "window": 256}]
 */
#ifndef RISKGW_SINK_HTTP_CFG_H
#define RISKGW_SINK_HTTP_CFG_H

#include <stdint.h>
#include <cjson/cJSON.h>
#include "json_field.h"
#include "sm4.h"
#include "store.h"

#define SINK_HTTP_URL_MAX 512
#define SINK_HTTP_TEXT_MAX 128
/* "webhook:" + name must fit struct sink's 32-byte cursor key. */
#define SINK_HTTP_WEBHOOK_NAME_MAX 24

/* What every HTTP uplink has. */
struct http_cfg {
    char url[SINK_HTTP_URL_MAX];    /* http:// or https://; may hold a token: never logged whole */
    long timeout_ms;                /* the whole request, connect included */
    long connect_timeout_ms;        /* TCP + TLS handshake; at most timeout_ms */
    int window;                     /* messages the sink holds at once */
};

struct national_cfg {
    struct http_cfg http;
    char appid[SINK_HTTP_TEXT_MAX];
    char appsecret[SINK_HTTP_TEXT_MAX];     /* sent as the "appsecret" header */
    uint8_t sm4_key[SM4_KEY_LEN];
    uint8_t sm4_iv[SM4_KEY_LEN];
    int classes[OUTBOX_CLASS_COUNT];        /* 1: carried; 0: confirmed without sending */
};

struct webhook_cfg {
    struct http_cfg http;
    char name[SINK_HTTP_WEBHOOK_NAME_MAX];  /* "" for an unnamed webhook */
    int rate_count;                         /* at most this many event posts ... */
    long rate_window_s;                     /* ... per window; the rest fold into a summary */
};

int sink_http_parse_national(const cJSON *obj, const char *path, struct national_cfg *out,
                             struct cfg_err *err);
int sink_http_parse_webhook(const cJSON *obj, const char *path, struct webhook_cfg *out,
                            struct cfg_err *err);

#endif
