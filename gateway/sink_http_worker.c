/*
 * sink_http_worker.c - the HTTP sink's thread: take a message, POST it, report.
 *
 * One thread per sink, one message on the wire at a time, over one libcurl easy
 * handle whose connection the multi handle keeps alive between POSTs. The
 * thread sleeps in h->curl->multi_poll(), which send() and destroy cut short with
 * h->curl->multi_wakeup(), so a queued message goes at once and destroy never waits
 * for a timeout. Any failure fails everything the sink holds (the outbox resends
 * from its cursor) and backs off; connected() reads the back-off's end.
 */
#include "sink_http_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "log.h"

#define HTTP_SUCCESS_MIN 200
#define HTTP_SUCCESS_END 300
#define WHY_MAX 320
#define LABEL_MAX 64
#define MS_PER_S 1000

enum sink_http_outcome { SINK_HTTP_OK, SINK_HTTP_REFUSED, SINK_HTTP_UNREACHABLE };

static const char *const class_names[OUTBOX_CLASS_COUNT] = { "events", "telemetry" };

static int sink_http_closing(struct sink_http *h)
{
    pthread_mutex_lock(&h->lock);
    int closing = h->closing;
    pthread_mutex_unlock(&h->lock);
    return closing;
}

static size_t sink_http_on_reply(char *data, size_t size, size_t nmemb, void *arg)
{
    struct sink_http *h = arg;
    size_t n = size * nmemb, room = SINK_HTTP_REPLY_MAX - h->reply_len;
    size_t take = n < room ? n : room;
    memcpy(h->reply + h->reply_len, data, take);
    h->reply_len += take;
    h->reply[h->reply_len] = '\0';
    return n;                           /* the rest is read and ignored */
}

/* Report n jobs as kind and let go of them. */
static void sink_http_settle(struct sink_http *h, struct sink_http_job *jobs, int n,
                             enum ctl_kind kind)
{
    for (int i = 0; i < n; i++) {
        sink_http_report(h, kind, jobs[i].cls, jobs[i].seq);
        free(jobs[i].payload);
        jobs[i].payload = NULL;
    }
    pthread_mutex_lock(&h->lock);
    h->unsettled -= n;
    pthread_mutex_unlock(&h->lock);
}

static void sink_http_succeeded(struct sink_http *h, struct sink_http_job *jobs, int n)
{
    sink_http_settle(h, jobs, n, CTL_DELIVERED);
    h->retry_ms = SINK_HTTP_RETRY_MIN_MS;
    if (h->link_down) {
        h->link_down = 0;
        log_info("The %s at %s is reachable again; held messages follow", h->fl->what,
                 h->shown_url);
        sink_http_report(h, CTL_LINK_UP, OUTBOX_EVENTS, 0);
    }
}

/* jobs failed: so does everything else held; back off and say what to do. */
static void sink_http_failed(struct sink_http *h, struct sink_http_job *jobs, int n,
                             enum sink_http_outcome o, const char *why, const char *label)
{
    int64_t now = clock_mono_ms();
    pthread_mutex_lock(&h->lock);       /* first: whoever reads the reports sees the back-off */
    h->retry_at_ms = now + h->retry_ms;
    pthread_mutex_unlock(&h->lock);
    sink_http_settle(h, jobs, n, CTL_FAILED);
    if (jobs != h->held)
        sink_http_settle(h, h->held, h->nheld, CTL_FAILED);
    h->nheld = 0;
    sink_http_flush_queue(h, CTL_FAILED);
    unsigned long skipped;
    if (sink_http_ratelog_due(&h->log_fail, now, &skipped))
        log_warn("The %s at %s %s %s (%s); it and everything the sink held are sent again "
                 "after %ld s (%lu similar not logged). %s", h->fl->what, h->shown_url,
                 o == SINK_HTTP_UNREACHABLE ? "could not be reached for" : "did not take",
                 label, why, h->retry_ms / MS_PER_S, skipped,
                 o == SINK_HTTP_UNREACHABLE
                     ? "Check the network, DNS and the url in the config."
                     : "Check the url and credentials in the config and the receiving side's log.");
    h->retry_ms = h->retry_ms * 2 > SINK_HTTP_RETRY_MAX_MS ? SINK_HTTP_RETRY_MAX_MS
                                                           : h->retry_ms * 2;
    if (o == SINK_HTTP_UNREACHABLE && !h->link_down) {
        h->link_down = 1;
        sink_http_report(h, CTL_LINK_DOWN, OUTBOX_EVENTS, 0);
    }
}

