/*
 * console_api.c - the answers of /api/...: the session, the snapshot, history, and acts.
 *
 * Reading needs a session unless the config says "read_without_sign_in"; acting
 * always needs one and its CSRF token in the X-CSRF-Token header. A sign-in is
 * checked against the operator's hash; a name that failed lockout_after times in a
 * row is refused for lockout_s whatever it sends. Names that are not operators
 * cost the same hashing as names that are, so a reply's timing says nothing. The
 * log names who signed in, failed or acted; it never holds a password or a token.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "command_client.h"
#include "console_internal.h"
#include "log.h"
#include "payload.h"

#define EVENTS_LIMIT 100
#define REPLY_MAX 512
#define MS_PER_S 1000
/* Hashed for a name that is no operator, so that it costs what a real check costs. */
#define DECOY_HASH CONSOLE_HASH_SCHEME "$600000$00000000000000000000000000000000$" \
                   "0000000000000000000000000000000000000000000000000000000000000000"

static const char *value_of(const struct console *k, struct MHD_Connection *conn, enum MHD_ValueKind kind,
                            const char *key)
{
    return k->mhd->lookup_connection_value(conn, kind, key);
}

static const struct console_session *session_of(struct console *k, struct MHD_Connection *conn)
{
    return console_session_find(&k->sessions, value_of(k, conn, MHD_COOKIE_KIND, CONSOLE_COOKIE),
                                clock_mono_ms());
}

static void set_cookie(const struct console *k, struct console_reply *out, const char *token, long max_age_s)
{
    snprintf(out->cookie, sizeof out->cookie, "%s=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%ld%s",
             CONSOLE_COOKIE, token, max_age_s, k->https ? "; Secure" : "");
}

static void reply_session(struct console *k, const struct console_session *s, struct console_reply *out)
{
    char *buf = malloc(REPLY_MAX);
    struct jw w;
    if (!buf) {
        console_reply_error(out, MHD_HTTP_SERVICE_UNAVAILABLE, "memory", "out of memory");
        return;
    }
    jw_init(&w, buf, REPLY_MAX);
    jw_open(&w, '{');
    jw_key(&w, "signed_in");
    jw_bool(&w, s != NULL);
    jw_key(&w, "name");
    jw_str(&w, s ? s->name : "");
    jw_key(&w, "csrf");
    jw_str(&w, s ? s->csrf : "");
    jw_key(&w, "read_without_sign_in");
    jw_bool(&w, k->cfg.read_without_sign_in);
    jw_close(&w, '}');
    jw_end(&w);
    out->status = MHD_HTTP_OK;
    out->body = buf;
}

/* A published text as it is (shared, not copied), or 503 before the core's first. */
static void reply_published(struct console *k, struct console_text *const *slot, struct console_reply *out)
{
    out->shared = console_text_get(k, slot);
    out->status = MHD_HTTP_OK;
    if (!out->shared)
        console_reply_error(out, MHD_HTTP_SERVICE_UNAVAILABLE, "not_yet", "the gateway has not published yet");
}

/* {"v": N, "now": <snapshot>}; 204 when the page already has snapshot N (?v=N). */
static void reply_now(struct console *k, struct MHD_Connection *conn, struct console_reply *out)
{
    const char *have = value_of(k, conn, MHD_GET_ARGUMENT_KIND, "v");
    pthread_mutex_lock(&k->lock);
    uint64_t v = k->now_version;
    int current = k->now && have && strtoull(have, NULL, 10) == v;
    pthread_mutex_unlock(&k->lock);
    if (current)
        console_reply_text(out, MHD_HTTP_NO_CONTENT, "");
    else
        reply_published(k, &k->now, out);
}

