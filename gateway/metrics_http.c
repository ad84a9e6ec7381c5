/*
 * metrics_http.c - serve the last published metrics text over HTTP with libmicrohttpd.
 *
 * Parsing HTTP from a listening socket is exactly the code we should not write
 * ourselves (docs/dependencies.md), so libmicrohttpd does it, in its one internal
 * polling thread, with a small connection limit and timeout: a scraper or a port
 * scan cannot hold the gateway's attention. Only GET and HEAD of /metrics are
 * answered; the text is copied out under the mutex the core's publish takes.
 */
#include "metrics_http.h"
#include "metrics_http_mhd.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "log.h"

#define METRICS_PATH "/metrics"
#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"
#define METRICS_CONNECTIONS 8         /* scrapers at once; more are refused */
#define METRICS_TIMEOUT_S 10          /* an idle connection is closed after this */

struct metrics_server {
    const struct mhd_lib *mhd;        /* libmicrohttpd, bound at start */
    struct MHD_Daemon *daemon;
    pthread_mutex_t lock;
    char *text;                       /* the last published text; NULL before the first */
    size_t len;
};

static const char not_yet[] = "# no health report yet: the first comes a second or so after start\n";
static const char not_found[] = "only " METRICS_PATH " is served here\n";
static const char not_allowed[] = "only GET and HEAD are answered\n";

static enum MHD_Result reply(const struct metrics_server *m, struct MHD_Connection *conn, unsigned status,
                             const char *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
    struct MHD_Response *r = m->mhd->create_response_from_buffer(len, (void *)body, mode);
    if (!r)
        return MHD_NO;
    enum MHD_Result rc = m->mhd->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, METRICS_CONTENT_TYPE)
                             ? m->mhd->queue_response(conn, status, r) : MHD_NO;
    m->mhd->destroy_response(r);
    return rc;
}

/* The last text, copied under the lock (libmicrohttpd owns the copy). */
static enum MHD_Result reply_metrics(struct metrics_server *m, struct MHD_Connection *conn)
{
    pthread_mutex_lock(&m->lock);
    if (!m->text) {
        pthread_mutex_unlock(&m->lock);
        return reply(m, conn, MHD_HTTP_SERVICE_UNAVAILABLE, not_yet, sizeof not_yet - 1, MHD_RESPMEM_PERSISTENT);
    }
    enum MHD_Result rc = reply(m, conn, MHD_HTTP_OK, m->text, m->len, MHD_RESPMEM_MUST_COPY);
    pthread_mutex_unlock(&m->lock);
    return rc;
}

static enum MHD_Result metrics_request(void *cls, struct MHD_Connection *conn, const char *url,
                                       const char *method, const char *version, const char *upload,
                                       size_t *upload_size, void **req_cls)
{
    (void)version;
    (void)upload;
    (void)req_cls;
    const struct metrics_server *m = cls;
    if (*upload_size)                 /* a body is never read: drop it */
        *upload_size = 0;
    if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
        return reply(m, conn, MHD_HTTP_METHOD_NOT_ALLOWED, not_allowed, sizeof not_allowed - 1,
                     MHD_RESPMEM_PERSISTENT);
    if (strcmp(url, METRICS_PATH) != 0)
        return reply(m, conn, MHD_HTTP_NOT_FOUND, not_found, sizeof not_found - 1, MHD_RESPMEM_PERSISTENT);
    return reply_metrics(cls, conn);
}

struct metrics_server *metrics_server_start(const char *listen, char *err, size_t errlen)
{
    struct sockaddr_storage sa;
    unsigned salen;
    char why[CFG_ERR_MAX];
    if (config_listen_addr(listen, &sa, &salen, why, sizeof why) < 0) {
        snprintf(err, errlen, "metrics.listen %s", why);
        return NULL;
    }
    const struct mhd_lib *mhd = mhd_lib_load(why, sizeof why);
    if (!mhd) {
        snprintf(err, errlen, "metrics on %s: %s", listen, why);
        return NULL;
    }
    struct metrics_server *m = calloc(1, sizeof *m);
    if (!m || pthread_mutex_init(&m->lock, NULL) != 0) {
        free(m);
        snprintf(err, errlen, "metrics on %s: out of memory", listen);
        return NULL;
    }
    m->mhd = mhd;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (sa.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    m->daemon = mhd->start_daemon(flags, 0, NULL, NULL, metrics_request, m,
                                 MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONNECTIONS,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_S,
                                 MHD_OPTION_EXTERNAL_LOGGER, mhd_log_limited, "metrics endpoint", MHD_OPTION_END);
    if (!m->daemon) {
        snprintf(err, errlen, "metrics: cannot listen on %s (is the port taken? see the line above)", listen);
        pthread_mutex_destroy(&m->lock);
        free(m);
        return NULL;
    }
    return m;
}

void metrics_server_publish(struct metrics_server *m, const char *text)
{
    size_t len = strlen(text);
    char *copy = malloc(len + 1);
    if (!copy) {
        log_limited("metrics", LOG_LVL_WARN, "metrics: out of memory for the text; scrapes see the last one");
        return;
    }
    memcpy(copy, text, len + 1);
    pthread_mutex_lock(&m->lock);
    char *old = m->text;
    m->text = copy;
    m->len = len;
    pthread_mutex_unlock(&m->lock);
    free(old);
}

void metrics_server_stop(struct metrics_server *m)
{
    if (!m)
        return;
    m->mhd->stop_daemon(m->daemon);       /* joins the thread: no request runs after this */
    pthread_mutex_destroy(&m->lock);
    free(m->text);
    free(m);
}
