/*
 * poller.h - reading the field: every bus on its own schedule, samples into one queue.
 *
 * All Modbus TCP devices share one poller thread, which keeps a request in flight
 * on every connection at once (epoll, MBAP framing of its own); devices at the same
 * host:port share one connection. Each serial (RTU) bus has one thread and one
 * libmodbus context: the line is one lock. Threads never grow with devices.
 *
 * A poller knows nothing of rules, storage or MQTT: it turns replies into samples
 * with a quality and pushes them. A device silent for comm_fail_ms yields
 * QUALITY_COMM_FAIL samples for all its points, never a value.
 *
 * Writes (a siren's coil, poller_write.c): the core hands a write_request to the
 * thread that owns the device (pollers_write: a bounded inbox and a doorbell, as
 * the sample queue). The thread sends it between its reads, as one transaction on
 * the device's connection or line, retried like a read, and pushes a write_result
 * into the core's result queue. A dead siren costs its own timeouts, never a
 * neighbour's poll.
 */
#ifndef RISKGW_POLLER_H
#define RISKGW_POLLER_H

#include <stdint.h>
#include "config.h"
#include "pdu.h"
#include "queue.h"

struct pollers;

struct device_stats {
    uint64_t polls_ok, polls_failed;    /* poll cycles (all blocks read) that ended well / badly */
    int64_t last_ok_ms;             /* wall clock of the last good reply, 0 never */
    int backed_off;
    uint64_t frames_dropped;        /* replies rejected: wrong transaction or unit id,
                                       impossible header, bad CRC, malformed PDU */
};

#define WRITE_WHY_MAX 160               /* room for why a write failed */

/* One point's value to write, from the core to the device's poller thread. */
struct write_request {
    uint32_t id;                    /* the core's, echoed in the result */
    uint32_t point;                 /* index into config->points */
    uint32_t device;                /* its device, index into config->devices */
    struct pdu_write w;             /* pdu_write_encode of the value */
};

/* How it went, from the poller thread back to the core. */
struct write_result {
    uint32_t id, point;
    int ok;
    int64_t mono_ms;                /* when the device answered or the write was given up */
    char why[WRITE_WHY_MAX];        /* !ok: what went wrong, for the event's detail */
};

/* Start every poller thread for cfg. cfg must outlive the pollers. Write results go
 * to write_results (NULL: the pollers take no writes). NULL + err on failure. */
struct pollers *pollers_start(const struct config *cfg, struct queue *samples,
                              struct queue *write_results, char *err, size_t errlen);
/* Hand a write to the thread that polls its device. 0, or -1 with a sentence in why
 * (the device is not polled, or its thread's inbox is full); never blocks. */
int pollers_write(struct pollers *p, const struct write_request *req, char *why, size_t whylen);
/* Stop the threads, close the lines. Safe with NULL. */
void pollers_stop(struct pollers *p);
/* Copy device d's counters (thread-safe). */
void pollers_device_stats(struct pollers *p, size_t d, struct device_stats *out);

#endif
