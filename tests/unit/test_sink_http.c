/*
 * test_sink_http.c - the national and webhook sinks against a real HTTP server on loopback.
 *
 * Covers: the config readers (defaults, exact messages, secrets never echoed);
 * the national sink's request (appsecret header, appid, data decrypted by the
 * openssl CLI inside the server equals the payload, one kept-alive connection);
 * a class it does not carry confirmed without a request; HTTP 500, a 2xx reply
 * that reports an error, and a wrong secret all failing; a dead port going
 * connected() 0 for a doubling back-off with no CPU burnt; a full window
 * refusing and destroy cutting a hanging request short in silence; the webhook
 * line; and its rate limit folding a storm into one summary that settles the
 * folded events only when it is delivered. Everything the sinks log is
 * captured and checked for the secret, the key, the IV and the URL's token.
 */
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "clock.h"
#include "control.h"
#include "ctl_drain.h"
#include "http_server.h"
#include "mosquitto.h"          /* test_free_port() */
#include "queue.h"
#include "sink_http.h"

#define CTL_CAPACITY 1024
#define SINK_INDEX 5            /* any index: every report must carry it back */
#define MAX_SEQ 64
#define WAIT_MS 3000
#define SECRET "s3cr3t-appsecret"
#define KEY_HEX "0123456789abcdeffedcba9876543210"
#define IV_HEX "00112233445566778899aabbccddeeff"
#define HOOK_TOKEN "hooktoken123"
#define APPID "riskgw-test-app"
#define URL_MAX 256
#define PAYLOAD_MAX 1024
#define CFG_TEXT_MAX 1024
#define ERR_LEN 512
#define LOG_MAX (64 * 1024)
#define EVENT_TS_MS 1795398080000LL     /* 2026-11-23 09:41:20 in UTC+8 */
#define STORM 20
#define STORM_LIMIT 5
#define STORM_WINDOW_S 2
#define BACKOFF_FIRST_MS 1000
#define BACKOFF_SLACK_MS 500
#define POLL_STEP_MS 20
#define CPU_MAX_MS 60           /* while backed off for a second: a sleeping thread */
#define SLOW_MS 3000
#define DESTROY_MAX_MS 500
#define MS_PER_S 1000
#define US_PER_MS 1000

static struct test_http server;
static char dir[] = "/tmp/test_sink_http.XXXXXX";

/* Everything the sinks reported, tallied the way the core would see it. */
static struct {
    struct queue q;
    struct doorbell bell;
    int delivered[OUTBOX_CLASS_COUNT][MAX_SEQ], failed[OUTBOX_CLASS_COUNT][MAX_SEQ];
    int delivered_total, failed_total, link_up, link_down, wrong_sink;
} ctl;

static void ctl_reset(void)
{
    struct ctl_msg m;
    while (queue_pop(&ctl.q, &m, 1) == 1)
        ;
    memset(ctl.delivered, 0, sizeof ctl.delivered);
    memset(ctl.failed, 0, sizeof ctl.failed);
    ctl.delivered_total = ctl.failed_total = ctl.link_up = ctl.link_down = ctl.wrong_sink = 0;
}

static void ctl_take(const struct ctl_msg *m)
{
    int known = (unsigned)m->cls < OUTBOX_CLASS_COUNT && m->seq >= 0 && m->seq < MAX_SEQ;
    ctl.wrong_sink += m->sink != SINK_INDEX;
    if (m->kind == CTL_DELIVERED && known) {
        ctl.delivered[m->cls][m->seq]++;
        ctl.delivered_total++;
    } else if (m->kind == CTL_FAILED && known) {
        ctl.failed[m->cls][m->seq]++;
        ctl.failed_total++;
    }
    ctl.link_up += m->kind == CTL_LINK_UP;
    ctl.link_down += m->kind == CTL_LINK_DOWN;
}

static void ctl_drain(int ms)
{
    ctl_queue_drain(&ctl.q, &ctl.bell, ms, ctl_take);
}

static int ctl_wait(const int *counter, int want, int ms)
{
    return ctl_queue_wait(&ctl.q, &ctl.bell, ctl_take, counter, want, ms, POLL_STEP_MS);
}

