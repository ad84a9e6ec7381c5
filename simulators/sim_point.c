/*
 * sim_point.c - one point's engineering value into a device's register tables.
 *
 * Every value goes through encode_* and, where it matters, is checked back
 * through decode_*: the simulator never guesses how the gateway will read a
 * register, it asks the gateway's own decoder. A write is all or nothing: a value
 * a point cannot hold leaves the tables as they were.
 */
#include "sim_point.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "decode.h"

#define POINT_MAX_WORDS 4           /* the widest type, 64 bits */
#define FAULT_CANDIDATES_MAX 3

static int is_bit_area(enum reg_area area)
{
    return area == AREA_COIL || area == AREA_DISCRETE;
}

int sim_point_extent(const struct point_map *m)
{
    return (int)m->address + (is_bit_area(m->area) ? 1 : point_type_registers(m->type));
}

static uint8_t *bit_slot(const struct point_map *m, modbus_mapping_t *t)
{
    return (m->area == AREA_COIL ? t->tab_bits : t->tab_input_bits) + m->address;
}

static uint16_t *register_slot(const struct point_map *m, modbus_mapping_t *t)
{
    return (m->area == AREA_HOLDING ? t->tab_registers : t->tab_input_registers) + m->address;
}

/* Encode into scratch (words holds the current contents for bits of a register).
 * Returns 0 and sets *q to how the gateway would judge the result, or -1. */
static int encode_scratch(const struct point_map *m, double value, uint16_t *words, uint8_t *bit,
                          enum quality *q)
{
    double back;
    if (is_bit_area(m->area)) {
        if (encode_bit(m, value, bit) < 0)
            return -1;
        *q = decode_bit(m, *bit, &back);
        return 0;
    }
    if (encode_registers(m, value, words) < 0)
        return -1;
    *q = decode_registers(m, words, &back);
    return 0;
}

int sim_point_write(const struct point_map *m, modbus_mapping_t *tables, double value)
{
    uint16_t words[POINT_MAX_WORDS];
    uint8_t bit;
    enum quality q;
    int n = point_type_registers(m->type);
    if (!is_bit_area(m->area))
        memcpy(words, register_slot(m, tables), (size_t)n * sizeof *words);
    if (encode_scratch(m, value, words, &bit, &q) < 0)
        return -1;
    if (is_bit_area(m->area))
        *bit_slot(m, tables) = bit;
    else
        memcpy(register_slot(m, tables), words, (size_t)n * sizeof *words);
    return 0;
}

enum quality sim_point_read(const struct point_map *m, modbus_mapping_t *tables, double *value)
{
    if (is_bit_area(m->area))
        return decode_bit(m, *bit_slot(m, tables), value);
    return decode_registers(m, register_slot(m, tables), value);
}

int sim_point_encodable(const struct point_map *m, double value)
{
    uint16_t words[POINT_MAX_WORDS] = {0};
    uint8_t bit;
    enum quality q;
    return encode_scratch(m, value, words, &bit, &q) == 0;
}

/* 1 when the gateway would read value as a fault rather than a measurement. */
static int reads_as_fault(const struct point_map *m, double value)
{
    uint16_t words[POINT_MAX_WORDS] = {0};
    uint8_t bit;
    enum quality q;
    return encode_scratch(m, value, words, &bit, &q) == 0 && !quality_has_value(q);
}

int sim_point_fault_value(const struct point_map *m, double *value, char *why, size_t whylen)
{
    double cand[FAULT_CANDIDATES_MAX];
    int n = 0;
    if (m->signal == SIGNAL_LOOP_MA)
        cand[n++] = m->range_lo + (SIM_FAULT_MA - LOOP_ZERO_MA) / LOOP_SPAN_MA * (m->range_hi - m->range_lo);
    if (m->type == VT_FLOAT32 || m->type == VT_FLOAT64)
        cand[n++] = NAN;
    if (m->plausible_lo <= m->plausible_hi && n < FAULT_CANDIDATES_MAX) {
        double margin = SIM_FAULT_MARGIN * (m->plausible_hi - m->plausible_lo);
        cand[n++] = m->plausible_hi + margin;
        if (n < FAULT_CANDIDATES_MAX)
            cand[n++] = m->plausible_lo - margin;
    }
    for (int i = 0; i < n; i++)
        if (reads_as_fault(m, cand[i])) {
            *value = cand[i];
            return 0;
        }
    if (m->type == VT_BIT)
        snprintf(why, whylen, "a bit has no fault signal; use 'set' with 0 or 1 instead");
    else
        snprintf(why, whylen, "no value of this point reads as a fault: it is not a 4-20 mA loop, "
                 "and has no \"plausible\" range its registers can leave");
    return -1;
}

double sim_point_rest_value(const struct point_map *m)
{
    uint16_t zero[POINT_MAX_WORDS] = {0};
    double v = 0.0;
    if (m->signal == SIGNAL_LOOP_MA)
        v = fmax(m->range_lo, fmin(m->range_hi, v));
    if (m->plausible_lo <= m->plausible_hi)
        v = fmax(m->plausible_lo, fmin(m->plausible_hi, v));
    if (sim_point_encodable(m, v))
        return v;
    if (is_bit_area(m->area))
        decode_bit(m, 0, &v);
    else
        decode_registers(m, zero, &v);
    return v;
}
