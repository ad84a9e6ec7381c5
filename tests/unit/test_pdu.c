/*
 * test_pdu.c - the read PDU codec against good frames, exceptions and every way a
 * field device (or a confused converter) gets a response wrong.
 *
 * Frames under test are copied into heap buffers of exactly their length, so a
 * read past `len` is caught by ASan/valgrind runs of this binary; value buffers
 * carry canaries so a write past `count` is caught here in any build.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "check.h"
#include "pdu.h"

#define CANARY_WORD 0xC0DE
#define CANARY_BIT 0xA5
#define SLACK 8

/* Parse `frame` from an exact-size heap copy. */
static enum pdu_status parse(const uint8_t *frame, size_t len, enum reg_area area, uint16_t count,
                             uint16_t *words, uint8_t *bits, uint8_t *exc, const char **why)
{
    uint8_t *copy = malloc(len ? len : 1);
    if (len)
        memcpy(copy, frame, len);
    enum pdu_status st = pdu_parse_read_why(copy, len, area, count, words, bits, exc, why);
    free(copy);
    return st;
}

static void test_function_codes(void)
{
    CHECK_INT(pdu_read_function(AREA_COIL), 1);
    CHECK_INT(pdu_read_function(AREA_DISCRETE), 2);
    CHECK_INT(pdu_read_function(AREA_HOLDING), 3);
    CHECK_INT(pdu_read_function(AREA_INPUT), 4);
    CHECK_STR(pdu_exception_name(1), "illegal function");
    CHECK_STR(pdu_exception_name(2), "illegal data address");
    CHECK_STR(pdu_exception_name(3), "illegal data value");
    CHECK_STR(pdu_exception_name(4), "server device failure");
    CHECK_STR(pdu_exception_name(0x0B), "gateway target device failed to respond");
    CHECK_STR(pdu_exception_name(0x42), "undefined exception code");
}

static void test_build(void)
{
    uint8_t out[PDU_MAX_BYTES];
    const uint8_t hr[] = {0x03, 0x12, 0x34, 0x00, 0x0A};
    const uint8_t coils[] = {0x01, 0x00, 0x13, 0x00, 0x13};  /* the spec's example: 20-38 */
    CHECK_INT(pdu_build_read(out, AREA_HOLDING, 0x1234, 10), 5);
    CHECK(memcmp(out, hr, sizeof hr) == 0);
    CHECK_INT(pdu_build_read(out, AREA_COIL, 19, 19), 5);
    CHECK(memcmp(out, coils, sizeof coils) == 0);
    CHECK_INT(pdu_build_read(out, AREA_INPUT, 0, 125), 5);
    CHECK_INT(out[0], 4);
    CHECK_INT(out[4], 125);
    CHECK_INT(pdu_build_read(out, AREA_DISCRETE, 0, 2000), 5);
    CHECK_INT(out[0], 2);
    CHECK_INT(out[3] << 8 | out[4], 2000);
    CHECK_INT(pdu_build_read(out, AREA_HOLDING, 65535, 1), 5);
    CHECK_INT(out[1] << 8 | out[2], 65535);
    /* requests no device may be sent */
    errno = 0;
    CHECK_INT(pdu_build_read(out, AREA_HOLDING, 0, 0), 0);
    CHECK_INT(errno, EINVAL);
    CHECK_INT(pdu_build_read(out, AREA_HOLDING, 0, 126), 0);
    CHECK_INT(pdu_build_read(out, AREA_INPUT, 0, 126), 0);
    CHECK_INT(pdu_build_read(out, AREA_COIL, 0, 2001), 0);
    CHECK_INT(pdu_build_read(out, AREA_HOLDING, 65535, 2), 0);
    CHECK_INT(pdu_build_read(out, AREA_COIL, 65000, 1000), 0);
    CHECK_INT(pdu_build_read(out, (enum reg_area)7, 0, 1), 0);
}

