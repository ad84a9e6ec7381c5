/*
 * log.h - one way to say what happened, on stderr, with a level.
 *
 * Every message is a full sentence naming where (file, device, point, JSON path)
 * and, for errors, what to do. Lines are prefixed with the level so that journald
 * (which reads the "<N>" prefix) and a human both understand them.
 */
#ifndef RISKGW_LOG_H
#define RISKGW_LOG_H

enum log_level { LOG_LVL_ERROR = 3, LOG_LVL_WARN = 4, LOG_LVL_INFO = 6, LOG_LVL_DEBUG = 7 };

void log_set_level(enum log_level max);
/* The program name every line carries ("riskgw" unless set). */
void log_set_program(const char *name);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
