/*
 * sim_transports.h - open the ports and the serial line a site's devices live on.
 *
 * Devices that name the same TCP port share one listener (unit ids behind a
 * converter); a device on port 0 gets a free port of its own; devices on the
 * serial line share it. Before opening anything the descriptor limit is raised
 * to what the site needs (a listener and a client per port), or the start is
 * refused with the numbers when the hard limit is too low.
 */
#ifndef RISKGW_SIM_TRANSPORTS_H
#define RISKGW_SIM_TRANSPORTS_H

#include <stdio.h>
#include "json_field.h"
#include "sim_loop.h"
#include "sim_rtu.h"
#include "sim_site.h"
#include "sim_tcp.h"

struct sim_transports {
    struct sim_tcp_port **ports;
    size_t nports;
    struct sim_rtu *rtu;
    long *where;                /* per site device: its index in ports, or -1 on the line */
};

/* Open everything the site needs on loop: TCP on host, the serial line from rtu
 * (NULL when the site has no device on it). -1 with err, nothing left open. */
int sim_transports_open(struct sim_transports *t, struct sim_loop *l, struct sim_site *s,
                        const char *host, const struct sim_rtu_cfg *rtu, struct cfg_err *err);
void sim_transports_close(struct sim_transports *t);

/* One line per port, "riskgw-sim: listening on HOST:PORT units 1=gas1 7=meter7",
 * and for the line "riskgw-sim: rtu on PATH baud B parity P units 1=a 2=b". */
void sim_transports_print(const struct sim_transports *t, const struct sim_site *s, FILE *out);

#endif
