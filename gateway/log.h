/*
 * log.h - one way to say what happened, on stderr, with a level.
 *
 * Every message is a full sentence naming where (file, device, point, JSON path)
 * and, for errors, what to do. Lines are prefixed with the level so that journald
 * (which reads the "<N>" prefix) and a human both understand them.
 *
 * A message that can repeat for as long as the field misbehaves (a flapping
 * device, a dead uplink) goes through log_limited(): each call site, and within
 * it each key (say a device id), writes at most LOG_LIMIT_BURST lines per
 * LOG_LIMIT_WINDOW_MS; the first line of the next window is preceded by one
 * "suppressed K similar messages" line. So a bad night cannot fill the disk.
 */
#ifndef RISKGW_LOG_H
#define RISKGW_LOG_H

#include <stdint.h>

enum log_level { LOG_LVL_ERROR = 3, LOG_LVL_WARN = 4, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

void log_set_level(enum log_level max);
/* The program name every line carries ("riskgw" unless set). */
void log_set_program(const char *name);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#define LOG_LIMIT_BURST 5           /* lines one site and key may write per window */
#define LOG_LIMIT_WINDOW_MS 60000
#define LOG_LIMIT_SLOTS 8           /* keys a site tells apart; colliding keys share a budget */

struct log_limit_slot {
    int64_t window_end_ms;          /* monotonic; 0: no window yet */
    unsigned printed;
    unsigned long suppressed;
};
struct log_limit {                  /* one per call site, zero-initialised static storage */
    struct log_limit_slot slot[LOG_LIMIT_SLOTS];
};

void log_limited_msg(struct log_limit *site, const char *key, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* log_limited("gas1", LOG_LVL_WARN, "device %s: no reply ...", id): rate-limited per site and key. */
#define log_limited(key, level, ...) do { \
    static struct log_limit log_site_; \
    log_limited_msg(&log_site_, (key), (level), __VA_ARGS__); \
} while (0)

/* Tests: the monotonic clock the rate limiter reads (NULL: clock_mono_ms). */
void log_set_clock(int64_t (*mono_ms)(void));

#endif
