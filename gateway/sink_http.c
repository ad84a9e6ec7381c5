/*
 * sink_http.c - the generic HTTP sink's life and its sink_ops (see sink_http.h).
 *
 * send() copies the message into a ring of base.window slots and wakes the
 * worker; it never touches the network. connected() is 0 while a back-off after
 * a failure runs, so the outbox does not hand over messages only to see them
 * fail. The worker (sink_http_worker.c) does the rest.
 */
#include "sink_http_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "log.h"

#define CONTENT_TYPE_JSON "Content-Type: application/json; charset=utf-8"
#define NO_EXPECT_100 "Expect:"         /* one round trip per POST, even for big bodies */

int sink_http_ratelog_due(struct sink_http_ratelog *r, int64_t now_ms, unsigned long *suppressed)
{
    if (r->last_ms && now_ms - r->last_ms < SINK_HTTP_LOG_EVERY_MS) {
        r->suppressed++;
        return 0;
    }
    *suppressed = r->suppressed;
    r->suppressed = 0;
    r->last_ms = now_ms;
    return 1;
}

void sink_http_report(struct sink_http *h, enum ctl_kind kind, enum outbox_class cls, int64_t seq)
{
    struct ctl_msg m = { .kind = kind, .sink = h->base.index, .cls = cls, .seq = seq };
    unsigned long skipped;
    pthread_mutex_lock(&h->lock);
    if (!h->closing && queue_push(h->ctl, &m) < 0 &&
        sink_http_ratelog_due(&h->log_queue, clock_mono_ms(), &skipped))
        log_error("The core's control queue is full, so a report from the %s sink for %s was "
                  "lost (%lu similar not logged); the core loop is stalled or the queue is too "
                  "small", h->fl->what, h->shown_url, skipped);
    pthread_mutex_unlock(&h->lock);
}

int sink_http_dequeue(struct sink_http *h, struct sink_http_job *job)
{
    pthread_mutex_lock(&h->lock);
    int got = h->nqueued > 0;
    if (got) {
        *job = h->queued[h->head];
        h->head = (h->head + 1) % h->base.window;
        h->nqueued--;
    }
    pthread_mutex_unlock(&h->lock);
    return got;
}

void sink_http_flush_queue(struct sink_http *h, enum ctl_kind kind)
{
    struct sink_http_job job;
    while (sink_http_dequeue(h, &job)) {
        sink_http_report(h, kind, job.cls, job.seq);
        free(job.payload);
        pthread_mutex_lock(&h->lock);
        h->unsettled--;
        pthread_mutex_unlock(&h->lock);
    }
}

static int sink_http_connected(struct sink *base)
{
    struct sink_http *h = base->impl;
    pthread_mutex_lock(&h->lock);
    int up = !h->closing && clock_mono_ms() >= h->retry_at_ms;
    pthread_mutex_unlock(&h->lock);
    return up;
}

static int sink_http_send(struct sink *base, const struct outbox_msg *m)
{
    struct sink_http *h = base->impl;
    if ((unsigned)m->cls < OUTBOX_CLASS_COUNT && !h->carries[m->cls]) {
        sink_http_report(h, CTL_DELIVERED, m->cls, m->seq);   /* not ours to carry */
        return 0;
    }
    char *copy = malloc(m->payload_len + 1);
    if (!copy)
        return -1;                      /* the outbox tries again later */
    memcpy(copy, m->payload, m->payload_len);
    copy[m->payload_len] = '\0';
    pthread_mutex_lock(&h->lock);
    int taken = !h->closing && clock_mono_ms() >= h->retry_at_ms &&
                h->unsettled < h->base.window;
    if (taken) {
        int tail = (h->head + h->nqueued) % h->base.window;
        h->queued[tail] = (struct sink_http_job){ .cls = m->cls, .seq = m->seq,
                                                  .payload = copy, .len = m->payload_len };
        h->nqueued++;
        h->unsettled++;
    }
    pthread_mutex_unlock(&h->lock);
    if (!taken) {
        free(copy);
        return -1;
    }
    h->curl->multi_wakeup(h->multi);
    /* copy now belongs to h->queued; the worker or sink_http_free frees it */
    // cppcheck-suppress memleak
    return 0;
}

static void sink_http_free(struct sink_http *h)
{
    struct sink_http_job job;
    while (sink_http_dequeue(h, &job))  /* closing: freed, not reported */
        free(job.payload);
    free(h->current.payload);
    free(h->queued);
    free(h->held);
    free(h->reply);
    if (h->easy)
        h->curl->easy_cleanup(h->easy);
    if (h->multi)
        h->curl->multi_cleanup(h->multi);
    h->curl->slist_free_all(h->headers);
    if (h->fl && h->fl->free)
        h->fl->free(h->ctx);
    pthread_mutex_destroy(&h->lock);
    free(h);
}

static void sink_http_destroy(struct sink *base)
{
    struct sink_http *h = base->impl;
    sink_http_worker_stop(h);
    sink_http_free(h);
}

static const struct sink_ops sink_http_ops = {
    .connected = sink_http_connected,
    .send = sink_http_send,
    .destroy = sink_http_destroy,
};

