/*
 * sink.h - the one shape every uplink has (MQTT, the national HTTP platform, webhooks).
 *
 * The outbox hands a sink one stored message at a time; the sink starts delivery
 * without blocking and later reports CTL_DELIVERED or CTL_FAILED for (cls, seq)
 * through the control queue. A sink never decides what to send or in what order:
 * that is the outbox's job. A sink that is down simply says so in connected().
 */
#ifndef RISKGW_SINK_H
#define RISKGW_SINK_H

#include <stdatomic.h>
#include "store.h"

struct sink;

struct sink_ops {
    /* 1 when messages can be handed over now. */
    int (*connected)(struct sink *s);
    /* Start delivering m (the sink copies what it needs). 0, or -1: not taken, try later. */
    int (*send)(struct sink *s, const struct outbox_msg *m);
    /* Stop and free. Must not report anything after it returns. */
    void (*destroy)(struct sink *s);
};

struct sink {
    char name[32];          /* cursor key in the store: "mqtt", "national", "webhook" */
    int index;              /* position in the outbox's sink list, reported back in ctl_msg */
    int window;             /* most messages in flight at once */
    atomic_int wants_room;  /* the outbox has more than the window takes (outbox_pump) */
    const struct sink_ops *ops;
    void *impl;
};

#endif
