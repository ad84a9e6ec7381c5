/*
 * poller_modbus.c - a libmodbus request and its outcome (see poller_modbus.h).
 *
 * libmodbus reports a Modbus exception as errno MODBUS_ENOBASE + code, a reply it
 * could not believe (bad CRC, wrong length, another unit) as EMBBADCRC..EMBBADSLAVE,
 * and everything else (ETIMEDOUT, ECONNRESET, EIO) as a plain errno.
 */
#include "poller_modbus.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define MS_PER_S 1000
#define US_PER_MS 1000

void poller_modbus_set_timeout(modbus_t *ctx, long ms)
{
    modbus_set_response_timeout(ctx, (uint32_t)(ms / MS_PER_S), (uint32_t)(ms % MS_PER_S * US_PER_MS));
}

static int modbus_read_area(modbus_t *ctx, const struct poll_request *req, uint16_t *words,
                            uint8_t *bits)
{
    switch (req->area) {
    case AREA_COIL:
        return modbus_read_bits(ctx, req->start, req->count, bits);
    case AREA_DISCRETE:
        return modbus_read_input_bits(ctx, req->start, req->count, bits);
    case AREA_HOLDING:
        return modbus_read_registers(ctx, req->start, req->count, words);
    case AREA_INPUT:
        return modbus_read_input_registers(ctx, req->start, req->count, words);
    }
    errno = EINVAL;
    return -1;
}

void poller_modbus_outcome(int rc, int err, int expected, struct modbus_result *out)
{
    memset(out, 0, sizeof *out);
    if (rc == expected) {
        out->outcome = MODBUS_OK;
        return;
    }
    out->err = rc < 0 ? err : EMBBADDATA;
    if (rc < 0 && err > MODBUS_ENOBASE && err <= EMBXGTAR) {
        out->outcome = MODBUS_EXCEPTION;
        out->exception = (uint8_t)(err - MODBUS_ENOBASE);
    } else if (rc >= 0 || (err >= EMBBADCRC && err <= EMBBADSLAVE)) {
        out->outcome = MODBUS_GARBLED;
    } else {
        out->outcome = MODBUS_NO_REPLY;
    }
    snprintf(out->why, sizeof out->why, "%s", rc < 0 ? modbus_strerror(err) : "short reply");
}

void poller_modbus_read(modbus_t *ctx, const struct poll_request *req, uint16_t *words,
                        uint8_t *bits, struct modbus_result *out)
{
    int rc = modbus_read_area(ctx, req, words, bits);
    poller_modbus_outcome(rc, errno, req->count, out);
}
