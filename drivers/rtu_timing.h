/*
 * rtu_timing.h - how long characters and the inter-frame silence last on a Modbus RTU line.
 *
 * One definition for both sides of a serial line: the gateway's RTU bus waits at
 * least t3.5 after every frame before it writes the next request, and the
 * simulator paces its replies with the same figures. Modbus over serial line
 * specification v1.02, 2.5.1 and 2.5.1.1: an RTU character is 11 bits (start, 8
 * data, parity or a second stop bit, stop); frames are separated by at least 3.5
 * character times of silence, a fixed 1.75 ms above 19200 baud. Times round up,
 * so a wait of this length is never shorter than the standard's.
 */
#ifndef RISKGW_RTU_TIMING_H
#define RISKGW_RTU_TIMING_H

#include <stdint.h>

#define RTU_BITS_PER_CHAR 11                /* the standard's RTU character */
#define RTU_FIXED_T35_ABOVE_BAUD 19200      /* above this, t3.5 is fixed */
#define RTU_FIXED_T35_NS 1750000            /* 1.75 ms */

/* Bits of one character on a line set to data_bits, parity ('N', 'E', 'O') and
 * stop_bits, never fewer than the standard's 11: a line set to 8N1 (10 bits)
 * still keeps the standard's silence. */
int rtu_char_bits(int data_bits, char parity, int stop_bits);

/* Nanoseconds one character of `bits` takes at baud, rounded up. */
int64_t rtu_char_ns(long baud, int bits);

/* The inter-frame silence t3.5 at baud for characters of `bits`, rounded up. */
int64_t rtu_t35_ns(long baud, int bits);

#endif
