/*
 * rtu_timing.c - RTU character and inter-frame times (see rtu_timing.h).
 */
#include "rtu_timing.h"

#define NS_PER_S 1000000000LL
#define START_BITS 1
#define T35_HALF_CHARS 7                    /* 3.5 characters, in halves */

int rtu_char_bits(int data_bits, char parity, int stop_bits)
{
    int bits = START_BITS + data_bits + (parity == 'N' ? 0 : 1) + stop_bits;
    return bits > RTU_BITS_PER_CHAR ? bits : RTU_BITS_PER_CHAR;
}

/* ceil(num / den) for positive operands. */
static int64_t div_up(int64_t num, int64_t den)
{
    return (num + den - 1) / den;
}

int64_t rtu_char_ns(long baud, int bits)
{
    return div_up((int64_t)bits * NS_PER_S, baud);
}

int64_t rtu_t35_ns(long baud, int bits)
{
    if (baud > RTU_FIXED_T35_ABOVE_BAUD)
        return RTU_FIXED_T35_NS;
    return div_up((int64_t)T35_HALF_CHARS * bits * NS_PER_S, 2 * (int64_t)baud);
}
