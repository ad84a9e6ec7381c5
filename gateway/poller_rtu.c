/*
 * poller_rtu.c - one serial line, one thread, one libmodbus RTU context.
 *
 * A serial bus is one lock: one request on the line at a time, so a plain
 * blocking loop is the honest shape. Its slaves take turns (round robin, one
 * request each). After every request the line stays silent for the standard's
 * t3.5 (rtu_timing.h: 3.5 characters, 1.75 ms above 19200 baud), or for
 * max(bus pause_ms, device pause_ms) when that is longer, counted from the
 * moment libmodbus returned the reply (its last byte came earlier still) and
 * waited to a fraction of a millisecond: at 115200 baud a whole transaction
 * is about 10 ms, so a wait rounded to whole milliseconds would cost a tenth
 * of the line.
 *
 * Late replies: after a timeout or a bad frame the line is flushed, and the flush
 * is done at the end of the pause, just before the next request is written. A
 * reply that arrives up to pause_ms after its timeout is therefore thrown away
 * instead of being read as the answer to the next request (RTU frames carry no
 * transaction id, so only time separates them).
 *
 * A port that cannot be opened (a USB adapter unplugged) is not fatal: the cycles
 * due meanwhile fail, and opening is retried with a doubling delay capped at the
 * longest backoff_ms of the bus's devices.
 *
 * Writes (poller_write.h) take the next turn on the line when one waits (then
 * writes and reads alternate, so a dead module's retries leave its neighbours
 * every other turn): one request with the same flush, timeout and pause as a
 * read, through libmodbus' write functions (which check the echo). The thread sleeps on its write
 * doorbell as well as on the stop eventfd, so a write never waits for a poll.
 */
#include "poller_threads.h"

#include <errno.h>
#include <modbus/modbus.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#include "clock.h"
#include "log.h"
#include "poller_modbus.h"
#include "poller_write.h"
#include "rtu_timing.h"

#define NS_PER_MS 1000000LL
/* How late the kernel may end this thread's waits to batch wake-ups (50 us by
 * default, half a percent of a 115200-baud transaction, spent at every frame). */
#define RTU_TIMER_SLACK_NS 1000UL

struct rtu_bus {
    const struct bus_cfg *cfg;
    struct poll_device **devs;
    size_t ndevs;
    uint32_t rr;                        /* round robin: the device asked next */
    modbus_t *ctx;
    int open, need_flush, down_logged;
    int wrote_last;                     /* the last request was a write: a read's turn next */
    int64_t t35_ns;                     /* the standard's least silence between frames */
    int64_t frame_end_ns;               /* monotonic time the last request's reply (or timeout) ended */
    int64_t reopen_at;
    int32_t reopen_delay_ms, reopen_cap_ms;  /* bounded by backoff_ms <= DAY_MS */
    int stop_fd;
    struct queue *samples;              /* where the line's devices' samples go */
    struct poll_writes writes;          /* the core's writes to the line's devices */
    pthread_t thread;
    int started;
};

/* ---- the port ---- */

static void bus_open(struct rtu_bus *b, int64_t now)
{
    if (modbus_connect(b->ctx) < 0) {
        b->reopen_delay_ms = poll_reopen_delay(b->reopen_delay_ms, b->reopen_cap_ms);
        b->reopen_at = now + b->reopen_delay_ms;
        if (!b->down_logged)
            log_warn("RTU bus '%s': cannot open %s (%s); retrying with back-off up to %d ms. "
                     "Check the port name and the adapter.", b->cfg->id, b->cfg->device,
                     modbus_strerror(errno), b->reopen_cap_ms);
        b->down_logged = 1;
        return;
    }
    if (b->cfg->rs485 && modbus_rtu_set_serial_mode(b->ctx, MODBUS_RTU_RS485) < 0)
        log_warn("RTU bus '%s': %s does not accept RS-485 mode (%s); polling it as it is. "
                 "If the adapter needs the kernel to drive DE/RE, use one whose driver "
                 "supports TIOCSRS485.", b->cfg->id, b->cfg->device, modbus_strerror(errno));
    if (b->down_logged)
        log_info("RTU bus '%s': %s is open again.", b->cfg->id, b->cfg->device);
    b->down_logged = 0;
    b->open = 1;
    b->reopen_delay_ms = 0;
    b->need_flush = 1;                  /* whatever the line held before is stale */
}

static void bus_close(struct rtu_bus *b, int64_t now)
{
    modbus_close(b->ctx);
    b->open = 0;
    b->reopen_at = now;
}

/* errno values that mean the port itself is gone, not a silent slave. */
static int port_is_gone(int err)
{
    return err == EIO || err == ENXIO || err == ENODEV || err == EBADF;
}

