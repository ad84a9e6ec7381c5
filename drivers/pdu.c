/*
 * pdu.c - build Modbus read requests and believe a read response only once it adds up.
 *
 * The response bytes come from the field: a meter with buggy firmware, a
 * TCP-to-RTU converter that mixes up replies, or noise on a line. Before a value
 * is unpacked the parser checks the function code, the exception form, the byte
 * count against what was asked for, and the byte count against the bytes that
 * really arrived. Nothing is read beyond `len`, and nothing is written beyond the
 * `count` values the caller asked for.
 */
#include "pdu.h"

#include <errno.h>

#include "pdu_internal.h"

#define PDU_READ_REQUEST_BYTES 5        /* function, start (2), count (2) */
#define PDU_READ_HEADER_BYTES 2         /* function, byte count */

/* Modbus function codes for reads (Modbus Application Protocol v1.1b3, 6.1-6.4). */
#define FC_READ_COILS 0x01
#define FC_READ_DISCRETE_INPUTS 0x02
#define FC_READ_HOLDING_REGISTERS 0x03
#define FC_READ_INPUT_REGISTERS 0x04

/* Exception codes (ibid., 7). */
#define EXC_ILLEGAL_FUNCTION 0x01
#define EXC_ILLEGAL_DATA_ADDRESS 0x02
#define EXC_ILLEGAL_DATA_VALUE 0x03
#define EXC_SERVER_DEVICE_FAILURE 0x04
#define EXC_ACKNOWLEDGE 0x05
#define EXC_SERVER_DEVICE_BUSY 0x06
#define EXC_MEMORY_PARITY_ERROR 0x08
#define EXC_GATEWAY_PATH_UNAVAILABLE 0x0A
#define EXC_GATEWAY_TARGET_NO_RESPONSE 0x0B

uint8_t pdu_read_function(enum reg_area area)
{
    switch (area) {
    case AREA_COIL:
        return FC_READ_COILS;
    case AREA_DISCRETE:
        return FC_READ_DISCRETE_INPUTS;
    case AREA_HOLDING:
        return FC_READ_HOLDING_REGISTERS;
    case AREA_INPUT:
        return FC_READ_INPUT_REGISTERS;
    }
    return 0;
}

static int pdu_area_is_bits(enum reg_area area)
{
    return area == AREA_COIL || area == AREA_DISCRETE;
}

static uint16_t pdu_area_max_count(enum reg_area area)
{
    return pdu_area_is_bits(area) ? MODBUS_MAX_READ_BITS : MODBUS_MAX_READ_REGISTERS;
}

/* Data bytes in a well-formed response to a read of count items. */
static size_t pdu_data_bytes(enum reg_area area, uint16_t count)
{
    if (pdu_area_is_bits(area))
        return ((size_t)count + BITS_PER_BYTE - 1) / BITS_PER_BYTE;
    return (size_t)count * BYTES_PER_REGISTER;
}

size_t pdu_build_read(uint8_t *out, enum reg_area area, uint16_t start, uint16_t count)
{
    uint8_t fc = pdu_read_function(area);
    if (!out || !fc || count == 0 || count > pdu_area_max_count(area) ||
        (uint32_t)start + count > PDU_ADDRESS_SPACE) {
        errno = EINVAL;
        return 0;
    }
    out[0] = fc;
    pdu_put_u16(out + 1, start);
    pdu_put_u16(out + 3, count);
    return PDU_READ_REQUEST_BYTES;
}

