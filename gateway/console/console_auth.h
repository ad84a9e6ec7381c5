/*
 * console_auth.h - who may use the console: passwords, sessions, CSRF tokens, lock-out.
 *
 * Passwords are kept only as PBKDF2-HMAC-SHA256 hashes with a random salt
 * (console_password.c; `riskgw passwd` writes them). A sign-in that matches opens
 * a session: a random token in an HttpOnly, SameSite=Strict cookie, and a second
 * random token the page must send back in a header with every action (CSRF).
 * Failed sign-ins are counted per name; after lockout_after of them in a row the
 * name is refused, right password or not, for lockout_s (console_session.c).
 * Sessions and counters live in the console's memory only; a restart signs all out.
 * Time is passed in (monotonic ms), so the logic is tested with a mock clock.
 */
#ifndef RISKGW_CONSOLE_AUTH_H
#define RISKGW_CONSOLE_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "console_cfg.h"

#define CONSOLE_TOKEN_HEX 64            /* 32 random bytes */
#define CONSOLE_SESSIONS_MAX 32
#define CONSOLE_FAILURES_MAX 64         /* names tracked for lock-out */
#define CONSOLE_PASSWORD_MAX 256

/* ---- console_password.c ---- */

/* The hash text of password with a fresh salt ("pbkdf2-sha256$N$SALT$KEY"). 0, or -1 with why. */
int console_password_hash(const char *password, long iterations, char *out, size_t cap, char *why,
                          size_t whylen);
/* 1 when password matches the stored hash, 0 when not, -1 (why) when it cannot tell. */
int console_password_verify(const char *password, const char *stored, char *why, size_t whylen);
/* n random bytes as 2n hex digits (+ NUL) in out. 0, or -1 with why. */
int console_random_hex(char *out, size_t nbytes, char *why, size_t whylen);

/* ---- console_session.c ---- */

struct console_session {
    char token[CONSOLE_TOKEN_HEX + 1];  /* "" = free slot */
    char csrf[CONSOLE_TOKEN_HEX + 1];
    char name[CONSOLE_NAME_MAX];
    int64_t expires_ms;
};

struct console_failures {
    char name[CONSOLE_NAME_MAX];
    long count;                         /* failures in a row */
    int64_t locked_until_ms;
    int64_t last_ms;
};

struct console_sessions {
    struct console_session s[CONSOLE_SESSIONS_MAX];
    struct console_failures f[CONSOLE_FAILURES_MAX];
    long idle_ms, lockout_after, lockout_ms;
};

void console_sessions_init(struct console_sessions *ss, const struct console_cfg *cc);
/* A new session for name (the oldest is dropped when all are taken). NULL with why. */
const struct console_session *console_session_open(struct console_sessions *ss, const char *name, int64_t now,
                                                   char *why, size_t whylen);
/* The live session a cookie token names (its idle time starts again), or NULL. */
const struct console_session *console_session_find(struct console_sessions *ss, const char *token, int64_t now);
/* 1 when the token sent with an action is the session's CSRF token (constant time). */
int console_session_csrf_ok(const struct console_session *s, const char *sent);
void console_session_close(struct console_sessions *ss, const char *token);

/* Milliseconds name stays locked out (0: it may try now). */
int64_t console_signin_locked(const struct console_sessions *ss, const char *name, int64_t now);
/* A failed sign-in of name: 1 when it locks the name out now, else 0. */
int console_signin_failed(struct console_sessions *ss, const char *name, int64_t now);
void console_signin_ok(struct console_sessions *ss, const char *name);

/* 1 when two strings are equal, in time that depends on their length only. */
int console_equal_const(const char *a, const char *b);

#endif
