/*
 * sim_rtu_frame.h - Modbus RTU framing, as pure functions.
 *
 * An RTU frame is: slave address, PDU, CRC-16 (low byte first). A slave knows
 * where a request ends from its function code (the request lengths are fixed
 * or carry a byte count) or, for a function it does not know, from 3.5
 * character times of silence. Character and silence times are the gateway's
 * too, in rtu_timing.h.
 */
#ifndef RISKGW_SIM_RTU_FRAME_H
#define RISKGW_SIM_RTU_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include "pdu.h"

#define SIM_RTU_CRC_BYTES 2
#define SIM_RTU_ADU_MAX (1 + PDU_MAX_BYTES + SIM_RTU_CRC_BYTES)   /* address, PDU, CRC */
#define SIM_RTU_UNIT_MAX 247                /* 248-255 are reserved on a serial line */

/* CRC-16/MODBUS of b[0..n-1] (polynomial 0xA001 reflected, initial 0xFFFF). */
uint16_t sim_rtu_crc(const uint8_t *b, size_t n);

/* Append the CRC to b[0..n-1] (room for 2 more); returns n + 2. */
size_t sim_rtu_seal(uint8_t *b, size_t n);

/* 1 when b[0..n-1] ends with its correct CRC (and has an address and a function). */
int sim_rtu_crc_ok(const uint8_t *b, size_t n);

/* The whole length of the request that starts b[0..n-1]: 0 when more bytes are
 * needed to tell, -1 for a function whose request length is unknown (the end
 * is found by silence instead). */
long sim_rtu_request_length(const uint8_t *b, size_t n);

#endif
