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
 */
#ifndef RISKGW_POLLER_H
#define RISKGW_POLLER_H

#include <stdint.h>
#include "config.h"
#include "queue.h"

struct pollers;

struct device_stats {
    uint64_t polls_ok, polls_failed;    /* poll cycles (all blocks read) that ended well / badly */
    int64_t last_ok_ms;             /* wall clock of the last good reply, 0 never */
    int backed_off;
    uint64_t frames_dropped;        /* replies rejected: wrong transaction or unit id,
                                       impossible header, bad CRC, malformed PDU */
};

/* Start every poller thread for cfg. cfg must outlive the pollers. NULL + err on failure. */
struct pollers *pollers_start(const struct config *cfg, struct queue *samples,
                              char *err, size_t errlen);
/* Stop the threads, close the lines. Safe with NULL. */
void pollers_stop(struct pollers *p);
/* Copy device d's counters (thread-safe). */
void pollers_device_stats(struct pollers *p, size_t d, struct device_stats *out);

#endif
