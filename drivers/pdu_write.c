/*
 * pdu_write.c - write one point: encode the value, build the request, believe the echo.
 *
 * A local output (a siren's horn coil, a beacon's pattern register) is written
 * through the same codec the gateway reads with: the value becomes raw words by
 * decode.h's exact inverse, so what is written is what the next poll reads back.
 * The device's answer is untrusted like any read response: a write counts as done
 * only when the device echoes the function, the address and the value (FC 5, 6)
 * or the count (FC 16) it was asked to write.
 */
#include "pdu.h"

#include <errno.h>

#include "decode.h"
#include "pdu_internal.h"

#define PDU_WRITE_ONE_BYTES 5           /* function, address (2), value (2) */
#define PDU_WRITE_MANY_HEADER_BYTES 6   /* function, address (2), count (2), byte count */
/* The reply: function, address (2), then the value (FC 5, 6) or the count (FC 16). */
#define PDU_WRITE_REPLY_BYTES 5

const char *pdu_write_refusal(const struct point_map *m)
{
    switch (m->area) {
    case AREA_DISCRETE:
        return "a discrete input is read-only (Modbus has no function to write it)";
    case AREA_INPUT:
        return "an input register is read-only (Modbus has no function to write it)";
    case AREA_COIL:
        return NULL;
    case AREA_HOLDING:
        break;
    }
    if (m->type == VT_BIT)
        return "one bit of a holding register cannot be written alone: it needs a read-modify-write "
               "that could undo another master's change; map the output to a coil or a whole register";
    return NULL;
}

int pdu_write_encode(const struct point_map *m, double value, struct pdu_write *w)
{
    if (pdu_write_refusal(m)) {
        errno = EINVAL;
        return -1;
    }
    w->address = m->address;
    if (m->area == AREA_COIL) {
        uint8_t bit;
        if (encode_bit(m, value, &bit) < 0)
            return -1;
        w->function = PDU_FC_WRITE_COIL;
        w->count = 1;
        w->words[0] = bit ? PDU_COIL_ON : PDU_COIL_OFF;
        return 0;
    }
    int n = point_type_registers(m->type);
    if (n < 1 || n > PDU_WRITE_MAX_WORDS || (uint32_t)m->address + (uint32_t)n > PDU_ADDRESS_SPACE) {
        errno = EINVAL;
        return -1;
    }
    if (encode_registers(m, value, w->words) < 0)
        return -1;
    w->function = n == 1 ? PDU_FC_WRITE_REGISTER : PDU_FC_WRITE_REGISTERS;
    w->count = (uint16_t)n;
    return 0;
}

size_t pdu_build_write(uint8_t *out, const struct pdu_write *w)
{
    out[0] = w->function;
    pdu_put_u16(out + 1, w->address);
    if (w->function == PDU_FC_WRITE_COIL || w->function == PDU_FC_WRITE_REGISTER) {
        pdu_put_u16(out + 3, w->words[0]);
        return PDU_WRITE_ONE_BYTES;
    }
    if (w->function != PDU_FC_WRITE_REGISTERS || w->count == 0 || w->count > PDU_WRITE_MAX_WORDS) {
        errno = EINVAL;
        return 0;
    }
    pdu_put_u16(out + 3, w->count);
    out[5] = (uint8_t)(w->count * BYTES_PER_REGISTER);
    for (uint16_t i = 0; i < w->count; i++)
        pdu_put_u16(out + PDU_WRITE_MANY_HEADER_BYTES + BYTES_PER_REGISTER * i, w->words[i]);
    return PDU_WRITE_MANY_HEADER_BYTES + (size_t)w->count * BYTES_PER_REGISTER;
}

static enum pdu_status pdu_write_bad(const char **why, const char *reason)
{
    *why = reason;
    return PDU_MALFORMED;
}

enum pdu_status pdu_parse_write(const uint8_t *pdu, size_t len, const struct pdu_write *w,
                                uint8_t *exception_code, const char **why)
{
    const char *ignored;
    if (!why)
        why = &ignored;
    *why = "the device echoed the write";
    if (!pdu || len < 1)
        return pdu_write_bad(why, "the response is empty");
    enum pdu_status exc = pdu_check_exception(pdu, len, w->function, exception_code, why);
    if (exc != PDU_OK)
        return exc;
    if (pdu[0] != w->function)
        return pdu_write_bad(why, "the function code differs from the request's (a reply to another request, or noise)");
    if (len != PDU_WRITE_REPLY_BYTES)
        return pdu_write_bad(why, "a write response is exactly 5 bytes long");
    if (pdu_get_u16(pdu + 1) != w->address)
        return pdu_write_bad(why, "the response names another address than the one written");
    uint16_t echo = pdu_get_u16(pdu + 3);
    if (w->function == PDU_FC_WRITE_REGISTERS ? echo != w->count : echo != w->words[0])
        return pdu_write_bad(why, w->function == PDU_FC_WRITE_REGISTERS
                                      ? "the response confirms another number of registers than were written"
                                      : "the response echoes another value than the one written");
    return PDU_OK;
}
