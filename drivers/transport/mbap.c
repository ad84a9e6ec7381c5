/*
 * mbap.c - Modbus TCP framing (see mbap.h): big-endian header fields, nothing more.
 */
#include "transport/mbap.h"

#include <string.h>

#define BYTE_BITS 8
#define BYTE_MASK 0xFFu

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> BYTE_BITS);
    p[1] = (uint8_t)(v & BYTE_MASK);
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)((p[0] << BYTE_BITS) | p[1]);
}

size_t mbap_build(uint8_t *out, uint16_t transaction, uint8_t unit,
                  const uint8_t *pdu, size_t pdu_len)
{
    put_u16(out, transaction);
    put_u16(out + 2, MBAP_PROTOCOL_ID);
    put_u16(out + 4, (uint16_t)(1 + pdu_len));
    out[MBAP_PREFIX_BYTES] = unit;
    memcpy(out + MBAP_HEADER_BYTES, pdu, pdu_len);
    return MBAP_HEADER_BYTES + pdu_len;
}

enum mbap_scan mbap_scan(const uint8_t *buf, size_t len, struct mbap_header *h,
                         size_t *frame_len)
{
    if (len < MBAP_HEADER_BYTES)
        return MBAP_PARTIAL;
    h->transaction = get_u16(buf);
    h->protocol = get_u16(buf + 2);
    h->length = get_u16(buf + 4);
    h->unit = buf[MBAP_PREFIX_BYTES];
    if (h->protocol != MBAP_PROTOCOL_ID || h->length < MBAP_LENGTH_MIN ||
        h->length > MBAP_LENGTH_MAX)
        return MBAP_GARBAGE;
    *frame_len = MBAP_PREFIX_BYTES + (size_t)h->length;
    return len < *frame_len ? MBAP_PARTIAL : MBAP_FRAME;
}
