/*
 * test_decode.c - what the gateway believes a register says: every type in every
 * byte/word order, sign extension, scale/offset, NAMUR NE43 bands, plausibility,
 * and the encoders as exact inverses (the simulator serves what we decode).
 *
 * Byte patterns are written out by hand from the big-endian value and the order's
 * byte permutation, never computed with the code under test.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "decode.h"

#define TOL_FLOAT32 1e-4

static struct point_map pm(enum value_type type, enum word_order order)
{
    struct point_map p = {
        .area = AREA_HOLDING, .type = type, .order = order, .bit = -1, .scale = 1.0,
        .signal = SIGNAL_DIRECT, .plausible_lo = 1.0, .plausible_hi = 0.0,
    };
    return p;
}

static struct point_map loop_point(double lo, double hi)
{
    struct point_map p = pm(VT_UINT16, ORDER_ABCD);
    p.scale = 0.001;                    /* raw count in microamps */
    p.signal = SIGNAL_LOOP_MA;
    p.range_lo = lo;
    p.range_hi = hi;
    return p;
}

static void test_point_basics(void)
{
    CHECK_INT(point_type_registers(VT_BIT), 1);
    CHECK_INT(point_type_registers(VT_INT16), 1);
    CHECK_INT(point_type_registers(VT_UINT16), 1);
    CHECK_INT(point_type_registers(VT_INT32), 2);
    CHECK_INT(point_type_registers(VT_UINT32), 2);
    CHECK_INT(point_type_registers(VT_FLOAT32), 2);
    CHECK_INT(point_type_registers(VT_INT64), 4);
    CHECK_INT(point_type_registers(VT_UINT64), 4);
    CHECK_INT(point_type_registers(VT_FLOAT64), 4);
    CHECK_STR(quality_name(QUALITY_GOOD), "good");
    CHECK_STR(quality_name(QUALITY_UNCERTAIN), "uncertain");
    CHECK_STR(quality_name(QUALITY_OUT_OF_RANGE), "out_of_range");
    CHECK_STR(quality_name(QUALITY_SENSOR_FAULT), "sensor_fault");
    CHECK_STR(quality_name(QUALITY_COMM_FAIL), "comm_fail");
    CHECK_INT(quality_has_value(QUALITY_GOOD), 1);
    CHECK_INT(quality_has_value(QUALITY_UNCERTAIN), 1);
    CHECK_INT(quality_has_value(QUALITY_OUT_OF_RANGE), 0);
    CHECK_INT(quality_has_value(QUALITY_SENSOR_FAULT), 0);
    CHECK_INT(quality_has_value(QUALITY_COMM_FAIL), 0);
}

/* Known patterns, one row per (type, order), wire words as a device sends them. */
struct pattern {
    enum value_type type;
    enum word_order order;
    uint16_t words[4];
    double value;
    double tol;
};

