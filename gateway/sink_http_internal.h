/*
 * sink_http_internal.h - the generic HTTP sink core and what a flavour plugs into it.
 *
 * The core (sink_http.c: sink_ops and the queue; sink_http_worker.c: the
 * thread and libcurl) knows nothing of SM4 or robot messages. A flavour
 * (sink_http_national.c, sink_http_webhook.c) turns one outbox message into a
 * POST body on the worker thread, and may hold messages back to be settled
 * together by one summary POST (the webhook's rate limit).
 *
 * Threads: the core thread calls send/connected/destroy; the worker does all
 * HTTP and all flavour calls. `lock` guards the fields marked so; the rest is
 * the worker's alone. Once `closing` is set nothing is reported.
 */
#ifndef RISKGW_SINK_HTTP_INTERNAL_H
#define RISKGW_SINK_HTTP_INTERNAL_H

#include <pthread.h>
#include <stdint.h>
#include "control.h"
#include "sink_http.h"
#include "sink_http_curl.h"

#define SINK_HTTP_RETRY_MIN_MS 1000
#define SINK_HTTP_RETRY_MAX_MS 60000
/* Repeated warnings of one kind are written at most this often. */
#define SINK_HTTP_LOG_EVERY_MS 60000
/* Reply bodies beyond this are not kept (only the verdict is read from them). */
#define SINK_HTTP_REPLY_MAX (64 * 1024)
/* The worker's longest sleep; send() and destroy wake it at once anyway. */
#define SINK_HTTP_IDLE_MS 1000

/* One message the sink holds. payload is NULL once it is folded into a summary. */
struct sink_http_job {
    enum outbox_class cls;
    int64_t seq;
    char *payload;
    size_t len;
};

enum sink_http_plan {
    SINK_HTTP_POST,         /* *body is the request: its answer settles the message */
    SINK_HTTP_FOLD,         /* held: the next summary settles it */
    SINK_HTTP_SKIP,         /* confirmed without sending */
    SINK_HTTP_RETRY,        /* could not build it now (logged): fail it, back off */
};

struct sink_http_flavour {
    const char *what;       /* "national platform", "webhook": how logs name the sink */
    /* One message into a POST body (malloc'd JSON) on the worker thread; RETRY says why. */
    enum sink_http_plan (*plan)(void *ctx, const struct sink_http_job *job, int64_t now_ms,
                                char **body, char *why, size_t whylen);
    /* Only when messages are held: when their summary is due (monotonic ms) ... */
    int64_t (*summary_due)(void *ctx);
    /* ... and its body for n held messages (malloc'd), or NULL when out of memory. */
    char *(*summary)(void *ctx, int n, int64_t now_ms);
    void (*free)(void *ctx);
};

/* Rate limiter for one kind of warning. */
struct sink_http_ratelog {
    int64_t last_ms;
    unsigned long suppressed;
};

/* What the core needs from either uplink's settings. */
struct sink_http_settings {
    const char *name;                       /* cursor key */
    const struct http_cfg *http;
    int carries[OUTBOX_CLASS_COUNT];
    const char *const *headers;             /* extra "Key: value" lines, NULL-terminated */
};

struct sink_http {
    struct sink base;                       /* handed out; base.impl points back here */
    const struct sink_http_flavour *fl;
    void *ctx;                              /* the flavour's */
    struct queue *ctl;
    char shown_url[SINK_HTTP_URL_MAX];      /* scheme://host[:port]/path: no query, no user */
    int carries[OUTBOX_CLASS_COUNT];

    const struct curl_lib *curl;            /* libcurl, loaded by the first HTTP sink */
    CURLM *multi;                           /* owns the kept-alive connection */
    CURL *easy;                             /* reused for every POST */
    struct curl_slist *headers;
    char curl_err[CURL_ERROR_SIZE];
    pthread_t thread;
    int thread_started;

    pthread_mutex_t lock;
    /* guarded by lock */
    struct sink_http_job *queued;           /* FIFO ring of base.window slots */
    int head, nqueued;
    int unsettled;                          /* accepted, not yet reported: <= base.window */
    int closing;
    int64_t retry_at_ms;                    /* connected() is 0 before this */
    struct sink_http_ratelog log_queue;

    /* the worker's */
    struct sink_http_job current;           /* the message being POSTed */
    struct sink_http_job *held;             /* folded, waiting for the summary */
    int nheld;
    long retry_ms;
    int link_down;
    char *reply;                            /* the last reply body, NUL-terminated */
    size_t reply_len;
    struct sink_http_ratelog log_fail, log_build;
};

/* sink_http.c */
/* Build the sink and start its worker; takes ctx (freed with fl->free even on failure). */
struct sink *sink_http_create(const struct sink_http_settings *set,
                              const struct sink_http_flavour *fl, void *ctx,
                              struct queue *ctl, int index, char *err, size_t errlen);
/* Report (cls, seq) to the core unless closing. Any thread. */
void sink_http_report(struct sink_http *h, enum ctl_kind kind, enum outbox_class cls, int64_t seq);
/* 1 when a warning of this kind is due; *suppressed: how many were skipped since. */
int sink_http_ratelog_due(struct sink_http_ratelog *r, int64_t now_ms, unsigned long *suppressed);
/* Take the oldest queued message into *job (locked inside). 1, or 0 when none. */
int sink_http_dequeue(struct sink_http *h, struct sink_http_job *job);
/* Report every queued message as kind and free them (locked inside). */
void sink_http_flush_queue(struct sink_http *h, enum ctl_kind kind);

/* sink_http_worker.c */
int sink_http_worker_start(struct sink_http *h, char *err, size_t errlen);
/* Wake the worker and wait for it to end (sets closing first). */
void sink_http_worker_stop(struct sink_http *h);

/* sink_http_reply.c: the application-level verdict of a 2xx reply body. */
/* 0 accepted; -1 refused, with the platform's words in why. */
int sink_http_reply_verdict(const char *body, size_t len, char *why, size_t whylen);

#endif
