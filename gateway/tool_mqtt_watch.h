/*
 * tool_mqtt_watch.h - listen to the gateway's event messages as the platform hears them.
 *
 * `riskgw test-alarm` proves that an alarm went out: it subscribes to
 * {prefix}/{enterprise}/{gateway}/event/# on the site's own broker, with the site's
 * own credentials and TLS settings (sink_mqtt_opts.h) under a client id of its own,
 * and hands each event message over as it arrives.
 */
#ifndef RISKGW_TOOL_MQTT_WATCH_H
#define RISKGW_TOOL_MQTT_WATCH_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "sample.h"

/* An event message (docs/interface.md, "Event"). */
struct tool_event {
    char device[ID_MAX], point[ID_MAX];
    char kind[EVENT_LEVEL_NAME_MAX], level[EVENT_LEVEL_NAME_MAX];
    int64_t id, seq, ts_ms;             /* id and seq are 0 when the message was not stored */
    int stored;                         /* 0: sent with "stored": false (the store cannot write) */
    int64_t received_ms;                /* wall clock when it arrived here */
};

struct tool_watch;

/* Connect and subscribe; returns once the broker confirmed the subscription, or
 * NULL with a sentence in err (no mqtt section, broker unreachable, refused). */
struct tool_watch *tool_watch_open(const struct config *cfg, char *err, size_t errlen);

/* The next event, waiting until deadline (monotonic ms): 1 and *out filled, 0 when
 * the deadline passed first. */
int tool_watch_next(struct tool_watch *w, int64_t deadline_ms, struct tool_event *out);

/* Disconnect and free; NULL is fine. */
void tool_watch_close(struct tool_watch *w);

#endif
