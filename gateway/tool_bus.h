/*
 * tool_bus.h - a libmodbus connection for the tools: a TCP endpoint or a serial line.
 *
 * The tools talk to one device at a time and wait for each answer, so libmodbus'
 * blocking calls are the honest shape here (the daemon's TCP poller frames MBAP
 * itself to keep hundreds of requests in flight; a tool never needs that).
 */
#ifndef RISKGW_TOOL_BUS_H
#define RISKGW_TOOL_BUS_H

#include <stddef.h>
#include <stdint.h>
#include <modbus/modbus.h>
#include "config.h"

/* Connected to host:port (a name or an address), or NULL with a sentence in err. */
modbus_t *tool_bus_tcp(const char *host, uint16_t port, char *err, size_t errlen);

/* The serial line b opened at its settings (and RS-485 mode when asked; a port that
 * refuses it is used as it is), or NULL with a sentence in err. */
modbus_t *tool_bus_rtu(const struct bus_cfg *b, char *err, size_t errlen);

/* Close and free; NULL is fine. */
void tool_bus_close(modbus_t *ctx);

/* Modbus RTU stop bits for a parity: 2 without parity, 1 with (11-bit characters). */
int tool_bus_stop_bits(char parity);

#endif
