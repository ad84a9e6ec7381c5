/*
 * pdu.h - the Modbus request and response PDUs, built and checked byte by byte.
 *
 * Reads (FC 1-4) poll the field; writes of one point (FC 5, 6, 16) drive local
 * outputs such as a siren (pdu_write.c). Used by the TCP poller (which frames
 * PDUs in MBAP itself, on epoll), the RTU poller's writes and the fuzz tests. A response from the field is untrusted: every length, byte count,
 * function code and exception is checked before a single value is believed.
 */
#ifndef RISKGW_PDU_H
#define RISKGW_PDU_H

#include <stddef.h>
#include <stdint.h>
#include "point.h"

#define PDU_MAX_BYTES 253
#define MBAP_HEADER_BYTES 7
#define MBAP_PROTOCOL_ID 0

enum pdu_status {
    PDU_OK = 0,
    PDU_EXCEPTION = 1,      /* a valid exception response; *exception_code set */
    PDU_MALFORMED = -1,     /* wrong length, byte count or function code */
};

/* The function code that reads an area (1, 2, 3 or 4). */
uint8_t pdu_read_function(enum reg_area area);

/* Write a read request PDU (5 bytes) into out. Returns its length, or 0 with
 * errno=EINVAL when count is 0, above the area's Modbus limit, or runs past
 * address 65535. */
size_t pdu_build_read(uint8_t *out, enum reg_area area, uint16_t start, uint16_t count);

/*
 * Check a response PDU to a read of (area, count) and unpack it.
 * Registers go into words[0..count-1] (host order); bits into bits[0..count-1]
 * as 0/1 bytes. Exactly one of words/bits is used, by area. Padding bits after
 * the last requested bit are ignored. Nothing is written unless PDU_OK.
 */
enum pdu_status pdu_parse_read(const uint8_t *pdu, size_t len, enum reg_area area,
                               uint16_t count, uint16_t *words, uint8_t *bits,
                               uint8_t *exception_code);

/*
 * pdu_parse_read, and *why (when why is not NULL) is set to a static sentence
 * saying what was wrong, for the poller's log line: "device gas-1: FC3 at 100+4:
 * <why>". Static strings, so safe from every poller thread.
 */
enum pdu_status pdu_parse_read_why(const uint8_t *pdu, size_t len, enum reg_area area,
                                   uint16_t count, uint16_t *words, uint8_t *bits,
                                   uint8_t *exception_code, const char **why);

/* The Modbus name of an exception code ("illegal data address" for 2). */
const char *pdu_exception_name(uint8_t code);

/* ---- writes (pdu_write.c) ---- */

/* Function codes for writes (Modbus Application Protocol v1.1b3, 6.5, 6.6, 6.12). */
#define PDU_FC_WRITE_COIL 0x05
#define PDU_FC_WRITE_REGISTER 0x06
#define PDU_FC_WRITE_REGISTERS 0x10
#define PDU_WRITE_MAX_WORDS 4           /* the widest point: a 64-bit value */
#define PDU_COIL_ON 0xFF00u             /* FC 5 says on and off with these two values */
#define PDU_COIL_OFF 0x0000u

/* One point's value, ready to go out: the function, where, and the raw words. */
struct pdu_write {
    uint8_t function;                   /* 5 (a coil), 6 (one register) or 16 (several) */
    uint16_t address;
    uint16_t count;                     /* registers written; 1 for FC 5 and 6 */
    uint16_t words[PDU_WRITE_MAX_WORDS];    /* FC 5: words[0] is PDU_COIL_ON or _OFF */
};

/* Why a point cannot be written (a static sentence), or NULL when it can: a coil
 * or a holding register value, never an input, nor one bit of a shared register
 * (that needs a read-modify-write, which could undo what another master wrote). */
const char *pdu_write_refusal(const struct point_map *m);

/*
 * The write that makes point m read `value` (engineering units), through the
 * decoder's exact inverse (encode_bit / encode_registers): a coil is FC 5, a
 * one-register value FC 6, a wider one FC 16. Returns 0, or -1 with errno EINVAL
 * (pdu_write_refusal says why) or ERANGE (the value does not fit the point's
 * type, scale and signal).
 */
int pdu_write_encode(const struct point_map *m, double value, struct pdu_write *w);

/* The request PDU into out (room for PDU_MAX_BYTES). Returns its length, or 0 with
 * errno=EINVAL for a function other than 5, 6, 16 or a count it cannot carry. */
size_t pdu_build_write(uint8_t *out, const struct pdu_write *w);

/* Check the response to w: PDU_OK when the device echoed the write, PDU_EXCEPTION
 * with *exception_code, or PDU_MALFORMED with *why (a static sentence; why may be NULL). */
enum pdu_status pdu_parse_write(const uint8_t *pdu, size_t len, const struct pdu_write *w,
                                uint8_t *exception_code, const char **why);

#endif