static void reply_history(struct console *k, struct MHD_Connection *conn, enum console_route route,
                          struct console_reply *out)
{
    char why[256];
    const char *range = value_of(k, conn, MHD_GET_ARGUMENT_KIND, "range");
    const char *device = value_of(k, conn, MHD_GET_ARGUMENT_KIND, "device");
    const char *point = value_of(k, conn, MHD_GET_ARGUMENT_KIND, "point");
    if (route == ROUTE_TREND && (!device || !point)) {
        console_reply_error(out, MHD_HTTP_BAD_REQUEST, "args", "a trend needs device and point");
        return;
    }
    out->body = route == ROUTE_EVENTS ? console_history_events(k, EVENTS_LIMIT, why, sizeof why)
                                      : console_history_trend(k, device, point, range && !strcmp(range, "week"),
                                                              why, sizeof why);
    out->status = MHD_HTTP_OK;
    if (!out->body) {
        log_limited("console-history", LOG_LVL_WARN, "console: history: %s", why);
        console_reply_error(out, MHD_HTTP_SERVICE_UNAVAILABLE, "store", "the store cannot be read now");
    }
}

/* A string field of the body's JSON object into out; 0, or -1. */
static int body_field(const cJSON *body, const char *key, char *out, size_t cap)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, key);
    if (!cJSON_IsString(v) || strlen(v->valuestring) >= cap)
        return -1;
    snprintf(out, cap, "%s", v->valuestring);
    return 0;
}

static const struct console_operator *operator_named(const struct console *k, const char *name)
{
    for (size_t i = 0; i < k->cfg.noperators; i++)
        if (strcmp(k->cfg.operators[i].name, name) == 0)
            return &k->cfg.operators[i];
    return NULL;
}

static void sign_in(struct console *k, const cJSON *body, struct console_reply *out)
{
    char name[CONSOLE_NAME_MAX], password[CONSOLE_PASSWORD_MAX], why[256];
    int64_t now = clock_mono_ms();
    if (body_field(body, "name", name, sizeof name) < 0 || !console_name_ok(name) ||
        body_field(body, "password", password, sizeof password) < 0) {
        console_reply_error(out, MHD_HTTP_BAD_REQUEST, "args", "a sign-in is {\"name\": ..., \"password\": ...}");
        return;
    }
    int64_t locked = console_signin_locked(&k->sessions, name, now);
    if (locked > 0) {
        memset(password, 0, sizeof password);
        log_limited("console-locked", LOG_LVL_WARN, "console: sign-in as %s refused: locked out for %lld s more",
                    name, (long long)(locked / MS_PER_S + 1));
        console_reply_error(out, MHD_HTTP_TOO_MANY_REQUESTS, "locked", "too many failed sign-ins; wait");
        return;
    }
    const struct console_operator *op = operator_named(k, name);
    int match = console_password_verify(password, op ? op->hash : DECOY_HASH, why, sizeof why);
    memset(password, 0, sizeof password);
    if (match < 0) {
        log_error("console: cannot check a password: %s", why);
        console_reply_error(out, MHD_HTTP_SERVICE_UNAVAILABLE, "crypto", "passwords cannot be checked now");
        return;
    }
    if (!op || match == 0) {
        int locks = console_signin_failed(&k->sessions, name, now);
        log_warn("console: sign-in as %s failed%s", name, locks ? "; the name is locked out" : "");
        console_reply_error(out, MHD_HTTP_UNAUTHORIZED, locks ? "locked" : "denied", "wrong name or password");
        return;
    }
    console_signin_ok(&k->sessions, name);
    const struct console_session *s = console_session_open(&k->sessions, name, now, why, sizeof why);
    if (!s) {
        log_error("console: cannot open a session: %s", why);
        console_reply_error(out, MHD_HTTP_SERVICE_UNAVAILABLE, "crypto", "no session can be opened now");
        return;
    }
    log_info("console: %s signed in", name);
    set_cookie(k, out, s->token, k->cfg.session_idle_s);
    reply_session(k, s, out);
}

