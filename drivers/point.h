/*
 * point.h - how one field value sits in a Modbus device, and how good a reading is.
 *
 * A point_map is pure data: where the value lives (area, address, bit), how it is
 * encoded (type, byte/word order) and how raw numbers become engineering units
 * (scale, offset, 4-20 mA loop mapping, plausible range). Profiles and site config
 * fill it; the decoder, the batch planner, the pollers and the simulator read it.
 * Nothing here knows about threads, sockets, rules or storage.
 */
#ifndef RISKGW_POINT_H
#define RISKGW_POINT_H

#include <stdint.h>

/* Modbus protocol limits (Modbus Application Protocol v1.1b3, 6.1-6.4). */
#define MODBUS_MAX_READ_REGISTERS 125
#define MODBUS_MAX_READ_BITS 2000

enum reg_area {
    AREA_COIL,          /* FC 01 */
    AREA_DISCRETE,      /* FC 02 */
    AREA_HOLDING,       /* FC 03 */
    AREA_INPUT,         /* FC 04 */
};

enum value_type {
    VT_BIT,             /* a coil, a discrete input, or one bit of a register */
    VT_INT16, VT_UINT16,
    VT_INT32, VT_UINT32, VT_FLOAT32,
    VT_INT64, VT_UINT64, VT_FLOAT64,
};

/* Byte order inside the value, named by where the bytes of the big-endian
 * value A B C D (E F G H for 64-bit) land on the wire. ABCD is Modbus' own. */
enum word_order { ORDER_ABCD, ORDER_BADC, ORDER_CDAB, ORDER_DCBA };

/* What the scaled number is: the engineering value itself, or a 4-20 mA loop
 * current (NAMUR NE43) to be classified and mapped onto [range_lo, range_hi]. */
enum signal_kind { SIGNAL_DIRECT, SIGNAL_LOOP_MA };

/* How far a reading can be trusted. Only QUALITY_GOOD and QUALITY_UNCERTAIN
 * carry a usable value; every other quality is a fault, never a number. */
enum quality {
    QUALITY_GOOD = 0,
    QUALITY_UNCERTAIN,      /* NE43 saturation bands: valid-ish, flagged */
    QUALITY_OUT_OF_RANGE,   /* outside the declared plausible range */
    QUALITY_SENSOR_FAULT,   /* NE43 fault current, broken/shorted loop */
    QUALITY_COMM_FAIL,      /* no valid answer from the device for too long */
};

struct point_map {
    enum reg_area area;
    uint16_t address;       /* zero-based protocol address (config base applied) */
    enum value_type type;
    enum word_order order;
    int8_t bit;             /* 0..15 for a bit of a register, -1 otherwise */
    double scale;           /* engineering = raw * scale + offset */
    double offset;
    enum signal_kind signal;
    double range_lo, range_hi;          /* SIGNAL_LOOP_MA: 4 mA -> lo, 20 mA -> hi */
    double plausible_lo, plausible_hi;  /* lo > hi means "no plausibility check" */
};

/* The config and wire names of areas and types, indexed by the enums:
 * "coil", "discrete", "holding", "input"; "bit", "int16", ... "float64". */
#define POINT_AREA_COUNT 4
#define POINT_TYPE_COUNT 9
extern const char *const point_area_names[POINT_AREA_COUNT];
extern const char *const point_type_names[POINT_TYPE_COUNT];

/* Registers a value of this type occupies (bits count as one register or one bit). */
int point_type_registers(enum value_type type);

const char *quality_name(enum quality q);
/* 1 when the quality carries a value a rule may compare, 0 for a fault. */
int quality_has_value(enum quality q);

#endif
