/*
 * sim_rtu.h - a Modbus RTU slave line: a serial device or a pseudo-terminal, with bus timing.
 *
 * Several devices (unit ids 1-247) share the line, as slaves share an RS-485
 * bus; a unit with no device stays silent, as on a real bus. Replies keep the
 * bus timing of the configured baud rate: none starts before the request's own
 * frame time plus the t3.5 silence has passed, and on a pseudo-terminal (where
 * bytes travel instantly) a reply arrives when its last character would have,
 * so a gateway under test meets the timing of a real 9,600-baud line.
 *
 * libmodbus opens and configures a serial device (modbus_new_rtu, modbus_connect:
 * baud, parity, stop bits). Framing is done here, on the loop, because
 * libmodbus' slave answers a single unit id, waits with select(), and cannot
 * be told to corrupt a CRC or to answer late.
 */
#ifndef RISKGW_SIM_RTU_H
#define RISKGW_SIM_RTU_H

#include "config.h"
#include "json_field.h"
#include "sim_device.h"
#include "sim_loop.h"

#define SIM_RTU_DEFAULT_BAUD 9600

struct sim_rtu_cfg {
    char path[PATH_MAX_LEN];    /* a serial device; "" with pty */
    int pty;                    /* 1: create a pseudo-terminal pair, serve its master side */
    long baud;
    char parity;                /* 'N', 'E' or 'O' */
};

struct sim_rtu;

/* Open the line. NULL with err. */
struct sim_rtu *sim_rtu_open(struct sim_loop *l, const struct sim_rtu_cfg *cfg, struct cfg_err *err);
void sim_rtu_close(struct sim_rtu *r);

/* The path a master opens: the serial device, or the pty's slave side /dev/pts/N. */
const char *sim_rtu_name(const struct sim_rtu *r);

/* Serve dev on the line; a 'reset' silences the line. -1 with err if the unit id
 * is taken or outside 1-247. */
int sim_rtu_add(struct sim_rtu *r, struct sim_device *dev, struct cfg_err *err);

/* Stay silent (drop what is received and queued) for ms. */
void sim_rtu_reset(struct sim_rtu *r, long ms);

#endif
