/*
 * console_session.c - sessions, CSRF tokens and sign-in lock-out (console_auth.h).
 *
 * Fixed tables, no allocation: 32 sessions and 64 names under watch are far more
 * than a site's operators, and a flood of sign-ins under made-up names only
 * recycles the oldest counters, never grows memory.
 */
#include <stdio.h>
#include <string.h>

#include "console_auth.h"

#define MS_PER_S 1000

void console_sessions_init(struct console_sessions *ss, const struct console_cfg *cc)
{
    memset(ss, 0, sizeof *ss);
    ss->idle_ms = cc->session_idle_s * MS_PER_S;
    ss->lockout_after = cc->lockout_after;
    ss->lockout_ms = cc->lockout_s * MS_PER_S;
}

int console_equal_const(const char *a, const char *b)
{
    size_t n = strlen(a);
    unsigned char diff = n != strlen(b);
    for (size_t i = 0; i < n; i++)
        diff |= (unsigned char)(a[i] ^ (b[i] ? b[i] : 0xff));
    return diff == 0;
}

const struct console_session *console_session_open(struct console_sessions *ss, const char *name, int64_t now,
                                                   char *why, size_t whylen)
{
    struct console_session *slot = &ss->s[0];
    for (size_t i = 0; i < CONSOLE_SESSIONS_MAX; i++) {
        struct console_session *s = &ss->s[i];
        if (!s->token[0] || s->expires_ms <= now) {
            slot = s;
            break;
        }
        if (s->expires_ms < slot->expires_ms)
            slot = s;                   /* all taken: the one idle longest goes */
    }
    memset(slot, 0, sizeof *slot);
    if (console_random_hex(slot->token, CONSOLE_TOKEN_HEX / 2, why, whylen) < 0 ||
        console_random_hex(slot->csrf, CONSOLE_TOKEN_HEX / 2, why, whylen) < 0) {
        memset(slot, 0, sizeof *slot);
        return NULL;
    }
    snprintf(slot->name, sizeof slot->name, "%s", name);
    slot->expires_ms = now + ss->idle_ms;
    return slot;
}

static struct console_session *find(struct console_sessions *ss, const char *token)
{
    if (!token || strlen(token) != CONSOLE_TOKEN_HEX)
        return NULL;
    for (size_t i = 0; i < CONSOLE_SESSIONS_MAX; i++)
        if (ss->s[i].token[0] && console_equal_const(ss->s[i].token, token))
            return &ss->s[i];
    return NULL;
}

const struct console_session *console_session_find(struct console_sessions *ss, const char *token, int64_t now)
{
    struct console_session *s = find(ss, token);
    if (!s)
        return NULL;
    if (s->expires_ms <= now) {
        memset(s, 0, sizeof *s);
        return NULL;
    }
    s->expires_ms = now + ss->idle_ms;
    return s;
}

int console_session_csrf_ok(const struct console_session *s, const char *sent)
{
    return s && sent && strlen(sent) == CONSOLE_TOKEN_HEX && console_equal_const(s->csrf, sent);
}

void console_session_close(struct console_sessions *ss, const char *token)
{
    struct console_session *s = find(ss, token);
    if (s)
        memset(s, 0, sizeof *s);
}

static struct console_failures *failures_of(const struct console_sessions *ss, const char *name)
{
    for (size_t i = 0; i < CONSOLE_FAILURES_MAX; i++)
        if (ss->f[i].name[0] && strcmp(ss->f[i].name, name) == 0)
            return (struct console_failures *)&ss->f[i];
    return NULL;
}

int64_t console_signin_locked(const struct console_sessions *ss, const char *name, int64_t now)
{
    const struct console_failures *f = failures_of(ss, name);
    return f && f->locked_until_ms > now ? f->locked_until_ms - now : 0;
}

int console_signin_failed(struct console_sessions *ss, const char *name, int64_t now)
{
    struct console_failures *f = failures_of(ss, name);
    if (!f) {
        f = &ss->f[0];
        for (size_t i = 0; i < CONSOLE_FAILURES_MAX; i++) {
            if (!ss->f[i].name[0]) {
                f = &ss->f[i];
                break;
            }
            if (ss->f[i].last_ms < f->last_ms && ss->f[i].locked_until_ms <= now)
                f = &ss->f[i];         /* the stalest counter not holding a lock-out */
        }
        memset(f, 0, sizeof *f);
        snprintf(f->name, sizeof f->name, "%s", name);
    }
    f->last_ms = now;
    if (++f->count < ss->lockout_after)
        return 0;
    f->count = 0;
    f->locked_until_ms = now + ss->lockout_ms;
    return 1;
}

void console_signin_ok(struct console_sessions *ss, const char *name)
{
    struct console_failures *f = failures_of(ss, name);
    if (f)
        memset(f, 0, sizeof *f);
}