static const struct pattern patterns[] = {
    /* float32 123.456 = 0x42F6E979 */
    {VT_FLOAT32, ORDER_ABCD, {0x42F6, 0xE979}, 123.456, TOL_FLOAT32},
    {VT_FLOAT32, ORDER_BADC, {0xF642, 0x79E9}, 123.456, TOL_FLOAT32},
    {VT_FLOAT32, ORDER_CDAB, {0xE979, 0x42F6}, 123.456, TOL_FLOAT32},
    {VT_FLOAT32, ORDER_DCBA, {0x79E9, 0xF642}, 123.456, TOL_FLOAT32},
    /* float32 -0.15625 = 0xBE200000 */
    {VT_FLOAT32, ORDER_ABCD, {0xBE20, 0x0000}, -0.15625, 0},
    {VT_FLOAT32, ORDER_DCBA, {0x0000, 0x20BE}, -0.15625, 0},
    /* int32 -123456789 = 0xF8A432EB */
    {VT_INT32, ORDER_ABCD, {0xF8A4, 0x32EB}, -123456789, 0},
    {VT_INT32, ORDER_BADC, {0xA4F8, 0xEB32}, -123456789, 0},
    {VT_INT32, ORDER_CDAB, {0x32EB, 0xF8A4}, -123456789, 0},
    {VT_INT32, ORDER_DCBA, {0xEB32, 0xA4F8}, -123456789, 0},
    /* the same bits unsigned */
    {VT_UINT32, ORDER_ABCD, {0xF8A4, 0x32EB}, 4171510507.0, 0},
    {VT_UINT32, ORDER_BADC, {0xA4F8, 0xEB32}, 4171510507.0, 0},
    {VT_UINT32, ORDER_CDAB, {0x32EB, 0xF8A4}, 4171510507.0, 0},
    {VT_UINT32, ORDER_DCBA, {0xEB32, 0xA4F8}, 4171510507.0, 0},
    /* int16 -12345 = 0xCFC7: only the byte swap matters for one word */
    {VT_INT16, ORDER_ABCD, {0xCFC7}, -12345, 0},
    {VT_INT16, ORDER_BADC, {0xC7CF}, -12345, 0},
    {VT_INT16, ORDER_CDAB, {0xCFC7}, -12345, 0},
    {VT_INT16, ORDER_DCBA, {0xC7CF}, -12345, 0},
    {VT_UINT16, ORDER_ABCD, {0x1234}, 0x1234, 0},
    {VT_UINT16, ORDER_BADC, {0x3412}, 0x1234, 0},
    {VT_UINT16, ORDER_CDAB, {0x1234}, 0x1234, 0},
    {VT_UINT16, ORDER_DCBA, {0x3412}, 0x1234, 0},
    /* 64-bit 0x00123456789ABCDE = 5124095576030430 (below 2^53, so exact in a double) */
    {VT_INT64, ORDER_ABCD, {0x0012, 0x3456, 0x789A, 0xBCDE}, 5124095576030430.0, 0},
    {VT_INT64, ORDER_BADC, {0x1200, 0x5634, 0x9A78, 0xDEBC}, 5124095576030430.0, 0},
    {VT_INT64, ORDER_CDAB, {0xBCDE, 0x789A, 0x3456, 0x0012}, 5124095576030430.0, 0},
    {VT_INT64, ORDER_DCBA, {0xDEBC, 0x9A78, 0x5634, 0x1200}, 5124095576030430.0, 0},
    {VT_UINT64, ORDER_CDAB, {0xBCDE, 0x789A, 0x3456, 0x0012}, 5124095576030430.0, 0},
    /* int64 -2 = 0xFFFFFFFFFFFFFFFE, -1234567890123 = 0xFFFFFEE08E04FB35 */
    {VT_INT64, ORDER_ABCD, {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFE}, -2, 0},
    {VT_INT64, ORDER_DCBA, {0xFEFF, 0xFFFF, 0xFFFF, 0xFFFF}, -2, 0},
    {VT_INT64, ORDER_ABCD, {0xFFFF, 0xFEE0, 0x8E04, 0xFB35}, -1234567890123.0, 0},
    {VT_INT64, ORDER_BADC, {0xFFFF, 0xE0FE, 0x048E, 0x35FB}, -1234567890123.0, 0},
    {VT_INT64, ORDER_CDAB, {0xFB35, 0x8E04, 0xFEE0, 0xFFFF}, -1234567890123.0, 0},
    {VT_INT64, ORDER_DCBA, {0x35FB, 0x048E, 0xE0FE, 0xFFFF}, -1234567890123.0, 0},
    /* uint64 2^64 - 2048: the largest a double holds below 2^64 */
    {VT_UINT64, ORDER_ABCD, {0xFFFF, 0xFFFF, 0xFFFF, 0xF800}, 18446744073709549568.0, 0},
    {VT_UINT64, ORDER_DCBA, {0x00F8, 0xFFFF, 0xFFFF, 0xFFFF}, 18446744073709549568.0, 0},
    /* float64 123.456 = 0x405EDD2F1A9FBE77 */
    {VT_FLOAT64, ORDER_ABCD, {0x405E, 0xDD2F, 0x1A9F, 0xBE77}, 123.456, 0},
    {VT_FLOAT64, ORDER_BADC, {0x5E40, 0x2FDD, 0x9F1A, 0x77BE}, 123.456, 0},
    {VT_FLOAT64, ORDER_CDAB, {0xBE77, 0x1A9F, 0xDD2F, 0x405E}, 123.456, 0},
    {VT_FLOAT64, ORDER_DCBA, {0x77BE, 0x9F1A, 0x2FDD, 0x5E40}, 123.456, 0},
};

static void test_patterns(void)
{
    for (size_t i = 0; i < sizeof patterns / sizeof *patterns; i++) {
        const struct pattern *t = &patterns[i];
        struct point_map p = pm(t->type, t->order);
        double v = -999;
        uint16_t enc[4] = {0};
        int n = point_type_registers(t->type);
        CHECK_INT(decode_registers(&p, t->words, &v), QUALITY_GOOD);
        CHECK_NEAR(v, t->value, t->tol);
        /* the encoder writes exactly the device's words back */
        CHECK_INT(encode_registers(&p, v, enc), 0);
        for (int w = 0; w < n; w++)
            if (enc[w] != t->words[w])
                fprintf(stderr, "pattern %zu word %d: 0x%04X, expected 0x%04X\n", i, w, enc[w], t->words[w]);
        CHECK(memcmp(enc, t->words, (size_t)n * sizeof *enc) == 0);
    }
}

