/*
 * poller_write.h - a poller thread's writes: the inbox from the core, and the writes waiting.
 *
 * Each poller thread (the TCP thread, every RTU bus) owns one struct poll_writes.
 * The core submits requests into its bounded inbox and rings its doorbell; the
 * thread takes them into a fixed table of slots (no allocation after start) and
 * sends the oldest waiting write of a connection or line before its next read.
 * A write that times out or meets a bad frame is retried up to its device's
 * `retries`, like a read (and, like a probe of a backed-off device, not retried
 * when the device is known dead); an exception reply or a connection that cannot
 * be made fails it at once. Every request ends in exactly one write_result pushed to the
 * core, in the order the requests of one point were submitted.
 *
 * A slot is never moved while it is used, so a connection may hold a pointer to
 * the write it has on the wire until the reply or the timeout.
 */
#ifndef RISKGW_POLLER_WRITE_H
#define RISKGW_POLLER_WRITE_H

#include <stddef.h>
#include <stdint.h>
#include "poller.h"
#include "poller_device.h"
#include "queue.h"

/* Writes one thread holds at once. The core keeps at most one per output in
 * flight, so this bounds the outputs per line, not the rate. */
#define POLL_WRITES_MAX 64

struct poll_write {
    int used, busy;                 /* busy: on the wire now */
    uint64_t order;                 /* submission order among the waiting */
    int attempt;                    /* retries used */
    struct write_request req;
    struct poll_device *dev;
};

struct poll_writes {
    struct doorbell bell;           /* rung by poll_writes_submit; the thread waits on bell.fd */
    struct queue inbox;             /* struct write_request, from the core */
    struct queue *results;          /* the core's write_result queue; NULL: no writes */
    struct poll_device *devs;       /* every device, indexed like config->devices */
    size_t ndevs;
    struct poll_write slots[POLL_WRITES_MAX];
    size_t nused;
    uint64_t next_order;
};

/* 0, or -1 with err (no eventfd, no memory). */
int poll_writes_init(struct poll_writes *w, struct poll_device *devs, size_t ndevs,
                     struct queue *results, char *err, size_t errlen);
void poll_writes_free(struct poll_writes *w);

/* Core thread: queue a request for the owning thread. 0, or -1 with why. */
int poll_writes_submit(struct poll_writes *w, const struct write_request *req, char *why,
                       size_t whylen);

/* Poller thread: move what the inbox holds into slots (drains the doorbell). */
void poll_writes_take(struct poll_writes *w, int64_t now);
/* The oldest waiting write (not on the wire) for one of devs[0..n), or NULL. */
struct poll_write *poll_writes_pick(struct poll_writes *w, struct poll_device **devs, size_t n);
/* The write goes on the wire now. */
void poll_writes_begin(struct poll_write *pw);

/* Outcomes of a write on the wire. */
void poll_writes_done(struct poll_writes *w, struct poll_write *pw, int64_t now);
/* Failed at once, no retry (a write that cannot be sent at all). */
void poll_writes_fail(struct poll_writes *w, struct poll_write *pw, int64_t now, const char *why);
/* The device refused it with an exception: failed at once, no retry. */
void poll_writes_exception(struct poll_writes *w, struct poll_write *pw, int64_t now, uint8_t code);
/* A timeout, a lost connection, a bad frame: retried up to the device's retries. */
void poll_writes_failure(struct poll_writes *w, struct poll_write *pw, int64_t now, const char *why);
/* TCP: judge the response PDU to pw (after MBAP matched it) and settle it. */
void poll_writes_reply(struct poll_writes *w, struct poll_write *pw, const uint8_t *pdu, size_t len,
                       int64_t now);
/* The connection or line cannot be opened: fail every waiting write of devs[0..n). */
void poll_writes_abort(struct poll_writes *w, struct poll_device **devs, size_t n, int64_t now,
                       const char *why);

#endif
