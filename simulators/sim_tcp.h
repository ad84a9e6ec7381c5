/*
 * sim_tcp.h - Modbus TCP slave ports on the simulator's epoll loop.
 *
 * A port listens on one address and port and answers each request from the
 * device whose unit id it names, as a TCP-to-RTU converter would: a unit id with
 * no device gets exception 0x0B. One process holds as many ports as the site
 * has (a benchmark: 2,000), each with any number of clients. The server frames
 * MBAP itself (drivers/transport/mbap.h, shared with the gateway's poller) and
 * never uses select(), which aborts on descriptors >= 1024 - the reason
 * libmodbus' own TCP server is not used here.
 */
#ifndef RISKGW_SIM_TCP_H
#define RISKGW_SIM_TCP_H

#include <stdint.h>
#include "json_field.h"
#include "sim_device.h"
#include "sim_loop.h"

struct sim_tcp_port;

/* Listen on host (dotted IPv4) and port (0: a free one). NULL with err. */
struct sim_tcp_port *sim_tcp_open(struct sim_loop *l, const char *host, uint16_t port,
                                  struct cfg_err *err);
/* Close the listener and every client; the devices (borrowed) are not freed. */
void sim_tcp_close(struct sim_tcp_port *p);

uint16_t sim_tcp_port_number(const struct sim_tcp_port *p);
const char *sim_tcp_host(const struct sim_tcp_port *p);

/* Serve dev under its unit id (borrowed); a 'reset' injected into it resets
 * this port. -1 with err if the unit id is taken. */
int sim_tcp_add(struct sim_tcp_port *p, struct sim_device *dev, struct cfg_err *err);

/* Drop every client and refuse connections (the listener is closed) for ms. */
void sim_tcp_reset(struct sim_tcp_port *p, long ms);

#endif