/* The byte permutations of decode.h, spelt as letters: position on the wire ->
 * which byte of the big-endian value goes there. */
static const char *const perm32[] = {"ABCD", "BADC", "CDAB", "DCBA"};
static const char *const perm64[] = {"ABCDEFGH", "BADCFEHG", "GHEFCDAB", "HGFEDCBA"};

static void test_permutations(void)
{
    const uint8_t be32[4] = {0x42, 0xF6, 0xE9, 0x79};          /* 123.456f */
    const uint8_t be64[8] = {0xC0, 0x5E, 0xDD, 0x2F, 0x1A, 0x9F, 0xBE, 0x77}; /* -123.456 */
    for (int o = ORDER_ABCD; o <= ORDER_DCBA; o++) {
        uint16_t w32[2], w64[4];
        double v;
        for (int i = 0; i < 2; i++)
            w32[i] = (uint16_t)(be32[perm32[o][2 * i] - 'A'] << 8 | be32[perm32[o][2 * i + 1] - 'A']);
        for (int i = 0; i < 4; i++)
            w64[i] = (uint16_t)(be64[perm64[o][2 * i] - 'A'] << 8 | be64[perm64[o][2 * i + 1] - 'A']);
        struct point_map f32 = pm(VT_FLOAT32, (enum word_order)o), f64 = pm(VT_FLOAT64, (enum word_order)o);
        CHECK_INT(decode_registers(&f32, w32, &v), QUALITY_GOOD);
        CHECK_NEAR(v, 123.456, TOL_FLOAT32);
        CHECK_INT(decode_registers(&f64, w64, &v), QUALITY_GOOD);
        CHECK_NEAR(v, -123.456, 0);
    }
}

