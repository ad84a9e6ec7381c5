/*
 * poller_device.h - one device as both pollers see it: schedule, retries, back-off, samples.
 *
 * The TCP poller and the RTU bus threads differ only in how a request travels.
 * Everything else lives here once: when a device is due, which block of its batch
 * plan to read next, what a timeout or an exception means, when a dead device is
 * backed off, when silence becomes QUALITY_COMM_FAIL, and how a reply becomes
 * samples. A poll_device belongs to exactly one poller thread; only its counters
 * (atomics) are read from other threads.
 *
 * A cycle reads every block of the plan in order. A timeout (or any transport
 * failure) is retried on the same block up to cfg->retries times, then the cycle
 * fails and stops there: a dead device costs one timeout per try, not one per
 * block. Samples of a cycle are held back and pushed only when the cycle ends
 * well, so a failed cycle produces no value.
 */
#ifndef RISKGW_POLLER_DEVICE_H
#define RISKGW_POLLER_DEVICE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include "batch.h"
#include "config.h"
#include "poller.h"
#include "queue.h"
#include "sample.h"

#define POLL_NEVER INT64_MAX            /* a time that never comes */
#define POLL_WHY_MAX 160                /* room for a failure reason in a log line */
/* First wait before reopening a line or reconnecting; doubles up to a cap. */
#define POLL_REOPEN_FIRST_MS 250

static inline int64_t poll_min(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t poll_max(int64_t a, int64_t b) { return a > b ? a : b; }

struct poll_writes;

/* One read request: the block of the plan the device wants read now. */
struct poll_request {
    enum reg_area area;
    uint16_t start, count;
};

/*
 * A site of 2,000 devices holds 2,000 of these for as long as it runs, so the struct
 * keeps only what differs between devices: the sample queue and the writes inbox
 * are the polling thread's (passed in, or looked up by poller.c), the maps and
 * fault flags are the layout's, and times that the config bounds (comm_fail_ms <=
 * COMM_FAIL_MAX_MS) and counts are 32 bits (208 bytes before, 128 now).
 */
struct poll_layout;

struct poll_device {
    const struct device_cfg *cfg;
    const struct poll_layout *layout;   /* maps, fault flags, shared plan; NULL: no points */
    struct batch_plan *own_plan;        /* NULL until the device split a block (poll_device_plan) */
    unsigned char *refused;             /* per point: refused even alone (exception 1-3) */
    struct sample *held;                /* this cycle's samples, pushed when it ends well */

    /* Schedule and failure state: owned by the poller thread. */
    int64_t grid;                       /* t0 + phase: cycles start on grid + k * interval */
    int64_t next_due;                   /* monotonic start of the next cycle */
    int64_t slot;                       /* the grid slot the current (or last) cycle serves */
    int64_t last_ok;                    /* monotonic time of the last answer */

    /* Counters for pollers_device_stats, read from any thread. */
    _Atomic uint64_t polls_ok, polls_failed, frames_dropped;
    _Atomic int64_t last_ok_wall;

    int32_t comm_fail_ms;               /* cfg value, bounded by COMM_FAIL_MAX_MS */
    uint32_t nheld;                     /* samples in held[], at most cfg->npoints */
    uint32_t block;                     /* next block of the plan in this cycle */
    int32_t failed_cycles;              /* in a row; stops counting at INT32_MAX */
    uint8_t attempt;                    /* retries used on that block (cfg->retries <= 10) */
    uint8_t in_cycle;
    uint8_t silence_reported;           /* COMM_FAIL already sent for this silence */
    uint8_t backed_off;
    _Atomic uint8_t backed_off_flag;    /* backed_off, for other threads */
};
_Static_assert(sizeof(struct poll_device) <= 128,
               "struct poll_device is held once per device: grow it on purpose (docs/architecture.md, Memory)");

/* The plan the device reads with: its own copy once it split a block, else the layout's. */
const struct batch_plan *poll_device_plan(const struct poll_device *d);

/* Set the device up to read with layout (NULL for a device without points); first
 * cycle due at t0 + phase_ms (poller_phase.h). 0, or -1 + err. */
int poll_device_init(struct poll_device *d, const struct config *cfg, size_t index,
                     const struct poll_layout *layout, int64_t t0, long phase_ms, char *err,
                     size_t errlen);
void poll_device_free(struct poll_device *d);

/* 1 and *req filled when the device has a request to send at `now` (a cycle starts
 * when one is due); 0 when it has nothing to send yet. */
int poll_device_request(struct poll_device *d, int64_t now, struct poll_request *req);
/* When the device will next want to send (now or earlier: it already does). */
int64_t poll_device_due_at(const struct poll_device *d);

/* The request poll_device_request last returned, while its outcome is still to come
 * (the transport need not keep a copy). */
void poll_device_current(const struct poll_device *d, struct poll_request *req);

/* Outcomes of the request last returned by poll_device_request. The samples they
 * make go to `samples`, the queue of the thread that polls the device. */
void poll_device_reply(struct poll_device *d, struct queue *samples, int64_t now,
                       const uint16_t *words, const uint8_t *bits);
void poll_device_exception(struct poll_device *d, struct queue *samples, int64_t now,
                           uint8_t code);
/* A timeout, a lost connection, a bad frame: retried up to cfg->retries. */
void poll_device_failure(struct poll_device *d, struct queue *samples, int64_t now,
                         const char *why);
/* The request could not even be sent (no connection, port closed): fail the
 * current cycle, if any, without retries. */
void poll_device_abort(struct poll_device *d, struct queue *samples, int64_t now,
                       const char *why);
/* A reply frame was rejected (wrong id, unit, length, CRC, malformed). */
void poll_device_count_dropped(struct poll_device *d);

/* Emit COMM_FAIL when the device has been silent for comm_fail_ms. Returns the
 * next time this needs to be checked (POLL_NEVER when already reported). */
int64_t poll_device_watch(struct poll_device *d, struct queue *samples, int64_t now);

void poll_device_stats(const struct poll_device *d, struct device_stats *out);

/* ---- a group of devices taking turns on one line or one connection ---- */

/* The next device (round robin from *rr) with a request at `now`, or NULL. */
struct poll_device *poll_group_pick(struct poll_device **devs, size_t n, uint32_t *rr,
                                    int64_t now, struct poll_request *req);
/* Earliest poll_device_due_at of the group. */
int64_t poll_group_due_at(struct poll_device **devs, size_t n);
/* poll_device_watch on each; returns the earliest next check. */
int64_t poll_group_watch(struct poll_device **devs, size_t n, struct queue *samples,
                         int64_t now);
/* Start the cycles that are due; 1 when some device of the group wants to send. */
int poll_group_start_due(struct poll_device **devs, size_t n, int64_t now);
/* poll_device_abort on each. */
void poll_group_abort(struct poll_device **devs, size_t n, struct queue *samples, int64_t now,
                      const char *why);

/* The wait before the next reopen/reconnect attempt: POLL_REOPEN_FIRST_MS after
 * the first failure, then doubling, never above cap_ms. */
int32_t poll_reopen_delay(int32_t previous_ms, int32_t cap_ms);

#endif
