/*
 * decode.c - what a handful of Modbus words mean, and the words that mean a value.
 *
 * Every reading the gateway believes passes through decode_finish(): raw number
 * -> scale/offset -> (4-20 mA loop: NAMUR NE43 classification and range mapping)
 * -> plausibility. The encoders run the same steps backwards, so the simulator
 * serves exactly the words the gateway will decode, and tests can round-trip.
 *
 * Byte and word order (the four names come from 32-bit values; see decode.h):
 * a value of N words is first seen as its big-endian bytes A B C D ... split into
 * logical words W0 (most significant) .. W(N-1). Two independent transforms then
 * give the wire layout:
 *   - "swap bytes"    (BADC, DCBA): each word's two bytes are exchanged;
 *   - "reverse words" (CDAB, DCBA): wire word i carries logical word N-1-i.
 * So for 64-bit, CDAB puts GH EF CD AB on the wire and DCBA is fully little-endian;
 * for 16-bit (and bits of a register) only the byte swap can have an effect.
 * Both transforms are their own inverse, so decode and encode share them.
 */
#include "decode.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define WORD_BITS 16
#define WORD_MASK 0xFFFFu
#define BYTE_BITS 8
#define BYTE_MASK 0xFFu
#define REGISTER_BIT_MAX 15
/* Band edges are compared with this slack so that a raw count times a decimal
 * scale (3800 * 0.001 = 3.8000000000000003) lands on the edge it names. One
 * nanoamp is far below any loop transmitter's resolution. */
#define NE43_EDGE_TOLERANCE_MA 1e-6

/* ---- byte and word order ---- */

static int order_swaps_bytes(enum word_order o)
{
    return o == ORDER_BADC || o == ORDER_DCBA;
}

static int order_reverses_words(enum word_order o)
{
    return o == ORDER_CDAB || o == ORDER_DCBA;
}

/* The wire position of logical word i of n (and, the map being an involution,
 * the logical position of wire word i). */
static int order_word_index(enum word_order o, int n, int i)
{
    return order_reverses_words(o) ? n - 1 - i : i;
}

/* One word as the wire carries it <-> as the big-endian value has it. */
static uint16_t order_word(enum word_order o, uint16_t w)
{
    if (!order_swaps_bytes(o))
        return w;
    return (uint16_t)(((w & BYTE_MASK) << BYTE_BITS) | (w >> BYTE_BITS));
}

/* Assemble n wire words into the unsigned big-endian integer they encode. */
static uint64_t order_gather(enum word_order o, int n, const uint16_t *words)
{
    uint64_t raw = 0;
    for (int i = 0; i < n; i++)
        raw = (raw << WORD_BITS) | order_word(o, words[order_word_index(o, n, i)]);
    return raw;
}

/* The inverse of order_gather. */
static void order_scatter(enum word_order o, int n, uint64_t raw, uint16_t *words)
{
    for (int i = n - 1; i >= 0; i--) {
        words[order_word_index(o, n, i)] = order_word(o, (uint16_t)(raw & WORD_MASK));
        raw >>= WORD_BITS;
    }
}

/* ---- types ---- */

static int type_bits(enum value_type t)
{
    return point_type_registers(t) * WORD_BITS;
}

static int type_is_signed(enum value_type t)
{
    return t == VT_INT16 || t == VT_INT32 || t == VT_INT64;
}

static uint64_t type_mask(int bits)
{
    return bits >= 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;
}

/* The number an integer or float pattern stands for. -1 for NaN or infinity. */
static int type_to_double(enum value_type t, uint64_t raw, double *out)
{
    int bits = type_bits(t);
    if (t == VT_FLOAT32) {
        uint32_t u = (uint32_t)raw;
        float f;
        memcpy(&f, &u, sizeof f);
        *out = f;
    } else if (t == VT_FLOAT64) {
        memcpy(out, &raw, sizeof *out);
    } else if (type_is_signed(t) && (raw >> (bits - 1)) & 1) {
        /* two's complement without relying on implementation-defined casts */
        *out = -(double)((~raw & type_mask(bits)) + 1);
    } else {
        *out = (double)raw;
    }
    return isfinite(*out) ? 0 : -1;
}

/* The pattern of type t closest to x (integers round to nearest). -1 when x
 * cannot be held: outside the integer range, NaN for an integer, or a finite x
 * beyond the float's range. NaN and infinities are valid float patterns. */