static int send_msg(struct sink *s, enum outbox_class cls, int64_t seq, const char *payload)
{
    struct outbox_msg m = { .cls = cls, .seq = seq, .topic = "riskgw/v1/test",
                            .payload = (char *)payload, .payload_len = strlen(payload) };
    return s->ops->send(s, &m);
}

static void event_payload(char *out, int64_t seq, const char *kind, const char *value,
                          const char *quality)
{
    snprintf(out, PAYLOAD_MAX,
             "{\"v\":1,\"enterprise\":\"demo-park-chem-01\",\"gateway\":\"gw-tankfarm-01\","
             "\"epoch\":1795400000000,\"seq\":%lld,\"id\":%lld,\"ts\":%lld,\"device\":\"tank-a-lel\","
             "\"point\":\"lel\",\"name\":\"可燃气体\",\"unit\":\"%%LEL\",\"kind\":\"%s\","
             "\"level\":\"level2\",\"severity\":2,\"value\":%s,\"quality\":\"%s\"}",
             (long long)seq, (long long)seq, EVENT_TS_MS, kind, value, quality);
}

static void telemetry_payload(char *out, int64_t seq)
{
    snprintf(out, PAYLOAD_MAX,
             "{\"v\":1,\"gateway\":\"gw-tankfarm-01\",\"seq\":%lld,\"device\":\"tank-a-lel\","
             "\"note\":\"quotes \\\" and 中文\",\"points\":{\"lel\":{\"v\":3.1,\"q\":\"good\"}}}",
             (long long)seq);
}

/* Parse text as a national config; 0 or -1 (err filled). */
static int national_cfg_from(const char *text, struct national_cfg *cfg, struct cfg_err *err)
{
    cJSON *j = cJSON_Parse(text);
    int rc = sink_http_parse_national(j, "national", cfg, err);
    cJSON_Delete(j);
    return rc;
}

static int webhook_cfg_from(const char *text, struct webhook_cfg *cfg, struct cfg_err *err)
{
    cJSON *j = cJSON_Parse(text);
    int rc = sink_http_parse_webhook(j, "webhooks[0]", cfg, err);
    cJSON_Delete(j);
    return rc;
}

/* A national sink to path on the test server with extra config keys (may be ""). */
static struct sink *national_sink(const char *path, const char *secret, const char *extra)
{
    char text[CFG_TEXT_MAX], err[ERR_LEN];
    struct national_cfg cfg;
    struct cfg_err cerr;
    snprintf(text, sizeof text, "{\"url\":\"http://127.0.0.1:%d%s\",\"appid\":\"%s\","
             "\"appsecret\":\"%s\",\"sm4_key\":\"%s\",\"sm4_iv\":\"%s\"%s}",
             server.port, path, APPID, secret, KEY_HEX, IV_HEX, extra);
    if (national_cfg_from(text, &cfg, &cerr) < 0) {
        fprintf(stderr, "test: config refused: %s\n", cerr.msg);
        return NULL;
    }
    struct sink *s = sink_http_national_create(&cfg, &ctl.q, SINK_INDEX, err, sizeof err);
    if (!s)
        fprintf(stderr, "test: sink refused: %s\n", err);
    return s;
}

static struct sink *webhook_sink(const char *path, const char *extra)
{
    char text[CFG_TEXT_MAX], err[ERR_LEN];
    struct webhook_cfg cfg;
    struct cfg_err cerr;
    snprintf(text, sizeof text, "{\"url\":\"http://127.0.0.1:%d%s?key=" HOOK_TOKEN "\"%s}",
             server.port, path, extra);
    if (webhook_cfg_from(text, &cfg, &cerr) < 0) {
        fprintf(stderr, "test: config refused: %s\n", cerr.msg);
        return NULL;
    }
    struct sink *s = sink_http_webhook_create(&cfg, &ctl.q, SINK_INDEX, err, sizeof err);
    if (!s)
        fprintf(stderr, "test: sink refused: %s\n", err);
    return s;
}

static const char *req_str(const cJSON *req, const char *key)
{
    const cJSON *it = cJSON_GetObjectItem(req, key);
    return cJSON_IsString(it) ? it->valuestring : NULL;
}

/* The "text.content" of a recorded webhook request. */
static const char *hook_content(const cJSON *req, cJSON **body)
{
    *body = cJSON_Parse(req_str(req, "body") ? req_str(req, "body") : "");
    CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(*body, "msgtype")), "text");
    return cJSON_GetStringValue(cJSON_GetObjectItem(cJSON_GetObjectItem(*body, "text"), "content"));
}

