/*
 * sim_server.c - libmodbus as a multi-client Modbus TCP slave.
 *
 * libmodbus holds one socket per context, so one context serves every client in
 * turn: it is pointed at a client's socket (modbus_set_socket) only when poll()
 * says that client has a request waiting. libmodbus then reads and checks the
 * frame and builds the reply or the exception (illegal function, illegal address)
 * against the addressed device's tables. A client that sends garbage or hangs up
 * is dropped; the server and its other clients go on.
 */
#include "sim_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "log.h"

#define LISTEN_BACKLOG 16
#define MBAP_UNIT_OFFSET 6          /* MBAP header: transaction(2) protocol(2) length(2) unit(1) */
#define UNIT_IDS 256

struct sim_server {
    modbus_t *ctx;
    int listen_fd;
    char host[INET_ADDRSTRLEN];
    uint16_t port;
    int clients[SIM_MAX_CLIENTS];
    size_t nclients;
    struct sim_device *by_unit[UNIT_IDS];
};

static uint16_t bound_port(int fd)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &len) < 0)
        return 0;
    return ntohs(sa.sin_port);
}

struct sim_server *sim_server_open(const char *host, uint16_t port, struct cfg_err *err)
{
    struct in_addr addr;
    if (inet_pton(AF_INET, host, &addr) != 1) {
        cfg_fail(err, NULL, "--listen %s: expected a dotted IPv4 address such as 127.0.0.1", host);
        return NULL;
    }
    struct sim_server *srv = calloc(1, sizeof *srv);
    if (!srv || !(srv->ctx = modbus_new_tcp(host, port))) {
        cfg_fail(err, NULL, "cannot set up a Modbus TCP server on %s:%u: %s", host, port,
                 srv ? modbus_strerror(errno) : "out of memory");
        free(srv);
        return NULL;
    }
    snprintf(srv->host, sizeof srv->host, "%s", host);
    srv->listen_fd = modbus_tcp_listen(srv->ctx, LISTEN_BACKLOG);
    if (srv->listen_fd < 0) {
        cfg_fail(err, NULL, "cannot listen on %s:%u: %s; is another program using the port? "
                 "--port 0 picks a free one", host, port, strerror(errno));
        sim_server_close(srv);
        return NULL;
    }
    srv->port = bound_port(srv->listen_fd);
    return srv;
}

void sim_server_close(struct sim_server *srv)
{
    if (!srv)
        return;
    for (size_t i = 0; i < srv->nclients; i++)
        close(srv->clients[i]);
    if (srv->listen_fd >= 0)
        close(srv->listen_fd);
    modbus_free(srv->ctx);          /* not modbus_close: every socket it saw is closed above */
    free(srv);
}

uint16_t sim_server_port(const struct sim_server *srv) { return srv->port; }

const char *sim_server_host(const struct sim_server *srv) { return srv->host; }

int sim_server_add(struct sim_server *srv, struct sim_device *dev, struct cfg_err *err)
{
    uint8_t unit = sim_device_unit(dev);
    if (srv->by_unit[unit])
        return cfg_fail(err, NULL, "%s:%u: unit %u is already served by another device; "
                        "give each device its own unit id", srv->host, srv->port, unit);
    srv->by_unit[unit] = dev;
    return 0;
}

size_t sim_server_pollfds(const struct sim_server *srv, struct pollfd *fds)
{
    fds[0] = (struct pollfd){.fd = srv->listen_fd, .events = POLLIN};
    for (size_t i = 0; i < srv->nclients; i++)
        fds[1 + i] = (struct pollfd){.fd = srv->clients[i], .events = POLLIN};
    return 1 + srv->nclients;
}

static void peer_name(int fd, char *out, size_t outlen)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    char ip[INET_ADDRSTRLEN] = "?";
    if (getpeername(fd, (struct sockaddr *)&sa, &len) == 0)
        inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
    snprintf(out, outlen, "%s:%u", ip, ntohs(sa.sin_port));
}

static void accept_client(struct sim_server *srv)
{
    char peer[INET_ADDRSTRLEN + 8];
    int listen_fd = srv->listen_fd;
    int fd = modbus_tcp_accept(srv->ctx, &listen_fd);
    if (fd < 0) {
        log_warn("%s:%u: accepting a client failed: %s", srv->host, srv->port, strerror(errno));
        return;
    }
    peer_name(fd, peer, sizeof peer);
    if (srv->nclients == SIM_MAX_CLIENTS) {
        log_warn("%s:%u: refusing client %s: already serving %d clients", srv->host, srv->port,
                 peer, SIM_MAX_CLIENTS);
        close(fd);
        return;
    }
    srv->clients[srv->nclients++] = fd;
    log_info("%s:%u: client %s connected", srv->host, srv->port, peer);
}

static void drop_client(struct sim_server *srv, int fd)
{
    for (size_t i = 0; i < srv->nclients; i++)
        if (srv->clients[i] == fd) {
            srv->clients[i] = srv->clients[--srv->nclients];
            break;
        }
    close(fd);
}

/* Answer one request. -1 when the client is gone or sent something unreadable. */
static int serve_request(struct sim_server *srv, int fd, double elapsed_s)
{
    uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
    modbus_set_socket(srv->ctx, fd);
    int len = modbus_receive(srv->ctx, req);
    if (len <= 0)
        return len;                 /* -1: closed or a bad frame; 0: nothing to answer */
    struct sim_device *dev = srv->by_unit[req[MBAP_UNIT_OFFSET]];
    if (!dev)
        return modbus_reply_exception(srv->ctx, req, MODBUS_EXCEPTION_GATEWAY_TARGET) < 0 ? -1 : 0;
    sim_device_update(dev, elapsed_s);
    return modbus_reply(srv->ctx, req, len, sim_device_tables(dev)) < 0 ? -1 : 0;
}

void sim_server_handle(struct sim_server *srv, const struct pollfd *fds, size_t n, double elapsed_s)
{
    char peer[INET_ADDRSTRLEN + 8];
    for (size_t i = 1; i < n; i++) {
        if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        if (serve_request(srv, fds[i].fd, elapsed_s) < 0) {
            peer_name(fds[i].fd, peer, sizeof peer);
            if (errno == ECONNRESET)    /* libmodbus' word for an orderly close too */
                log_info("%s:%u: client %s disconnected", srv->host, srv->port, peer);
            else
                log_warn("%s:%u: dropped client %s: %s", srv->host, srv->port, peer,
                         modbus_strerror(errno));
            drop_client(srv, fds[i].fd);
        }
    }
    if (n > 0 && (fds[0].revents & POLLIN))
        accept_client(srv);         /* after the clients: fds[] still matches srv->clients */
}
