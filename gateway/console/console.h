/*
 * console.h - the site console: a web page on the box (docs/console.md).
 *
 * libmicrohttpd serves it from one thread of its own, as it does the metrics
 * endpoint. That thread never touches the core's data and never waits on the core
 * thread: the core publishes finished JSON texts (console_publish_*), which the
 * server copies out under a mutex; history comes from a read-only SQLite
 * connection of the console's own; and an operator's silence or reset goes to the
 * core's control socket like `riskgw silence`, recorded as "console:<name>".
 * A build without libmicrohttpd gets the stand-ins below; its config loader
 * refuses the "console" section, so they are never asked to start.
 */
#ifndef RISKGW_CONSOLE_H
#define RISKGW_CONSOLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "console_cfg.h"

struct console;

/* What the console needs besides its section: the store file and the control socket. */
struct console_paths {
    const char *store;
    const char *control_socket;
};

#if RISKGW_HAVE_METRICS
/* Start serving (the console keeps copies of cc and paths). NULL with err filled. */
struct console *console_start(const struct console_cfg *cc, const struct console_paths *paths, char *err,
                              size_t errlen);
/* The site's layout (devices, points, names, units; once per config) and the core's
 * snapshot of their state in that order (console/core_console.c builds both). */
void console_publish_layout(struct console *k, const char *json);
/* The snapshot is written in place, into a buffer the console reuses while pages look
 * (no copy and no fresh mapping a second): a buffer for cap bytes of JSON (NUL
 * included), NULL without memory; then publish it with the length written, or -1 to
 * give it up. */
char *console_snapshot_buffer(struct console *k, size_t cap);
void console_snapshot_publish(struct console *k, long len);
/* The health report (core_status.c), for "The box". */
void console_publish_health(struct console *k, const char *json);
/* 1 when a page asked for the snapshot lately: only then does the core build it. */
int console_wanted(struct console *k, int64_t now_mono_ms);
/* No page looks any more: free the published texts (the core publishes them again when one does). */
void console_release(struct console *k);
/* Stop the thread, close the socket and the store connection, free. NULL is fine. */
void console_stop(struct console *k);
#else
static inline struct console *console_start(const struct console_cfg *cc, const struct console_paths *paths,
                                            char *err, size_t errlen)
{
    (void)paths;
    snprintf(err, errlen, "console on %s: this riskgw was built without libmicrohttpd", cc->listen);
    return NULL;
}
static inline void console_publish_layout(struct console *k, const char *json)
{
    (void)k;
    (void)json;
}
static inline char *console_snapshot_buffer(struct console *k, size_t cap)
{
    (void)k;
    (void)cap;
    return NULL;
}
static inline void console_snapshot_publish(struct console *k, long len)
{
    (void)k;
    (void)len;
}
static inline void console_publish_health(struct console *k, const char *json)
{
    (void)k;
    (void)json;
}
static inline int console_wanted(struct console *k, int64_t now_mono_ms)
{
    (void)k;
    (void)now_mono_ms;
    return 0;
}
static inline void console_release(struct console *k)
{
    (void)k;
}
static inline void console_stop(struct console *k)
{
    (void)k;
}
#endif

#endif