static void expect_config_error(int national, const char *text, const char *want)
{
    struct national_cfg n;
    struct webhook_cfg w;
    struct cfg_err err = { .msg = "" };
    int rc = national ? national_cfg_from(text, &n, &err) : webhook_cfg_from(text, &w, &err);
    CHECK_INT(rc, -1);
    CHECK_STR(err.msg, want);
}

static void test_config(void)
{
    struct national_cfg n;
    struct webhook_cfg w;
    struct cfg_err err;
    char text[CFG_TEXT_MAX];
    const char *base = "{\"url\":\"https://platform.example/api\",\"appid\":\"a\","
                       "\"appsecret\":\"" SECRET "\",\"sm4_key\":\"" KEY_HEX "\","
                       "\"sm4_iv\":\"" IV_HEX "\"";
    snprintf(text, sizeof text, "%s}", base);
    CHECK_INT(national_cfg_from(text, &n, &err), 0);
    CHECK_INT(n.http.timeout_ms, 10000);
    CHECK_INT(n.http.connect_timeout_ms, 5000);
    CHECK_INT(n.http.window, 8);
    CHECK(n.classes[OUTBOX_EVENTS] && n.classes[OUTBOX_TELEMETRY]);
    CHECK(n.sm4_key[0] == 0x01 && n.sm4_key[15] == 0x10 && n.sm4_iv[15] == 0xff);
    snprintf(text, sizeof text, "%s,\"classes\":[\"events\"],\"timeout_ms\":2000}", base);
    CHECK_INT(national_cfg_from(text, &n, &err), 0);
    CHECK(n.classes[OUTBOX_EVENTS] && !n.classes[OUTBOX_TELEMETRY]);
    CHECK_INT(n.http.connect_timeout_ms, 2000);

    expect_config_error(1, "{\"url\":\"https://p/x\",\"appid\":\"a\",\"appsecret\":\"s\","
                        "\"sm4_key\":\"0123456789abcdeffedcba98765432\",\"sm4_iv\":\"" IV_HEX "\"}",
                        "national.sm4_key: expected 32 hex digits (16 bytes), got 30");
    expect_config_error(1, "{\"url\":\"https://p/x\",\"appid\":\"a\",\"appsecret\":\"s\","
                        "\"sm4_key\":\"" KEY_HEX "\",\"sm4_iv\":\"0011z233445566778899aabbccddeeff\"}",
                        "national.sm4_iv: expected 32 hex digits (16 bytes), but character 5 is "
                        "not a hex digit");
    expect_config_error(1, "{\"url\":\"ftp://p/x\"}", "national.url: must start with http:// or https://");
    expect_config_error(1, "{\"url\":\"https://p/x\",\"appid\":\"a\",\"sm4_key\":\"" KEY_HEX "\"}",
                        "national.appsecret: is required");
    expect_config_error(1, "{\"url\":\"https://p/x\",\"appsecrte\":\"x\"}",
                        "national.appsecrte: unknown key (a typo?)");
    snprintf(text, sizeof text, "%s,\"classes\":[\"events\",\"alarms\"]}", base);
    expect_config_error(1, text, "national.classes[1]: expected \"events\" or \"telemetry\"");
    snprintf(text, sizeof text, "%s,\"classes\":[\"events\",\"events\"]}", base);
    expect_config_error(1, text, "national.classes[1]: \"events\" is listed twice");
    snprintf(text, sizeof text, "%s,\"classes\":[]}", base);
    expect_config_error(1, text, "national.classes: is empty; list \"events\" and/or "
                        "\"telemetry\", or leave it out to carry both");
    snprintf(text, sizeof text, "%s,\"timeout_ms\":1000,\"connect_timeout_ms\":2000}", base);
    expect_config_error(1, text, "national.connect_timeout_ms: 2000 is longer than timeout_ms "
                        "(1000), which bounds the whole request; make it shorter");

    CHECK_INT(webhook_cfg_from("{\"url\":\"https://qyapi.example/send?key=k\"}", &w, &err), 0);
    CHECK_STR(w.name, "");
    CHECK_INT(w.rate_count, 5);
    CHECK_INT(w.rate_window_s, 60);
    CHECK_INT(w.http.window, 256);
    CHECK_INT(webhook_cfg_from("{\"url\":\"http://h/x\",\"name\":\"duty-1\","
                               "\"rate_limit\":{\"count\":3,\"window_s\":10}}", &w, &err), 0);
    CHECK_STR(w.name, "duty-1");
    CHECK_INT(w.rate_count, 3);
    CHECK_INT(w.rate_window_s, 10);
    expect_config_error(0, "{\"url\":\"http://h/x\",\"name\":\"duty desk\"}",
                        "webhooks[0].name: \"duty desk\" may use only letters, digits, '_', '-' "
                        "and '.'");
    expect_config_error(0, "{\"url\":\"http://h/x\",\"rate_limit\":{\"count\":0}}",
                        "webhooks[0].rate_limit.count: 0 is out of range (1 to 1000)");
    expect_config_error(0, "{\"url\":\"http://h/x\",\"rate_limit\":{\"per\":1}}",
                        "webhooks[0].rate_limit.per: unknown key (a typo?)");
}

