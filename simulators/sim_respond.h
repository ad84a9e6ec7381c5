/*
 * sim_respond.h - the slave side of Modbus: a request PDU and register tables in, a response PDU out.
 *
 * The simulator's TCP server (MBAP on epoll) and its RTU line both frame bytes
 * themselves and hand the PDU inside to this one responder, so a device answers
 * the same on either transport. It is pure: no I/O, no clock, no allocation; the
 * only thing it changes is the tables a write request names. It answers what a
 * careful field device answers (Modbus Application Protocol v1.1b3, 6.1-6.12):
 * FC 1, 2, 3, 4 read; FC 5, 6, 15, 16 write; exception 1 for any other function,
 * 3 for a count or value out of range, 2 for an address outside the map or a
 * block that spans a gap (a hole in the map, as on meters whose registers are
 * not contiguous).
 */
#ifndef RISKGW_SIM_RESPOND_H
#define RISKGW_SIM_RESPOND_H

#include <stddef.h>
#include <stdint.h>
#include <modbus/modbus.h>
#include "pdu.h"
#include "point.h"

/* Function codes served (Modbus Application Protocol v1.1b3, 6). */
#define SIM_FC_READ_COILS 0x01
#define SIM_FC_READ_DISCRETE 0x02
#define SIM_FC_READ_HOLDING 0x03
#define SIM_FC_READ_INPUT 0x04
#define SIM_FC_WRITE_COIL 0x05
#define SIM_FC_WRITE_REGISTER 0x06
#define SIM_FC_WRITE_COILS 0x0F
#define SIM_FC_WRITE_REGISTERS 0x10

/* Exception codes answered (ibid., 7). */
#define SIM_EXC_ILLEGAL_FUNCTION 0x01
#define SIM_EXC_ILLEGAL_ADDRESS 0x02
#define SIM_EXC_ILLEGAL_VALUE 0x03
#define SIM_EXC_GATEWAY_TARGET 0x0B     /* a converter with nothing at that unit id */

#define SIM_EXCEPTION_FLAG 0x80
#define SIM_EXCEPTION_PDU_BYTES 2
#define SIM_GAPS_MAX 8                  /* holes one device can have at once */

/* A hole in one area's map: [start, start + count) answers exception 2. */
struct sim_gap {
    enum reg_area area;
    uint16_t start, count;
};

/* What a request is answered from: the tables, and the holes in them. */
struct sim_regs {
    modbus_mapping_t *tables;
    const struct sim_gap *gaps;
    size_t ngaps;
};

/*
 * Answer the request PDU req[0..len-1] (function code first) into resp, which
 * has room for PDU_MAX_BYTES. Returns the response length, always at least 2:
 * a request that cannot be answered gets an exception PDU, never silence.
 */
size_t sim_respond(const struct sim_regs *regs, const uint8_t *req, size_t len, uint8_t *resp);

/* The exception PDU for function fc with code: 2 bytes into resp. */
size_t sim_respond_exception(uint8_t fc, uint8_t code, uint8_t *resp);

/* The area a function code reads or writes; -1 for any other function. */
int sim_respond_area(uint8_t fc);

/* 1 when resp[0..len-1], an answer of sim_respond, confirms a write (FC 5, 6, 15, 16):
 * then *area, *start and *count say which items it changed. 0 for anything else. */
int sim_respond_wrote(const uint8_t *resp, size_t len, enum reg_area *area, uint16_t *start,
                      uint16_t *count);

#endif