const char *pdu_exception_name(uint8_t code)
{
    switch (code) {
    case EXC_ILLEGAL_FUNCTION:
        return "illegal function";
    case EXC_ILLEGAL_DATA_ADDRESS:
        return "illegal data address";
    case EXC_ILLEGAL_DATA_VALUE:
        return "illegal data value";
    case EXC_SERVER_DEVICE_FAILURE:
        return "server device failure";
    case EXC_ACKNOWLEDGE:
        return "acknowledge";
    case EXC_SERVER_DEVICE_BUSY:
        return "server device busy";
    case EXC_MEMORY_PARITY_ERROR:
        return "memory parity error";
    case EXC_GATEWAY_PATH_UNAVAILABLE:
        return "gateway path unavailable";
    case EXC_GATEWAY_TARGET_NO_RESPONSE:
        return "gateway target device failed to respond";
    }
    return "undefined exception code";
}

static enum pdu_status pdu_malformed(const char **why, const char *reason)
{
    *why = reason;
    return PDU_MALFORMED;
}

enum pdu_status pdu_check_exception(const uint8_t *pdu, size_t len, uint8_t fc,
                                    uint8_t *exception_code, const char **why)
{
    if (pdu[0] != (fc | PDU_EXCEPTION_FLAG))
        return PDU_OK;
    if (len != PDU_EXCEPTION_BYTES)
        return pdu_malformed(why, "an exception response must be exactly 2 bytes long");
    if (pdu[1] == 0)
        return pdu_malformed(why, "the exception response carries code 0, which Modbus does not define");
    if (exception_code)
        *exception_code = pdu[1];
    *why = "the device refused the request with an exception";
    return PDU_EXCEPTION;
}

static void pdu_unpack(const uint8_t *data, enum reg_area area, uint16_t count,
                       uint16_t *words, uint8_t *bits)
{
    for (uint16_t i = 0; i < count; i++) {
        if (pdu_area_is_bits(area))
            bits[i] = (data[i / BITS_PER_BYTE] >> (i % BITS_PER_BYTE)) & 1;
        else
            words[i] = pdu_get_u16(data + BYTES_PER_REGISTER * i);
    }
}

enum pdu_status pdu_parse_read_why(const uint8_t *pdu, size_t len, enum reg_area area,
                                   uint16_t count, uint16_t *words, uint8_t *bits,
                                   uint8_t *exception_code, const char **why)
{
    const char *ignored;
    uint8_t fc = pdu_read_function(area);
    size_t want;
    if (!why)
        why = &ignored;
    *why = "the response is a valid read response";
    if (!fc)
        return pdu_malformed(why, "the request named no readable Modbus area");
    if (count == 0 || count > pdu_area_max_count(area))
        return pdu_malformed(why, "the request count is 0 or above the Modbus limit, so no response can match it");
    if (pdu_area_is_bits(area) ? !bits : !words)
        return pdu_malformed(why, "no buffer was given for the values read");
    if (!pdu || len < 1)
        return pdu_malformed(why, "the response is empty");
    enum pdu_status exc = pdu_check_exception(pdu, len, fc, exception_code, why);
    if (exc != PDU_OK)
        return exc;
    if (pdu[0] != fc)
        return pdu_malformed(why, "the function code differs from the request's (a reply to another request, or noise)");
    if (len < PDU_READ_HEADER_BYTES)
        return pdu_malformed(why, "the response ends before its byte count");
    want = pdu_data_bytes(area, count);
    if (pdu[1] != want)
        return pdu_malformed(why, "the byte count does not match the number of values requested");
    if (len < PDU_READ_HEADER_BYTES + want)
        return pdu_malformed(why, "the response is shorter than its byte count says (truncated)");
    if (len > PDU_READ_HEADER_BYTES + want)
        return pdu_malformed(why, "the response carries bytes beyond its byte count");
    pdu_unpack(pdu + PDU_READ_HEADER_BYTES, area, count, words, bits);
    return PDU_OK;
}

enum pdu_status pdu_parse_read(const uint8_t *pdu, size_t len, enum reg_area area,
                               uint16_t count, uint16_t *words, uint8_t *bits,
                               uint8_t *exception_code)
{
    return pdu_parse_read_why(pdu, len, area, count, words, bits, exception_code, NULL);
}