static void test_registers_ok(void)
{
    const uint8_t hr[] = {0x03, 0x04, 0x12, 0x34, 0xAB, 0xCD};
    const uint8_t ir[] = {0x04, 0x02, 0x80, 0x01};
    uint16_t w[2 + SLACK];
    const char *why = NULL;
    for (int i = 0; i < 2 + SLACK; i++)
        w[i] = CANARY_WORD;
    CHECK_INT(parse(hr, sizeof hr, AREA_HOLDING, 2, w, NULL, NULL, &why), PDU_OK);
    CHECK_INT(w[0], 0x1234);
    CHECK_INT(w[1], 0xABCD);
    CHECK_INT(w[2], CANARY_WORD);
    CHECK_INT(parse(ir, sizeof ir, AREA_INPUT, 1, w, NULL, NULL, NULL), PDU_OK);
    CHECK_INT(w[0], 0x8001);
    CHECK_INT(w[1], 0xABCD);                                /* untouched beyond count */

    /* a full 125-register response, 252 bytes */
    uint8_t big[2 + 2 * MODBUS_MAX_READ_REGISTERS];
    uint16_t many[MODBUS_MAX_READ_REGISTERS + 1];
    big[0] = 0x03;
    big[1] = 2 * MODBUS_MAX_READ_REGISTERS;
    for (int i = 0; i < MODBUS_MAX_READ_REGISTERS; i++) {
        big[2 + 2 * i] = (uint8_t)i;
        big[3 + 2 * i] = (uint8_t)(0xFF - i);
    }
    many[MODBUS_MAX_READ_REGISTERS] = CANARY_WORD;
    CHECK_INT(parse(big, sizeof big, AREA_HOLDING, MODBUS_MAX_READ_REGISTERS, many, NULL, NULL, NULL), PDU_OK);
    CHECK_INT(many[0], 0x00FF);
    CHECK_INT(many[124], (124 << 8) | (0xFF - 124));
    CHECK_INT(many[MODBUS_MAX_READ_REGISTERS], CANARY_WORD);
}

/* The spec's own examples (Modbus Application Protocol v1.1b3, 6.1 and 6.2). */
static void test_bits_ok(void)
{
    const uint8_t coils[] = {0x01, 0x03, 0xCD, 0x6B, 0x05};      /* coils 20..38 */
    const uint8_t expect_coils[19] = {1, 0, 1, 1, 0, 0, 1, 1, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1};
    const uint8_t inputs[] = {0x02, 0x03, 0xAC, 0xDB, 0x35};     /* inputs 197..218 */
    const uint8_t expect_inputs[22] = {0, 0, 1, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1, 1,
                                       1, 0, 1, 0, 1, 1};
    uint8_t b[22 + SLACK];
    memset(b, CANARY_BIT, sizeof b);
    CHECK_INT(parse(coils, sizeof coils, AREA_COIL, 19, NULL, b, NULL, NULL), PDU_OK);
    CHECK(memcmp(b, expect_coils, 19) == 0);
    CHECK_INT(b[19], CANARY_BIT);                             /* padding bits not written */
    memset(b, CANARY_BIT, sizeof b);
    CHECK_INT(parse(inputs, sizeof inputs, AREA_DISCRETE, 22, NULL, b, NULL, NULL), PDU_OK);
    CHECK(memcmp(b, expect_inputs, 22) == 0);
    CHECK_INT(b[22], CANARY_BIT);
    /* byte count boundaries: 8 bits in 1 byte, 9 in 2 */
    const uint8_t eight[] = {0x01, 0x01, 0x81};
    const uint8_t nine[] = {0x01, 0x02, 0x00, 0x01};
    CHECK_INT(parse(eight, sizeof eight, AREA_COIL, 8, NULL, b, NULL, NULL), PDU_OK);
    CHECK_INT(b[0], 1);
    CHECK_INT(b[7], 1);
    CHECK_INT(b[6], 0);
    CHECK_INT(parse(nine, sizeof nine, AREA_COIL, 9, NULL, b, NULL, NULL), PDU_OK);
    CHECK_INT(b[8], 1);
    CHECK_INT(parse(eight, sizeof eight, AREA_COIL, 9, NULL, b, NULL, NULL), PDU_MALFORMED);
    CHECK_INT(parse(nine, sizeof nine, AREA_COIL, 8, NULL, b, NULL, NULL), PDU_MALFORMED);
    /* a full 2000-bit response */
    uint8_t big[2 + MODBUS_MAX_READ_BITS / 8];
    uint8_t bits[MODBUS_MAX_READ_BITS + 1];
    big[0] = 0x02;
    big[1] = MODBUS_MAX_READ_BITS / 8;
    memset(big + 2, 0x55, MODBUS_MAX_READ_BITS / 8);
    bits[MODBUS_MAX_READ_BITS] = CANARY_BIT;
    CHECK_INT(parse(big, sizeof big, AREA_DISCRETE, MODBUS_MAX_READ_BITS, NULL, bits, NULL, NULL), PDU_OK);
    CHECK_INT(bits[0], 1);
    CHECK_INT(bits[1], 0);
    CHECK_INT(bits[1998], 1);
    CHECK_INT(bits[1999], 0);
    CHECK_INT(bits[MODBUS_MAX_READ_BITS], CANARY_BIT);
}

