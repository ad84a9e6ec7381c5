/*
 * sim_respond.c - answer one Modbus request PDU from a device's tables (see sim_respond.h).
 *
 * Every function code is one row of a table saying which area it touches, how
 * (read, write one, write many) and how many items one request may name. The
 * checks run in the order the specification gives: function (exception 1),
 * then count and value (3), then address (2). Bytes come from a master we do
 * not trust: nothing is read beyond len and nothing written beyond the tables.
 */
#include "sim_respond.h"

#include <string.h>

#define RESP_BYTES_PER_REGISTER 2
#define RESP_BITS_PER_BYTE 8
#define RESP_BYTE_MASK 0xFFu
#define RESP_ADDRESS_SPACE 65536u
#define REQ_FIXED_BYTES 5               /* function, address (2), count or value (2) */
#define REQ_MANY_HEADER_BYTES 6         /* function, address (2), count (2), byte count */
#define RESP_WRITE_MANY_BYTES 5         /* function, address (2), count (2) */
#define COIL_ON 0xFF00u
#define COIL_OFF 0x0000u
/* Items one request may name (ibid., 6.11 and 6.12). */
#define WRITE_COILS_MAX 1968
#define WRITE_REGISTERS_MAX 123

enum fc_kind { FC_READ, FC_WRITE_ONE, FC_WRITE_MANY };

struct fc_rule {
    uint8_t fc;
    enum reg_area area;
    enum fc_kind kind;
    uint16_t max_count;
};

static const struct fc_rule fc_rules[] = {
    {SIM_FC_READ_COILS, AREA_COIL, FC_READ, MODBUS_MAX_READ_BITS},
    {SIM_FC_READ_DISCRETE, AREA_DISCRETE, FC_READ, MODBUS_MAX_READ_BITS},
    {SIM_FC_READ_HOLDING, AREA_HOLDING, FC_READ, MODBUS_MAX_READ_REGISTERS},
    {SIM_FC_READ_INPUT, AREA_INPUT, FC_READ, MODBUS_MAX_READ_REGISTERS},
    {SIM_FC_WRITE_COIL, AREA_COIL, FC_WRITE_ONE, 1},
    {SIM_FC_WRITE_REGISTER, AREA_HOLDING, FC_WRITE_ONE, 1},
    {SIM_FC_WRITE_COILS, AREA_COIL, FC_WRITE_MANY, WRITE_COILS_MAX},
    {SIM_FC_WRITE_REGISTERS, AREA_HOLDING, FC_WRITE_MANY, WRITE_REGISTERS_MAX},
};
#define FC_RULES (sizeof fc_rules / sizeof fc_rules[0])

static const struct fc_rule *rule_for(uint8_t fc)
{
    for (size_t i = 0; i < FC_RULES; i++)
        if (fc_rules[i].fc == fc)
            return &fc_rules[i];
    return NULL;
}

int sim_respond_area(uint8_t fc)
{
    const struct fc_rule *r = rule_for(fc);
    return r ? (int)r->area : -1;
}

static int is_bits(enum reg_area area) { return area == AREA_COIL || area == AREA_DISCRETE; }

static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] << RESP_BITS_PER_BYTE | p[1]); }

int sim_respond_wrote(const uint8_t *resp, size_t len, enum reg_area *area, uint16_t *start,
                      uint16_t *count)
{
    const struct fc_rule *r = len == RESP_WRITE_MANY_BYTES ? rule_for(resp[0]) : NULL;
    if (!r || r->kind == FC_READ)
        return 0;                   /* a read, an exception, or not an answer at all */
    *area = r->area;
    *start = get_u16(resp + 1);
    *count = r->kind == FC_WRITE_ONE ? 1 : get_u16(resp + 3);
    return 1;
}

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> RESP_BITS_PER_BYTE);
    p[1] = (uint8_t)(v & RESP_BYTE_MASK);
}

/* How many items the area's table holds. */
static unsigned area_size(const modbus_mapping_t *t, enum reg_area area)
{
    switch (area) {
    case AREA_COIL: return (unsigned)t->nb_bits;
    case AREA_DISCRETE: return (unsigned)t->nb_input_bits;
    case AREA_HOLDING: return (unsigned)t->nb_registers;
    case AREA_INPUT: return (unsigned)t->nb_input_registers;
    }
    return 0;
}

static uint8_t *area_bits(modbus_mapping_t *t, enum reg_area area)
{
    return area == AREA_COIL ? t->tab_bits : t->tab_input_bits;
}

static uint16_t *area_registers(modbus_mapping_t *t, enum reg_area area)
{
    return area == AREA_HOLDING ? t->tab_registers : t->tab_input_registers;
}

static size_t data_bytes(enum reg_area area, unsigned count)
{
    return is_bits(area) ? (count + RESP_BITS_PER_BYTE - 1) / RESP_BITS_PER_BYTE
                         : (size_t)count * RESP_BYTES_PER_REGISTER;
}