/* scheme://host[:port]/path of url into h->shown_url: queries and user info may hold tokens. */
static int sink_http_show_url(struct sink_http *h, const char *url, char *err, size_t errlen)
{
    CURLU *u = h->curl->url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL;
    CURLUcode rc = u ? h->curl->url_set(u, CURLUPART_URL, url, 0) : CURLUE_OUT_OF_MEMORY;
    if (rc == CURLUE_OK && (rc = h->curl->url_get(u, CURLUPART_SCHEME, &scheme, 0)) == CURLUE_OK &&
        (rc = h->curl->url_get(u, CURLUPART_HOST, &host, 0)) == CURLUE_OK &&
        (rc = h->curl->url_get(u, CURLUPART_PATH, &path, 0)) == CURLUE_OK) {
        h->curl->url_get(u, CURLUPART_PORT, &port, 0);      /* absent: the scheme's default */
        snprintf(h->shown_url, sizeof h->shown_url, "%s://%s%s%s%s", scheme, host,
                 port ? ":" : "", port ? port : "", path);
    } else {
        snprintf(err, errlen, "the %s url is not a URL libcurl accepts (%s); write it as "
                 "https://host[:port]/path", h->fl->what, h->curl->url_strerror(rc));
    }
    h->curl->free(scheme);
    h->curl->free(host);
    h->curl->free(port);
    h->curl->free(path);
    h->curl->url_cleanup(u);
    return rc == CURLUE_OK ? 0 : -1;
}

static int sink_http_headers(struct sink_http *h, const char *const *extra)
{
    const char *fixed[] = { CONTENT_TYPE_JSON, NO_EXPECT_100 };
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        struct curl_slist *l = h->curl->slist_append(h->headers, fixed[i]);
        if (!l)
            return -1;
        h->headers = l;
    }
    for (; extra && *extra; extra++) {
        struct curl_slist *l = h->curl->slist_append(h->headers, *extra);
        if (!l)
            return -1;
        h->headers = l;
    }
    return 0;
}

/* Allocate and fill everything but the thread; NULL and err on failure (ctx freed). */
static struct sink_http *sink_http_alloc(const struct curl_lib *curl,
                                         const struct sink_http_settings *set,
                                         const struct sink_http_flavour *fl, void *ctx,
                                         char *err, size_t errlen)
{
    struct sink_http *h = calloc(1, sizeof *h);
    if (!h || pthread_mutex_init(&h->lock, NULL) != 0) {
        snprintf(err, errlen, "out of memory or locks creating the %s sink", fl->what);
        free(h);
        if (fl->free)
            fl->free(ctx);
        return NULL;
    }
    h->curl = curl;
    h->fl = fl;
    h->ctx = ctx;
    h->base.window = set->http->window > 0 ? set->http->window : 1;
    memcpy(h->carries, set->carries, sizeof h->carries);
    h->retry_ms = SINK_HTTP_RETRY_MIN_MS;
    if (sink_http_show_url(h, set->http->url, err, errlen) < 0)
        goto fail;
    h->queued = calloc((size_t)h->base.window, sizeof *h->queued);
    h->held = calloc((size_t)h->base.window, sizeof *h->held);
    h->multi = h->curl->multi_init();
    h->easy = h->curl->easy_init();
    if (h->queued && h->held && h->multi && h->easy && sink_http_headers(h, set->headers) == 0)
        return h;
    snprintf(err, errlen, "out of memory creating the %s sink for %s", fl->what, h->shown_url);
fail:
    sink_http_free(h);
    return NULL;
}

struct sink *sink_http_create(const struct sink_http_settings *set,
                              const struct sink_http_flavour *fl, void *ctx,
                              struct queue *ctl, int index, char *err, size_t errlen)
{
    char why[256];
    const struct curl_lib *curl = curl_lib_load(why, sizeof why);
    if (!curl) {
        snprintf(err, errlen, "%s; the %s sink cannot run", why, fl->what);
        if (fl->free)
            fl->free(ctx);
        return NULL;
    }
    struct sink_http *h = sink_http_alloc(curl, set, fl, ctx, err, errlen);
    if (!h)
        return NULL;
    snprintf(h->base.name, sizeof h->base.name, "%s", set->name);
    h->base.index = index;
    h->base.ops = &sink_http_ops;
    h->base.impl = h;
    h->ctl = ctl;
    const struct http_cfg *c = set->http;
    CURLcode rc = CURLE_OK;
    if ((rc = h->curl->easy_setopt(h->easy, CURLOPT_URL, c->url)) != CURLE_OK ||
        (rc = h->curl->easy_setopt(h->easy, CURLOPT_HTTPHEADER, h->headers)) != CURLE_OK ||
        (rc = h->curl->easy_setopt(h->easy, CURLOPT_TIMEOUT_MS, c->timeout_ms)) != CURLE_OK ||
        (rc = h->curl->easy_setopt(h->easy, CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms)) != CURLE_OK ||
        (rc = h->curl->easy_setopt(h->easy, CURLOPT_NOSIGNAL, 1L)) != CURLE_OK ||
        (rc = h->curl->easy_setopt(h->easy, CURLOPT_PROTOCOLS_STR, "http,https")) != CURLE_OK ||
        (rc = h->curl->easy_setopt(h->easy, CURLOPT_USERAGENT, "riskgw/" RISKGW_VERSION)) != CURLE_OK ||
        (rc = h->curl->easy_setopt(h->easy, CURLOPT_ERRORBUFFER, h->curl_err)) != CURLE_OK) {
        snprintf(err, errlen, "libcurl refused a setting of the %s sink for %s (%s); this "
                 "libcurl is too old or built without http(s)", fl->what, h->shown_url,
                 h->curl->easy_strerror(rc));
        sink_http_free(h);
        return NULL;
    }
    if (sink_http_worker_start(h, err, errlen) < 0) {
        sink_http_free(h);
        return NULL;
    }
    return &h->base;
}