static void test_sign_extension(void)
{
    struct { enum value_type type; uint16_t words[4]; double value; } rows[] = {
        {VT_INT16, {0x8000}, -32768}, {VT_INT16, {0x7FFF}, 32767}, {VT_INT16, {0xFFFF}, -1},
        {VT_INT16, {0x0000}, 0}, {VT_UINT16, {0xFFFF}, 65535}, {VT_UINT16, {0x8000}, 32768},
        {VT_INT32, {0x8000, 0x0000}, -2147483648.0}, {VT_INT32, {0x7FFF, 0xFFFF}, 2147483647.0},
        {VT_INT32, {0xFFFF, 0xFFFF}, -1}, {VT_INT32, {0x0000, 0x8000}, 32768},
        {VT_UINT32, {0xFFFF, 0xFFFF}, 4294967295.0}, {VT_UINT32, {0x8000, 0x0000}, 2147483648.0},
        {VT_INT64, {0x8000, 0, 0, 0}, -9223372036854775808.0}, {VT_INT64, {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}, -1},
        {VT_INT64, {0, 0, 0x8000, 0}, 2147483648.0}, {VT_UINT64, {0x8000, 0, 0, 0}, 9223372036854775808.0},
        {VT_UINT64, {0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF}, 18446744073709551615.0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct point_map p = pm(rows[i].type, ORDER_ABCD);
        double v;
        CHECK_INT(decode_registers(&p, rows[i].words, &v), QUALITY_GOOD);
        CHECK_NEAR(v, rows[i].value, 0);
    }
}

static void test_scale_offset(void)
{
    struct point_map p = pm(VT_UINT16, ORDER_ABCD);
    uint16_t w = 1234;
    double v;
    p.scale = 0.1;
    p.offset = -40;
    CHECK_INT(decode_registers(&p, &w, &v), QUALITY_GOOD);
    CHECK_NEAR(v, 83.4, 1e-9);
    p = pm(VT_INT16, ORDER_ABCD);
    w = 0xFFF6;                                 /* -10 */
    p.scale = 0.5;
    p.offset = 100;
    CHECK_INT(decode_registers(&p, &w, &v), QUALITY_GOOD);
    CHECK_NEAR(v, 95, 0);
    p.scale = -2;                               /* negative scales are allowed */
    p.offset = 0;
    CHECK_INT(decode_registers(&p, &w, &v), QUALITY_GOOD);
    CHECK_NEAR(v, 20, 0);
}

static void test_ne43_bands(void)
{
    struct { double ma; enum quality q; } rows[] = {
        {0.0, QUALITY_SENSOR_FAULT}, {3.59, QUALITY_SENSOR_FAULT}, {3.6, QUALITY_SENSOR_FAULT},
        {3.601, QUALITY_UNCERTAIN}, {3.7, QUALITY_UNCERTAIN}, {3.79, QUALITY_UNCERTAIN},
        {3.8, QUALITY_GOOD}, {4.0, QUALITY_GOOD}, {12.0, QUALITY_GOOD}, {20.0, QUALITY_GOOD},
        {20.5, QUALITY_GOOD}, {20.51, QUALITY_UNCERTAIN}, {20.6, QUALITY_UNCERTAIN},
        {20.999, QUALITY_UNCERTAIN}, {21.0, QUALITY_SENSOR_FAULT}, {21.01, QUALITY_SENSOR_FAULT},
        {24.0, QUALITY_SENSOR_FAULT}, {-1.0, QUALITY_SENSOR_FAULT}, {NAN, QUALITY_SENSOR_FAULT},
        {INFINITY, QUALITY_SENSOR_FAULT},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        enum quality q = decode_loop_quality(rows[i].ma);
        if (q != rows[i].q)
            fprintf(stderr, "NE43 at %g mA\n", rows[i].ma);
        CHECK_INT(q, rows[i].q);
    }
}

/* The same edges through a real decode: a raw microamp count times 0.001, which is
 * not exact in binary, must still land on the edge it names. */
static void test_loop_decode(void)
{
    struct point_map p = loop_point(0, 100);
    struct { uint16_t raw; enum quality q; double value; } rows[] = {
        {3590, QUALITY_SENSOR_FAULT, 0}, {3600, QUALITY_SENSOR_FAULT, 0}, {3601, QUALITY_UNCERTAIN, -2.49375},
        {3700, QUALITY_UNCERTAIN, -1.875}, {3799, QUALITY_UNCERTAIN, -1.25625},
        {3800, QUALITY_GOOD, -1.25}, {4000, QUALITY_GOOD, 0}, {12000, QUALITY_GOOD, 50},
        {20000, QUALITY_GOOD, 100}, {20500, QUALITY_GOOD, 103.125}, {20600, QUALITY_UNCERTAIN, 103.75},
        {20999, QUALITY_UNCERTAIN, 106.24375}, {21000, QUALITY_SENSOR_FAULT, 0},
        {21010, QUALITY_SENSOR_FAULT, 0}, {0, QUALITY_SENSOR_FAULT, 0},
        {65535, QUALITY_SENSOR_FAULT, 0},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        double v = -999;
        enum quality q = decode_registers(&p, &rows[i].raw, &v);
        if (q != rows[i].q)
            fprintf(stderr, "loop raw %u\n", rows[i].raw);
        CHECK_INT(q, rows[i].q);
        CHECK_NEAR(v, rows[i].value, 1e-9);
    }
    /* a fault is never a value, even on a point whose range makes 0 meaningful */
    uint16_t broken = 1000;
    double v = 42;
    p = loop_point(-20, 80);
    CHECK_INT(decode_registers(&p, &broken, &v), QUALITY_SENSOR_FAULT);
    CHECK_INT(quality_has_value(decode_registers(&p, &broken, &v)), 0);
    /* a float current straight from an analogue input module, CDAB */
    struct point_map f = pm(VT_FLOAT32, ORDER_CDAB);
    uint16_t w[2] = {0x0000, 0x4140};           /* 12.0f = 0x41400000 */
    f.signal = SIGNAL_LOOP_MA;
    f.range_lo = 0;
    f.range_hi = 25;                            /* %LEL of a 0-25 detector */
    CHECK_INT(decode_registers(&f, w, &v), QUALITY_GOOD);
    CHECK_NEAR(v, 12.5, 1e-9);
}

/* Analogue input modules report the current as a float32: 3.6f and 3.8f are a
 * little below 3.6 and 3.8 and must still count as the edge they name (3.6 a
 * failure, 3.8 a measurement). */
static void test_loop_float32(void)
{
    struct { float ma; enum quality q; } rows[] = {
        {3.59f, QUALITY_SENSOR_FAULT}, {3.6f, QUALITY_SENSOR_FAULT}, {3.601f, QUALITY_UNCERTAIN},
        {3.7f, QUALITY_UNCERTAIN}, {3.8f, QUALITY_GOOD}, {20.5f, QUALITY_GOOD}, {20.6f, QUALITY_UNCERTAIN},
        {20.999f, QUALITY_UNCERTAIN}, {21.0f, QUALITY_SENSOR_FAULT}, {21.01f, QUALITY_SENSOR_FAULT},
    };
    struct point_map p = pm(VT_FLOAT32, ORDER_ABCD);
    p.signal = SIGNAL_LOOP_MA;
    p.range_lo = 0;
    p.range_hi = 100;
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        uint32_t u;
        uint16_t w[2];
        double v;
        memcpy(&u, &rows[i].ma, sizeof u);
        w[0] = (uint16_t)(u >> 16);
        w[1] = (uint16_t)u;
        enum quality q = decode_registers(&p, w, &v);
        if (q != rows[i].q)
            fprintf(stderr, "float32 loop at %.9g mA\n", rows[i].ma);
        CHECK_INT(q, rows[i].q);
    }
}

