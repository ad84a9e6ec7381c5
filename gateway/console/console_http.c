/*
 * console_http.c - the console's server: libmicrohttpd's thread, routes, replies.
 *
 * One internal polling thread with a small connection limit and timeout, as for
 * the metrics endpoint: a slow or hostile client holds at most a connection slot,
 * never the core. Bodies are read only for POST and only up to CONSOLE_BODY_MAX.
 * Every reply says no-store and carries a strict Content-Security-Policy: the page
 * loads nothing from anywhere but the box. With a certificate and key it is HTTPS
 * only (and the session cookie is Secure).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "console_assets.h"
#include "console_internal.h"
#include "log.h"

#define CONSOLE_CONNECTIONS 16          /* browsers at once; more are refused */
#define CONSOLE_TIMEOUT_S 15            /* an idle connection is closed after this */
#define CONSOLE_WANTED_MS 10000         /* the core builds snapshots this long after a page asked */
#define PEM_MAX (64 * 1024)
#define CSP "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " \
            "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

static const char err_fmt[] = "{\"error\":\"%s\",\"detail\":\"%s\"}";

void console_reply_text(struct console_reply *out, unsigned status, const char *json)
{
    out->status = status;
    out->body = NULL;
    out->text = json;
}

/* detail must not need JSON escaping (the callers pass fixed sentences). */
void console_reply_error(struct console_reply *out, unsigned status, const char *code, const char *detail)
{
    size_t n = sizeof err_fmt + strlen(code) + strlen(detail);
    out->status = status;
    out->body = malloc(n);
    out->text = NULL;
    if (out->body)
        snprintf(out->body, n, err_fmt, code, detail);
    else
        out->text = "{\"error\":\"memory\"}";
}

static int add_headers(const struct console *k, struct MHD_Response *r, const char *type)
{
    const struct mhd_lib *m = k->mhd;
    return m->add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type) &&
           m->add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store") &&
           m->add_response_header(r, "X-Content-Type-Options", "nosniff") &&
           m->add_response_header(r, "X-Frame-Options", "DENY") &&
           m->add_response_header(r, "Referrer-Policy", "no-referrer") &&
           m->add_response_header(r, "Content-Security-Policy", CSP);
}

static const char json_type[] = "application/json; charset=utf-8";

static enum MHD_Result send_reply(const struct console *k, struct MHD_Connection *conn, const void *data,
                                  size_t len, enum MHD_ResponseMemoryMode mode, unsigned status,
                                  const char *type, const char *cookie)
{
    struct MHD_Response *r = k->mhd->create_response_from_buffer(len, (void *)data, mode);
    if (!r)
        return MHD_NO;
    int ok = add_headers(k, r, type) && (!cookie[0] || k->mhd->add_response_header(r, "Set-Cookie", cookie));
    enum MHD_Result rc = ok ? k->mhd->queue_response(conn, status, r) : MHD_NO;
    k->mhd->destroy_response(r);
    return rc;
}

static enum MHD_Result send_api(const struct console *k, struct MHD_Connection *conn, struct console_reply *rep)
{
    if (rep->shared) {
        struct MHD_Response *r = console_text_response(k, rep->shared);
        if (!r)
            return MHD_NO;
        enum MHD_Result rc = add_headers(k, r, json_type) ? k->mhd->queue_response(conn, rep->status, r) : MHD_NO;
        k->mhd->destroy_response(r);
        return rc;
    }
    if (rep->body)
        return send_reply(k, conn, rep->body, strlen(rep->body), MHD_RESPMEM_MUST_FREE, rep->status, json_type,
                          rep->cookie);
    return send_reply(k, conn, rep->text, strlen(rep->text), MHD_RESPMEM_MUST_COPY, rep->status, json_type,
                      rep->cookie);
}

