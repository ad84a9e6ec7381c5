/*
 * poller_tcp_conn.c - one Modbus TCP connection: connect, send, frame, match, fail.
 *
 * A connection is opened when one of its devices is due: nonblocking connect,
 * bounded by the longest timeout_ms of its devices; then connect_pause_ms of quiet.
 * A refused or timed-out connect fails the cycles waiting on it and is retried
 * after a delay doubling from POLL_REOPEN_FIRST_MS up to the devices' backoff_ms.
 * A connection that was up and is lost is reopened at once. One request is
 * outstanding at a time; the devices sharing the connection take turns.
 *
 * Replies: a frame whose header cannot be MBAP is garbage, the byte stream is lost,
 * so the connection is closed and reopened. A well-framed reply with the wrong
 * transaction id (a late answer to a timed-out request) or the wrong unit id is
 * dropped and counted; the request stays outstanding until its timeout.
 *
 * Writes (poller_write.h) share all of this: a waiting write of one of the
 * connection's devices is sent before the next read (then they take turns), one
 * transaction like any other, and its timeout, loss or reply settles the write
 * instead of a read.
 */
#include "poller_tcp.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "log.h"
#include "pdu.h"
#include "poller_write.h"

const char *tcp_conn_host(const struct tcp_conn *c)
{
    return c->devs[0]->cfg->host;
}

unsigned tcp_conn_port(const struct tcp_conn *c)
{
    return c->devs[0]->cfg->port;
}

/* The device whose request is outstanding, or NULL. */
static struct poll_device *conn_busy(const struct tcp_conn *c)
{
    return c->outstanding != OUT_NONE ? c->last : NULL;
}

static void conn_close(struct tcp_poller *tp, struct tcp_conn *c)
{
    if (c->fd >= 0) {
        epoll_ctl(tp->epfd, EPOLL_CTL_DEL, c->fd, NULL);
        close(c->fd);
    }
    c->fd = -1;
    c->state = CONN_DOWN;
    free(c->carry);
    c->carry = NULL;
    c->carrylen = 0;
}

/* The outstanding request (a read or a write) failed; it is retried if it may be. */
static void conn_fail_busy(struct tcp_poller *tp, struct tcp_conn *c, int64_t now,
                           const char *why)
{
    enum conn_outstanding out = (enum conn_outstanding)c->outstanding;

    c->outstanding = OUT_NONE;
    if (out == OUT_WRITE)
        poll_writes_failure(&tp->writes, &tp->writes.slots[c->wslot], now, why);
    else if (out == OUT_READ)
        poll_device_failure(c->last, tp->samples, now, why);
}

/* An open connection broke: fail the outstanding request, reconnect at once. */
static void conn_lost(struct tcp_poller *tp, struct tcp_conn *c, int64_t now, const char *why)
{
    log_warn("Modbus TCP connection to %s:%u lost: %s; reconnecting.", tcp_conn_host(c),
             tcp_conn_port(c), why);
    conn_close(tp, c);
    c->wait_until = now;
    conn_fail_busy(tp, c, now, why);
}

static void conn_connect_failed(struct tcp_poller *tp, struct tcp_conn *c, int64_t now,
                                const char *why)
{
    char msg[POLL_WHY_MAX];

    snprintf(msg, sizeof msg, "cannot connect to %s:%u: %s", tcp_conn_host(c), tcp_conn_port(c),
             why);
    conn_close(tp, c);
    c->reopen_delay_ms = poll_reopen_delay(c->reopen_delay_ms, c->reopen_cap_ms);
    c->wait_until = now + c->reopen_delay_ms;
    if (!c->down_logged)
        log_warn("%s; retrying with back-off up to %d ms. Check the device's address, "
                 "port and network.", msg, c->reopen_cap_ms);
    c->down_logged = 1;
    poll_group_abort(c->devs, c->ndevs, tp->samples, now, msg);
    poll_writes_abort(&tp->writes, c->devs, c->ndevs, now, msg);
}

static void conn_up(struct tcp_poller *tp, struct tcp_conn *c, int64_t now)
{
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };

    if (epoll_ctl(tp->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
        conn_connect_failed(tp, c, now, strerror(errno));
        return;
    }
    if (c->down_logged)
        log_info("Modbus TCP connection to %s:%u is up again.", tcp_conn_host(c),
                 tcp_conn_port(c));
    c->down_logged = 0;
    c->state = CONN_UP;
    c->reopen_delay_ms = 0;
    c->wait_until = now + c->connect_pause_ms;
}

