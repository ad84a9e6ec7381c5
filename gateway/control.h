/*
 * control.h - what other threads tell the core besides samples.
 *
 * Sink threads (Paho's callbacks, the HTTP worker) report deliveries, link changes
 * and commands that arrived. They travel through the core's control queue, so the
 * core thread stays the only one that touches the store, the rules and the outbox.
 */
#ifndef RISKGW_CONTROL_H
#define RISKGW_CONTROL_H

#include <stddef.h>
#include <stdint.h>
#include "store.h"

enum ctl_kind {
    CTL_DELIVERED,          /* sink confirmed (cls, seq): PUBACK or HTTP 2xx */
    CTL_FAILED,             /* sink gave up on (cls, seq); it will be resent */
    CTL_LINK_UP,
    CTL_LINK_DOWN,
    CTL_COMMAND,            /* text holds the command payload (malloc'd, core frees) */
};

struct ctl_msg {
    enum ctl_kind kind;
    int sink;               /* index of the sink that reports */
    enum outbox_class cls;
    int64_t seq;
    char *text;
    size_t text_len;
};

#endif
