/*
 * poller_tcp.c - every Modbus TCP device on one thread, one request in flight per connection.
 *
 * Why not libmodbus here: it waits with select(), which aborts the process for a
 * descriptor >= FD_SETSIZE (1024), and it blocks per request. This thread keeps
 * nonblocking sockets on one epoll set, frames MBAP itself (transport/mbap.h) and
 * checks PDUs with pdu.h, so a site of 2,000 endpoints costs one thread and a dead
 * endpoint costs only its own timeout.
 *
 * This file groups the devices into connections (same host:port = one connection,
 * unit ids behind a TCP-to-RTU converter) and runs the loop; poller_tcp_conn.c
 * runs each connection.
 *
 * Timers: tcp_conn_service() handles a connection's expired deadline and returns
 * its next one. A full scan of the connections runs only when the earliest deadline
 * of the last scan comes (rounded up to TCP_SCAN_TICK_MS); a connection woken by
 * epoll is serviced on its own and can only pull that earliest deadline forward.
 */
#include "poller_tcp.h"

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "poller_phase.h"
#include "poller_threads.h"
#include "poller_write.h"

#define TCP_EVENTS_MAX 64               /* epoll events taken per wakeup */
/*
 * Timer wakeups are rounded up to a grid of 1/TCP_SCAN_TICK_DIV of the shortest poll
 * interval, between TCP_SCAN_TICK_MIN_MS and TCP_SCAN_TICK_MAX_MS (50 ms for devices
 * polled every second). Devices whose phases are spread over the interval are then
 * sent together in at most 20 groups per interval instead of one wake-up of this
 * thread, and of the core, per device (phase_ms spread over 1 s at 100 devices cost
 * 3 times the CPU of the same plant polled at once, mostly in context switches). A
 * poll starts at most one grid step late and never drifts (its grid is kept);
 * replies are still handled the moment they arrive.
 */
#define TCP_SCAN_TICK_DIV POLL_PHASE_SLOTS_MAX  /* the automatic phases use the same slots */
#define TCP_SCAN_TICK_MIN_MS 10
#define TCP_SCAN_TICK_MAX_MS 50
#define PORT_TEXT_MAX 8

static int64_t scan_all(struct tcp_poller *tp, int64_t now)
{
    int64_t next = POLL_NEVER;
    for (size_t i = 0; i < tp->nconns; i++)
        next = poll_min(next, tcp_conn_service(tp, &tp->conns[i], now));
    return next;
}

static int wait_ms(int64_t until, int64_t now, int64_t tick)
{
    if (until == POLL_NEVER)
        return -1;
    if (until <= now)
        return 0;
    until = (until + tick - 1) / tick * tick;
    return (int)poll_min(until - now, INT32_MAX);
}

static int64_t scan_tick_for(struct poll_device *devs, size_t ndevs)
{
    int64_t shortest = POLL_NEVER;
    for (size_t i = 0; i < ndevs; i++)
        if (devs[i].cfg && devs[i].cfg->kind == BUS_TCP)
            shortest = poll_min(shortest, devs[i].cfg->interval_ms);
    int64_t tick = shortest / TCP_SCAN_TICK_DIV;
    return tick < TCP_SCAN_TICK_MIN_MS ? TCP_SCAN_TICK_MIN_MS : tick > TCP_SCAN_TICK_MAX_MS ? TCP_SCAN_TICK_MAX_MS : tick;
}