static void test_plausibility(void)
{
    struct point_map p = pm(VT_INT16, ORDER_ABCD);
    uint16_t w;
    double v;
    p.plausible_lo = 0;
    p.plausible_hi = 100;
    w = 100;
    CHECK_INT(decode_registers(&p, &w, &v), QUALITY_GOOD);
    w = 0;
    CHECK_INT(decode_registers(&p, &w, &v), QUALITY_GOOD);
    w = 101;
    CHECK_INT(decode_registers(&p, &w, &v), QUALITY_OUT_OF_RANGE);
    CHECK_NEAR(v, 101, 0);                      /* kept for the log line */
    w = 0xFFFF;
    CHECK_INT(decode_registers(&p, &w, &v), QUALITY_OUT_OF_RANGE);
    CHECK_NEAR(v, -1, 0);
    /* lo > hi: no check at all */
    p.plausible_lo = 1;
    p.plausible_hi = 0;
    w = 0x7FFF;
    CHECK_INT(decode_registers(&p, &w, &v), QUALITY_GOOD);
    /* lo == hi: a check that admits one value */
    p.plausible_lo = p.plausible_hi = 5;
    w = 5;
    CHECK_INT(decode_registers(&p, &w, &v), QUALITY_GOOD);
    w = 6;
    CHECK_INT(decode_registers(&p, &w, &v), QUALITY_OUT_OF_RANGE);
    /* applied after scaling and after the loop mapping */
    struct point_map l = loop_point(0, 100);
    l.plausible_lo = 0;
    l.plausible_hi = 100;
    w = 20500;                                  /* valid NE43, but 103.125 % */
    CHECK_INT(decode_registers(&l, &w, &v), QUALITY_OUT_OF_RANGE);
    w = 3900;                                   /* valid NE43, -0.625 % */
    CHECK_INT(decode_registers(&l, &w, &v), QUALITY_OUT_OF_RANGE);
    l.plausible_lo = -5;
    l.plausible_hi = 110;
    w = 20700;                                  /* uncertain band, plausible: stays uncertain */
    CHECK_INT(decode_registers(&l, &w, &v), QUALITY_UNCERTAIN);
    w = 3500;                                   /* a fault wins over plausibility */
    CHECK_INT(decode_registers(&l, &w, &v), QUALITY_SENSOR_FAULT);
}

static void test_non_finite(void)
{
    struct { enum value_type type; uint16_t words[4]; } rows[] = {
        {VT_FLOAT32, {0x7FC0, 0x0000}}, {VT_FLOAT32, {0x7F80, 0x0000}}, {VT_FLOAT32, {0xFF80, 0x0000}},
        {VT_FLOAT32, {0x7F80, 0x0001}}, {VT_FLOAT64, {0x7FF8, 0, 0, 0}}, {VT_FLOAT64, {0xFFF0, 0, 0, 0}},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct point_map p = pm(rows[i].type, ORDER_ABCD);
        double v = 42;
        CHECK_INT(decode_registers(&p, rows[i].words, &v), QUALITY_SENSOR_FAULT);
        CHECK_NEAR(v, 0, 0);
    }
    /* finite, but scaling overflows a double */
    struct point_map p = pm(VT_FLOAT64, ORDER_ABCD);
    uint16_t big[4] = {0x7FEF, 0xFFFF, 0xFFFF, 0xFFFF};      /* DBL_MAX */
    double v;
    p.scale = 10;
    CHECK_INT(decode_registers(&p, big, &v), QUALITY_SENSOR_FAULT);
    /* largest float32 is an ordinary value */
    struct point_map f = pm(VT_FLOAT32, ORDER_ABCD);
    uint16_t fmax[2] = {0x7F7F, 0xFFFF};
    CHECK_INT(decode_registers(&f, fmax, &v), QUALITY_GOOD);
    CHECK_NEAR(v, 3.4028234663852886e38, 1e24);
}

