/*
 * sim_rtu_internal.h - what sim_rtu.c (framing, timing) and sim_rtu_line.c (opening) share.
 */
#ifndef RISKGW_SIM_RTU_INTERNAL_H
#define RISKGW_SIM_RTU_INTERNAL_H

#include <modbus/modbus.h>
#include <termios.h>
#include "sim_rtu.h"
#include "sim_rtu_frame.h"

#define SIM_RTU_RX_MAX (2 * SIM_RTU_ADU_MAX)
#define SIM_RTU_QUEUE 4             /* replies owed at once (a late one, then the next) */
#define SIM_RTU_UNITS (SIM_RTU_UNIT_MAX + 1)

struct sim_rtu_reply {
    int64_t due_ns;
    size_t len;
    uint8_t adu[SIM_RTU_ADU_MAX];
};

struct sim_rtu {
    struct sim_watch w;             /* the master side, or the serial device */
    struct sim_loop *loop;
    modbus_t *ctx;                  /* a serial device: libmodbus opened it */
    int slave_fd;                   /* a pty: its slave side, kept open */
    char name[PATH_MAX_LEN];
    long baud;
    char parity;                    /* 'N', 'E', 'O' */
    speed_t speed;                  /* baud as a termios speed */
    int wire;                       /* 1: bytes move instantly here; act out the wire time */
    int64_t char_ns, t35_ns;
    struct sim_device *by_unit[SIM_RTU_UNITS];
    uint8_t rx[SIM_RTU_RX_MAX];
    size_t rxlen;
    int64_t first_ns, last_ns;      /* the first and last byte of what rx holds */
    struct sim_timer silence;       /* t3.5 after the last byte: the frame has ended */
    struct sim_rtu_reply queue[SIM_RTU_QUEUE];
    size_t qhead, qlen;
    struct sim_timer send;          /* the queue head is due */
    int64_t quiet_until_ns;         /* a reset: silent until then */
    uint64_t noise;
};

/* Open the line into r->name, r->ctx, r->slave_fd, r->wire; the descriptor to
 * serve, or -1 with err. */
int sim_rtu_open_line(struct sim_rtu *r, const struct sim_rtu_cfg *cfg, struct cfg_err *err);
void sim_rtu_close_line(struct sim_rtu *r);
/* 1 unless the line is a pty whose master side set another speed or parity: a UART
 * at other settings than the device's reads noise, so the device cannot answer. */
int sim_rtu_line_agrees(const struct sim_rtu *r);
int sim_rtu_baud_known(long baud);

#endif