static void test_exceptions(void)
{
    uint8_t exc = 0;
    uint16_t w[4] = {CANARY_WORD, CANARY_WORD, CANARY_WORD, CANARY_WORD};
    uint8_t b[4];
    const char *why = NULL;
    const uint8_t e2[] = {0x83, 0x02};
    const uint8_t e1coil[] = {0x81, 0x01};
    CHECK_INT(parse(e2, sizeof e2, AREA_HOLDING, 4, w, NULL, &exc, &why), PDU_EXCEPTION);
    CHECK_INT(exc, 2);
    CHECK_CONTAINS(why, "exception");
    CHECK_INT(w[0], CANARY_WORD);
    CHECK_INT(parse(e2, sizeof e2, AREA_HOLDING, 4, w, NULL, NULL, NULL), PDU_EXCEPTION);
    CHECK_INT(parse(e1coil, sizeof e1coil, AREA_COIL, 4, NULL, b, &exc, NULL), PDU_EXCEPTION);
    CHECK_INT(exc, 1);
    /* an exception to another function code is not ours */
    exc = 0;
    CHECK_INT(parse(e2, sizeof e2, AREA_INPUT, 4, w, NULL, &exc, &why), PDU_MALFORMED);
    CHECK_INT(exc, 0);
    CHECK_CONTAINS(why, "function code");
    CHECK_INT(parse(e1coil, sizeof e1coil, AREA_HOLDING, 4, w, NULL, &exc, NULL), PDU_MALFORMED);
    /* wrong lengths, code 0 */
    const uint8_t short_exc[] = {0x83};
    const uint8_t long_exc[] = {0x83, 0x02, 0x00};
    const uint8_t zero_exc[] = {0x83, 0x00};
    CHECK_INT(parse(short_exc, sizeof short_exc, AREA_HOLDING, 4, w, NULL, &exc, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "exactly 2 bytes");
    CHECK_INT(parse(long_exc, sizeof long_exc, AREA_HOLDING, 4, w, NULL, &exc, NULL), PDU_MALFORMED);
    CHECK_INT(parse(zero_exc, sizeof zero_exc, AREA_HOLDING, 4, w, NULL, &exc, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "code 0");
    CHECK_INT(exc, 0);
}

static void test_malformed(void)
{
    uint16_t w[8];
    uint8_t b[16];
    const char *why = NULL;
    const uint8_t good[] = {0x03, 0x04, 0x12, 0x34, 0xAB, 0xCD};

    /* every truncation of a good frame is refused */
    for (size_t len = 0; len < sizeof good; len++) {
        for (int i = 0; i < 8; i++)
            w[i] = CANARY_WORD;
        CHECK_INT(parse(good, len, AREA_HOLDING, 2, w, NULL, NULL, &why), PDU_MALFORMED);
        CHECK_INT(w[0], CANARY_WORD);
    }
    CHECK_INT(parse(good, 4, AREA_HOLDING, 2, w, NULL, NULL, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "truncated");
    CHECK_INT(parse(good, 0, AREA_HOLDING, 2, w, NULL, NULL, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "empty");
    CHECK_INT(pdu_parse_read_why(NULL, 6, AREA_HOLDING, 2, w, NULL, NULL, &why), PDU_MALFORMED);
    CHECK_INT(parse(good, 1, AREA_HOLDING, 2, w, NULL, NULL, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "before its byte count");

    /* trailing bytes */
    const uint8_t trailing[] = {0x03, 0x04, 0x12, 0x34, 0xAB, 0xCD, 0x00};
    CHECK_INT(parse(trailing, sizeof trailing, AREA_HOLDING, 2, w, NULL, NULL, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "beyond its byte count");

    /* byte count lies: consistent with the length but not with the request */
    const uint8_t more[] = {0x03, 0x06, 0x12, 0x34, 0xAB, 0xCD, 0x00, 0x01};
    const uint8_t fewer[] = {0x03, 0x02, 0x12, 0x34};
    const uint8_t odd[] = {0x03, 0x03, 0x12, 0x34, 0xAB};
    CHECK_INT(parse(more, sizeof more, AREA_HOLDING, 2, w, NULL, NULL, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "byte count does not match");
    CHECK_INT(parse(fewer, sizeof fewer, AREA_HOLDING, 2, w, NULL, NULL, NULL), PDU_MALFORMED);
    CHECK_INT(parse(odd, sizeof odd, AREA_HOLDING, 2, w, NULL, NULL, NULL), PDU_MALFORMED);
    /* byte count lies about the frame: claims 250 bytes, carries 4 */
    const uint8_t liar[] = {0x03, 0xFA, 0x12, 0x34, 0xAB, 0xCD};
    CHECK_INT(parse(liar, sizeof liar, AREA_HOLDING, 125, w, NULL, NULL, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "truncated");
    CHECK_INT(parse(liar, sizeof liar, AREA_HOLDING, 2, w, NULL, NULL, NULL), PDU_MALFORMED);

    /* wrong function code: a reply to another request */
    const uint8_t fc4[] = {0x04, 0x04, 0x12, 0x34, 0xAB, 0xCD};
    const uint8_t fc16[] = {0x10, 0x00, 0x01, 0x00, 0x02};
    CHECK_INT(parse(fc4, sizeof fc4, AREA_HOLDING, 2, w, NULL, NULL, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "function code");
    CHECK_INT(parse(fc16, sizeof fc16, AREA_HOLDING, 2, w, NULL, NULL, NULL), PDU_MALFORMED);
    CHECK_INT(parse(good, sizeof good, AREA_COIL, 2, NULL, b, NULL, NULL), PDU_MALFORMED);

    /* oversize or empty requests cannot have a valid response */
    CHECK_INT(parse(good, sizeof good, AREA_HOLDING, 0, w, NULL, NULL, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "limit");
    uint8_t big[2 + 2 * 126] = {0x03, 0xFC};
    uint16_t many[126];
    CHECK_INT(parse(big, sizeof big, AREA_HOLDING, 126, many, NULL, NULL, NULL), PDU_MALFORMED);
    uint8_t bigbits[2 + 251] = {0x01, 0xFB};
    uint8_t manybits[2008];
    CHECK_INT(parse(bigbits, sizeof bigbits, AREA_COIL, 2001, NULL, manybits, NULL, NULL), PDU_MALFORMED);
    /* an area no function code reads */
    CHECK_INT(parse(good, sizeof good, (enum reg_area)9, 2, w, b, NULL, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "area");

    /* no buffer for the values */
    CHECK_INT(parse(good, sizeof good, AREA_HOLDING, 2, NULL, b, NULL, &why), PDU_MALFORMED);
    CHECK_CONTAINS(why, "buffer");
}

/* xorshift32: deterministic noise. */
static uint32_t rng_state = 2463534242u;
static uint32_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

/* Random frames, half of them starting like a plausible reply: the parser must
 * never accept one whose byte count disagrees, and never write past count. */
static void test_noise(void)
{
    int accepted = 0, bad_accept = 0, overwrite = 0;
    for (int trial = 0; trial < 200000; trial++) {
        uint8_t frame[PDU_MAX_BYTES];
        size_t len = rng_next() % (PDU_MAX_BYTES + 1);
        enum reg_area area = (enum reg_area)(rng_next() % 4);
        int is_bits = area == AREA_COIL || area == AREA_DISCRETE;
        uint16_t count = (uint16_t)(1 + rng_next() % (is_bits ? 24 : 6));
        uint16_t w[6 + SLACK];
        uint8_t b[24 + SLACK];
        for (size_t i = 0; i < sizeof frame; i++)
            frame[i] = (uint8_t)rng_next();
        if (len >= 2 && (trial & 1)) {
            frame[0] = pdu_read_function(area) | (trial & 2 ? 0x80 : 0);
            frame[1] = (uint8_t)(rng_next() % 16);
            len = 2 + rng_next() % 16;
        }
        for (int i = 0; i < 6 + SLACK; i++)
            w[i] = CANARY_WORD;
        memset(b, CANARY_BIT, sizeof b);
        enum pdu_status st = parse(frame, len, area, count, w, b, NULL, NULL);
        if (st == PDU_OK) {
            size_t want = is_bits ? (count + 7u) / 8u : 2u * count;
            accepted++;
            if (len != 2 + want || frame[1] != want || frame[0] != pdu_read_function(area))
                bad_accept++;
        }
        if (is_bits ? (b[count] != CANARY_BIT || w[0] != CANARY_WORD)
                    : (w[count] != CANARY_WORD || b[0] != CANARY_BIT))
            overwrite++;
    }
    CHECK(accepted > 100);          /* the generator does reach the accepting path */
    CHECK_INT(bad_accept, 0);
    CHECK_INT(overwrite, 0);
}

/* A request built here, answered the way a device would, parses back. */
static void test_request_response(void)
{
    uint8_t req[PDU_MAX_BYTES], resp[PDU_MAX_BYTES];
    uint16_t w[3];
    size_t n = pdu_build_read(req, AREA_INPUT, 30000, 3);
    CHECK_INT(n, 5);
    uint16_t count = (uint16_t)(req[3] << 8 | req[4]);
    resp[0] = req[0];
    resp[1] = (uint8_t)(2 * count);
    for (int i = 0; i < count; i++) {
        resp[2 + 2 * i] = 0x0F;
        resp[3 + 2 * i] = (uint8_t)i;
    }
    CHECK_INT(parse(resp, 2 + 2u * count, AREA_INPUT, count, w, NULL, NULL, NULL), PDU_OK);
    CHECK_INT(w[2], 0x0F02);
}

int main(void)
{
    test_function_codes();
    test_build();
    test_registers_ok();
    test_bits_ok();
    test_exceptions();
    test_malformed();
    test_noise();
    test_request_response();
    return check_summary();
}
