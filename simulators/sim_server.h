/*
 * sim_server.h - a Modbus TCP slave on one address and port, serving simulated devices.
 *
 * The server accepts many clients at once and answers each request from the
 * device whose unit id it names, as a TCP-to-RTU converter would: a unit id with
 * no device gets exception 0x0B (gateway target device failed to respond). It
 * does not own a loop: the caller polls its descriptors with its own (stdin, a
 * timer), then hands the results back, so several servers can share one loop.
 */
#ifndef RISKGW_SIM_SERVER_H
#define RISKGW_SIM_SERVER_H

#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include "json_field.h"
#include "sim_device.h"

#define SIM_MAX_CLIENTS 64
#define SIM_SERVER_POLLFDS (1 + SIM_MAX_CLIENTS)    /* the listener and every client */

struct sim_server;

/* Listen on host (a dotted IPv4 address) and port (0: a free port). NULL with err. */
struct sim_server *sim_server_open(const char *host, uint16_t port, struct cfg_err *err);
void sim_server_close(struct sim_server *srv);

/* The port actually bound (useful after port 0), and the address. */
uint16_t sim_server_port(const struct sim_server *srv);
const char *sim_server_host(const struct sim_server *srv);

/* Serve dev under its unit id (borrowed). -1 with err if the unit id is taken. */
int sim_server_add(struct sim_server *srv, struct sim_device *dev, struct cfg_err *err);

/* Fill fds (room for SIM_SERVER_POLLFDS) with what to wait on; returns how many. */
size_t sim_server_pollfds(const struct sim_server *srv, struct pollfd *fds);

/* Accept and answer whatever poll() reported in fds[0..n-1]. Each device is
 * brought up to elapsed_s scenario seconds before it answers. */
void sim_server_handle(struct sim_server *srv, const struct pollfd *fds, size_t n, double elapsed_s);

#endif
