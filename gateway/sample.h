/*
 * sample.h - the two nouns that flow through the core: a sample and an event.
 *
 * A sample is one reading of one point as a poller saw it. An event is a decision
 * of the rule engine (or an operator act) about one point, or about the gateway
 * itself. Both are plain values, copied by value through queues.
 */
#ifndef RISKGW_SAMPLE_H
#define RISKGW_SAMPLE_H

#include <stdint.h>
#include "point.h"

#define POINT_NONE UINT32_MAX      /* an event about the gateway, not a point */
#define EVENT_LEVEL_NAME_MAX 16
#define EVENT_ACTOR_MAX 64
#define EVENT_DETAIL_MAX 128

struct sample {
    uint32_t point;         /* index into config->points */
    enum quality quality;
    double value;           /* meaningful only when quality_has_value(quality) */
    int64_t ts_ms;          /* wall clock, ms since the Unix epoch, UTC */
    int64_t mono_ms;        /* monotonic clock when read; rules time delays on this */
    int64_t read_ns;        /* monotonic ns when a poller read it, where an alarm's time in
                             * the gateway starts (core_events.c); 0 from any other source */
};

/* A point's last reading as the core keeps it per point: a sample without its point
 * index and monotonic time. The core holds two per point (the latest and the last
 * stored), so the wall time and the quality share one word: 16 bytes, not 24 (at
 * 60,000 points that is 0.9 MiB; 56 bits of ms last a million years). */
struct reading {
    double value;           /* meaningful only when quality_has_value(quality) */
    int64_t ts_ms : 56;     /* wall clock; 0: no reading yet */
    enum quality quality : 8;
};
_Static_assert(sizeof(struct reading) == 16, "struct reading is one double and one word");

static inline struct reading reading_of(const struct sample *s)
{
    return (struct reading){.value = s->value, .ts_ms = s->ts_ms, .quality = s->quality};
}

enum event_kind {
    EV_RAISED,              /* a level became active from none */
    EV_ESCALATED,           /* a more severe level became active */
    EV_DEESCALATED,         /* a less severe level, but still in alarm */
    EV_CLEARED,             /* back to normal (non-latching rules; a latched alarm ends with RESET) */
    EV_RETURNED,            /* latching: the condition is gone, the alarm waits for reset */
    EV_SILENCED,            /* an operator acknowledged; the alarm stays */
    EV_RESET,               /* an operator reset a latched alarm */
    EV_FAULT,               /* the point's reading became a fault quality */
    EV_FAULT_CLEARED,       /* the reading is good again */
    EV_STALE,               /* fault class: the value has not moved for the rule's time */
    EV_STALE_CLEARED,       /* it moves again */
    EV_OUTPUT,              /* a local output (siren, beacon) was written: value, level "on"/"off" */
    EV_OUTPUT_FAILED,       /* writing it failed after the device's retries; detail says why */
    EV_STORE_FAILED,        /* the gateway's own: its store stopped writing; detail says why */
    EV_STORE_RECOVERED,     /* it writes again; the events kept meanwhile are stored */
    EV_KIND_COUNT
};

struct event {
    int64_t id;             /* stable id, assigned by the store on commit */
    uint32_t point;         /* index into config->points, or POINT_NONE */
    enum event_kind kind;
    int severity;           /* 0 none, 1.. the active level's severity */
    char level[EVENT_LEVEL_NAME_MAX];   /* active level name ("level1", "HH"), "" if none */
    double value;
    enum quality quality;
    int64_t ts_ms;          /* wall clock of the sample or act that caused it */
    char actor[EVENT_ACTOR_MAX];        /* who silenced/reset/wrote ("mqtt:wang", "cli:root"),
                                           or what drove an output ("rule:gas1/lel"), else "" */
    char detail[EVENT_DETAIL_MAX];      /* a sentence for people: why an output failed, else "" */
};

/* "RAISED", "ESCALATED", ...: the wire and log name of an event kind. */
const char *event_kind_name(enum event_kind kind);

#endif