static void test_national_delivers(void)
{
    char payloads[6][PAYLOAD_MAX];
    ctl_reset();
    struct sink *s = national_sink("/national/ok", SECRET, "");
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_STR(s->name, "national");
    CHECK_INT(s->ops->connected(s), 1);
    for (int i = 0; i < 6; i++) {
        enum outbox_class cls = i % 2 ? OUTBOX_TELEMETRY : OUTBOX_EVENTS;
        if (cls == OUTBOX_EVENTS)
            event_payload(payloads[i], i / 2 + 1, "RAISED", "12.5", "good");
        else
            telemetry_payload(payloads[i], i / 2 + 1);
        CHECK_INT(send_msg(s, cls, i / 2 + 1, payloads[i]), 0);
    }
    CHECK(ctl_wait(&ctl.delivered_total, 6, WAIT_MS));
    for (int seq = 1; seq <= 3; seq++)
        CHECK(ctl.delivered[OUTBOX_EVENTS][seq] == 1 && ctl.delivered[OUTBOX_TELEMETRY][seq] == 1);
    CHECK_INT(ctl.failed_total, 0);
    CHECK_INT(ctl.wrong_sink, 0);

    cJSON *reqs = test_http_requests(&server, "/national/ok", 6, WAIT_MS);
    CHECK_INT(cJSON_GetArraySize(reqs), 6);
    double first_port = cJSON_GetNumberValue(cJSON_GetObjectItem(cJSON_GetArrayItem(reqs, 0), "peer_port"));
    int i = 0;
    const cJSON *req;
    cJSON_ArrayForEach(req, reqs) {
        cJSON *body = cJSON_Parse(req_str(req, "body"));
        const char *data = cJSON_GetStringValue(cJSON_GetObjectItem(body, "data"));
        CHECK_STR(req_str(req, "appsecret"), SECRET);
        CHECK_STR(cJSON_GetStringValue(cJSON_GetObjectItem(body, "appid")), APPID);
        CHECK(data && strlen(data) % (2 * SM4_BLOCK_LEN) == 0 && strspn(data, "0123456789abcdef") == strlen(data));
        CHECK_STR(req_str(req, "decrypted"), i < 6 ? payloads[i] : "");
        CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(req, "peer_port")) == first_port);
        cJSON_Delete(body);
        i++;
    }
    cJSON_Delete(reqs);
    s->ops->destroy(s);
}

static void test_national_classes(void)
{
    char ev[PAYLOAD_MAX], tm[PAYLOAD_MAX];
    ctl_reset();
    struct sink *s = national_sink("/national/events-only", SECRET, ",\"classes\":[\"events\"]");
    if (!s)
        return;
    event_payload(ev, 1, "RAISED", "12.5", "good");
    telemetry_payload(tm, 1);
    CHECK_INT(send_msg(s, OUTBOX_TELEMETRY, 1, tm), 0);
    CHECK_INT(send_msg(s, OUTBOX_EVENTS, 1, ev), 0);
    CHECK_INT(send_msg(s, OUTBOX_TELEMETRY, 2, tm), 0);
    CHECK(ctl_wait(&ctl.delivered_total, 3, WAIT_MS));
    CHECK(ctl.delivered[OUTBOX_TELEMETRY][1] == 1 && ctl.delivered[OUTBOX_TELEMETRY][2] == 1);
    s->ops->destroy(s);
    cJSON *reqs = test_http_requests(&server, "/national/events-only", 1, WAIT_MS);
    CHECK_INT(cJSON_GetArraySize(reqs), 1);
    CHECK_STR(req_str(cJSON_GetArrayItem(reqs, 0), "decrypted"), ev);
    cJSON_Delete(reqs);
}

