/*
 * tool_bus.c - open a libmodbus connection for a tool (see tool_bus.h).
 */
#include "tool_bus.h"

#include <errno.h>
#include <stdio.h>

#define PORT_TEXT_MAX 8
#define STOP_BITS_NO_PARITY 2
#define STOP_BITS_PARITY 1

modbus_t *tool_bus_tcp(const char *host, uint16_t port, char *err, size_t errlen)
{
    char service[PORT_TEXT_MAX];
    snprintf(service, sizeof service, "%u", port);
    modbus_t *ctx = modbus_new_tcp_pi(host, service);
    if (!ctx) {
        snprintf(err, errlen, "cannot use %s:%u: %s; check the host name and port", host, port,
                 modbus_strerror(errno));
        return NULL;
    }
    if (modbus_connect(ctx) < 0) {
        snprintf(err, errlen, "cannot connect to %s:%u: %s; check the address, the port and "
                 "that the device or converter is powered and on the network", host, port,
                 modbus_strerror(errno));
        modbus_free(ctx);
        return NULL;
    }
    return ctx;
}

modbus_t *tool_bus_rtu(const struct bus_cfg *b, char *err, size_t errlen)
{
    modbus_t *ctx = modbus_new_rtu(b->device, (int)b->baud, b->parity, b->data_bits, b->stop_bits);
    if (!ctx) {
        snprintf(err, errlen, "libmodbus refuses %s at %ld baud, %d%c%d: %s", b->device, b->baud,
                 b->data_bits, b->parity, b->stop_bits, modbus_strerror(errno));
        return NULL;
    }
    if (modbus_connect(ctx) < 0) {
        snprintf(err, errlen, "cannot open %s: %s; check the port name, the adapter, and that "
                 "no other program (the riskgw service?) holds the line", b->device,
                 modbus_strerror(errno));
        modbus_free(ctx);
        return NULL;
    }
    if (b->rs485 && modbus_rtu_set_serial_mode(ctx, MODBUS_RTU_RS485) < 0)
        fprintf(stderr, "riskgw: %s does not accept RS-485 mode (%s); using it as it is\n",
                b->device, modbus_strerror(errno));
    return ctx;
}

void tool_bus_close(modbus_t *ctx)
{
    if (!ctx)
        return;
    modbus_close(ctx);
    modbus_free(ctx);
}

int tool_bus_stop_bits(char parity)
{
    return parity == 'N' ? STOP_BITS_NO_PARITY : STOP_BITS_PARITY;
}