static void *tcp_thread(void *arg)
{
    struct tcp_poller *tp = arg;
    struct epoll_event ev[TCP_EVENTS_MAX];
    int64_t next_scan = 0;

    for (;;) {
        int64_t now = clock_mono_ms();
        if (now >= next_scan)
            next_scan = scan_all(tp, now);
        int n = epoll_wait(tp->epfd, ev, TCP_EVENTS_MAX, wait_ms(next_scan, now, tp->scan_tick_ms));
        if (n < 0 && errno != EINTR) {
            log_error("The Modbus TCP poller cannot wait for its sockets (%s); retrying. "
                      "If this repeats, restart riskgw and report it.", strerror(errno));
            if (poller_wait_stop(tp->stop_fd, TCP_SCAN_TICK_MIN_MS))
                return NULL;
            continue;
        }
        now = clock_mono_ms();
        for (int i = 0; i < n; i++) {
            struct tcp_conn *c = ev[i].data.ptr;
            if (!c)
                return NULL;            /* the stop eventfd */
            if (ev[i].data.ptr == &tp->writes) {
                poll_writes_take(&tp->writes, now);
                next_scan = now;        /* rare: let the next scan send them */
                continue;
            }
            tcp_conn_event(tp, c, ev[i].events, now);
            next_scan = poll_min(next_scan, tcp_conn_service(tp, c, now));
        }
    }
}

/* ---- setup ---- */