/* One event to a sink that must refuse it: CTL_FAILED, then connected() 0 (backing off). */
static void expect_refused(struct sink *s)
{
    char ev[PAYLOAD_MAX];
    ctl_reset();
    CHECK(s != NULL);
    if (!s)
        return;
    event_payload(ev, 1, "RAISED", "12.5", "good");
    CHECK_INT(send_msg(s, OUTBOX_EVENTS, 1, ev), 0);
    CHECK(ctl_wait(&ctl.failed_total, 1, WAIT_MS));
    CHECK_INT(ctl.failed[OUTBOX_EVENTS][1], 1);
    CHECK_INT(ctl.delivered_total, 0);
    CHECK_INT(ctl.link_down, 0);            /* the server answered: not a link problem */
    CHECK_INT(s->ops->connected(s), 0);
    CHECK_INT(send_msg(s, OUTBOX_EVENTS, 2, ev), -1);
    s->ops->destroy(s);
}

static void test_refusals(void)
{
    expect_refused(national_sink("/national/status/500", SECRET, ""));
    expect_refused(national_sink("/national/apperror", SECRET, ""));
    expect_refused(national_sink("/national/ok/wrong-secret", "not-the-secret", ""));
    expect_refused(webhook_sink("/hook/status/500", ""));
    expect_refused(webhook_sink("/hook/errcode", ""));     /* WeCom's 2xx "errcode" refusal */
}

