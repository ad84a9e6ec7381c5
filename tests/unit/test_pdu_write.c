/*
 * test_pdu_write.c - writing one point: the encoding, the request bytes, the echo check,
 * and a round trip through the simulator's responder into register tables that the
 * gateway's decoder then reads back as the value written.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "decode.h"
#include "pdu.h"
#include "sim_respond.h"

#define ROUND_TRIP_TABLE 16

static struct point_map map(enum reg_area area, uint16_t address, enum value_type type, double scale)
{
    return (struct point_map){.area = area, .address = address, .type = type, .order = ORDER_ABCD,
                              .bit = -1, .scale = scale, .signal = SIGNAL_DIRECT,
                              .plausible_lo = 1, .plausible_hi = 0};
}

static void test_encode(void)
{
    struct pdu_write w;
    struct point_map coil = map(AREA_COIL, 3, VT_BIT, 1.0);
    CHECK_INT(pdu_write_encode(&coil, 1, &w), 0);
    CHECK_INT(w.function, PDU_FC_WRITE_COIL);
    CHECK_INT(w.address, 3);
    CHECK_INT(w.words[0], PDU_COIL_ON);
    CHECK_INT(pdu_write_encode(&coil, 0, &w), 0);
    CHECK_INT(w.words[0], PDU_COIL_OFF);
    errno = 0;
    CHECK_INT(pdu_write_encode(&coil, 2, &w), -1);          /* a coil is 0 or 1 */
    CHECK_INT(errno, ERANGE);

    struct point_map reg = map(AREA_HOLDING, 10, VT_UINT16, 0.1);
    CHECK_INT(pdu_write_encode(&reg, 25.0, &w), 0);         /* 25.0 in 0.1 steps: raw 250 */
    CHECK_INT(w.function, PDU_FC_WRITE_REGISTER);
    CHECK_INT(w.count, 1);
    CHECK_INT(w.words[0], 250);
    CHECK_INT(pdu_write_encode(&reg, -1.0, &w), -1);        /* unsigned: no negative */

    struct point_map f32 = map(AREA_HOLDING, 20, VT_FLOAT32, 1.0);
    f32.order = ORDER_CDAB;
    CHECK_INT(pdu_write_encode(&f32, 1.5, &w), 0);          /* 1.5f = 0x3FC00000, words swapped */
    CHECK_INT(w.function, PDU_FC_WRITE_REGISTERS);
    CHECK_INT(w.count, 2);
    CHECK_INT(w.words[0], 0x0000);
    CHECK_INT(w.words[1], 0x3FC0);
}

static void test_refusals(void)
{
    struct pdu_write w;
    struct point_map input = map(AREA_INPUT, 0, VT_UINT16, 1.0);
    struct point_map discrete = map(AREA_DISCRETE, 0, VT_BIT, 1.0);
    struct point_map regbit = map(AREA_HOLDING, 0, VT_BIT, 1.0);
    regbit.bit = 4;
    CHECK_CONTAINS(pdu_write_refusal(&input), "input register is read-only");
    CHECK_CONTAINS(pdu_write_refusal(&discrete), "discrete input is read-only");
    CHECK_CONTAINS(pdu_write_refusal(&regbit), "read-modify-write");
    CHECK(pdu_write_refusal(&(struct point_map){.area = AREA_COIL, .type = VT_BIT}) == NULL);
    errno = 0;
    CHECK_INT(pdu_write_encode(&input, 1, &w), -1);
    CHECK_INT(errno, EINVAL);
    CHECK_INT(pdu_write_encode(&regbit, 1, &w), -1);
}

static void test_build(void)
{
    uint8_t pdu[PDU_MAX_BYTES];
    struct pdu_write coil = {.function = PDU_FC_WRITE_COIL, .address = 0x0102, .count = 1,
                             .words = {PDU_COIL_ON}};
    CHECK_INT(pdu_build_write(pdu, &coil), 5);
    CHECK(memcmp(pdu, "\x05\x01\x02\xFF\x00", 5) == 0);
    struct pdu_write many = {.function = PDU_FC_WRITE_REGISTERS, .address = 7, .count = 2,
                             .words = {0x1234, 0xABCD}};
    CHECK_INT(pdu_build_write(pdu, &many), 10);
    CHECK(memcmp(pdu, "\x10\x00\x07\x00\x02\x04\x12\x34\xAB\xCD", 10) == 0);
    struct pdu_write bad = {.function = 0x03, .count = 1};
    errno = 0;
    CHECK_INT(pdu_build_write(pdu, &bad), 0);
    CHECK_INT(errno, EINVAL);
}