/* Gather a POST body into req; 1 while more is coming. */
static int gather(struct console_request *req, const char *upload, size_t *upload_size)
{
    if (!*upload_size)
        return 0;
    if (req->len + *upload_size > CONSOLE_BODY_MAX)
        req->too_big = 1;
    else
        memcpy(req->body + req->len, upload, *upload_size);
    req->len += req->too_big ? 0 : *upload_size;
    req->body[req->len] = '\0';
    *upload_size = 0;
    return 1;
}

static enum MHD_Result console_request(void *cls, struct MHD_Connection *conn, const char *url,
                                       const char *method, const char *version, const char *upload,
                                       size_t *upload_size, void **req_cls)
{
    (void)version;
    struct console *k = cls;
    struct console_request *req = *req_cls;
    if (!req) {                       /* the headers only: wait for the body */
        req = calloc(1, sizeof *req);
        *req_cls = req;
        return req ? MHD_YES : MHD_NO;
    }
    if (gather(req, upload, upload_size))
        return MHD_YES;
    const char *asset_path = NULL;
    enum console_route route = console_route(method, url, &asset_path);
    struct console_reply rep = {0};
    if (route == ROUTE_ASSET) {
        const struct embedded_file *a = console_asset_find(asset_path);
        return send_reply(k, conn, a->data, a->len, MHD_RESPMEM_PERSISTENT, MHD_HTTP_OK, a->content_type, "");
    }
    if (route == ROUTE_NOT_FOUND)
        console_reply_error(&rep, MHD_HTTP_NOT_FOUND, "not_found", "no such page on this console");
    else if (route == ROUTE_NOT_ALLOWED)
        console_reply_error(&rep, MHD_HTTP_METHOD_NOT_ALLOWED, "method", "not with this method");
    else if (req->too_big)
        console_reply_error(&rep, 413, "too_big", "the request body is too long");
    else
        console_api(k, conn, route, req, &rep);
    return send_api(k, conn, &rep);
}

static void request_done(void *cls, struct MHD_Connection *conn, void **req_cls,
                         enum MHD_RequestTerminationCode why)
{
    (void)cls;
    (void)conn;
    (void)why;
    if (*req_cls) {
        memset(*req_cls, 0, sizeof(struct console_request));   /* a password may be in it */
        free(*req_cls);
    }
    *req_cls = NULL;
}

/* A PEM file into memory (malloc'd). NULL with why. */
static char *read_pem(const char *path, char *why, size_t whylen)
{
    FILE *f = fopen(path, "r");
    char *text = f ? calloc(1, PEM_MAX + 1) : NULL;
    size_t n = text ? fread(text, 1, PEM_MAX, f) : 0;
    if (f)
        fclose(f);
    if (!text || n == 0 || n == PEM_MAX) {
        snprintf(why, whylen, "cannot read %s (missing, unreadable, empty or over %d KiB)", path, PEM_MAX / 1024);
        free(text);
        return NULL;
    }
    return text;
}

static void console_free(struct console *k)
{
    if (k->db)
        sqlite3_close(k->db);
    console_text_drop(k->layout);
    console_text_drop(k->now);
    console_text_drop(k->health);
    console_snapshot_pool_free(k);
    if (k->tls_key)
        memset(k->tls_key, 0, strlen(k->tls_key));
    free(k->tls_key);
    free(k->tls_cert);
    pthread_mutex_destroy(&k->lock);
    free(k);
}