/* silence or reset through the control socket, as "console:<name>". */
static void act(struct console *k, const struct console_session *s, enum console_route route, const cJSON *body,
                struct console_reply *out)
{
    char device[ID_MAX], point[ID_MAX], err[256];
    const char *cmd = route == ROUTE_SILENCE ? "silence" : "reset";
    if (body_field(body, "device", device, sizeof device) < 0 || body_field(body, "point", point, sizeof point) < 0) {
        console_reply_error(out, MHD_HTTP_BAD_REQUEST, "args", "an act is {\"device\": ..., \"point\": ...}");
        return;
    }
    cJSON *r = command_client_ask_via(k->control_socket, cmd, device, point, s->name, "console", err, sizeof err);
    if (!r) {
        log_error("console: %s %s/%s by %s: %s", cmd, device, point, s->name, err);
        console_reply_error(out, MHD_HTTP_SERVICE_UNAVAILABLE, "gateway", "the gateway did not answer");
        return;
    }
    out->status = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok")) ? MHD_HTTP_OK : MHD_HTTP_CONFLICT;
    out->body = cJSON_PrintUnformatted(r);
    cJSON_Delete(r);
    if (!out->body)
        console_reply_error(out, MHD_HTTP_SERVICE_UNAVAILABLE, "memory", "out of memory");
}

/* The acts: a session, its CSRF token, a JSON body. */
static void acts(struct console *k, struct MHD_Connection *conn, enum console_route route,
                 const struct console_request *req, const struct console_session *s, struct console_reply *out)
{
    if (!s) {
        console_reply_error(out, MHD_HTTP_UNAUTHORIZED, "sign_in", "sign in first");
        return;
    }
    if (!console_session_csrf_ok(s, value_of(k, conn, MHD_HEADER_KIND, CONSOLE_CSRF_HEADER))) {
        log_warn("console: %s without a valid CSRF token refused (session of %s)",
                 route == ROUTE_SIGN_OUT ? "sign-out" : "an act", s->name);
        console_reply_error(out, MHD_HTTP_FORBIDDEN, "csrf", "the request lacks this page's token");
        return;
    }
    if (route == ROUTE_SIGN_OUT) {
        log_info("console: %s signed out", s->name);
        console_session_close(&k->sessions, s->token);
        set_cookie(k, out, "", 0);
        console_reply_text(out, MHD_HTTP_OK, "{\"signed_in\":false}");
        return;
    }
    cJSON *body = cJSON_ParseWithLength(req->body, req->len);
    if (!cJSON_IsObject(body))
        console_reply_error(out, MHD_HTTP_BAD_REQUEST, "args", "the body is a JSON object");
    else
        act(k, s, route, body, out);
    cJSON_Delete(body);
}

void console_api(struct console *k, struct MHD_Connection *conn, enum console_route route,
                 const struct console_request *req, struct console_reply *out)
{
    const struct console_session *s = session_of(k, conn);
    if (route == ROUTE_SESSION) {
        reply_session(k, s, out);
    } else if (route == ROUTE_SIGN_IN) {
        cJSON *body = cJSON_ParseWithLength(req->body, req->len);
        cJSON *pw = cJSON_GetObjectItemCaseSensitive(body, "password");
        sign_in(k, body, out);
        if (cJSON_IsString(pw))       /* the parser's copy of the password too */
            memset(pw->valuestring, 0, strlen(pw->valuestring));
        cJSON_Delete(body);
    } else if (console_route_acts(route)) {
        acts(k, conn, route, req, s, out);
    } else if (!s && !k->cfg.read_without_sign_in) {
        console_reply_error(out, MHD_HTTP_UNAUTHORIZED, "sign_in", "sign in to see this gateway");
    } else if (route == ROUTE_NOW || route == ROUTE_LAYOUT || route == ROUTE_HEALTH) {
        /* a page looks: the core publishes for a while (the first ask after a quiet spell may get 503) */
        __atomic_store_n(&k->wanted_ms, clock_mono_ms(), __ATOMIC_RELAXED);
        if (route == ROUTE_NOW)
            reply_now(k, conn, out);
        else
            reply_published(k, route == ROUTE_LAYOUT ? &k->layout : &k->health, out);
    } else {
        reply_history(k, conn, route, out);
    }
}
