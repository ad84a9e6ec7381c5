/*
 * sim_tcp.c - a listening Modbus TCP port: accept clients, and reset on demand.
 *
 * The listener is non-blocking and watched by the loop. A reset closes it, so
 * that a client connecting during the reset is refused at once (RST), as when a
 * converter reboots, and a timer opens it again on the same port. Running out
 * of descriptors (EMFILE) pauses accepting for a moment instead of spinning on
 * a listener that stays readable.
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

#define LISTEN_BACKLOG 128
#define ACCEPT_PAUSE_MS 100         /* out of descriptors: try accepting again after this */
#define REOPEN_RETRY_MS 1000        /* the port was taken during a reset: try again */

static void on_listen(struct sim_watch *w, uint32_t events);

static int listen_socket(const struct sim_tcp_port *p, uint16_t port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr = p->addr, .sin_port = htons(port)};
    int one = 1;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, LISTEN_BACKLOG) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

static uint16_t bound_port(int fd)
{
    struct sockaddr_in sa = {0};                /* getsockname fills it; clang-analyzer cannot tell */
    socklen_t len = sizeof sa;
    return getsockname(fd, (struct sockaddr *)&sa, &len) == 0 ? ntohs(sa.sin_port) : 0;
}

struct sim_tcp_port *sim_tcp_open(struct sim_loop *l, const char *host, uint16_t port,
                                  struct cfg_err *err)
{
    struct sim_tcp_port *p = calloc(1, sizeof *p);
    if (!p) {
        cfg_fail(err, NULL, "%s:%u: out of memory for a port", host, port);
        return NULL;
    }
    p->loop = l;
    p->listen.fd = -1;
    snprintf(p->host, sizeof p->host, "%s", host);
    if (inet_pton(AF_INET, host, &p->addr) != 1) {
        cfg_fail(err, NULL, "--listen %s: expected a dotted IPv4 address such as 127.0.0.1", host);
        free(p);
        return NULL;
    }
    int fd = listen_socket(p, port);
    if (fd < 0 || sim_loop_add(l, &p->listen, fd, EPOLLIN, on_listen) < 0) {
        cfg_fail(err, NULL, "cannot listen on %s:%u: %s; is another program using the port? "
                 "(port 0 picks a free one)", host, port, strerror(errno));
        if (fd >= 0)
            close(fd);
        free(p);
        return NULL;
    }
    p->port = bound_port(fd);
    return p;
}

void sim_tcp_close(struct sim_tcp_port *p)
{
    if (!p)
        return;
    while (p->conns)
        sim_conn_close(p->conns, NULL);
    sim_timer_cancel(p->loop, &p->reopen);
    sim_loop_drop(p->loop, &p->listen);
    sim_loop_release(p->loop, p);
}

uint16_t sim_tcp_port_number(const struct sim_tcp_port *p) { return p->port; }

const char *sim_tcp_host(const struct sim_tcp_port *p) { return p->host; }

static void reset_hook(void *arg, long ms) { sim_tcp_reset(arg, ms); }

int sim_tcp_add(struct sim_tcp_port *p, struct sim_device *dev, struct cfg_err *err)
{
    uint8_t unit = sim_device_unit(dev);
    if (p->by_unit[unit])
        return cfg_fail(err, NULL, "%s:%u: unit %u is already served by %s; give each device on "
                        "one port its own unit id", p->host, p->port, unit,
                        sim_device_id(p->by_unit[unit])[0] ? sim_device_id(p->by_unit[unit]) : "another device");
    p->by_unit[unit] = dev;
    sim_device_on_reset(dev, reset_hook, p);
    return 0;
}

static void pause_accepting(struct sim_tcp_port *p, long ms, sim_fire_fn *resume)
{
    sim_timer_start(p->loop, &p->reopen, sim_now_ns() + ms * SIM_NS_PER_MS, resume);
}

static void resume_accepting(struct sim_timer *t)
{
    struct sim_tcp_port *p = SIM_CONTAINER_OF(t, struct sim_tcp_port, reopen);
    if (p->listen.fd >= 0)
        sim_loop_modify(p->loop, &p->listen, EPOLLIN);
}

static void on_listen(struct sim_watch *w, uint32_t events)
{
    struct sim_tcp_port *p = SIM_CONTAINER_OF(w, struct sim_tcp_port, listen);
    (void)events;
    for (;;) {
        int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            sim_conn_start(p, fd);
            continue;
        }
        if (errno == EMFILE || errno == ENFILE) {
            log_limited("emfile", LOG_LVL_WARN, "%s:%u: cannot accept a client: %s; raise the "
                        "descriptor limit (ulimit -n) or serve fewer clients", p->host, p->port,
                        strerror(errno));
            sim_loop_modify(p->loop, &p->listen, 0);
            pause_accepting(p, ACCEPT_PAUSE_MS, resume_accepting);
        } else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
            log_warn("%s:%u: accepting a client failed: %s", p->host, p->port, strerror(errno));
        }
        return;
    }
}

static void reopen(struct sim_timer *t)
{
    struct sim_tcp_port *p = SIM_CONTAINER_OF(t, struct sim_tcp_port, reopen);
    int fd = listen_socket(p, p->port);
    if (fd < 0 || sim_loop_add(p->loop, &p->listen, fd, EPOLLIN, on_listen) < 0) {
        log_warn("%s:%u: cannot listen again after the reset: %s; retrying in %d ms", p->host,
                 p->port, strerror(errno), REOPEN_RETRY_MS);
        if (fd >= 0)
            close(fd);
        p->listen.fd = -1;
        pause_accepting(p, REOPEN_RETRY_MS, reopen);
        return;
    }
    log_info("%s:%u: reset over, accepting clients again", p->host, p->port);
}

void sim_tcp_reset(struct sim_tcp_port *p, long ms)
{
    log_info("%s:%u: reset: dropping every client and refusing connections for %ld ms", p->host,
             p->port, ms);
    while (p->conns)
        sim_conn_close(p->conns, "the port was reset");
    sim_loop_drop(p->loop, &p->listen);
    pause_accepting(p, ms, reopen);
}
