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
#define CONSOLE_SNAPSHOT_BUFFERS 3      /* published, still sent to a slow page, being written */

struct console {
    const struct mhd_lib *mhd;
    struct MHD_Daemon *daemon;
    struct console_cfg cfg;
    char store_path[CONSOLE_PATH_MAX];
    char control_socket[CONSOLE_PATH_MAX + 8];
    int https;
    char *tls_cert, *tls_key;           /* PEM text, for libmicrohttpd */
    pthread_mutex_t lock;               /* layout, now, now_version and health */
    struct console_text *layout, *now, *health;   /* the last published; NULL before it or once released */
    uint64_t now_version;               /* counts the snapshots: a page that has it gets 204 */
    /* The core's: the snapshot buffers it writes into, each with a reference of its own;
     * one is free to reuse when that is its only one (no slot, no reply holds it). */
    struct console_text *snap_pool[CONSOLE_SNAPSHOT_BUFFERS];
    struct console_text *snap_building; /* given out by console_snapshot_buffer */
    int snap_loose;                     /* it is in no pool slot: let go once published */
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

/* A text the core published, shared by the console and every response still sending it,
 * so that no request copies it (at 500 devices a snapshot is 370 KB); the last to let
 * go frees it. */
struct console_text {
    int refs;                           /* atomic */
    size_t len;
    size_t cap;                         /* bytes of text[] */
    char text[];
};

/* What a handler answers: status, a JSON body (malloc'd, or static), and a cookie to set;
 * or a published text, held for this reply. */
struct console_reply {
    unsigned status;
    char *body;                         /* malloc'd; NULL: use shared, else text */
    struct console_text *shared;
    const char *text;
    char cookie[160];
};

/* console_api.c: the answer to an API route. */
void console_api(struct console *k, struct MHD_Connection *conn, enum console_route route,
                 const struct console_request *req, struct console_reply *out);

/* console_history.c: the event log and a point's trend as JSON (malloc'd), or NULL with why. */
char *console_history_events(struct console *k, int limit, char *why, size_t whylen);
char *console_history_trend(struct console *k, const char *device, const char *point, int week, char *why,
                            size_t whylen);

/* console_text.c: json as a shared text with one reference (NULL without memory); a
 * reference more, or one fewer (NULL is fine); the slot's text with a reference for the
 * caller (NULL when none), taken under k->lock. */
/* An empty text with room for cap bytes, one reference held, or NULL. */
struct console_text *console_text_alloc(size_t cap);
struct console_text *console_text_new(const char *json);
void console_text_hold(struct console_text *t);
void console_text_drop(struct console_text *t);
/* console_snapshot.c: the core's snapshot buffers back to the system (release, stop). */
void console_snapshot_pool_free(struct console *k);
/* console_http.c: text into *slot (under the lock), letting go of the one it replaces. */
void console_publish(struct console *k, struct console_text **slot, struct console_text *text);
struct console_text *console_text_get(struct console *k, struct console_text *const *slot);
/* A response that sends t and lets go of it when sent (also when NULL is returned). */
struct MHD_Response *console_text_response(const struct console *k, struct console_text *t);

/* console_http.c */
void console_reply_text(struct console_reply *out, unsigned status, const char *json);
void console_reply_error(struct console_reply *out, unsigned status, const char *code, const char *detail);

#endif