static void test_bits(void)
{
    struct point_map c = pm(VT_BIT, ORDER_ABCD);
    double v = -1;
    c.area = AREA_COIL;
    CHECK_INT(decode_bit(&c, 1, &v), QUALITY_GOOD);
    CHECK_NEAR(v, 1, 0);
    CHECK_INT(decode_bit(&c, 0, &v), QUALITY_GOOD);
    CHECK_NEAR(v, 0, 0);
    CHECK_INT(decode_bit(&c, 0x80, &v), QUALITY_GOOD);       /* any non-zero byte is set */
    CHECK_NEAR(v, 1, 0);
    c.scale = -1;                                            /* a normally-closed contact */
    c.offset = 1;
    CHECK_INT(decode_bit(&c, 1, &v), QUALITY_GOOD);
    CHECK_NEAR(v, 0, 0);
    CHECK_INT(decode_bit(&c, 0, &v), QUALITY_GOOD);
    CHECK_NEAR(v, 1, 0);

    /* bits of a register: numbered from the LSB of the ordered word */
    struct point_map r = pm(VT_BIT, ORDER_ABCD);
    uint16_t w = 0x8001, swapped = 0x0180;
    for (int b = 0; b <= 15; b++) {
        r.bit = (int8_t)b;
        r.order = ORDER_ABCD;
        CHECK_INT(decode_registers(&r, &w, &v), QUALITY_GOOD);
        CHECK_NEAR(v, (b == 0 || b == 15) ? 1 : 0, 0);
        r.order = ORDER_CDAB;
        CHECK_INT(decode_registers(&r, &w, &v), QUALITY_GOOD);
        CHECK_NEAR(v, (b == 0 || b == 15) ? 1 : 0, 0);
        r.order = ORDER_BADC;
        CHECK_INT(decode_registers(&r, &swapped, &v), QUALITY_GOOD);
        CHECK_NEAR(v, (b == 0 || b == 15) ? 1 : 0, 0);
    }
    w = 0x0008;
    r.order = ORDER_ABCD;
    r.bit = 3;
    CHECK_INT(decode_registers(&r, &w, &v), QUALITY_GOOD);
    CHECK_NEAR(v, 1, 0);
    r.bit = 11;
    CHECK_INT(decode_registers(&r, &w, &v), QUALITY_GOOD);
    CHECK_NEAR(v, 0, 0);
    r.order = ORDER_DCBA;                        /* byte-swapped device: bit 3 is 0x0800 on the wire */
    w = 0x0800;
    r.bit = 3;
    CHECK_INT(decode_registers(&r, &w, &v), QUALITY_GOOD);
    CHECK_NEAR(v, 1, 0);
    r.bit = -1;                                  /* no bit chosen: a fault, never a guess */
    CHECK_INT(decode_registers(&r, &w, &v), QUALITY_SENSOR_FAULT);
    r.bit = 16;
    CHECK_INT(decode_registers(&r, &w, &v), QUALITY_SENSOR_FAULT);
}

