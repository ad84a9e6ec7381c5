/*
 * sim_rtu_frame.c - RTU CRC and request lengths (see sim_rtu_frame.h).
 */
#include "sim_rtu_frame.h"

#include "sim_respond.h"

#define CRC_INIT 0xFFFFu
#define CRC_POLY 0xA001u
#define BYTE_BITS 8
#define BYTE_MASK 0xFFu
#define REQ_FIXED_BYTES 8           /* address, function, 2 x 2 bytes, CRC */
#define REQ_MANY_COUNT_AT 6         /* FC 15, 16: the byte count's offset */
#define REQ_MANY_FIXED_BYTES 9      /* address, function, address, count, byte count, CRC */

uint16_t sim_rtu_crc(const uint8_t *b, size_t n)
{
    uint16_t crc = CRC_INIT;
    for (size_t i = 0; i < n; i++) {
        crc ^= b[i];
        for (int k = 0; k < BYTE_BITS; k++)
            crc = (crc & 1u) ? (uint16_t)((crc >> 1) ^ CRC_POLY) : (uint16_t)(crc >> 1);
    }
    return crc;
}

size_t sim_rtu_seal(uint8_t *b, size_t n)
{
    uint16_t crc = sim_rtu_crc(b, n);
    b[n] = (uint8_t)(crc & BYTE_MASK);
    b[n + 1] = (uint8_t)(crc >> BYTE_BITS);
    return n + SIM_RTU_CRC_BYTES;
}

int sim_rtu_crc_ok(const uint8_t *b, size_t n)
{
    if (n < 2 + SIM_RTU_CRC_BYTES)
        return 0;
    uint16_t crc = sim_rtu_crc(b, n - SIM_RTU_CRC_BYTES);
    return b[n - 2] == (crc & BYTE_MASK) && b[n - 1] == (crc >> BYTE_BITS);
}

long sim_rtu_request_length(const uint8_t *b, size_t n)
{
    if (n < 2)
        return 0;
    switch (b[1]) {
    case SIM_FC_READ_COILS:
    case SIM_FC_READ_DISCRETE:
    case SIM_FC_READ_HOLDING:
    case SIM_FC_READ_INPUT:
    case SIM_FC_WRITE_COIL:
    case SIM_FC_WRITE_REGISTER:
        return REQ_FIXED_BYTES;
    case SIM_FC_WRITE_COILS:
    case SIM_FC_WRITE_REGISTERS:
        return n > REQ_MANY_COUNT_AT ? REQ_MANY_FIXED_BYTES + b[REQ_MANY_COUNT_AT] : 0;
    default:
        return -1;
    }
}
