/*
 * sim_tcp_conn.c - one Modbus TCP client: cut its byte stream into MBAP frames and answer them.
 *
 * Bytes are read as they come; every whole frame (mbap_scan, the gateway's own
 * framing) is answered by the device its unit id names, through the device's
 * standing faults (sim_fault.h): a reply now, one held back on a timer, noise,
 * silence, or a closed connection. A header that cannot be MBAP ends the
 * connection, as the stream can no longer be cut. Replies a client does not
 * read are buffered up to a bound, then the client is dropped.
 */
#include "sim_tcp_internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

#define MBAP_PROTOCOL_HI 2          /* offset of the protocol id's high byte */
#define NOT_MBAP_MARK 0x80          /* a protocol id byte that makes noise unreadable as MBAP */

static void on_conn(struct sim_watch *w, uint32_t events);

static void peer_name(int fd, char *out, size_t outlen)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    char ip[INET_ADDRSTRLEN] = "?";
    memset(&sa, 0, sizeof sa);
    if (getpeername(fd, (struct sockaddr *)&sa, &len) == 0)
        inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
    snprintf(out, outlen, "%s:%u", ip, ntohs(sa.sin_port));
}

void sim_conn_start(struct sim_tcp_port *p, int fd)
{
    struct sim_conn *c = calloc(1, sizeof *c);
    if (!c || sim_loop_add(p->loop, &c->w, fd, EPOLLIN, on_conn) < 0) {
        log_warn("%s:%u: dropping a new client: %s", p->host, p->port,
                 c ? strerror(errno) : "out of memory");
        free(c);
        close(fd);
        return;
    }
    c->port = p;
    c->noise = (uint64_t)fd;
    peer_name(fd, c->peer, sizeof c->peer);
    c->next = p->conns;
    if (p->conns)
        p->conns->prev = c;
    p->conns = c;
    log_info("%s:%u: client %s connected", p->host, p->port, c->peer);
}

void sim_conn_close(struct sim_conn *c, const char *why)
{
    struct sim_tcp_port *p = c->port;
    if (why)
        log_info("%s:%u: client %s: %s", p->host, p->port, c->peer, why);
    while (c->late) {
        struct sim_late *l = c->late;
        c->late = l->next;
        sim_timer_cancel(p->loop, &l->timer);
        free(l);
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        p->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    sim_loop_drop(p->loop, &c->w);
    sim_loop_release(p->loop, c);
}

/* Write or queue one frame. -1 when the client was dropped. */
static int conn_send(struct sim_conn *c, const uint8_t *frame, size_t len)
{
    size_t done = 0;
    if (c->outlen == 0) {
        ssize_t n = send(c->w.fd, frame, len, MSG_NOSIGNAL);
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            sim_conn_close(c, errno == ECONNRESET || errno == EPIPE ? "disconnected" : strerror(errno));
            return -1;
        }
        done = n > 0 ? (size_t)n : 0;
    }
    if (done == len)
        return 0;
    if (c->outlen + (len - done) > sizeof c->out) {
        sim_conn_close(c, "dropped: it does not read its replies");
        return -1;
    }
    memcpy(c->out + c->outlen, frame + done, len - done);
    c->outlen += len - done;
    sim_loop_modify(c->port->loop, &c->w, EPOLLIN | EPOLLOUT);
    return 0;
}

static void flush_out(struct sim_conn *c)
{
    ssize_t n = send(c->w.fd, c->out, c->outlen, MSG_NOSIGNAL);
    if (n < 0) {
        if (errno != EAGAIN && errno != EINTR)
            sim_conn_close(c, "disconnected");
        return;
    }
    memmove(c->out, c->out + n, c->outlen - (size_t)n);
    c->outlen -= (size_t)n;
    if (c->outlen == 0)
        sim_loop_modify(c->port->loop, &c->w, EPOLLIN);
}

static void send_late(struct sim_timer *t)
{
    struct sim_late *l = SIM_CONTAINER_OF(t, struct sim_late, timer);
    struct sim_conn *c = l->conn;
    struct sim_late **at = &c->late;
    while (*at != l)
        at = &(*at)->next;
    *at = l->next;
    conn_send(c, l->frame, l->len);
    free(l);
}

/* Hold a reply back for ms. -1 when the client was dropped. */
static int hold_back(struct sim_conn *c, const uint8_t *frame, size_t len, long ms)
{
    struct sim_late *l = malloc(sizeof *l);
    if (!l) {
        sim_conn_close(c, "dropped: out of memory for a late reply");
        return -1;
    }
    memset(&l->timer, 0, sizeof l->timer);
    l->conn = c;
    l->len = len;
    memcpy(l->frame, frame, len);
    l->next = c->late;
    c->late = l;
    sim_timer_start(c->port->loop, &l->timer, sim_now_ns() + ms * SIM_NS_PER_MS, send_late);
    return 0;
}

/* Answer one whole frame. -1 when the client was dropped. */
static int answer_frame(struct sim_conn *c, const struct mbap_header *h, const uint8_t *pdu)
{
    struct sim_tcp_port *p = c->port;
    struct sim_device *dev = p->by_unit[h->unit];
    struct sim_answer a;
    uint8_t frame[MBAP_FRAME_MAX];
    size_t pdu_len = (size_t)h->length - 1;
    if (!dev) {
        a.action = SIM_ACT_REPLY;
        a.delay_ms = 0;
        a.len = sim_respond_exception(pdu[0], SIM_EXC_GATEWAY_TARGET, a.pdu);
    } else {
        sim_device_answer(dev, sim_loop_elapsed_s(p->loop), pdu, pdu_len, &a);
    }
    size_t len = mbap_build(frame, h->transaction, h->unit, a.pdu, a.len);
    switch (a.action) {
    case SIM_ACT_REPLY:
        return a.delay_ms > 0 ? hold_back(c, frame, len, a.delay_ms) : conn_send(c, frame, len);
    case SIM_ACT_GARBAGE:
        sim_fault_noise(frame, len, &c->noise);
        frame[MBAP_PROTOCOL_HI] |= NOT_MBAP_MARK;
        return conn_send(c, frame, len);
    case SIM_ACT_DROP:
        sim_conn_close(c, "closed by an injected 'disconnect' fault");
        return -1;
    case SIM_ACT_SILENT:
    case SIM_ACT_BAD_CRC:           /* a converter drops a frame whose CRC is wrong */
        return 0;
    }
    return 0;
}

static void read_frames(struct sim_conn *c)
{
    struct mbap_header h;
    size_t frame_len, used = 0;
    ssize_t n = recv(c->w.fd, c->in + c->inlen, sizeof c->in - c->inlen, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        sim_conn_close(c, n == 0 ? "disconnected" : strerror(errno));
        return;
    }
    if (n < 0)
        return;
    c->inlen += (size_t)n;
    for (;;) {
        enum mbap_scan s = mbap_scan(c->in + used, c->inlen - used, &h, &frame_len);
        if (s == MBAP_GARBAGE) {
            sim_conn_close(c, "dropped: it sent bytes that are not a Modbus TCP frame");
            return;
        }
        if (s == MBAP_PARTIAL)
            break;
        if (answer_frame(c, &h, c->in + used + MBAP_HEADER_BYTES) < 0)
            return;
        used += frame_len;
    }
    memmove(c->in, c->in + used, c->inlen - used);
    c->inlen -= used;
}

static void on_conn(struct sim_watch *w, uint32_t events)
{
    struct sim_conn *c = SIM_CONTAINER_OF(w, struct sim_conn, w);
    if (events & EPOLLOUT)
        flush_out(c);
    if (c->w.fd >= 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        read_frames(c);
}
