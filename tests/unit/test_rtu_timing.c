/*
 * test_rtu_timing.c - RTU character and inter-frame times against the standard's figures.
 *
 * Modbus over serial line v1.02, 2.5.1.1: 3.5 characters of 11 bits below 19200
 * baud (4.0104 ms at 9600, 2.0052 ms at 19200), a fixed 1.75 ms above. Rounding
 * is up, so a wait of that length is never shorter than the standard asks; a
 * line set to fewer than 11 bits a character still gets the standard's gap.
 */
#include "check.h"
#include "rtu_timing.h"

static void test_char_bits(void)
{
    CHECK_INT(rtu_char_bits(8, 'E', 1), 11);
    CHECK_INT(rtu_char_bits(8, 'N', 2), 11);
    CHECK_INT(rtu_char_bits(8, 'N', 1), 11);        /* 10 on the wire, the standard's 11 kept */
    CHECK_INT(rtu_char_bits(7, 'N', 1), 11);
    CHECK_INT(rtu_char_bits(8, 'O', 2), 12);        /* a longer character is timed as it is */
}

static void test_times(void)
{
    CHECK_INT(rtu_char_ns(9600, RTU_BITS_PER_CHAR), 1145834);      /* 1145833.3, up */
    CHECK_INT(rtu_t35_ns(9600, RTU_BITS_PER_CHAR), 4010417);       /* 4010416.7, up */
    CHECK_INT(rtu_t35_ns(19200, RTU_BITS_PER_CHAR), 2005209);      /* the last speed that counts characters */
    CHECK_INT(rtu_char_ns(115200, RTU_BITS_PER_CHAR), 95487);
    CHECK_INT(rtu_t35_ns(38400, RTU_BITS_PER_CHAR), RTU_FIXED_T35_NS);
    CHECK_INT(rtu_t35_ns(115200, RTU_BITS_PER_CHAR), RTU_FIXED_T35_NS);
    CHECK_INT(rtu_t35_ns(9600, 12), 4375000);
}

int main(void)
{
    test_char_bits();
    test_times();
    return check_summary();
}