/* ---- one request ---- */

/* One write through libmodbus, which checks the echo itself. */
static int bus_write(modbus_t *ctx, const struct pdu_write *w)
{
    switch (w->function) {
    case PDU_FC_WRITE_COIL:
        return modbus_write_bit(ctx, w->address, w->words[0] == PDU_COIL_ON);
    case PDU_FC_WRITE_REGISTER:
        return modbus_write_register(ctx, w->address, w->words[0]);
    case PDU_FC_WRITE_REGISTERS:
        return modbus_write_registers(ctx, w->address, w->count, w->words);
    }
    errno = EINVAL;
    return -1;
}

/* The line before a request to d: stale bytes flushed, d's unit and timeout set. */
static void bus_prepare(struct rtu_bus *b, const struct poll_device *d)
{
    if (b->need_flush)
        modbus_flush(b->ctx);
    b->need_flush = 0;
    modbus_set_slave(b->ctx, d->cfg->unit);
    poller_modbus_set_timeout(b->ctx, d->cfg->timeout_ms);
}

/* A request failed without an exception: flush the line next time, reopen a port that
 * is gone. Counts a bad frame as dropped on d. */
static void bus_failed(struct rtu_bus *b, struct poll_device *d, const struct modbus_result *r,
                       int64_t now)
{
    if (r->outcome == MODBUS_GARBLED)
        poll_device_count_dropped(d);
    b->need_flush = 1;
    if (r->outcome == MODBUS_NO_REPLY && port_is_gone(r->err)) {
        log_warn("RTU bus '%s': %s failed (%s); reopening it.", b->cfg->id, b->cfg->device, r->why);
        bus_close(b, now);
    }
}

static void bus_transact(struct rtu_bus *b, struct poll_device *d, const struct poll_request *req)
{
    uint16_t words[MODBUS_MAX_READ_REGISTERS];
    uint8_t bits[MODBUS_MAX_READ_BITS];
    struct modbus_result r;

    bus_prepare(b, d);
    poller_modbus_read(b->ctx, req, words, bits, &r);
    b->frame_end_ns = clock_mono_ns();
    int64_t now = clock_mono_ms();

    if (r.outcome == MODBUS_OK) {
        poll_device_reply(d, b->samples, now, words, bits);
        return;
    }
    if (r.outcome == MODBUS_EXCEPTION) {
        poll_device_exception(d, b->samples, now, r.exception);
        return;
    }
    bus_failed(b, d, &r, now);
    poll_device_failure(d, b->samples, now, r.why);
}

static void bus_transact_write(struct rtu_bus *b, struct poll_write *pw)
{
    struct poll_device *d = pw->dev;
    struct modbus_result r;

    bus_prepare(b, d);
    int rc = bus_write(b->ctx, &pw->req.w);
    int err = errno;
    b->frame_end_ns = clock_mono_ns();
    poller_modbus_outcome(rc, err, pw->req.w.function == PDU_FC_WRITE_REGISTERS ? pw->req.w.count : 1, &r);
    int64_t now = clock_mono_ms();

    if (r.outcome == MODBUS_OK) {
        poll_writes_done(&b->writes, pw, now);
        return;
    }
    if (r.outcome == MODBUS_EXCEPTION) {
        poll_writes_exception(&b->writes, pw, now, r.exception);
        return;
    }
    bus_failed(b, d, &r, now);
    poll_writes_failure(&b->writes, pw, now, r.why);
}

/* ---- the thread ---- */

/* The line's silence after a request to d: t3.5, or the pause_ms of the bus or of d
 * when longer. */
static int64_t silence_after(const struct rtu_bus *b, const struct poll_device *d)
{
    long pause_ms = b->cfg->pause_ms > d->cfg->pause_ms ? b->cfg->pause_ms : d->cfg->pause_ms;
    return poll_max(b->t35_ns, (int64_t)pause_ms * NS_PER_MS);
}

