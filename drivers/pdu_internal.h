/*
 * pdu_internal.h - what the read codec (pdu.c) and the write codec (pdu_write.c) share.
 *
 * Both put 16-bit fields high byte first and both must judge an exception
 * response the same way, so those pieces live here once. Not for callers of pdu.h.
 */
#ifndef RISKGW_PDU_INTERNAL_H
#define RISKGW_PDU_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "pdu.h"

#define PDU_EXCEPTION_BYTES 2           /* function | 0x80, exception code */
#define PDU_EXCEPTION_FLAG 0x80
#define PDU_ADDRESS_SPACE 65536u        /* addresses 0..65535 */
#define BITS_PER_BYTE 8
#define BYTE_MASK 0xFFu
#define BYTES_PER_REGISTER 2

/* Modbus puts every 16-bit field and register high byte first. */
static inline void pdu_put_u16(uint8_t *at, uint16_t v)
{
    at[0] = (uint8_t)(v >> BITS_PER_BYTE);
    at[1] = (uint8_t)(v & BYTE_MASK);
}

static inline uint16_t pdu_get_u16(const uint8_t *at)
{
    return (uint16_t)(at[0] << BITS_PER_BYTE | at[1]);
}

/* The response pdu[0..len-1] (len >= 1) to a request of function fc, when it is an
 * exception: PDU_EXCEPTION (*exception_code set) for a well-formed one,
 * PDU_MALFORMED (*why set) for a broken one, PDU_OK when it is no exception at all. */
enum pdu_status pdu_check_exception(const uint8_t *pdu, size_t len, uint8_t fc,
                                    uint8_t *exception_code, const char **why);

#endif