/* One POST of body, waiting in h->curl->multi_poll() so that destroy can cut it short. */
static CURLcode sink_http_transfer(struct sink_http *h, const char *body, long *status)
{
    h->reply_len = 0;
    h->reply[0] = '\0';
    h->curl_err[0] = '\0';
    *status = 0;
    h->curl->easy_setopt(h->easy, CURLOPT_POSTFIELDS, body);
    h->curl->easy_setopt(h->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(body));
    if (h->curl->multi_add_handle(h->multi, h->easy) != CURLM_OK)
        return CURLE_FAILED_INIT;
    CURLcode result = CURLE_ABORTED_BY_CALLBACK;
    int done = 0, running = 0, left = 0;
    while (!done && !sink_http_closing(h)) {
        if (h->curl->multi_perform(h->multi, &running) != CURLM_OK) {
            result = CURLE_FAILED_INIT;
            break;
        }
        CURLMsg *msg;
        while ((msg = h->curl->multi_info_read(h->multi, &left)) != NULL)
            if (msg->msg == CURLMSG_DONE) {
                result = msg->data.result;
                done = 1;
            }
        if (!done)
            h->curl->multi_poll(h->multi, NULL, 0, SINK_HTTP_IDLE_MS, NULL);
    }
    h->curl->multi_remove_handle(h->multi, h->easy);
    if (done)
        h->curl->easy_getinfo(h->easy, CURLINFO_RESPONSE_CODE, status);
    return result;
}

