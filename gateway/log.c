/*
 * log.c - levelled log lines on stderr, and a rate limit for the ones that repeat.
 *
 * Each line starts with the syslog priority in angle brackets ("<3>"), which
 * journald turns into the level, then a wall-clock time for a human reading a
 * terminal. Writes are one fprintf per line so lines from threads never interleave.
 *
 * The rate limiter's state lives at each call site (see log_limited in log.h);
 * one mutex guards every site's counters, which are touched for a few
 * instructions per line, so pollers and the core can share a site safely.
 */
#include "log.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "clock.h"

#define LOG_LINE_MAX 1024
#define MS_PER_S 1000

static enum log_level max_level = LOG_LVL_INFO;
static const char *program = "riskgw";
static int64_t (*limit_clock)(void) = clock_mono_ms;
static pthread_mutex_t limit_lock = PTHREAD_MUTEX_INITIALIZER;

void log_set_level(enum log_level max) { max_level = max; }
void log_set_program(const char *name) { program = name; }
void log_set_clock(int64_t (*mono_ms)(void)) { limit_clock = mono_ms ? mono_ms : clock_mono_ms; }

static const char *level_word(enum log_level level)
{
    switch (level) {
    case LOG_LVL_ERROR: return "error";
    case LOG_LVL_WARN: return "warning";
    case LOG_LVL_INFO: return "info";
    default: return "debug";
    }
}

__attribute__((format(printf, 2, 0)))
static void log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
    char text[LOG_LINE_MAX], stamp[32];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    vsnprintf(text, sizeof text, fmt, ap);
    fprintf(stderr, "<%d>%s.%03ldZ %s %s: %s\n", (int)level, stamp, ts.tv_nsec / 1000000L, program,
            level_word(level), text);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (level > max_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}

/* FNV-1a: spreads device ids over a site's few slots. */
static unsigned key_slot(const char *key)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)(key ? key : ""); *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % LOG_LIMIT_SLOTS;
}

/*
 * Count one line against its slot. Returns 1 when it may be written; sets
 * *suppressed to the lines held back in the window that just ended (to report).
 */
static int limit_admit(struct log_limit_slot *s, int64_t now, unsigned long *suppressed)
{
    *suppressed = 0;
    pthread_mutex_lock(&limit_lock);
    if (s->window_end_ms == 0 || now >= s->window_end_ms) {
        *suppressed = s->suppressed;
        s->window_end_ms = now + LOG_LIMIT_WINDOW_MS;
        s->printed = 0;
        s->suppressed = 0;
    }
    int admit = s->printed < LOG_LIMIT_BURST;
    if (admit)
        s->printed++;
    else
        s->suppressed++;
    pthread_mutex_unlock(&limit_lock);
    return admit;
}

void log_limited_msg(struct log_limit *site, const char *key, enum log_level level, const char *fmt, ...)
{
    if (level > max_level)
        return;
    unsigned long held;
    if (!limit_admit(&site->slot[key_slot(key)], limit_clock(), &held))
        return;
    if (held)
        log_msg(level, "suppressed %lu similar messages about %s (at most %d lines per %d s)", held,
                key ? key : "(no key)", LOG_LIMIT_BURST, LOG_LIMIT_WINDOW_MS / MS_PER_S);
    va_list ap;
    va_start(ap, fmt);
    log_vmsg(level, fmt, ap);
    va_end(ap);
}
