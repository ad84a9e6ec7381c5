/*
 * metrics_http.h - the optional Prometheus endpoint: GET /metrics on a local port.
 *
 * libmicrohttpd serves it from one internal thread of its own. That thread never
 * touches the core's data: the core publishes a finished text (status_metrics.c
 * renders each health report) and the server hands out a copy of the last one,
 * under a mutex. A build without libmicrohttpd (RISKGW_METRICS=OFF) gets the
 * inline stand-ins below, and its config loader refuses the "metrics" section,
 * so they are never asked to start.
 */
#ifndef RISKGW_METRICS_HTTP_H
#define RISKGW_METRICS_HTTP_H

#include <stddef.h>
#include <stdio.h>

struct metrics_server;

#if RISKGW_HAVE_METRICS
/* Listen on listen ("127.0.0.1:9105", checked by the config). NULL with err filled. */
struct metrics_server *metrics_server_start(const char *listen, char *err, size_t errlen);
/* Serve text from now on (the server keeps its own copy). */
void metrics_server_publish(struct metrics_server *m, const char *text);
/* Stop the thread, close the socket, free. NULL is fine. */
void metrics_server_stop(struct metrics_server *m);
#else
static inline struct metrics_server *metrics_server_start(const char *listen, char *err, size_t errlen)
{
    snprintf(err, errlen, "metrics on %s: this riskgw was built without libmicrohttpd", listen);
    return NULL;
}
static inline void metrics_server_publish(struct metrics_server *m, const char *text)
{
    (void)m;
    (void)text;
}
static inline void metrics_server_stop(struct metrics_server *m)
{
    (void)m;
}
#endif

#endif
