/*
 * sink_http_webhook.c - duty-staff notification through a group-robot webhook.
 *
 * Each event becomes one readable line in a WeCom / DingTalk "text" message:
 *   【riskgw 报警】gw-tankfarm-01 tank-a-lel/lel 可燃气体 ESCALATED level2 51.2 %LEL 2026-11-23 09:41:20
 * Robots throttle (WeCom: 20 messages a minute), and an alarm storm must not
 * bury the duty phone, so at most rate_count events are posted per window of
 * rate_window_s; the window opens with the first event after a quiet one. Events
 * beyond that are held (not confirmed yet) and, when the window ends, one summary
 * "... and N more alarms in the last W s" is posted; its answer settles them all.
 * So every event is either in a delivered post or in a delivered summary: a
 * failed summary fails its events and the outbox brings them back.
 */
#include "sink_http_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cjson/cJSON.h>

#define WEBHOOK_SINK_NAME "webhook"
#define WEBHOOK_LINE_MAX 1024       /* WeCom allows 2048 bytes of text content */
#define WEBHOOK_TIME_MAX 32
#define MS_PER_S 1000
#define VALUE_DIGITS 10             /* %.*g: a reading never needs more */

struct webhook {
    int rate_count;
    long rate_window_s;
    int64_t window_start_ms;        /* monotonic; valid when window_open */
    int window_open, window_sent;
    char gateway[SINK_HTTP_TEXT_MAX];       /* from the last event, for the summary */
};

/* An append-only line in a fixed buffer; what does not fit is cut. */
struct line {
    char buf[WEBHOOK_LINE_MAX];
    size_t len;
};

static void line_add(struct line *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line_add(struct line *l, const char *fmt, ...)
{
    va_list ap;
    if (l->len >= sizeof l->buf - 1)
        return;
    va_start(ap, fmt);
    int n = vsnprintf(l->buf + l->len, sizeof l->buf - l->len, fmt, ap);
    va_end(ap);
    if (n > 0)
        l->len += (size_t)n < sizeof l->buf - l->len ? (size_t)n : sizeof l->buf - 1 - l->len;
}

static const char *ev_str(const cJSON *ev, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(ev, key);
    return cJSON_IsString(it) ? it->valuestring : "";
}

/* The Chinese tag of an event kind, for the line's 【riskgw ...】 head. */
static const char *webhook_tag(const char *kind)
{
    static const struct { const char *kind, *tag; } tags[] = {
        {"RAISED", "报警"}, {"ESCALATED", "报警"}, {"DEESCALATED", "报警"},
        {"CLEARED", "恢复"}, {"RETURNED", "恢复"}, {"SILENCED", "消音"}, {"RESET", "复位"},
        {"FAULT", "故障"}, {"FAULT_CLEARED", "故障恢复"},
        {"STALE", "数据停滞"}, {"STALE_CLEARED", "数据恢复"},
        {"OUTPUT", "输出"}, {"OUTPUT_FAILED", "输出失败"},
    };
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++)
        if (strcmp(kind, tags[i].kind) == 0)
            return tags[i].tag;
    return "事件";
}

/* "51.2 %LEL", "51.2 %LEL (uncertain)" or, without a number, the quality ("sensor_fault"). */
static void line_value(struct line *l, const cJSON *ev)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(ev, "value");
    const char *q = ev_str(ev, "quality"), *unit = ev_str(ev, "unit");
    if (!cJSON_IsNumber(v)) {
        line_add(l, " %s", q[0] ? q : "no value");
        return;
    }
    line_add(l, " %.*g%s%s", VALUE_DIGITS, v->valuedouble, unit[0] ? " " : "", unit);
    if (q[0] && strcmp(q, "good") != 0)
        line_add(l, " (%s)", q);
}

/* The event's wall time in the gateway's local zone, or a warning that the clock is unset. */
static void line_time(struct line *l, const cJSON *ev)
{
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(ev, "ts");
    char when[WEBHOOK_TIME_MAX];
    struct tm tm;
    if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(ev, "time_synced"))) {
        line_add(l, " (gateway clock not set)");
        return;
    }
    if (!cJSON_IsNumber(ts))
        return;
    time_t t = (time_t)(ts->valuedouble / MS_PER_S);
    if (localtime_r(&t, &tm) && strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm))
        line_add(l, " %s", when);
}

