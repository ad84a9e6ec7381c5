/*
 * sim_rtu.c - a Modbus RTU slave line on the loop: frames in, timed replies out (see sim_rtu.h).
 *
 * A request ends when its function code says it is complete, or after t3.5 of
 * silence; a pause of t3.5 inside a frame discards what came before it, as the
 * specification demands. A frame with a bad CRC is ignored (a real slave cannot
 * tell whom it was for), and so is one sent at another speed or parity than the
 * line's, which a UART would only read as noise. Each reply joins a short queue with the time it is
 * due: the request's start plus its frame time plus t3.5 (plus a 'late' delay),
 * plus on a pty its own frame time, so the reply's last byte arrives when it
 * would have on a wire of that baud rate.
 */
#include "sim_rtu_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "rtu_timing.h"

#define BAD_CRC_MASK 0xA5           /* flips bits of both CRC bytes */
#define BROADCAST_UNIT 0

static void on_readable(struct sim_watch *w, uint32_t events);
static void on_silence(struct sim_timer *t);

struct sim_rtu *sim_rtu_open(struct sim_loop *l, const struct sim_rtu_cfg *cfg, struct cfg_err *err)
{
    struct sim_rtu *r = calloc(1, sizeof *r);
    if (!r) {
        cfg_fail(err, NULL, "out of memory for the RTU line");
        return NULL;
    }
    r->loop = l;
    r->baud = cfg->baud;
    r->char_ns = rtu_char_ns(cfg->baud, RTU_BITS_PER_CHAR);
    r->t35_ns = rtu_t35_ns(cfg->baud, RTU_BITS_PER_CHAR);
    r->w.fd = -1;
    int fd = sim_rtu_open_line(r, cfg, err);
    if (fd < 0 || sim_loop_add(l, &r->w, fd, EPOLLIN, on_readable) < 0) {
        if (fd >= 0)
            cfg_fail(err, NULL, "%s: cannot watch the line: %s", r->name, strerror(errno));
        if (fd >= 0 && !r->ctx)
            close(fd);
        sim_rtu_close_line(r);
        free(r);
        return NULL;
    }
    return r;
}

void sim_rtu_close(struct sim_rtu *r)
{
    if (!r)
        return;
    sim_timer_cancel(r->loop, &r->silence);
    sim_timer_cancel(r->loop, &r->send);
    if (r->ctx)
        sim_loop_remove(r->loop, &r->w);    /* libmodbus closes its own descriptor */
    else
        sim_loop_drop(r->loop, &r->w);
    sim_rtu_close_line(r);
    sim_loop_release(r->loop, r);
}

const char *sim_rtu_name(const struct sim_rtu *r) { return r->name; }

static void reset_hook(void *arg, long ms) { sim_rtu_reset(arg, ms); }

int sim_rtu_add(struct sim_rtu *r, struct sim_device *dev, struct cfg_err *err)
{
    uint8_t unit = sim_device_unit(dev);
    if (unit < 1 || unit > SIM_RTU_UNIT_MAX)
        return cfg_fail(err, NULL, "%s: unit %u cannot be on a serial line; use 1 to %d",
                        r->name, unit, SIM_RTU_UNIT_MAX);
    if (r->by_unit[unit])
        return cfg_fail(err, NULL, "%s: unit %u is already served by another device; give each "
                        "device on the line its own unit id", r->name, unit);
    r->by_unit[unit] = dev;
    sim_device_on_reset(dev, reset_hook, r);
    return 0;
}

void sim_rtu_reset(struct sim_rtu *r, long ms)
{
    log_info("%s: reset: the line stays silent for %ld ms", r->name, ms);
    r->quiet_until_ns = sim_now_ns() + ms * SIM_NS_PER_MS;
    r->qlen = 0;
    r->rxlen = 0;
    sim_timer_cancel(r->loop, &r->send);
    sim_timer_cancel(r->loop, &r->silence);
}

static void send_due(struct sim_timer *t)
{
    struct sim_rtu *r = SIM_CONTAINER_OF(t, struct sim_rtu, send);
    struct sim_rtu_reply *q = &r->queue[r->qhead];
    ssize_t n = write(r->w.fd, q->adu, q->len);
    if (n != (ssize_t)q->len)
        log_limited("rtu-write", LOG_LVL_WARN, "%s: a reply was not written whole (%zd of %zu bytes): %s",
                    r->name, n, q->len, n < 0 ? strerror(errno) : "the line is full");
    r->qhead = (r->qhead + 1) % SIM_RTU_QUEUE;
    if (--r->qlen > 0)
        sim_timer_start(r->loop, &r->send, r->queue[r->qhead].due_ns, send_due);
}