static int type_from_double(enum value_type t, double x, uint64_t *out)
{
    int bits = type_bits(t);
    if (t == VT_FLOAT32) {
        float f = (float)x;
        uint32_t u;
        if (isfinite(x) && !isfinite(f))
            return -1;
        memcpy(&u, &f, sizeof u);
        *out = u;
        return 0;
    }
    if (t == VT_FLOAT64) {
        memcpy(out, &x, sizeof *out);
        return 0;
    }
    double r = round(x);
    if (type_is_signed(t)) {
        double half = ldexp(1.0, bits - 1);
        if (!(r >= -half && r < half))
            return -1;
        *out = (uint64_t)(int64_t)r & type_mask(bits);
    } else {
        if (!(r >= 0.0 && r < ldexp(1.0, bits)))
            return -1;
        *out = (uint64_t)r;
    }
    return 0;
}

/* ---- engineering value and quality ---- */

enum quality decode_loop_quality(double milliamps)
{
    const double tol = NE43_EDGE_TOLERANCE_MA;
    /* NE43 failure information: at or below 3.6 mA, at or above 21.0 mA (the edges belong
     * to the failure band); NaN too. */
    if (!(milliamps > NE43_FAULT_LO_MA + tol && milliamps < NE43_FAULT_HI_MA - tol))
        return QUALITY_SENSOR_FAULT;
    if (milliamps >= NE43_VALID_LO_MA - tol && milliamps <= NE43_VALID_HI_MA + tol)
        return QUALITY_GOOD;
    return QUALITY_UNCERTAIN;
}

static int plausibility_checked(const struct point_map *p)
{
    return p->plausible_lo <= p->plausible_hi;
}

/* The steps every reading takes once its raw number is known. */
static enum quality decode_finish(const struct point_map *p, double raw, double *value)
{
    double v = raw * p->scale + p->offset;
    enum quality q = QUALITY_GOOD;
    *value = 0.0;
    if (!isfinite(v))
        return QUALITY_SENSOR_FAULT;
    if (p->signal == SIGNAL_LOOP_MA) {
        q = decode_loop_quality(v);
        if (!quality_has_value(q))
            return q;
        v = p->range_lo + (v - LOOP_ZERO_MA) / LOOP_SPAN_MA * (p->range_hi - p->range_lo);
        if (!isfinite(v))
            return QUALITY_SENSOR_FAULT;
    }
    *value = v;
    if (plausibility_checked(p) && (v < p->plausible_lo || v > p->plausible_hi))
        return QUALITY_OUT_OF_RANGE;
    return q;
}

static int register_bit_valid(const struct point_map *p)
{
    return p->bit >= 0 && p->bit <= REGISTER_BIT_MAX;
}

enum quality decode_registers(const struct point_map *p, const uint16_t *words, double *value)
{
    int n = point_type_registers(p->type);
    uint64_t raw = order_gather(p->order, n, words);
    double x;
    if (p->type == VT_BIT) {
        if (!register_bit_valid(p)) {
            *value = 0.0;
            return QUALITY_SENSOR_FAULT;
        }
        return decode_finish(p, (double)((raw >> p->bit) & 1), value);
    }
    if (type_to_double(p->type, raw, &x) < 0) {
        *value = 0.0;
        return QUALITY_SENSOR_FAULT;
    }
    return decode_finish(p, x, value);
}

enum quality decode_bit(const struct point_map *p, uint8_t bit, double *value)
{
    return decode_finish(p, bit ? 1.0 : 0.0, value);
}

double encode_raw(const struct point_map *p, double value)
{
    double eng = value;
    if (p->signal == SIGNAL_LOOP_MA)
        eng = LOOP_ZERO_MA + (value - p->range_lo) / (p->range_hi - p->range_lo) * LOOP_SPAN_MA;
    return (eng - p->offset) / p->scale;
}

/* The 0/1 whose decoding is value, or -1 with errno = ERANGE. */
static int encode_bit_state(const struct point_map *p, double value, unsigned *state)
{
    double r = round(encode_raw(p, value));
    if (r != 0.0 && r != 1.0) {
        errno = ERANGE;
        return -1;
    }
    *state = r == 1.0;
    return 0;
}

int encode_bit(const struct point_map *p, double value, uint8_t *bit)
{
    unsigned state;
    if (encode_bit_state(p, value, &state) < 0)
        return -1;
    *bit = (uint8_t)state;
    return 0;
}

int encode_registers(const struct point_map *p, double value, uint16_t *words)
{
    int n = point_type_registers(p->type);
    uint64_t raw;
    if (p->type == VT_BIT) {
        unsigned state;
        if (!register_bit_valid(p)) {
            errno = EINVAL;
            return -1;
        }
        if (encode_bit_state(p, value, &state) < 0)
            return -1;
        raw = order_gather(p->order, 1, words);
        raw = (raw & ~(UINT64_C(1) << p->bit)) | ((uint64_t)state << p->bit);
        order_scatter(p->order, 1, raw, words);
        return 0;
    }
    if (type_from_double(p->type, encode_raw(p, value), &raw) < 0) {
        errno = ERANGE;
        return -1;
    }
    order_scatter(p->order, n, raw, words);
    return 0;
}
