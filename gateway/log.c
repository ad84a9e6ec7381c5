/*
 * log.c - levelled log lines on stderr.
 *
 * Each line starts with the syslog priority in angle brackets ("<3>"), which
 * journald turns into the level, then a wall-clock time for a human reading a
 * terminal. Writes are one fprintf per line so lines from threads never interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <time.h>

static enum log_level max_level = LOG_LVL_INFO;
static const char *program = "riskgw";

void log_set_level(enum log_level max) { max_level = max; }
void log_set_program(const char *name) { program = name; }

static const char *level_word(enum log_level level)
{
    switch (level) {
    case LOG_LVL_ERROR: return "error";
    case LOG_LVL_WARN: return "warning";
    case LOG_LVL_INFO: return "info";
    default: return "debug";
    }
}

void log_msg(enum log_level level, const char *fmt, ...)
{
    if (level > max_level)
        return;
    char text[1024], stamp[32];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fprintf(stderr, "<%d>%s.%03ldZ %s %s: %s\n", (int)level, stamp, ts.tv_nsec / 1000000L, program,
            level_word(level), text);
}