static void test_encode_rounding_and_range(void)
{
    struct { enum value_type type; double value; int ok; double decoded; } rows[] = {
        {VT_INT16, 2.5, 1, 3}, {VT_INT16, 2.4, 1, 2}, {VT_INT16, -2.6, 1, -3}, {VT_INT16, -2.5, 1, -3},
        {VT_INT16, 32767, 1, 32767}, {VT_INT16, 32767.4, 1, 32767}, {VT_INT16, 32767.5, 0, 0},
        {VT_INT16, -32768, 1, -32768}, {VT_INT16, -32768.5, 0, 0}, {VT_INT16, 1e9, 0, 0},
        {VT_UINT16, -0.4, 1, 0}, {VT_UINT16, -0.6, 0, 0}, {VT_UINT16, 65535, 1, 65535},
        {VT_UINT16, 65536, 0, 0}, {VT_UINT16, NAN, 0, 0}, {VT_UINT16, INFINITY, 0, 0},
        {VT_INT32, -2147483648.0, 1, -2147483648.0}, {VT_INT32, 2147483648.0, 0, 0},
        {VT_UINT32, 4294967295.0, 1, 4294967295.0}, {VT_UINT32, 4294967296.0, 0, 0},
        {VT_INT64, -9223372036854775808.0, 1, -9223372036854775808.0},
        {VT_INT64, 9223372036854775808.0, 0, 0}, {VT_UINT64, 18446744073709549568.0, 1, 18446744073709549568.0},
        {VT_UINT64, 18446744073709551616.0, 0, 0}, {VT_UINT64, -1, 0, 0},
        {VT_FLOAT32, 1e39, 0, 0}, {VT_FLOAT32, -1e39, 0, 0}, {VT_FLOAT32, 3e38, 1, 3e38},
        {VT_FLOAT64, 1e300, 1, 1e300},
    };
    for (size_t i = 0; i < sizeof rows / sizeof *rows; i++) {
        for (int o = ORDER_ABCD; o <= ORDER_DCBA; o++) {
            struct point_map p = pm(rows[i].type, (enum word_order)o);
            uint16_t w[4] = {0xAAAA, 0xAAAA, 0xAAAA, 0xAAAA};
            double v;
            errno = 0;
            int rc = encode_registers(&p, rows[i].value, w);
            if (rc != (rows[i].ok ? 0 : -1))
                fprintf(stderr, "encode row %zu (%g) order %d\n", i, rows[i].value, o);
            CHECK_INT(rc, rows[i].ok ? 0 : -1);
            if (!rows[i].ok) {
                CHECK_INT(errno, ERANGE);
                continue;
            }
            CHECK_INT(decode_registers(&p, w, &v), QUALITY_GOOD);
            CHECK_NEAR(v, rows[i].decoded, fabs(rows[i].decoded) * 1e-7);
        }
    }
    /* NaN and infinity are float patterns: the simulator can serve a broken float */
    struct point_map f = pm(VT_FLOAT32, ORDER_CDAB);
    uint16_t w[4];
    double v;
    CHECK_INT(encode_registers(&f, NAN, w), 0);
    CHECK_INT(decode_registers(&f, w, &v), QUALITY_SENSOR_FAULT);
    f.type = VT_FLOAT64;
    CHECK_INT(encode_registers(&f, -INFINITY, w), 0);
    CHECK_INT(decode_registers(&f, w, &v), QUALITY_SENSOR_FAULT);
}

static void test_encode_raw(void)
{
    struct point_map p = pm(VT_UINT16, ORDER_ABCD);
    p.scale = 0.1;
    p.offset = -40;
    CHECK_NEAR(encode_raw(&p, 83.4), 1234, 1e-9);
    struct point_map l = loop_point(0, 100);
    CHECK_NEAR(encode_raw(&l, 0), 4000, 1e-6);
    CHECK_NEAR(encode_raw(&l, 50), 12000, 1e-6);
    CHECK_NEAR(encode_raw(&l, 100), 20000, 1e-6);
    CHECK_NEAR(encode_raw(&l, -25), 0, 1e-6);                /* 0 mA: a broken loop */
    /* encode then decode a loop point */
    uint16_t w;
    double v;
    CHECK_INT(encode_registers(&l, 37.5, &w), 0);
    CHECK_INT(w, 10000);
    CHECK_INT(decode_registers(&l, &w, &v), QUALITY_GOOD);
    CHECK_NEAR(v, 37.5, 1e-9);
    CHECK_INT(encode_registers(&l, -25, &w), 0);             /* serving a fault current */
    CHECK_INT(decode_registers(&l, &w, &v), QUALITY_SENSOR_FAULT);
    l.range_lo = -20;                                        /* an offset range */
    l.range_hi = 60;
    CHECK_INT(encode_registers(&l, 0, &w), 0);
    CHECK_INT(w, 8000);
}