static void *rtu_thread(void *arg)
{
    struct rtu_bus *b = arg;
    struct poll_request req;

    if (prctl(PR_SET_TIMERSLACK, RTU_TIMER_SLACK_NS) < 0)
        log_warn("RTU bus '%s': cannot narrow the timer slack of its thread (%s); its waits "
                 "between frames may end up to 50 us late.", b->cfg->id, strerror(errno));
    for (;;) {
        int64_t now = clock_mono_ms();
        int64_t watch = poll_group_watch(b->devs, b->ndevs, b->samples, now);

        poll_writes_take(&b->writes, now);
        struct poll_write *pw = poll_writes_pick(&b->writes, b->devs, b->ndevs);
        if (!b->open && now >= b->reopen_at) {
            bus_open(b, now);
            if (!b->open && poll_group_start_due(b->devs, b->ndevs, now))
                poll_group_abort(b->devs, b->ndevs, b->samples, now,
                                 "the serial port cannot be opened");
            if (!b->open && pw)
                poll_writes_abort(&b->writes, b->devs, b->ndevs, now,
                                  "the serial port cannot be opened");
            pw = b->open ? pw : NULL;
        }
        struct poll_device *d = b->open && (!pw || b->wrote_last)
                                    ? poll_group_pick(b->devs, b->ndevs, &b->rr, now, &req) : NULL;
        int64_t wake_ns;
        int idle = 0;
        b->wrote_last = b->open && pw && !d;
        if (b->wrote_last) {
            int64_t silence = silence_after(b, pw->dev);
            bus_transact_write(b, pw);
            wake_ns = b->frame_end_ns + silence;
        } else if (d) {
            bus_transact(b, d, &req);
            wake_ns = b->frame_end_ns + silence_after(b, d);
        } else {
            int64_t due = pw ? 0 : poll_group_due_at(b->devs, b->ndevs);
            int64_t wake = poll_min(watch, b->open ? due : poll_max(due, b->reopen_at));
            wake_ns = wake == POLL_NEVER ? POLL_NEVER : wake * NS_PER_MS;
            idle = 1;
        }
        /* The silence after a request is the line's: a write waits it out too. */
        if (poller_wait_stop_until(b->stop_fd, idle ? b->writes.bell.fd : -1, wake_ns))
            return NULL;
    }
}

/* ---- setup ---- */

struct rtu_bus *rtu_bus_start(const struct config *cfg, size_t bus, struct poll_device *devs,
                              size_t ndevs, int stop_fd, struct queue *samples,
                              struct queue *write_results, char *err, size_t errlen)
{
    const struct bus_cfg *bc = &cfg->buses[bus];
    struct rtu_bus *b = calloc(1, sizeof *b);

    if (!b || !(b->devs = calloc(ndevs ? ndevs : 1, sizeof *b->devs))) {
        snprintf(err, errlen, "out of memory for RTU bus '%s'", bc->id);
        if (b)
            free(b->devs);
        free(b);
        return NULL;
    }
    if (poll_writes_init(&b->writes, devs, ndevs, write_results, err, errlen) < 0) {
        free(b->devs);
        free(b);
        return NULL;
    }
    b->cfg = bc;
    b->stop_fd = stop_fd;
    b->samples = samples;
    b->t35_ns = rtu_t35_ns(bc->baud, rtu_char_bits(bc->data_bits, bc->parity, bc->stop_bits));
    for (size_t i = 0; i < ndevs; i++) {
        const struct device_cfg *dc = devs[i].cfg;
        if (!dc || dc->kind != BUS_RTU || dc->bus != (int)bus)   /* !dc: the rules' virtual device */
            continue;
        b->devs[b->ndevs++] = &devs[i];
        if (dc->backoff_ms > b->reopen_cap_ms)
            b->reopen_cap_ms = dc->backoff_ms;
    }
    b->ctx = modbus_new_rtu(bc->device, (int)bc->baud, bc->parity, bc->data_bits,
                            bc->stop_bits);
    if (!b->ctx) {
        snprintf(err, errlen, "RTU bus '%s': libmodbus refuses %s at %ld baud, parity %c, "
                 "%d data and %d stop bits (%s); fix the bus in the site config", bc->id,
                 bc->device, bc->baud, bc->parity, bc->data_bits, bc->stop_bits,
                 modbus_strerror(errno));
        rtu_bus_stop(b);
        return NULL;
    }
    int rc = pthread_create(&b->thread, NULL, rtu_thread, b);
    if (rc != 0) {
        snprintf(err, errlen, "RTU bus '%s': cannot start its thread: %s", bc->id, strerror(rc));
        rtu_bus_stop(b);
        return NULL;
    }
    b->started = 1;
    log_info("RTU bus '%s' on %s: %zu devices.", bc->id, bc->device, b->ndevs);
    return b;
}

struct poll_writes *rtu_bus_writes(struct rtu_bus *b)
{
    return &b->writes;
}

void rtu_bus_stop(struct rtu_bus *b)
{
    if (!b)
        return;
    if (b->started)
        pthread_join(b->thread, NULL);
    if (b->ctx) {
        if (b->open)
            modbus_close(b->ctx);
        modbus_free(b->ctx);
    }
    poll_writes_free(&b->writes);
    free(b->devs);
    free(b);
}
