/*
 * payload.c - topics and JSON messages of interface v1 (see payload.h, docs/interface.md).
 */
#include "payload.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"

void jw_init(struct jw *w, char *buf, size_t cap)
{
    w->buf = buf;
    w->cap = cap;
    w->len = 0;
    w->overflow = cap == 0;
    w->need_comma = 0;
    if (cap)
        buf[0] = '\0';
}

static void jw_raw(struct jw *w, const char *s, size_t n)
{
    if (w->overflow || w->len + n >= w->cap) {
        w->overflow = 1;
        return;
    }
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static void jw_printf(struct jw *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void jw_printf(struct jw *w, const char *fmt, ...)
{
    if (w->overflow)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(w->buf + w->len, w->cap - w->len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= w->cap - w->len) {
        w->overflow = 1;
        return;
    }
    w->len += (size_t)n;
}

/* A value (or a key) starts: separate it from the previous one. */
static void jw_item(struct jw *w)
{
    if (w->need_comma)
        jw_raw(w, ",", 1);
    w->need_comma = 1;
}

void jw_open(struct jw *w, char brace)
{
    jw_item(w);
    jw_raw(w, &brace, 1);
    w->need_comma = 0;
}

void jw_close(struct jw *w, char brace)
{
    jw_raw(w, &brace, 1);
    w->need_comma = 1;
}

void jw_str(struct jw *w, const char *s)
{
    jw_item(w);
    jw_raw(w, "\"", 1);
    const unsigned char *run = (const unsigned char *)s, *c = run;
    for (; *c; c++) {
        if (*c != '"' && *c != '\\' && *c >= 0x20)
            continue;               /* copied with the run it belongs to */
        jw_raw(w, (const char *)run, (size_t)(c - run));
        if (*c < 0x20) {
            jw_printf(w, "\\u%04x", *c);
        } else {
            char esc[2] = {'\\', (char)*c};
            jw_raw(w, esc, 2);
        }
        run = c + 1;
    }
    jw_raw(w, (const char *)run, (size_t)(c - run));
    jw_raw(w, "\"", 1);
}

void jw_key(struct jw *w, const char *key)
{
    jw_str(w, key);
    jw_raw(w, ":", 1);
    w->need_comma = 0;
}

/* v in decimal, without printf: ints are most of a telemetry message's numbers
 * (timestamps, seqs, raw register values), and printf was a fifth of the CPU. */
static void jw_digits(struct jw *w, int64_t v)
{
    char buf[24], *p = buf + sizeof buf;
    uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
    do {
        *--p = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    if (v < 0)
        *--p = '-';
    jw_raw(w, p, (size_t)(buf + sizeof buf - p));
}

#define JW_EXACT_INT 1e10               /* below this, %.10g prints an integer in full */

void jw_num(struct jw *w, double v)
{
    jw_item(w);
    if (!isfinite(v))
        jw_raw(w, "null", 4);
    else if (fabs(v) < JW_EXACT_INT && v == (double)(int64_t)v && !(v == 0 && signbit(v)))
        jw_digits(w, (int64_t)v);       /* what %.10g prints, faster */
    else
        jw_printf(w, "%.10g", v);
}

void jw_int(struct jw *w, int64_t v)
{
    jw_item(w);
    jw_digits(w, v);
}

void jw_bool(struct jw *w, int v)
{
    jw_item(w);
    jw_raw(w, v ? "true" : "false", v ? 4 : 5);
}

int jw_end(struct jw *w)
{
    return w->overflow ? -1 : (int)w->len;
}

void payload_reply_head(struct jw *w, const char *id, const char *cmd, int ok)
{
    jw_key(w, "v");
    jw_int(w, INTERFACE_VERSION);
    jw_key(w, "id");
    jw_str(w, id);
    jw_key(w, "cmd");
    jw_str(w, cmd);
    jw_key(w, "ok");
    jw_bool(w, ok);
}

static int fit(int n, size_t cap)
{
    return (n < 0 || (size_t)n >= cap) ? -1 : n;
}

int topic_gateway(char *out, size_t cap, const struct config *cfg, const char *leaf)
{
    return fit(snprintf(out, cap, "%s/%s/%s/%s", cfg->mqtt.topic_prefix, cfg->enterprise_id,
                        cfg->gateway_id, leaf), cap);
}

int topic_event(char *out, size_t cap, const struct config *cfg, uint32_t point)
{
    if (point == POINT_NONE)
        return topic_gateway(out, cap, cfg, "event/_gateway");
    const struct point_cfg *pc = config_point_def(cfg, point);
    return fit(snprintf(out, cap, "%s/%s/%s/event/%s/%s", cfg->mqtt.topic_prefix,
                        cfg->enterprise_id, cfg->gateway_id, config_device_of(cfg, point)->id, pc->id), cap);
}

int topic_telemetry(char *out, size_t cap, const struct config *cfg, size_t device)
{
    return fit(snprintf(out, cap, "%s/%s/%s/telemetry/%s", cfg->mqtt.topic_prefix,
                        cfg->enterprise_id, cfg->gateway_id, cfg->devices[device].id), cap);
}

/* The header every message shares: version, ids, and for outbox messages seq and epoch. */
static void header(struct jw *w, const struct config *cfg, const struct msg_meta *meta)
{
    jw_key(w, "v");
    jw_int(w, INTERFACE_VERSION);
    jw_key(w, "enterprise");
    jw_str(w, cfg->enterprise_id);
    jw_key(w, "gateway");
    jw_str(w, cfg->gateway_id);
    if (!meta)
        return;
    jw_key(w, "epoch");
    jw_int(w, meta->epoch);
    if (meta->seq > 0) {
        jw_key(w, "seq");
        jw_int(w, meta->seq);
    } else {                            /* an alarm the store could not take yet */
        jw_key(w, "stored");
        jw_bool(w, 0);
    }
    if (!meta->time_synced) {
        jw_key(w, "time_synced");
        jw_bool(w, 0);
    }
}

int payload_event(char *out, size_t cap, const struct config *cfg, const struct event *ev,
                  const struct msg_meta *meta)
{
    struct jw w;
    jw_init(&w, out, cap);
    jw_open(&w, '{');
    header(&w, cfg, meta);
    jw_key(&w, "id");
    jw_int(&w, ev->id);
    jw_key(&w, "ts");
    jw_int(&w, ev->ts_ms);
    if (ev->point != POINT_NONE) {
        const struct point_cfg *pc = config_point_def(cfg, ev->point);
        jw_key(&w, "device");
        jw_str(&w, config_device_of(cfg, ev->point)->id);
        jw_key(&w, "point");
        jw_str(&w, pc->id);
        jw_key(&w, "name");
        jw_str(&w, pc->name);
        jw_key(&w, "unit");
        jw_str(&w, pc->unit);
    }
    jw_key(&w, "kind");
    jw_str(&w, event_kind_name(ev->kind));
    jw_key(&w, "level");
    jw_str(&w, ev->level);
    jw_key(&w, "severity");
    jw_int(&w, ev->severity);
    jw_key(&w, "value");
    if (quality_has_value(ev->quality))
        jw_num(&w, ev->value);
    else
        jw_num(&w, NAN);
    jw_key(&w, "quality");
    jw_str(&w, quality_name(ev->quality));
    if (ev->actor[0]) {
        jw_key(&w, "actor");
        jw_str(&w, ev->actor);
    }
    if (ev->detail[0]) {
        jw_key(&w, "detail");
        jw_str(&w, ev->detail);
    }
    jw_close(&w, '}');
    return jw_end(&w);
}

int payload_online(char *out, size_t cap, const struct config *cfg, int online)
{
    struct jw w;
    jw_init(&w, out, cap);
    jw_open(&w, '{');
    header(&w, cfg, NULL);
    jw_key(&w, "online");
    jw_bool(&w, online);
    jw_key(&w, "version");
    jw_str(&w, RISKGW_VERSION);
    if (online) {
        jw_key(&w, "ts");
        jw_int(&w, clock_wall_ms());
    }
    jw_close(&w, '}');
    return jw_end(&w);
}

int payload_telemetry(char *out, size_t cap, const struct config *cfg, size_t device,
                      const struct reading *latest, const struct msg_meta *meta)
{
    const struct device_cfg *dev = &cfg->devices[device];
    struct jw w;
    jw_init(&w, out, cap);
    jw_open(&w, '{');
    header(&w, cfg, meta);
    jw_key(&w, "ts");
    jw_int(&w, clock_wall_ms());
    jw_key(&w, "device");
    jw_str(&w, dev->id);
    jw_key(&w, "points");
    jw_open(&w, '{');
    for (size_t i = 0; i < dev->npoints; i++) {
        const struct reading *s = &latest[i];
        if (s->ts_ms == 0)
            continue;
        jw_key(&w, config_point_def(cfg, dev->first_point + i)->id);
        jw_open(&w, '{');
        jw_key(&w, "v");
        jw_num(&w, quality_has_value(s->quality) ? s->value : NAN);
        jw_key(&w, "q");
        jw_str(&w, quality_name(s->quality));
        jw_key(&w, "ts");
        jw_int(&w, s->ts_ms);
        jw_close(&w, '}');
    }
    jw_close(&w, '}');
    jw_close(&w, '}');
    return jw_end(&w);
}
