/*
 * poller_tcp.h - one Modbus TCP connection of the TCP poller, and its state machine.
 *
 * Internal to poller_tcp*.c. poller_tcp.c owns the thread (struct tcp_poller), the
 * epoll set and the grouping of devices into connections; poller_tcp_conn.c moves
 * one connection through DOWN -> CONNECTING -> UP and back, sends requests and
 * takes replies. A waiting write of one of its devices goes before its next read.
 */
#ifndef RISKGW_POLLER_TCP_H
#define RISKGW_POLLER_TCP_H

#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <sys/socket.h>

#include "poller_device.h"
#include "poller_write.h"
#include "transport/mbap.h"

enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_UP };
/* What the connection has on the wire. */
enum conn_outstanding { OUT_NONE, OUT_READ, OUT_WRITE };

/*
 * One connection; a site of 2,000 TCP devices holds 2,000 of these. What is the same
 * for every connection of the thread (the epoll set, the writes inbox, the sample
 * queue) is the poller's, passed in; host and port are its first device's config;
 * the request on the wire is its device's current block (poll_device_current); the
 * three timers of the three states are one; times the config bounds are 32 bits
 * (timeout_ms <= 60 s, backoff_ms <= a day, comm_fail_ms <= 100 s). 240 bytes
 * before, 112 now.
 */
struct tcp_conn {
    struct poll_device **devs;          /* a slice of the poller's members; devs[0] names it */
    struct poll_device *last;           /* the device last asked: the one outstanding, if any */
    /* Replies are read into the reading thread's stack (conn_read); only the first
     * bytes of a reply whose rest is still on its way stay here, in a buffer taken
     * for them, so an idle connection holds no receive buffer
     * (260 bytes each, 0.5 MiB at 2,000 devices). */
    uint8_t *carry;
    int64_t watch_at;                   /* no device's comm-loss deadline comes sooner */
    int64_t wait_until;                 /* CONNECTING: the connect's deadline; UP + busy: the
                                           reply's; UP idle: the end of the pause; DOWN: the
                                           next connect */
    union {                             /* getaddrinfo's IPv4 or IPv6 address: 28 bytes, where */
        struct sockaddr sa;             /* sockaddr_storage took 128 a connection */
        struct sockaddr_in in;
        struct sockaddr_in6 in6;
    } addr;
    int fd;
    uint32_t ndevs, rr;
    int32_t connect_timeout_ms, connect_pause_ms, reopen_cap_ms;  /* the largest of its devices' */
    int32_t comm_fail_min_ms;           /* the shortest comm-loss time of its devices */
    int32_t reopen_delay_ms;
    uint16_t next_tid;                  /* the outstanding request's transaction id + 1 */
    uint16_t carrylen;                  /* <= MBAP_FRAME_MAX */
    uint8_t state;                      /* enum conn_state */
    uint8_t outstanding;                /* enum conn_outstanding */
    uint8_t wslot;                      /* OUT_WRITE: its slot in the poller's writes */
    uint8_t addrlen;                    /* of addr */
    uint8_t down_logged;
    uint8_t wrote_last;                 /* the last request was a write: a read's turn next */
};
_Static_assert(sizeof(struct tcp_conn) <= 112,
               "struct tcp_conn is held once per connection: grow it on purpose (docs/architecture.md, Memory)");
_Static_assert(POLL_WRITES_MAX <= UINT8_MAX, "tcp_conn.wslot is a uint8_t");
_Static_assert(MBAP_FRAME_MAX <= UINT16_MAX, "tcp_conn.carrylen is a uint16_t");

/* The Modbus TCP poller: one thread, its epoll set, its connections. */
struct tcp_poller {
    struct tcp_conn *conns;
    size_t nconns;
    struct poll_device **members;       /* every conn's devs slice points in here */
    struct queue *samples;              /* where its devices' samples go */
    struct poll_writes writes;          /* the core's writes to these devices */
    int epfd, stop_fd;
    int64_t scan_tick_ms;               /* the timer grid (TCP_SCAN_TICK_DIV) */
    pthread_t thread;
    int started;
};

/* Handle epoll events on c's socket. */
void tcp_conn_event(struct tcp_poller *tp, struct tcp_conn *c, uint32_t events, int64_t now);
/* Act on whatever is due on c at `now`; return when c next needs attention. */
int64_t tcp_conn_service(struct tcp_poller *tp, struct tcp_conn *c, int64_t now);
/* The host and port c connects to (its devices share them). */
const char *tcp_conn_host(const struct tcp_conn *c);
unsigned tcp_conn_port(const struct tcp_conn *c);

#endif