static int conn_resolve(struct tcp_conn *c, char *err, size_t errlen)
{
    struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res;
    char port[PORT_TEXT_MAX];

    snprintf(port, sizeof port, "%u", tcp_conn_port(c));
    int rc = getaddrinfo(tcp_conn_host(c), port, &hints, &res);
    if (rc != 0) {
        snprintf(err, errlen, "device '%s': cannot resolve Modbus TCP host '%s' (%s); use an "
                 "IP address or fix the name service", c->devs[0]->cfg->id, tcp_conn_host(c),
                 gai_strerror(rc));
        return -1;
    }
    if (res->ai_addrlen > sizeof c->addr) {     /* SOCK_STREAM gives IPv4 or IPv6 only */
        snprintf(err, errlen, "device '%s': Modbus TCP host '%s' resolved to an address of family %d, "
                 "neither IPv4 nor IPv6", c->devs[0]->cfg->id, tcp_conn_host(c), res->ai_family);
        freeaddrinfo(res);
        return -1;
    }
    memcpy(&c->addr, res->ai_addr, res->ai_addrlen);
    c->addrlen = (uint8_t)res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* Find the connection for host:port, or start a new one at tp->conns[tp->nconns].
 * first[k] is the config of conn k's first device (a conn keeps no host of its own). */
static struct tcp_conn *conn_for(struct tcp_poller *tp, const struct device_cfg **first,
                                 const struct device_cfg *dc)
{
    for (size_t i = 0; i < tp->nconns; i++)
        if (first[i]->port == dc->port && strcmp(first[i]->host, dc->host) == 0)
            return &tp->conns[i];
    first[tp->nconns] = dc;
    struct tcp_conn *c = &tp->conns[tp->nconns++];
    c->fd = -1;
    return c;
}

/* The config bounds these (timeout_ms, connect_pause_ms <= 60 s, backoff_ms <= a day,
 * comm_fail_ms <= COMM_FAIL_MAX_MS), so the int32_t fields hold them. */
static void conn_add_device(struct tcp_conn *c, struct poll_device *d)
{
    const struct device_cfg *dc = d->cfg;

    c->devs[c->ndevs++] = d;
    if (dc->timeout_ms > c->connect_timeout_ms)
        c->connect_timeout_ms = dc->timeout_ms;
    if (dc->connect_pause_ms > c->connect_pause_ms)
        c->connect_pause_ms = dc->connect_pause_ms;
    if (dc->backoff_ms > c->reopen_cap_ms)
        c->reopen_cap_ms = dc->backoff_ms;
    if (c->comm_fail_min_ms == 0 || d->comm_fail_ms < c->comm_fail_min_ms)
        c->comm_fail_min_ms = d->comm_fail_ms;
}

/* Group the TCP devices by host:port; each conn's devs is a slice of tp->members. */
static int group_devices(struct tcp_poller *tp, struct poll_device *devs, size_t ndevs,
                         size_t ntcp, char *err, size_t errlen)
{
    size_t *conn_of = calloc(ndevs, sizeof *conn_of), used = 0;
    const struct device_cfg **first = calloc(ntcp ? ntcp : 1, sizeof *first);

    tp->conns = calloc(ntcp, sizeof *tp->conns);
    tp->members = calloc(ntcp, sizeof *tp->members);
    if (!conn_of || !first || !tp->conns || !tp->members) {
        free(conn_of);
        free(first);
        snprintf(err, errlen, "out of memory for %zu Modbus TCP devices", ntcp);
        return -1;
    }
    for (size_t i = 0; i < ndevs; i++) {       /* pass 1: connections and their sizes */
        if (!devs[i].cfg || devs[i].cfg->kind != BUS_TCP)
            continue;
        struct tcp_conn *c = conn_for(tp, first, devs[i].cfg);
        conn_of[i] = (size_t)(c - tp->conns);
        c->ndevs++;
    }
    free(first);
    for (size_t k = 0; k < tp->nconns; k++) {  /* pass 2: slices, then fill */
        tp->conns[k].devs = tp->members + used;
        used += tp->conns[k].ndevs;
        tp->conns[k].ndevs = 0;
    }
    for (size_t i = 0; i < ndevs; i++)
        if (devs[i].cfg && devs[i].cfg->kind == BUS_TCP)
            conn_add_device(&tp->conns[conn_of[i]], &devs[i]);
    free(conn_of);
    for (size_t k = 0; k < tp->nconns; k++)
        if (conn_resolve(&tp->conns[k], err, errlen) < 0)
            return -1;
    return 0;
}

struct tcp_poller *tcp_poller_start(struct poll_device *devs, size_t ndevs, int stop_fd,
                                    struct queue *samples, struct queue *write_results,
                                    char *err, size_t errlen)
{
    struct tcp_poller *tp = calloc(1, sizeof *tp);
    struct epoll_event ev = { .events = EPOLLIN, .data.ptr = NULL };
    struct epoll_event wev = { .events = EPOLLIN };
    size_t ntcp = 0;

    if (!tp) {
        snprintf(err, errlen, "out of memory for the Modbus TCP poller");
        return NULL;
    }
    tp->epfd = -1;
    tp->stop_fd = stop_fd;
    tp->samples = samples;
    tp->scan_tick_ms = scan_tick_for(devs, ndevs);
    tp->writes.bell.fd = -1;            /* nothing to close until poll_writes_init */
    wev.data.ptr = &tp->writes;
    for (size_t i = 0; i < ndevs; i++)
        ntcp += devs[i].cfg && devs[i].cfg->kind == BUS_TCP;   /* a virtual device has no cfg */
    if (group_devices(tp, devs, ndevs, ntcp, err, errlen) < 0 ||
        poll_writes_init(&tp->writes, devs, ndevs, write_results, err, errlen) < 0)
        goto fail;
    tp->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (tp->epfd < 0 || epoll_ctl(tp->epfd, EPOLL_CTL_ADD, stop_fd, &ev) < 0 ||
        epoll_ctl(tp->epfd, EPOLL_CTL_ADD, tp->writes.bell.fd, &wev) < 0) {
        snprintf(err, errlen, "cannot create the Modbus TCP poller's epoll set: %s",
                 strerror(errno));
        goto fail;
    }
    int rc = pthread_create(&tp->thread, NULL, tcp_thread, tp);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the Modbus TCP poller thread: %s", strerror(rc));
        goto fail;
    }
    tp->started = 1;
    log_info("Modbus TCP poller: %zu devices on %zu connections.", ntcp, tp->nconns);
    return tp;
fail:
    tcp_poller_stop(tp);
    return NULL;
}

struct poll_writes *tcp_poller_writes(struct tcp_poller *tp)
{
    return &tp->writes;
}

void tcp_poller_stop(struct tcp_poller *tp)
{
    if (!tp)
        return;
    if (tp->started)
        pthread_join(tp->thread, NULL);
    for (size_t i = 0; i < tp->nconns; i++) {
        if (tp->conns[i].fd >= 0)
            close(tp->conns[i].fd);
        free(tp->conns[i].carry);
    }
    if (tp->epfd >= 0)
        close(tp->epfd);
    poll_writes_free(&tp->writes);
    free(tp->conns);
    free(tp->members);
    free(tp);
}
