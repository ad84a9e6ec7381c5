/*
 * event_kind.c - the wire names of event kinds, in one place for payloads, logs and the store.
 */
#include "sample.h"

static const char *const names[EV_KIND_COUNT] = {
    [EV_RAISED] = "RAISED",       [EV_ESCALATED] = "ESCALATED",
    [EV_DEESCALATED] = "DEESCALATED", [EV_CLEARED] = "CLEARED",
    [EV_RETURNED] = "RETURNED",   [EV_SILENCED] = "SILENCED",
    [EV_RESET] = "RESET",         [EV_FAULT] = "FAULT",
    [EV_FAULT_CLEARED] = "FAULT_CLEARED",
    [EV_STALE] = "STALE",         [EV_STALE_CLEARED] = "STALE_CLEARED",
    [EV_OUTPUT] = "OUTPUT",       [EV_OUTPUT_FAILED] = "OUTPUT_FAILED",
    [EV_STORE_FAILED] = "STORE_FAILED", [EV_STORE_RECOVERED] = "STORE_RECOVERED",
};

const char *event_kind_name(enum event_kind kind)
{
    return (unsigned)kind < EV_KIND_COUNT ? names[kind] : "UNKNOWN";
}