/* 1 when [start, start + count) lies in the map and touches no gap of the area. */
static int range_served(const struct sim_regs *regs, enum reg_area area, unsigned start, unsigned count)
{
    if (start + count > area_size(regs->tables, area))
        return 0;
    for (size_t i = 0; i < regs->ngaps; i++) {
        const struct sim_gap *g = &regs->gaps[i];
        if (g->area == area && start < (unsigned)g->start + g->count && g->start < start + count)
            return 0;
    }
    return 1;
}

size_t sim_respond_exception(uint8_t fc, uint8_t code, uint8_t *resp)
{
    resp[0] = (uint8_t)(fc | SIM_EXCEPTION_FLAG);
    resp[1] = code;
    return SIM_EXCEPTION_PDU_BYTES;
}

static size_t answer_read(const struct sim_regs *regs, enum reg_area area, unsigned start,
                          unsigned count, uint8_t *resp)
{
    size_t n = data_bytes(area, count);
    resp[1] = (uint8_t)n;
    if (is_bits(area)) {
        const uint8_t *bits = area_bits(regs->tables, area) + start;
        memset(resp + 2, 0, n);
        for (unsigned i = 0; i < count; i++)
            if (bits[i])
                resp[2 + i / RESP_BITS_PER_BYTE] |= (uint8_t)(1u << (i % RESP_BITS_PER_BYTE));
    } else {
        const uint16_t *words = area_registers(regs->tables, area) + start;
        for (unsigned i = 0; i < count; i++)
            put_u16(resp + 2 + RESP_BYTES_PER_REGISTER * i, words[i]);
    }
    return 2 + n;
}

/* Store count items from data (packed bits or big-endian words) at start. */
static void store_items(const struct sim_regs *regs, enum reg_area area, unsigned start,
                        unsigned count, const uint8_t *data)
{
    for (unsigned i = 0; i < count; i++) {
        if (is_bits(area))
            area_bits(regs->tables, area)[start + i] =
                (uint8_t)((data[i / RESP_BITS_PER_BYTE] >> (i % RESP_BITS_PER_BYTE)) & 1u);
        else
            area_registers(regs->tables, area)[start + i] = get_u16(data + RESP_BYTES_PER_REGISTER * i);
    }
}

size_t sim_respond(const struct sim_regs *regs, const uint8_t *req, size_t len, uint8_t *resp)
{
    if (len < 1)
        return sim_respond_exception(0, SIM_EXC_ILLEGAL_FUNCTION, resp);
    uint8_t fc = req[0];
    const struct fc_rule *r = rule_for(fc);
    if (!r)
        return sim_respond_exception(fc, SIM_EXC_ILLEGAL_FUNCTION, resp);
    size_t want = r->kind == FC_WRITE_MANY ? REQ_MANY_HEADER_BYTES : REQ_FIXED_BYTES;
    if (len < want)
        return sim_respond_exception(fc, SIM_EXC_ILLEGAL_VALUE, resp);
    unsigned start = get_u16(req + 1), field = get_u16(req + 3);
    unsigned count = r->kind == FC_WRITE_ONE ? 1 : field;
    if (count == 0 || count > r->max_count || start + count > RESP_ADDRESS_SPACE)
        return sim_respond_exception(fc, SIM_EXC_ILLEGAL_VALUE, resp);
    if (r->kind == FC_WRITE_MANY &&
        (req[5] != data_bytes(r->area, count) || len != REQ_MANY_HEADER_BYTES + (size_t)req[5]))
        return sim_respond_exception(fc, SIM_EXC_ILLEGAL_VALUE, resp);
    if (r->kind != FC_WRITE_MANY && len != REQ_FIXED_BYTES)
        return sim_respond_exception(fc, SIM_EXC_ILLEGAL_VALUE, resp);
    if (fc == SIM_FC_WRITE_COIL && field != COIL_ON && field != COIL_OFF)
        return sim_respond_exception(fc, SIM_EXC_ILLEGAL_VALUE, resp);
    if (!range_served(regs, r->area, start, count))
        return sim_respond_exception(fc, SIM_EXC_ILLEGAL_ADDRESS, resp);
    resp[0] = fc;
    switch (r->kind) {
    case FC_READ:
        return answer_read(regs, r->area, start, count, resp);
    case FC_WRITE_ONE: {
        uint8_t one[RESP_BYTES_PER_REGISTER] = {field == COIL_ON, 0};
        store_items(regs, r->area, start, 1, fc == SIM_FC_WRITE_COIL ? one : req + 3);
        memcpy(resp, req, REQ_FIXED_BYTES);         /* the answer echoes the request */
        return REQ_FIXED_BYTES;
    }
    case FC_WRITE_MANY:
        store_items(regs, r->area, start, count, req + REQ_MANY_HEADER_BYTES);
        memcpy(resp, req, RESP_WRITE_MANY_BYTES);
        return RESP_WRITE_MANY_BYTES;
    }
    return sim_respond_exception(fc, SIM_EXC_ILLEGAL_FUNCTION, resp);
}