static void conn_connect(struct tcp_poller *tp, struct tcp_conn *c, int64_t now)
{
    struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
    int one = 1;

    c->fd = socket(c->addr.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->fd < 0) {
        conn_connect_failed(tp, c, now, strerror(errno));
        return;
    }
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    if (epoll_ctl(tp->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
        conn_connect_failed(tp, c, now, strerror(errno));
        return;
    }
    c->state = CONN_CONNECTING;
    c->wait_until = now + c->connect_timeout_ms;
    if (connect(c->fd, &c->addr.sa, c->addrlen) == 0)
        conn_up(tp, c, now);
    else if (errno != EINPROGRESS)
        conn_connect_failed(tp, c, now, strerror(errno));
}

/* ---- requests and replies ---- */

/* Frame pdu for device d, send it as what `out` says, and wait for its reply until
 * the device's timeout. */
static void conn_send(struct tcp_poller *tp, struct tcp_conn *c, struct poll_device *d,
                      enum conn_outstanding out, const uint8_t *pdu, size_t pdu_len, int64_t now)
{
    uint8_t frame[MBAP_FRAME_MAX];

    size_t len = mbap_build(frame, c->next_tid++, d->cfg->unit, pdu, pdu_len);
    c->last = d;
    c->outstanding = (uint8_t)out;
    c->wait_until = now + d->cfg->timeout_ms;
    /* One small request into an idle socket: a short write means a broken peer. */
    ssize_t sent = send(c->fd, frame, len, MSG_NOSIGNAL);
    if (sent != (ssize_t)len)
        conn_lost(tp, c, now, sent < 0 ? strerror(errno) : "the request did not fit the socket");
}

/* A waiting write goes first, but writes and reads take turns while both wait, so a
 * dead module's retries never hold back the devices that share its connection. */
static void conn_send_next(struct tcp_poller *tp, struct tcp_conn *c, int64_t now)
{
    struct poll_request req;
    struct poll_write *pw = poll_writes_pick(&tp->writes, c->devs, c->ndevs);
    struct poll_device *d = NULL;
    uint8_t pdu[PDU_MAX_BYTES];

    if (!pw || c->wrote_last)
        d = poll_group_pick(c->devs, c->ndevs, &c->rr, now, &req);
    c->wrote_last = !d && pw;
    if (!d && pw) {
        size_t len = pdu_build_write(pdu, &pw->req.w);
        if (len == 0) {
            poll_writes_fail(&tp->writes, pw, now, "the core asked for a write no Modbus function carries");
            return;
        }
        poll_writes_begin(pw);
        c->wslot = (uint8_t)(pw - tp->writes.slots);
        conn_send(tp, c, pw->dev, OUT_WRITE, pdu, len, now);
        return;
    }
    if (!d)
        return;
    conn_send(tp, c, d, OUT_READ, pdu, pdu_build_read(pdu, req.area, req.start, req.count), now);
}

/* One whole MBAP frame arrived. */
static void conn_frame(struct tcp_poller *tp, struct tcp_conn *c, const struct mbap_header *h,
                       const uint8_t *pdu, int64_t now)
{
    struct poll_device *d = conn_busy(c);
    struct poll_request req;
    uint16_t words[MODBUS_MAX_READ_REGISTERS];
    uint8_t bits[MODBUS_MAX_READ_BITS], exception = 0;

    if (!d || h->transaction != (uint16_t)(c->next_tid - 1u) || h->unit != d->cfg->unit) {
        poll_device_count_dropped(c->last ? c->last : c->devs[0]);
        log_debug("Modbus TCP %s:%u: dropped a reply with transaction %u unit %u, not the "
                  "one outstanding.", tcp_conn_host(c), tcp_conn_port(c), h->transaction, h->unit);
        return;
    }
    enum conn_outstanding out = (enum conn_outstanding)c->outstanding;
    c->outstanding = OUT_NONE;
    c->wait_until = now + d->cfg->pause_ms;
    if (out == OUT_WRITE) {
        poll_writes_reply(&tp->writes, &tp->writes.slots[c->wslot], pdu, h->length - 1u, now);
        return;
    }
    poll_device_current(d, &req);       /* the block still waiting for this reply */
    switch (pdu_parse_read(pdu, h->length - 1u, req.area, req.count, words, bits, &exception)) {
    case PDU_OK:
        poll_device_reply(d, tp->samples, now, words, bits);
        break;
    case PDU_EXCEPTION:
        poll_device_exception(d, tp->samples, now, exception);
        break;
    case PDU_MALFORMED:
        poll_device_count_dropped(d);
        poll_device_failure(d, tp->samples, now, "malformed reply");
        break;
    }
}

/* Split rx[0..len) into frames; garbage loses the stream. Returns how many bytes
 * of a frame not yet complete are left at the start of rx (0 once the connection
 * is lost). */
static size_t conn_parse(struct tcp_poller *tp, struct tcp_conn *c, uint8_t *rx, size_t len,
                         int64_t now)
{
    struct mbap_header h;
    size_t flen;

    while (c->state == CONN_UP) {
        enum mbap_scan s = mbap_scan(rx, len, &h, &flen);
        if (s == MBAP_PARTIAL)
            return len;
        if (s == MBAP_GARBAGE) {
            poll_device_count_dropped(c->last ? c->last : c->devs[0]);
            conn_lost(tp, c, now, "it sent bytes that are not Modbus TCP");
            break;
        }
        conn_frame(tp, c, &h, rx + MBAP_HEADER_BYTES, now);
        len -= flen;
        memmove(rx, rx + flen, len);
    }
    return 0;
}

/* Keep the first len bytes of a reply until the rest arrives. */
static void conn_keep_carry(struct tcp_poller *tp, struct tcp_conn *c, const uint8_t *rx,
                            size_t len, int64_t now)
{
    if (!(c->carry = malloc(len))) {
        conn_lost(tp, c, now, "out of memory for a reply that came in pieces");
        return;
    }
    memcpy(c->carry, rx, len);
    c->carrylen = (uint16_t)len;        /* less than a frame: MBAP_FRAME_MAX */
}

static void conn_read(struct tcp_poller *tp, struct tcp_conn *c, int64_t now)
{
    uint8_t rx[MBAP_FRAME_MAX];
    size_t len = c->carrylen;

    if (c->carry) {
        memcpy(rx, c->carry, len);
        free(c->carry);
        c->carry = NULL;
        c->carrylen = 0;
    }
    while (c->state == CONN_UP) {
        ssize_t n = recv(c->fd, rx + len, sizeof rx - len, 0);
        if (n > 0) {
            len = conn_parse(tp, c, rx, len + (size_t)n, now);
        } else if (n == 0) {
            conn_lost(tp, c, now, "the device closed the connection");
        } else if (errno != EINTR) {
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                conn_lost(tp, c, now, strerror(errno));
            break;
        }
    }
    if (c->state == CONN_UP && len > 0)
        conn_keep_carry(tp, c, rx, len, now);
}

void tcp_conn_event(struct tcp_poller *tp, struct tcp_conn *c, uint32_t events, int64_t now)
{
    if (c->state == CONN_CONNECTING) {
        int soerr = 0;
        socklen_t len = sizeof soerr;
        if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
            soerr = errno;
        if (soerr)
            conn_connect_failed(tp, c, now, strerror(soerr));
        else if (events & EPOLLOUT)
            conn_up(tp, c, now);
    } else if (c->state == CONN_UP) {
        conn_read(tp, c, now);
    }
}

/*
 * The comm-loss watch of c's devices, without walking them all after every reply
 * (a converter may carry hundreds). watch_at stays at or before every device's
 * deadline: deadlines only move later as replies come, and a device that comes back
 * after a comm loss gets one at least comm_fail_min_ms after the last walk.
 */
static int64_t conn_watch(struct tcp_poller *tp, struct tcp_conn *c, int64_t now)
{
    if (now >= c->watch_at)
        c->watch_at = poll_min(poll_group_watch(c->devs, c->ndevs, tp->samples, now),
                               now + c->comm_fail_min_ms);
    return c->watch_at;
}

/* When a device of c is next due: now if a write waits, else its earliest cycle. */
static int64_t conn_next_due(const struct tcp_conn *c, int writing)
{
    return writing ? 0 : poll_group_due_at(c->devs, c->ndevs);
}

int64_t tcp_conn_service(struct tcp_poller *tp, struct tcp_conn *c, int64_t now)
{
    int64_t watch = conn_watch(tp, c, now);

    if (c->state == CONN_CONNECTING && now >= c->wait_until)
        conn_connect_failed(tp, c, now, "connect timed out");
    if (c->state == CONN_UP && conn_busy(c) && now >= c->wait_until) {
        char why[POLL_WHY_MAX];
        snprintf(why, sizeof why, "no reply within %" PRId32 " ms", conn_busy(c)->cfg->timeout_ms);
        conn_fail_busy(tp, c, now, why);
    }
    if (c->state == CONN_UP && !conn_busy(c) && now >= c->wait_until)
        conn_send_next(tp, c, now);
    int writing = poll_writes_pick(&tp->writes, c->devs, c->ndevs) != NULL;
    if (c->state == CONN_DOWN && now >= c->wait_until &&
        (poll_group_start_due(c->devs, c->ndevs, now) || writing))
        conn_connect(tp, c, now);

    int64_t wake;               /* a busy connection needs no walk for the next due device */
    switch (c->state) {
    case CONN_CONNECTING:
        wake = c->wait_until;
        break;
    case CONN_UP:
        wake = conn_busy(c) ? c->wait_until : poll_max(c->wait_until, conn_next_due(c, writing));
        break;
    default:
        wake = poll_max(c->wait_until, conn_next_due(c, writing));
        break;
    }
    return poll_min(wake, watch);
}

/* ---- the thread ---- */