/* A reason for the log; a reply too long for the buffer is cut, which is fine there. */
static void say(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void say(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
}

/* What the transfer's result means, with the reason in why. */
static enum sink_http_outcome sink_http_judge(struct sink_http *h, CURLcode cc, long status,
                                              char *why, size_t whylen)
{
    char words[WHY_MAX];
    if (cc != CURLE_OK) {
        snprintf(why, whylen, "%s", h->curl_err[0] ? h->curl_err : h->curl->easy_strerror(cc));
        return SINK_HTTP_UNREACHABLE;
    }
    int refused = sink_http_reply_verdict(h->reply, h->reply_len, words, sizeof words) < 0;
    if (status >= HTTP_SUCCESS_MIN && status < HTTP_SUCCESS_END && !refused)
        return SINK_HTTP_OK;
    if (status >= HTTP_SUCCESS_MIN && status < HTTP_SUCCESS_END)
        say(why, whylen, "HTTP %ld, but the reply refuses it: %s", status, words);
    else
        say(why, whylen, "answered HTTP %ld%s%s", status, words[0] ? ": " : "", words);
    return SINK_HTTP_REFUSED;
}

/* POST body (freed here); its answer settles jobs[0..n). */
static void sink_http_post(struct sink_http *h, char *body, struct sink_http_job *jobs, int n,
                           const char *label)
{
    long status;
    char why[WHY_MAX];
    CURLcode cc = sink_http_transfer(h, body, &status);
    free(body);
    if (sink_http_closing(h))
        return;                         /* destroy frees what is left, silently */
    enum sink_http_outcome o = sink_http_judge(h, cc, status, why, sizeof why);
    if (o == SINK_HTTP_OK)
        sink_http_succeeded(h, jobs, n);
    else
        sink_http_failed(h, jobs, n, o, why, label);
}

static void sink_http_post_summary(struct sink_http *h, int64_t now)
{
    char label[LABEL_MAX];
    snprintf(label, sizeof label, "the summary of %d held events", h->nheld);
    char *body = h->fl->summary(h->ctx, h->nheld, now);
    if (body)
        sink_http_post(h, body, h->held, h->nheld, label);
    else
        sink_http_failed(h, h->held, h->nheld, SINK_HTTP_REFUSED, "out of memory", label);
    h->nheld = 0;
}

/* Take the next queued message through the flavour. 1 when there was one. */
static int sink_http_take_next(struct sink_http *h, int64_t now)
{
    struct sink_http_job *j = &h->current;
    char *body = NULL, label[LABEL_MAX], why[WHY_MAX] = "";
    if (!sink_http_dequeue(h, j))
        return 0;
    snprintf(label, sizeof label, "%s #%lld", class_names[j->cls % OUTBOX_CLASS_COUNT],
             (long long)j->seq);
    switch (h->fl->plan(h->ctx, j, now, &body, why, sizeof why)) {
    case SINK_HTTP_POST:
        sink_http_post(h, body, j, 1, label);
        break;
    case SINK_HTTP_FOLD:
        free(j->payload);
        j->payload = NULL;
        h->held[h->nheld++] = *j;
        break;
    case SINK_HTTP_SKIP:
        sink_http_settle(h, j, 1, CTL_DELIVERED);
        break;
    case SINK_HTTP_RETRY:
        sink_http_failed(h, j, 1, SINK_HTTP_REFUSED, why, label);
        break;
    }
    return 1;
}

/* Do the next thing that is due. 0 when something was done, else how long to sleep (ms). */
static long sink_http_step(struct sink_http *h, int64_t now)
{
    if (now < h->retry_at_ms)           /* only this thread writes it */
        return h->retry_at_ms - now < SINK_HTTP_IDLE_MS ? (long)(h->retry_at_ms - now)
                                                        : SINK_HTTP_IDLE_MS;
    int64_t due = h->nheld ? h->fl->summary_due(h->ctx) : INT64_MAX;
    if (now >= due) {
        sink_http_post_summary(h, now);
        return 0;
    }
    if (sink_http_take_next(h, now))
        return 0;
    return due - now < SINK_HTTP_IDLE_MS ? (long)(due - now) : SINK_HTTP_IDLE_MS;
}

static void *sink_http_main(void *arg)
{
    struct sink_http *h = arg;
    while (!sink_http_closing(h)) {
        long wait = sink_http_step(h, clock_mono_ms());
        if (wait > 0)
            h->curl->multi_poll(h->multi, NULL, 0, (int)wait, NULL);
    }
    return NULL;
}

int sink_http_worker_start(struct sink_http *h, char *err, size_t errlen)
{
    h->reply = malloc(SINK_HTTP_REPLY_MAX + 1);
    if (!h->reply) {
        snprintf(err, errlen, "out of memory starting the %s sink for %s", h->fl->what,
                 h->shown_url);
        return -1;
    }
    h->reply[0] = '\0';
    h->curl->easy_setopt(h->easy, CURLOPT_WRITEFUNCTION, sink_http_on_reply);
    h->curl->easy_setopt(h->easy, CURLOPT_WRITEDATA, h);
    int rc = pthread_create(&h->thread, NULL, sink_http_main, h);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the thread of the %s sink for %s (%s)",
                 h->fl->what, h->shown_url, strerror(rc));
        return -1;
    }
    h->thread_started = 1;
    return 0;
}

void sink_http_worker_stop(struct sink_http *h)
{
    pthread_mutex_lock(&h->lock);
    h->closing = 1;
    pthread_mutex_unlock(&h->lock);
    if (!h->thread_started)
        return;
    h->curl->multi_wakeup(h->multi);
    pthread_join(h->thread, NULL);
    h->thread_started = 0;
}
