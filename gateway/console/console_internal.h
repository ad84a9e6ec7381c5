/*
 * console_internal.h - what the console's files share (console_http.c, console_api.c,
 * console_history.c). Everything here belongs to the server's one thread, except
 * the published texts (under lock) and wanted_ms (atomic), which the core writes.
 */
#ifndef RISKGW_CONSOLE_INTERNAL_H
#define RISKGW_CONSOLE_INTERNAL_H

#include <pthread.h>
#include <sqlite3.h>
#include <stdint.h>

#include "console.h"
#include "console_auth.h"
#include "console_route.h"
#include "metrics_http_mhd.h"

#define CONSOLE_BODY_MAX 1024           /* a sign-in or an act; more is refused */
#define CONSOLE_COOKIE "rgw_session"
#define CONSOLE_CSRF_HEADER "X-CSRF-Token"

struct console {
    const struct mhd_lib *mhd;
    struct MHD_Daemon *daemon;
    struct console_cfg cfg;
    char store_path[CONSOLE_PATH_MAX];
    char control_socket[CONSOLE_PATH_MAX + 8];
    int https;
    char *tls_cert, *tls_key;           /* PEM text, for libmicrohttpd */
    pthread_mutex_t lock;               /* layout, now, now_version and health */
    char *layout, *health;              /* the last published texts; NULL before the first */
    char *now;                          /* the last snapshot's whole answer, {"v":N,"now":...}, until the
                                         * server takes it into now_reply; NULL before the first or after */
    uint64_t now_version;               /* counts the snapshots: a page that has it gets 204 */
    struct MHD_Response *now_reply;     /* server thread: snapshot now_reply_version as one response, */
    uint64_t now_reply_version;         /* queued to every page that asks until the next one (it owns the text) */
    int64_t wanted_ms;                  /* monotonic: the last time a page asked (atomic) */
    struct console_sessions sessions;
    sqlite3 *db;                        /* read-only, opened on first use */
};

/* One request as it arrives: its body, gathered across libmicrohttpd's calls. */
struct console_request {
    char body[CONSOLE_BODY_MAX + 1];
    size_t len;
    int too_big;
};

/* What a handler answers: status, a JSON body (malloc'd, or static), and a cookie to set;
 * or a finished response the console keeps (queued as it is, not destroyed). */
struct console_reply {
    unsigned status;
    char *body;                         /* malloc'd; NULL: use text */
    const char *text;
    char cookie[160];
    struct MHD_Response *kept;          /* set: send this and ignore the rest */
};

/* console_api.c: the answer to an API route. */
void console_api(struct console *k, struct MHD_Connection *conn, enum console_route route,
                 const struct console_request *req, struct console_reply *out);

/* console_history.c: the event log and a point's trend as JSON (malloc'd), or NULL with why. */
char *console_history_events(struct console *k, int limit, char *why, size_t whylen);
char *console_history_trend(struct console *k, const char *device, const char *point, int week, char *why,
                            size_t whylen);

/* console_http.c */
/* A JSON response of len bytes that takes body (malloc'd; freed with the response, also on failure),
 * with the console's headers; NULL when it cannot. */
struct MHD_Response *console_json_response(const struct console *k, char *body, size_t len);
void console_reply_text(struct console_reply *out, unsigned status, const char *json);
void console_reply_error(struct console_reply *out, unsigned status, const char *code, const char *detail);

#endif