static void test_encode_bits(void)
{
    struct point_map r = pm(VT_BIT, ORDER_ABCD);
    uint16_t w = 0xFFFF;
    uint8_t b = 7;
    r.bit = 3;
    CHECK_INT(encode_registers(&r, 0, &w), 0);
    CHECK_INT(w, 0xFFF7);                        /* only bit 3 changed */
    CHECK_INT(encode_registers(&r, 1, &w), 0);
    CHECK_INT(w, 0xFFFF);
    w = 0;
    r.bit = 15;
    CHECK_INT(encode_registers(&r, 1, &w), 0);
    CHECK_INT(w, 0x8000);
    r.order = ORDER_BADC;                        /* byte-swapped: bit 3 sits in the high byte */
    r.bit = 3;
    w = 0;
    CHECK_INT(encode_registers(&r, 1, &w), 0);
    CHECK_INT(w, 0x0800);
    errno = 0;
    CHECK_INT(encode_registers(&r, 2, &w), -1);
    CHECK_INT(errno, ERANGE);
    CHECK_INT(w, 0x0800);                        /* untouched on failure */
    r.bit = -1;
    errno = 0;
    CHECK_INT(encode_registers(&r, 1, &w), -1);
    CHECK_INT(errno, EINVAL);

    struct point_map c = pm(VT_BIT, ORDER_ABCD);
    c.area = AREA_DISCRETE;
    CHECK_INT(encode_bit(&c, 1, &b), 0);
    CHECK_INT(b, 1);
    CHECK_INT(encode_bit(&c, 0, &b), 0);
    CHECK_INT(b, 0);
    errno = 0;
    CHECK_INT(encode_bit(&c, -1, &b), -1);
    CHECK_INT(errno, ERANGE);
    c.scale = -1;                                /* inverse of a normally-closed contact */
    c.offset = 1;
    CHECK_INT(encode_bit(&c, 0, &b), 0);
    CHECK_INT(b, 1);
    double v;
    CHECK_INT(decode_bit(&c, b, &v), QUALITY_GOOD);
    CHECK_NEAR(v, 0, 0);
}

/* xorshift64: deterministic pseudo-random words for the round-trip sweep. */
static uint64_t rng_state = 0x9E3779B97F4A7C15u;
static uint64_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* decode then encode reproduces the wire words, for every type and order. Integers
 * above 2^53 cannot all be held by a double, so 64-bit integers stay below it. */
static void test_round_trip_sweep(void)
{
    const enum value_type types[] = {VT_INT16, VT_UINT16, VT_INT32, VT_UINT32, VT_FLOAT32,
                                     VT_INT64, VT_UINT64, VT_FLOAT64};
    int mismatches = 0, trials = 0;
    for (size_t t = 0; t < sizeof types / sizeof *types; t++) {
        for (int o = ORDER_ABCD; o <= ORDER_DCBA; o++) {
            struct point_map p = pm(types[t], (enum word_order)o);
            int n = point_type_registers(types[t]);
            for (int k = 0; k < 2000; k++) {
                uint16_t w[4], back[4];
                double v;
                uint64_t r = rng_next();
                if (types[t] == VT_INT64 || types[t] == VT_UINT64) {
                    /* a value |x| < 2^53, written big-endian, then permuted by the encoder */
                    struct point_map abcd = pm(types[t], (enum word_order)o);
                    double x = (double)(int64_t)(r >> 11) * (types[t] == VT_INT64 && (r & 1) ? -1 : 1);
                    if (encode_registers(&abcd, x, w) < 0)
                        continue;
                } else {
                    for (int i = 0; i < n; i++)
                        w[i] = (uint16_t)(r >> (16 * i));
                }
                if (decode_registers(&p, w, &v) != QUALITY_GOOD)
                    continue;               /* NaN/Inf patterns: checked elsewhere */
                if (v == 0.0)
                    continue;               /* -0.0 decodes to 0 and encodes as +0 */
                trials++;
                if (encode_registers(&p, v, back) < 0 || memcmp(w, back, (size_t)n * sizeof *w) != 0)
                    mismatches++;
            }
        }
    }
    CHECK(trials > 50000);
    CHECK_INT(mismatches, 0);
}

/* Scaled integers round-trip to within half a step. */
static void test_round_trip_scaled(void)
{
    const double scales[] = {0.1, 0.01, 0.001, 2.5, -0.1};
    for (size_t s = 0; s < sizeof scales / sizeof *scales; s++) {
        struct point_map p = pm(VT_INT32, ORDER_CDAB);
        p.scale = scales[s];
        p.offset = 12.5;
        for (double x = -1000; x <= 1000; x += 7.37) {
            uint16_t w[2];
            double v;
            CHECK_INT(encode_registers(&p, x, w), 0);
            CHECK_INT(decode_registers(&p, w, &v), QUALITY_GOOD);
            CHECK_NEAR(v, x, fabs(scales[s]) / 2 + 1e-9);
        }
    }
}

int main(void)
{
    test_point_basics();
    test_patterns();
    test_permutations();
    test_sign_extension();
    test_scale_offset();
    test_ne43_bands();
    test_loop_decode();
    test_loop_float32();
    test_plausibility();
    test_non_finite();
    test_bits();
    test_encode_rounding_and_range();
    test_encode_raw();
    test_encode_bits();
    test_round_trip_sweep();
    test_round_trip_scaled();
    return check_summary();
}