/* Queue adu[0..len-1] for the request that started at start_ns. */
static void queue_reply(struct sim_rtu *r, const uint8_t *adu, size_t len, size_t req_len,
                        int64_t start_ns, long delay_ms)
{
    int64_t own = r->wire ? (int64_t)len * r->char_ns : 0;
    int64_t due = start_ns + (int64_t)req_len * r->char_ns + r->t35_ns + delay_ms * SIM_NS_PER_MS + own;
    if (r->qlen == SIM_RTU_QUEUE) {
        log_limited("rtu-queue", LOG_LVL_WARN, "%s: %d replies owed already; dropping one (is the "
                    "master sending without waiting?)", r->name, SIM_RTU_QUEUE);
        return;
    }
    if (r->qlen > 0) {
        const struct sim_rtu_reply *prev = &r->queue[(r->qhead + r->qlen - 1) % SIM_RTU_QUEUE];
        if (due < prev->due_ns + own)
            due = prev->due_ns + own;       /* one talker at a time */
    }
    struct sim_rtu_reply *q = &r->queue[(r->qhead + r->qlen) % SIM_RTU_QUEUE];
    q->due_ns = due;
    q->len = len;
    memcpy(q->adu, adu, len);
    if (r->qlen++ == 0)
        sim_timer_start(r->loop, &r->send, due, send_due);
}

/* Answer one whole frame b[0..n-1] that started arriving at start_ns. */
static void answer_frame(struct sim_rtu *r, const uint8_t *b, size_t n, int64_t start_ns)
{
    uint8_t adu[SIM_RTU_ADU_MAX];
    struct sim_answer a;
    if (!sim_rtu_line_agrees(r)) {
        log_limited("rtu-settings", LOG_LVL_INFO, "%s: ignored a frame sent at another baud rate or "
                    "parity than the line's %ld %c", r->name, r->baud, r->parity);
        return;
    }
    if (!sim_rtu_crc_ok(b, n)) {
        log_limited("rtu-crc", LOG_LVL_INFO, "%s: ignored a frame of %zu bytes with a bad CRC", r->name, n);
        return;
    }
    struct sim_device *dev = r->by_unit[b[0] <= SIM_RTU_UNIT_MAX ? b[0] : BROADCAST_UNIT];
    if (!dev || b[0] == BROADCAST_UNIT || sim_now_ns() < r->quiet_until_ns)
        return;                     /* nobody there, or nobody answers a broadcast */
    sim_device_answer(dev, sim_loop_elapsed_s(r->loop), b + 1, n - 1 - SIM_RTU_CRC_BYTES, &a);
    adu[0] = b[0];
    memcpy(adu + 1, a.pdu, a.len);
    size_t len = sim_rtu_seal(adu, 1 + a.len);
    switch (a.action) {
    case SIM_ACT_GARBAGE:
        sim_fault_noise(adu, len, &r->noise);
        if (sim_rtu_crc_ok(adu, len))
            adu[len - 1] ^= BAD_CRC_MASK;
        break;
    case SIM_ACT_BAD_CRC:
        adu[len - 2] ^= BAD_CRC_MASK;
        adu[len - 1] ^= BAD_CRC_MASK;
        break;
    case SIM_ACT_SILENT:
    case SIM_ACT_DROP:              /* 'disconnect' on a line: silent while it lasts */
        return;
    case SIM_ACT_REPLY:
        break;
    }
    queue_reply(r, adu, len, n, start_ns, a.delay_ms);
}

/* Answer every whole request at the front of rx; wait for silence otherwise. */
static void take_frames(struct sim_rtu *r)
{
    while (r->rxlen > 0) {
        long want = sim_rtu_request_length(r->rx, r->rxlen);
        if (want <= 0 || (size_t)want > r->rxlen)
            break;
        answer_frame(r, r->rx, (size_t)want, r->first_ns);
        memmove(r->rx, r->rx + want, r->rxlen - (size_t)want);
        r->rxlen -= (size_t)want;
        r->first_ns = r->last_ns;
    }
    if (r->rxlen > 0)
        sim_timer_start(r->loop, &r->silence, r->last_ns + r->t35_ns, on_silence);
    else
        sim_timer_cancel(r->loop, &r->silence);
}

/* t3.5 of silence: whatever is held is a whole frame, or noise. */
static void on_silence(struct sim_timer *t)
{
    struct sim_rtu *r = SIM_CONTAINER_OF(t, struct sim_rtu, silence);
    if (sim_rtu_request_length(r->rx, r->rxlen) < 0)
        answer_frame(r, r->rx, r->rxlen, r->first_ns);  /* unknown function: exception 1 */
    else
        log_limited("rtu-partial", LOG_LVL_INFO, "%s: dropped %zu bytes that are no whole request",
                    r->name, r->rxlen);
    r->rxlen = 0;
}

static void on_readable(struct sim_watch *w, uint32_t events)
{
    struct sim_rtu *r = SIM_CONTAINER_OF(w, struct sim_rtu, w);
    uint8_t buf[SIM_RTU_RX_MAX];
    (void)events;
    ssize_t n = read(w->fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {                   /* the other end of a pty is gone for good, or the device failed */
        log_error("%s: the line %s; no longer serving it", r->name, n == 0 ? "hung up" : strerror(errno));
        sim_loop_modify(r->loop, &r->w, 0);
        return;
    }
    int64_t now = sim_now_ns();
    if (r->rxlen > 0 && now - r->last_ns > r->t35_ns)
        r->rxlen = 0;               /* a silence inside a frame: what came before is noise */
    if (r->rxlen + (size_t)n > sizeof r->rx)
        r->rxlen = 0;
    if (r->rxlen == 0)
        r->first_ns = now;
    memcpy(r->rx + r->rxlen, buf, (size_t)n);
    r->rxlen += (size_t)n;
    r->last_ns = now;
    take_frames(r);
}
