/*
 * sink_http_national.c - the national dust-enterprise access platform as an HTTP sink flavour.
 *
 * Each message becomes {"appid": "<appid>", "data": "<hex of SM4-CBC(PKCS#5) of
 * the payload>"}, POSTed with the header "appsecret: <secret>". The payload is
 * our interface v1 JSON as stored: the platform's own field mapping is not
 * public, and this plan() is the seam where such a mapping would go. The
 * secret and the key live only here and in libcurl's header list; nothing
 * that logs ever sees them.
 */
#include "sink_http_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#define NATIONAL_SINK_NAME "national"
#define APPSECRET_HEADER "appsecret: "
#define APPSECRET_HEADER_MAX (sizeof APPSECRET_HEADER + SINK_HTTP_TEXT_MAX)

struct national {
    char appid[SINK_HTTP_TEXT_MAX];
    uint8_t key[SM4_KEY_LEN], iv[SM4_KEY_LEN];
};

/* {"appid": ..., "data": hex} around the encrypted payload, or NULL (why says). */
static char *national_body(const struct national *n, const struct sink_http_job *job,
                           char *why, size_t whylen)
{
    uint8_t *cipher = malloc(SM4_CBC_OUT_LEN(job->len));
    char *hex = NULL, *body = NULL;
    size_t clen = 0;
    cJSON *o = NULL;
    if (!cipher) {
        snprintf(why, whylen, "out of memory encrypting %zu bytes", job->len);
        return NULL;
    }
    if (sm4_cbc_encrypt(n->key, n->iv, job->payload, job->len, cipher, &clen, why, whylen) < 0)
        goto done;
    hex = malloc(SM4_HEX_LEN(clen) + 1);
    o = cJSON_CreateObject();
    if (hex && o) {
        sm4_hex_encode(cipher, clen, hex);
        if (cJSON_AddStringToObject(o, "appid", n->appid) &&
            cJSON_AddStringToObject(o, "data", hex))
            body = cJSON_PrintUnformatted(o);
    }
    if (!body)
        snprintf(why, whylen, "out of memory building the request of %zu bytes",
                 SM4_HEX_LEN(clen));
done:
    cJSON_Delete(o);
    free(hex);
    free(cipher);
    return body;
}

static enum sink_http_plan national_plan(void *ctx, const struct sink_http_job *job,
                                         int64_t now_ms, char **body, char *why, size_t whylen)
{
    (void)now_ms;
    *body = national_body(ctx, job, why, whylen);
    return *body ? SINK_HTTP_POST : SINK_HTTP_RETRY;
}

static void national_free(void *ctx)
{
    struct national *n = ctx;
    if (n)
        memset(n, 0, sizeof *n);        /* the key does not outlive the sink */
    free(n);
}

static const struct sink_http_flavour national_flavour = {
    .what = "national platform",
    .plan = national_plan,
    .free = national_free,
};

struct sink *sink_http_national_create(const struct national_cfg *cfg, struct queue *ctl,
                                       int index, char *err, size_t errlen)
{
    char header[APPSECRET_HEADER_MAX];
    if (sm4_available(err, errlen) < 0)
        return NULL;
    struct national *n = calloc(1, sizeof *n);
    if (!n) {
        snprintf(err, errlen, "out of memory creating the national platform sink");
        return NULL;
    }
    snprintf(n->appid, sizeof n->appid, "%s", cfg->appid);
    memcpy(n->key, cfg->sm4_key, sizeof n->key);
    memcpy(n->iv, cfg->sm4_iv, sizeof n->iv);
    snprintf(header, sizeof header, "%s%s", APPSECRET_HEADER, cfg->appsecret);
    const char *headers[] = { header, NULL };
    struct sink_http_settings set = { .name = NATIONAL_SINK_NAME, .http = &cfg->http,
                                      .headers = headers };
    memcpy(set.carries, cfg->classes, sizeof set.carries);
    struct sink *s = sink_http_create(&set, &national_flavour, n, ctl, index, err, errlen);
    memset(header, 0, sizeof header);
    return s;
}
