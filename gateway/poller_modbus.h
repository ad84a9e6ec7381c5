/*
 * poller_modbus.h - one request through a libmodbus context, and what its outcome means.
 *
 * The RTU poller (reads and writes) and the technician's tools (riskgw check, scan)
 * all talk through libmodbus. What a return code and errno mean - done, a Modbus
 * exception, a reply that arrived but could not be read, or nothing at all - is
 * decided here once, so the tools judge a device exactly as the daemon does.
 */
#ifndef RISKGW_POLLER_MODBUS_H
#define RISKGW_POLLER_MODBUS_H

#include <modbus/modbus.h>
#include <stdint.h>
#include "poller_device.h"

enum modbus_outcome {
    MODBUS_OK,              /* done: the whole block came back, or the write was echoed */
    MODBUS_EXCEPTION,       /* the device answered with an exception code */
    MODBUS_GARBLED,         /* something came back but was no valid reply (CRC, length, unit) */
    MODBUS_NO_REPLY,        /* a timeout, a lost connection, a port that failed */
};

struct modbus_result {
    enum modbus_outcome outcome;
    uint8_t exception;      /* MODBUS_EXCEPTION: the code */
    int err;                /* errno of the failure (libmodbus codes included), 0 on values */
    char why[POLL_WHY_MAX]; /* a phrase for a log line or a table: "Connection timed out" */
};

/* Wait up to ms for a reply (libmodbus takes seconds and microseconds). */
void poller_modbus_set_timeout(modbus_t *ctx, long ms);

/* The outcome of a libmodbus call that returned rc with errno err, when it should have
 * returned expected (the count read, or 1 / the count for a write). */
void poller_modbus_outcome(int rc, int err, int expected, struct modbus_result *out);

/* Read req's block into words (registers) or bits (coils, inputs), room for req->count. */
void poller_modbus_read(modbus_t *ctx, const struct poll_request *req, uint16_t *words,
                        uint8_t *bits, struct modbus_result *out);

#endif
