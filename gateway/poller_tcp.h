/*
 * poller_tcp.h - one Modbus TCP connection of the TCP poller, and its state machine.
 *
 * Internal to poller_tcp*.c. poller_tcp.c owns the thread, the epoll set and the
 * grouping of devices into connections; poller_tcp_conn.c moves one connection
 * through DOWN -> CONNECTING -> UP and back, sends requests and takes replies.
 * A waiting write of one of its devices goes before its next read.
 */
#ifndef RISKGW_POLLER_TCP_H
#define RISKGW_POLLER_TCP_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "poller_device.h"
#include "transport/mbap.h"

enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_UP };

struct tcp_conn {
    int epfd;                           /* the poller's epoll set */
    const char *host;
    uint16_t port;
    union {                             /* getaddrinfo's IPv4 or IPv6 address: 28 bytes, where */
        struct sockaddr sa;             /* sockaddr_storage took 128 a connection */
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
    } addr;
    socklen_t addrlen;
    struct poll_device **devs;
    size_t ndevs, rr;
    long connect_timeout_ms, connect_pause_ms, reopen_cap_ms;
    long comm_fail_min_ms;              /* the shortest comm-loss time of its devices */
    int64_t watch_at;                   /* no device's comm-loss deadline comes sooner */

    enum conn_state state;
    int fd;
    int64_t deadline;                   /* CONNECTING: connect; UP + busy: the reply */
    int64_t ready_at;                   /* UP: no request before (pauses) */
    int64_t reopen_at;                  /* DOWN: no connect before */
    long reopen_delay_ms;
    int down_logged;

    struct poll_writes *writes;         /* the thread's writes (poller_write.h) */
    struct poll_write *wbusy;           /* the outstanding request is this write, else a read */
    int wrote_last;                     /* the last request was a write: a read's turn next */
    struct poll_device *busy;           /* the device whose request is outstanding */
    struct poll_device *last;           /* the device last asked (for drop counts) */
    struct poll_request req;
    uint16_t tid, next_tid;
    /* Replies are read into the reading thread's stack (conn_read); only the first
     * bytes of a reply whose rest is still on its way stay here, in a buffer taken
     * for them, so an idle connection holds no receive buffer
     * (260 bytes each, 0.5 MiB at 2,000 devices). */
    uint8_t *carry;
    size_t carrylen;
};

/* Handle epoll events on c's socket. */
void tcp_conn_event(struct tcp_conn *c, uint32_t events, int64_t now);
/* Act on whatever is due on c at `now`; return when c next needs attention. */
int64_t tcp_conn_service(struct tcp_conn *c, int64_t now);

#endif
