/*
 * sink_http_cfg.c - read "national" and "webhooks[i]" objects (see sink_http_cfg.h).
 *
 * The keys both uplinks share (url, timeouts, window) are read by one function;
 * each uplink then reads its own. Secrets are checked by length and alphabet
 * only, and the messages say which, never what the value was.
 */
#include "sink_http_cfg.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_TIMEOUT_MS 10000
#define DEFAULT_CONNECT_TIMEOUT_MS 5000
#define TIMEOUT_MIN_MS 100
#define TIMEOUT_MAX_MS 300000
#define NATIONAL_WINDOW_DEFAULT 8
/* Folded alarms wait in the window until their summary is confirmed: room for a burst. */
#define WEBHOOK_WINDOW_DEFAULT 256
#define WINDOW_MAX 4096
#define RATE_COUNT_DEFAULT 5
#define RATE_COUNT_MAX 1000
#define RATE_WINDOW_DEFAULT_S 60
#define RATE_WINDOW_MAX_S 86400
#define HEX_FIELD_MAX 128           /* read buffer: longer values are refused as too long */

static const char *const national_keys[] = {"url", "appid", "appsecret", "sm4_key", "sm4_iv",
                                            "timeout_ms", "connect_timeout_ms", "window",
                                            "classes", NULL};
static const char *const webhook_keys[] = {"name", "url", "rate_limit", "timeout_ms",
                                           "connect_timeout_ms", "window", NULL};
static const char *const rate_keys[] = {"count", "window_s", NULL};
static const char *const class_names[OUTBOX_CLASS_COUNT] = {"events", "telemetry"};

static int parse_url(const cJSON *obj, const char *path, char *url, struct cfg_err *err)
{
    char p[CFG_PATH_MAX];
    if (jf_string(obj, "url", path, JF_REQUIRED, url, SINK_HTTP_URL_MAX, err) < 0)
        return -1;
    if (strncmp(url, "http://", strlen("http://")) == 0 ||
        strncmp(url, "https://", strlen("https://")) == 0)
        return 0;
    jf_path_key(p, sizeof p, path, "url");
    return cfg_fail(err, p, "must start with http:// or https://");
}

/* url, timeout_ms, connect_timeout_ms, window. */
static int parse_http(const cJSON *obj, const char *path, int window_default,
                      struct http_cfg *out, struct cfg_err *err)
{
    long window = window_default;
    out->timeout_ms = DEFAULT_TIMEOUT_MS;
    out->connect_timeout_ms = -1;
    if (parse_url(obj, path, out->url, err) < 0 ||
        jf_int(obj, "timeout_ms", path, JF_OPTIONAL, TIMEOUT_MIN_MS, TIMEOUT_MAX_MS,
               &out->timeout_ms, err) < 0 ||
        jf_int(obj, "connect_timeout_ms", path, JF_OPTIONAL, TIMEOUT_MIN_MS, TIMEOUT_MAX_MS,
               &out->connect_timeout_ms, err) < 0 ||
        jf_int(obj, "window", path, JF_OPTIONAL, 1, WINDOW_MAX, &window, err) < 0)
        return -1;
    if (out->connect_timeout_ms > out->timeout_ms) {
        char p[CFG_PATH_MAX];
        jf_path_key(p, sizeof p, path, "connect_timeout_ms");
        return cfg_fail(err, p, "%ld is longer than timeout_ms (%ld), which bounds the whole "
                        "request; make it shorter", out->connect_timeout_ms, out->timeout_ms);
    }
    if (out->connect_timeout_ms < 0)
        out->connect_timeout_ms = out->timeout_ms < DEFAULT_CONNECT_TIMEOUT_MS
                                      ? out->timeout_ms : DEFAULT_CONNECT_TIMEOUT_MS;
    out->window = (int)window;
    return 0;
}

/* A required 16-byte value given as exactly 32 hex digits. */
static int parse_hex16(const cJSON *obj, const char *key, const char *path,
                       uint8_t out[SM4_KEY_LEN], struct cfg_err *err)
{
    char text[HEX_FIELD_MAX], p[CFG_PATH_MAX];
    size_t bad;
    if (jf_string(obj, key, path, JF_REQUIRED, text, sizeof text, err) < 0)
        return -1;
    jf_path_key(p, sizeof p, path, key);
    size_t n = strlen(text);
    if (n != SM4_HEX_LEN(SM4_KEY_LEN))
        return cfg_fail(err, p, "expected %d hex digits (%d bytes), got %zu",
                        SM4_HEX_LEN(SM4_KEY_LEN), SM4_KEY_LEN, n);
    if (sm4_hex_decode(text, n, out, SM4_KEY_LEN, &bad) < 0)
        return cfg_fail(err, p, "expected %d hex digits (%d bytes), but character %zu is not "
                        "a hex digit", SM4_HEX_LEN(SM4_KEY_LEN), SM4_KEY_LEN, bad + 1);
    return 0;
}