static void test_parse(void)
{
    struct pdu_write reg = {.function = PDU_FC_WRITE_REGISTER, .address = 10, .count = 1, .words = {250}};
    struct pdu_write many = {.function = PDU_FC_WRITE_REGISTERS, .address = 7, .count = 2};
    const char *why = NULL;
    uint8_t code = 0;
    CHECK_INT(pdu_parse_write((const uint8_t *)"\x06\x00\x0A\x00\xFA", 5, &reg, &code, &why), PDU_OK);
    CHECK_INT(pdu_parse_write((const uint8_t *)"\x10\x00\x07\x00\x02", 5, &many, &code, &why), PDU_OK);
    CHECK_INT(pdu_parse_write((const uint8_t *)"\x86\x02", 2, &reg, &code, &why), PDU_EXCEPTION);
    CHECK_INT(code, 2);
    CHECK_INT(pdu_parse_write((const uint8_t *)"\x06\x00\x0B\x00\xFA", 5, &reg, &code, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "another address");
    CHECK_INT(pdu_parse_write((const uint8_t *)"\x06\x00\x0A\x00\xFB", 5, &reg, &code, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "another value");
    CHECK_INT(pdu_parse_write((const uint8_t *)"\x10\x00\x07\x00\x03", 5, &many, &code, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "another number of registers");
    CHECK_INT(pdu_parse_write((const uint8_t *)"\x03\x02\x00\xFA", 4, &reg, &code, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "function code differs");
    CHECK_INT(pdu_parse_write((const uint8_t *)"\x06\x00\x0A\x00", 4, &reg, &code, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "exactly 5 bytes");
    CHECK_INT(pdu_parse_write((const uint8_t *)"\x86\x00", 2, &reg, &code, &why), PDU_MALFORMED);
    CHECK_INT(pdu_parse_write(NULL, 0, &reg, &code, NULL), PDU_MALFORMED);
}

/* The write the gateway builds, answered by the simulator: the echo passes, and the
 * tables read back (through the gateway's decoder) the value written. */
static void round_trip(const struct point_map *m, double value)
{
    modbus_mapping_t *t = modbus_mapping_new(ROUND_TRIP_TABLE, 0, ROUND_TRIP_TABLE, 0);
    struct sim_regs regs = {.tables = t};
    struct pdu_write w;
    uint8_t req[PDU_MAX_BYTES], resp[PDU_MAX_BYTES];
    double back = -1;
    CHECK_INT(pdu_write_encode(m, value, &w), 0);
    size_t len = sim_respond(&regs, req, pdu_build_write(req, &w), resp);
    CHECK_INT(pdu_parse_write(resp, len, &w, NULL, NULL), PDU_OK);
    enum quality q = m->area == AREA_COIL ? decode_bit(m, t->tab_bits[m->address], &back)
                                          : decode_registers(m, t->tab_registers + m->address, &back);
    CHECK_INT(q, QUALITY_GOOD);
    CHECK_NEAR(back, value, 1e-6);
    modbus_mapping_free(t);
}

static void test_round_trip(void)
{
    struct point_map coil = map(AREA_COIL, 5, VT_BIT, 1.0);
    struct point_map reg = map(AREA_HOLDING, 2, VT_INT16, 0.5);
    struct point_map f64 = map(AREA_HOLDING, 8, VT_FLOAT64, 1.0);
    f64.order = ORDER_DCBA;
    round_trip(&coil, 1);
    round_trip(&coil, 0);
    round_trip(&reg, -12.5);
    round_trip(&f64, 3.141592653589793);
}

int main(void)
{
    test_encode();
    test_refusals();
    test_build();
    test_parse();
    test_round_trip();
    return check_summary();
}