/* The robot's text message around one line, or NULL when out of memory. */
static char *webhook_text(const char *content)
{
    cJSON *o = cJSON_CreateObject(), *text = cJSON_CreateObject();
    char *body = NULL;
    if (o && text && cJSON_AddStringToObject(o, "msgtype", "text") &&
        cJSON_AddItemToObject(o, "text", text)) {
        text = NULL;                    /* o owns it now */
        if (cJSON_AddStringToObject(cJSON_GetObjectItem(o, "text"), "content", content))
            body = cJSON_PrintUnformatted(o);
    }
    cJSON_Delete(text);
    cJSON_Delete(o);
    return body;
}

static void webhook_line(struct line *l, const cJSON *ev, int64_t seq)
{
    const char *kind = ev_str(ev, "kind"), *name = ev_str(ev, "name");
    const char *level = ev_str(ev, "level"), *actor = ev_str(ev, "actor");
    if (!cJSON_IsObject(ev)) {
        line_add(l, "【riskgw 事件】event #%lld could not be read; see the gateway's store",
                 (long long)seq);
        return;
    }
    line_add(l, "【riskgw %s】%s %s/%s", webhook_tag(kind), ev_str(ev, "gateway"),
             ev_str(ev, "device"), ev_str(ev, "point"));
    if (name[0])
        line_add(l, " %s", name);
    line_add(l, " %s", kind[0] ? kind : "EVENT");
    if (level[0])
        line_add(l, " %s", level);
    line_value(l, ev);
    if (actor[0])
        line_add(l, " by %s", actor);
    line_time(l, ev);
}

static enum sink_http_plan webhook_plan(void *ctx, const struct sink_http_job *job,
                                        int64_t now_ms, char **body, char *why, size_t whylen)
{
    struct webhook *w = ctx;
    if (job->cls != OUTBOX_EVENTS)
        return SINK_HTTP_SKIP;
    cJSON *ev = cJSON_ParseWithLength(job->payload, job->len);
    if (ev_str(ev, "gateway")[0])
        snprintf(w->gateway, sizeof w->gateway, "%s", ev_str(ev, "gateway"));
    if (!w->window_open || now_ms >= w->window_start_ms + (int64_t)w->rate_window_s * MS_PER_S) {
        w->window_open = 1;
        w->window_start_ms = now_ms;
        w->window_sent = 0;
    }
    if (w->window_sent >= w->rate_count) {
        cJSON_Delete(ev);
        return SINK_HTTP_FOLD;
    }
    w->window_sent++;
    struct line l = { .len = 0 };
    webhook_line(&l, ev, job->seq);
    cJSON_Delete(ev);
    *body = webhook_text(l.buf);
    if (*body)
        return SINK_HTTP_POST;
    snprintf(why, whylen, "out of memory building the message");
    return SINK_HTTP_RETRY;
}

static int64_t webhook_summary_due(void *ctx)
{
    struct webhook *w = ctx;
    return w->window_start_ms + (int64_t)w->rate_window_s * MS_PER_S;
}

static char *webhook_summary(void *ctx, int n, int64_t now_ms)
{
    struct webhook *w = ctx;
    struct line l = { .len = 0 };
    (void)now_ms;
    line_add(&l, "【riskgw 报警】%s … and %d more alarms in the last %ld s "
             "(另有 %d 条报警未逐条推送，请查看监控平台)", w->gateway, n, w->rate_window_s, n);
    return webhook_text(l.buf);
}

static const struct sink_http_flavour webhook_flavour = {
    .what = "webhook",
    .plan = webhook_plan,
    .summary_due = webhook_summary_due,
    .summary = webhook_summary,
    .free = free,
};

struct sink *sink_http_webhook_create(const struct webhook_cfg *cfg, struct queue *ctl,
                                      int index, char *err, size_t errlen)
{
    char name[sizeof ((struct sink *)0)->name];
    struct webhook *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory creating the webhook sink");
        return NULL;
    }
    w->rate_count = cfg->rate_count > 0 ? cfg->rate_count : 1;
    w->rate_window_s = cfg->rate_window_s > 0 ? cfg->rate_window_s : 1;
    snprintf(name, sizeof name, "%s%s%s", WEBHOOK_SINK_NAME, cfg->name[0] ? ":" : "", cfg->name);
    struct sink_http_settings set = { .name = name, .http = &cfg->http,
                                      .carries = { [OUTBOX_EVENTS] = 1 } };
    return sink_http_create(&set, &webhook_flavour, w, ctl, index, err, errlen);
}
