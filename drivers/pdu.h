/*
 * pdu.h - the Modbus read request and response PDUs, built and checked byte by byte.
 *
 * Used by the TCP poller (which frames PDUs in MBAP itself, on epoll) and by the
 * fuzz tests. A response from the field is untrusted: every length, byte count,
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

#endif