/* "classes": a non-empty array of distinct class names; absent means all. */
static int parse_classes(const cJSON *obj, const char *path, int classes[OUTBOX_CLASS_COUNT],
                         struct cfg_err *err)
{
    const cJSON *arr, *it;
    char p[CFG_PATH_MAX], ip[CFG_PATH_MAX];
    for (int c = 0; c < OUTBOX_CLASS_COUNT; c++)
        classes[c] = 1;
    if (jf_array(obj, "classes", path, JF_OPTIONAL, &arr, err) < 0)
        return -1;
    if (!arr)
        return 0;
    jf_path_key(p, sizeof p, path, "classes");
    if (cJSON_GetArraySize(arr) == 0)
        return cfg_fail(err, p, "is empty; list \"events\" and/or \"telemetry\", or leave it "
                        "out to carry both");
    memset(classes, 0, OUTBOX_CLASS_COUNT * sizeof classes[0]);
    int i = 0;
    cJSON_ArrayForEach(it, arr) {
        jf_path_index(ip, sizeof ip, p, i++);
        int found = -1;
        for (int c = 0; cJSON_IsString(it) && c < OUTBOX_CLASS_COUNT; c++)
            if (strcmp(it->valuestring, class_names[c]) == 0)
                found = c;
        if (found < 0)
            return cfg_fail(err, ip, "expected \"events\" or \"telemetry\"");
        if (classes[found])
            return cfg_fail(err, ip, "\"%s\" is listed twice", class_names[found]);
        classes[found] = 1;
    }
    return 0;
}

int sink_http_parse_national(const cJSON *obj, const char *path, struct national_cfg *out,
                             struct cfg_err *err)
{
    memset(out, 0, sizeof *out);
    return (jf_known_keys(obj, path, national_keys, err) < 0 ||
            parse_http(obj, path, NATIONAL_WINDOW_DEFAULT, &out->http, err) < 0 ||
            jf_string(obj, "appid", path, JF_REQUIRED, out->appid, sizeof out->appid, err) < 0 ||
            jf_string(obj, "appsecret", path, JF_REQUIRED, out->appsecret,
                      sizeof out->appsecret, err) < 0 ||
            parse_hex16(obj, "sm4_key", path, out->sm4_key, err) < 0 ||
            parse_hex16(obj, "sm4_iv", path, out->sm4_iv, err) < 0 ||
            parse_classes(obj, path, out->classes, err) < 0) ? -1 : 0;
}

/* Letters, digits, '_', '-', '.': the name becomes part of the sink's cursor key. */
static int parse_webhook_name(const cJSON *obj, const char *path, char *name, struct cfg_err *err)
{
    char p[CFG_PATH_MAX];
    if (jf_string(obj, "name", path, JF_OPTIONAL, name, SINK_HTTP_WEBHOOK_NAME_MAX, err) < 0)
        return -1;
    for (const char *c = name; *c; c++)
        if (!isalnum((unsigned char)*c) && *c != '_' && *c != '-' && *c != '.') {
            jf_path_key(p, sizeof p, path, "name");
            return cfg_fail(err, p, "\"%s\" may use only letters, digits, '_', '-' and '.'", name);
        }
    return 0;
}

static int parse_rate_limit(const cJSON *obj, const char *path, struct webhook_cfg *out,
                            struct cfg_err *err)
{
    const cJSON *rl;
    char p[CFG_PATH_MAX];
    long count = RATE_COUNT_DEFAULT;
    out->rate_window_s = RATE_WINDOW_DEFAULT_S;
    if (jf_object(obj, "rate_limit", path, JF_OPTIONAL, &rl, err) < 0)
        return -1;
    jf_path_key(p, sizeof p, path, "rate_limit");
    if (rl && (jf_known_keys(rl, p, rate_keys, err) < 0 ||
               jf_int(rl, "count", p, JF_OPTIONAL, 1, RATE_COUNT_MAX, &count, err) < 0 ||
               jf_int(rl, "window_s", p, JF_OPTIONAL, 1, RATE_WINDOW_MAX_S,
                      &out->rate_window_s, err) < 0))
        return -1;
    out->rate_count = (int)count;
    return 0;
}

int sink_http_parse_webhook(const cJSON *obj, const char *path, struct webhook_cfg *out,
                            struct cfg_err *err)
{
    memset(out, 0, sizeof *out);
    return (jf_known_keys(obj, path, webhook_keys, err) < 0 ||
            parse_http(obj, path, WEBHOOK_WINDOW_DEFAULT, &out->http, err) < 0 ||
            parse_webhook_name(obj, path, out->name, err) < 0 ||
            parse_rate_limit(obj, path, out, err) < 0) ? -1 : 0;
}