static int start_daemon(struct console *k, const struct sockaddr_storage *sa, char *why, size_t whylen)
{
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;
    if (sa->ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    struct MHD_OptionItem opts[] = {
        {MHD_OPTION_SOCK_ADDR, 0, (void *)sa},
        {MHD_OPTION_CONNECTION_LIMIT, CONSOLE_CONNECTIONS, NULL},
        {MHD_OPTION_CONNECTION_TIMEOUT, CONSOLE_TIMEOUT_S, NULL},
        {MHD_OPTION_NOTIFY_COMPLETED, (intptr_t)request_done, NULL},
        {MHD_OPTION_END, 0, NULL},        /* HTTPS: the certificate */
        {MHD_OPTION_END, 0, NULL},        /* and its key */
        {MHD_OPTION_END, 0, NULL},
    };
    if (k->https) {
        k->tls_cert = read_pem(k->cfg.cert_file, why, whylen);
        k->tls_key = k->tls_cert ? read_pem(k->cfg.key_file, why, whylen) : NULL;
        if (!k->tls_key)
            return -1;
        flags |= MHD_USE_TLS;
        opts[4] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_CERT, 0, k->tls_cert};
        opts[5] = (struct MHD_OptionItem){MHD_OPTION_HTTPS_MEM_KEY, 0, k->tls_key};
    }
    k->daemon = k->mhd->start_daemon(flags, 0, NULL, NULL, console_request, k,   /* the logger goes first */
                                     MHD_OPTION_EXTERNAL_LOGGER, mhd_log_limited, "console",
                                     MHD_OPTION_ARRAY, opts, MHD_OPTION_END);
    if (!k->daemon) {
        snprintf(why, whylen, "cannot listen on %s (is the port taken, or the certificate bad? see the line "
                 "above)", k->cfg.listen);
        return -1;
    }
    return 0;
}

struct console *console_start(const struct console_cfg *cc, const struct console_paths *paths, char *err,
                              size_t errlen)
{
    struct sockaddr_storage sa;
    unsigned salen;
    char why[CFG_ERR_MAX];
    if (config_listen_addr(cc->listen, &sa, &salen, why, sizeof why) < 0) {
        snprintf(err, errlen, "console.listen %s", why);
        return NULL;
    }
    const struct mhd_lib *mhd = mhd_lib_load(why, sizeof why);
    struct console *k = mhd ? calloc(1, sizeof *k) : NULL;
    if (!k || pthread_mutex_init(&k->lock, NULL) != 0) {
        snprintf(err, errlen, "console on %s: %s", cc->listen, mhd ? "out of memory" : why);
        free(k);
        return NULL;
    }
    k->mhd = mhd;
    k->cfg = *cc;
    k->https = cc->cert_file[0] != '\0';
    snprintf(k->store_path, sizeof k->store_path, "%s", paths->store);
    snprintf(k->control_socket, sizeof k->control_socket, "%s", paths->control_socket);
    console_sessions_init(&k->sessions, cc);
    if (start_daemon(k, &sa, why, sizeof why) < 0) {
        snprintf(err, errlen, "console: %s", why);
        console_free(k);
        return NULL;
    }
    return k;
}

void console_publish(struct console *k, struct console_text **slot, struct console_text *text)
{
    if (!text) {
        log_limited("console", LOG_LVL_WARN, "console: out of memory for a snapshot; pages see the last one");
        return;
    }
    pthread_mutex_lock(&k->lock);
    struct console_text *old = *slot;
    *slot = text;
    k->now_version += slot == &k->now;
    pthread_mutex_unlock(&k->lock);
    console_text_drop(old);
}

void console_publish_layout(struct console *k, const char *json)
{
    console_publish(k, &k->layout, console_text_new(json));
}

void console_publish_health(struct console *k, const char *json)
{
    console_publish(k, &k->health, console_text_new(json));
}

int console_wanted(struct console *k, int64_t now_mono_ms)
{
    int64_t asked = __atomic_load_n(&k->wanted_ms, __ATOMIC_RELAXED);
    return asked && now_mono_ms - asked < CONSOLE_WANTED_MS;
}

void console_release(struct console *k)
{
    pthread_mutex_lock(&k->lock);
    struct console_text *texts[] = {k->layout, k->now, k->health};
    k->layout = k->now = k->health = NULL;
    pthread_mutex_unlock(&k->lock);
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        console_text_drop(texts[i]);        /* a page still being sent one keeps it until done */
    console_snapshot_pool_free(k);
}

void console_stop(struct console *k)
{
    if (!k)
        return;
    k->mhd->stop_daemon(k->daemon);     /* joins the thread: no request runs after this */
    console_free(k);
}