static int64_t cpu_ms(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (int64_t)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * MS_PER_S +
           (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / US_PER_MS;
}

static void test_dead_port(int port)
{
    char text[CFG_TEXT_MAX], err[ERR_LEN], ev[PAYLOAD_MAX];
    struct national_cfg cfg;
    struct cfg_err cerr;
    ctl_reset();
    snprintf(text, sizeof text, "{\"url\":\"http://127.0.0.1:%d/dead\",\"appid\":\"a\","
             "\"appsecret\":\"" SECRET "\",\"sm4_key\":\"" KEY_HEX "\",\"sm4_iv\":\"" IV_HEX "\"}",
             port);
    CHECK_INT(national_cfg_from(text, &cfg, &cerr), 0);
    struct sink *s = sink_http_national_create(&cfg, &ctl.q, SINK_INDEX, err, sizeof err);
    CHECK(s != NULL);
    if (!s)
        return;
    event_payload(ev, 1, "RAISED", "12.5", "good");
    CHECK_INT(send_msg(s, OUTBOX_EVENTS, 1, ev), 0);
    CHECK(ctl_wait(&ctl.link_down, 1, WAIT_MS));
    ctl_drain(0);
    CHECK_INT(ctl.failed[OUTBOX_EVENTS][1], 1);
    int64_t start = clock_mono_ms(), cpu = cpu_ms(), up_after = -1;
    CHECK_INT(s->ops->connected(s), 0);
    /* Wait long enough to see a doubled back-off (2 s) too, so the bounds
     * below tell 1 s from 2 s; a loaded machine may oversleep each step. */
    while (up_after < 0 && clock_mono_ms() - start < 2 * BACKOFF_FIRST_MS + BACKOFF_SLACK_MS) {
        usleep(POLL_STEP_MS * US_PER_MS);
        if (s->ops->connected(s))
            up_after = clock_mono_ms() - start;
    }
    CHECK(up_after > BACKOFF_FIRST_MS - BACKOFF_SLACK_MS && up_after < BACKOFF_FIRST_MS + BACKOFF_SLACK_MS);
    printf("dead port: connected() back after %lld ms\n", (long long)up_after);
    CHECK(cpu_ms() - cpu < CPU_MAX_MS);
    /* The next failure doubles the back-off; the link stays down, reported once. */
    CHECK_INT(send_msg(s, OUTBOX_EVENTS, 1, ev), 0);
    CHECK(ctl_wait(&ctl.failed_total, 2, WAIT_MS));
    usleep((BACKOFF_FIRST_MS + BACKOFF_SLACK_MS / 2) * US_PER_MS);
    CHECK_INT(s->ops->connected(s), 0);
    ctl_drain(0);
    CHECK_INT(ctl.link_down, 1);
    CHECK_INT(ctl.delivered_total, 0);
    s->ops->destroy(s);
}

static void test_window_and_destroy(void)
{
    char ev[PAYLOAD_MAX];
    char extra[64];
    ctl_reset();
    snprintf(extra, sizeof extra, ",\"window\":2");
    struct sink *s = national_sink("/national/slow/3000", SECRET, extra);
    if (!s)
        return;
    event_payload(ev, 1, "RAISED", "12.5", "good");
    CHECK_INT(send_msg(s, OUTBOX_EVENTS, 1, ev), 0);
    CHECK_INT(send_msg(s, OUTBOX_EVENTS, 2, ev), 0);
    CHECK_INT(send_msg(s, OUTBOX_EVENTS, 3, ev), -1);      /* window full */
    usleep(200 * US_PER_MS);                                /* the first POST hangs */
    int64_t t0 = clock_mono_ms();
    s->ops->destroy(s);
    CHECK(clock_mono_ms() - t0 < DESTROY_MAX_MS);
    ctl_drain(200);
    CHECK_INT(ctl.delivered_total + ctl.failed_total, 0);  /* silent after destroy */
}

static void test_webhook_text(void)
{
    char ev1[PAYLOAD_MAX], ev2[PAYLOAD_MAX], tm[PAYLOAD_MAX];
    ctl_reset();
    struct sink *s = webhook_sink("/hook/text", ",\"name\":\"duty\"");
    if (!s)
        return;
    CHECK_STR(s->name, "webhook:duty");
    event_payload(ev1, 1, "ESCALATED", "51.2", "good");
    event_payload(ev2, 2, "FAULT", "null", "sensor_fault");
    telemetry_payload(tm, 1);
    CHECK_INT(send_msg(s, OUTBOX_EVENTS, 1, ev1), 0);
    CHECK_INT(send_msg(s, OUTBOX_TELEMETRY, 1, tm), 0);
    CHECK_INT(send_msg(s, OUTBOX_EVENTS, 2, ev2), 0);
    CHECK(ctl_wait(&ctl.delivered_total, 3, WAIT_MS));
    s->ops->destroy(s);
    cJSON *reqs = test_http_requests(&server, "/hook/text", 2, WAIT_MS), *body;
    CHECK_INT(cJSON_GetArraySize(reqs), 2);
    CHECK_STR(hook_content(cJSON_GetArrayItem(reqs, 0), &body),
              "【riskgw 报警】gw-tankfarm-01 tank-a-lel/lel 可燃气体 ESCALATED level2 51.2 %LEL "
              "2026-11-23 09:41:20");
    cJSON_Delete(body);
    CHECK_STR(hook_content(cJSON_GetArrayItem(reqs, 1), &body),
              "【riskgw 故障】gw-tankfarm-01 tank-a-lel/lel 可燃气体 FAULT level2 sensor_fault "
              "2026-11-23 09:41:20");
    cJSON_Delete(body);
    cJSON_Delete(reqs);
}

static void test_webhook_storm(void)
{
    char ev[PAYLOAD_MAX], value[16], extra[96];
    ctl_reset();
    snprintf(extra, sizeof extra, ",\"window\":32,\"rate_limit\":{\"count\":%d,\"window_s\":%d}",
             STORM_LIMIT, STORM_WINDOW_S);
    struct sink *s = webhook_sink("/hook/storm", extra);
    if (!s)
        return;
    int64_t t0 = clock_mono_ms();
    for (int seq = 1; seq <= STORM; seq++) {
        snprintf(value, sizeof value, "%d.5", seq);
        event_payload(ev, seq, "RAISED", value, "good");
        CHECK_INT(send_msg(s, OUTBOX_EVENTS, seq, ev), 0);
    }
    CHECK(ctl_wait(&ctl.delivered_total, STORM_LIMIT, WAIT_MS));
    usleep(STORM_WINDOW_S * MS_PER_S / 2 * US_PER_MS);
    ctl_drain(0);
    CHECK_INT(ctl.delivered_total, STORM_LIMIT);    /* folded ones wait for their summary */
    CHECK(ctl_wait(&ctl.delivered_total, STORM, STORM_WINDOW_S * MS_PER_S + WAIT_MS));
    CHECK(clock_mono_ms() - t0 >= STORM_WINDOW_S * MS_PER_S - BACKOFF_SLACK_MS / 5);
    for (int seq = 1; seq <= STORM; seq++)
        CHECK_INT(ctl.delivered[OUTBOX_EVENTS][seq], 1);
    ctl_drain(200);
    CHECK_INT(ctl.delivered_total, STORM);
    s->ops->destroy(s);

    cJSON *reqs = test_http_requests(&server, "/hook/storm", STORM_LIMIT + 1, WAIT_MS), *body;
    CHECK_INT(cJSON_GetArraySize(reqs), STORM_LIMIT + 1);
    for (int i = 0; i < STORM_LIMIT && i < cJSON_GetArraySize(reqs); i++) {
        snprintf(value, sizeof value, " %d.5 %%LEL", i + 1);
        CHECK_CONTAINS(hook_content(cJSON_GetArrayItem(reqs, i), &body), value);
        cJSON_Delete(body);
    }
    CHECK_CONTAINS(hook_content(cJSON_GetArrayItem(reqs, STORM_LIMIT), &body),
                   "gw-tankfarm-01 … and 15 more alarms in the last 2 s");
    cJSON_Delete(body);
    cJSON_Delete(reqs);
}

/* What the sinks logged: useful sentences, never a secret. */
static void check_log(const char *log, int dead_port)
{
    char where[URL_MAX];
    snprintf(where, sizeof where, "http://127.0.0.1:%d/dead could not be reached", dead_port);
    CHECK_CONTAINS(log, where);
    CHECK_CONTAINS(log, "Check the network, DNS and the url");
    CHECK_CONTAINS(log, "answered HTTP 500");
    CHECK_CONTAINS(log, "errcode 45009 (\"api freq out of limit\")");
    CHECK_CONTAINS(log, "code 4001 (\"appid unknown\")");
    CHECK_CONTAINS(log, "answered HTTP 401");
    CHECK_CONTAINS(log, "/hook/status/500 did not take");
    CHECK(strstr(log, SECRET) == NULL);
    CHECK(strstr(log, KEY_HEX) == NULL);
    CHECK(strstr(log, IV_HEX) == NULL);
    CHECK(strstr(log, HOOK_TOKEN) == NULL);
}

static void read_file(const char *path, char *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(out, 1, cap - 1, f) : 0;
    out[n] = '\0';
    if (f)
        fclose(f);
}

int main(void)
{
    static char log[LOG_MAX];
    char log_path[URL_MAX];
    setenv("TZ", "CST-8", 1);
    tzset();
    if (!mkdtemp(dir) || doorbell_open(&ctl.bell) < 0 ||
        queue_init(&ctl.q, sizeof(struct ctl_msg), CTL_CAPACITY, &ctl.bell) < 0) {
        perror("test: setup");
        return 1;
    }
    snprintf(log_path, sizeof log_path, "%s/stderr.log", dir);
    int saved_stderr = dup(STDERR_FILENO), log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(log_fd, STDERR_FILENO);        /* the sinks' log lines, checked below */
    int dead_port = test_free_port();
    test_config();
    if (test_http_start(&server, dir, SECRET, KEY_HEX, IV_HEX) == 0) {
        test_national_delivers();
        test_national_classes();
        test_refusals();
        test_dead_port(dead_port);
        test_window_and_destroy();
        test_webhook_text();
        test_webhook_storm();
    } else {
        CHECK(!"the HTTP test server started");
    }
    test_http_stop(&server);
    dup2(saved_stderr, STDERR_FILENO);
    close(log_fd);
    read_file(log_path, log, sizeof log);
    fprintf(stderr, "--- what the sinks logged ---\n%s---\n", log);
    check_log(log, dead_port);
    queue_destroy(&ctl.q);
    doorbell_close(&ctl.bell);
    const char *files[] = { "stderr.log", "http.log", "http.port" };
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        snprintf(log_path, sizeof log_path, "%s/%s", dir, files[i]);
        unlink(log_path);
    }
    rmdir(dir);
    return check_summary();
}
