/*
 * sim_point.h - put one point's engineering value into a device's register tables.
 *
 * The simulator serves values through the gateway's own codec (encode_* in
 * drivers/decode.h), so what riskgw-sim shows is exactly what the gateway decodes.
 * This file adds the two values a scenario does not spell out: the resting value
 * a point shows with no timeline, and the signal that reads as a sensor fault.
 */
#ifndef RISKGW_SIM_POINT_H
#define RISKGW_SIM_POINT_H

#include <modbus/modbus.h>
#include "point.h"

#define SIM_FAULT_MA 2.0            /* a broken loop: well under NE43's 3.6 mA fault edge */
#define SIM_FAULT_MARGIN 0.1        /* past the plausible range by this share of its span */
#define SIM_WHY_MAX 200

/* Registers/bits needed in each area to hold the point: address + width. */
int sim_point_extent(const struct point_map *m);

/* Write value into the point's place in the tables. -1 (tables untouched) when
 * the value cannot be represented by the point's type, scale and signal. */
int sim_point_write(const struct point_map *m, modbus_mapping_t *tables, double value);

/* What the tables hold for the point, as the gateway decodes it (a master may have
 * written it): the quality, and the value in *value. */
enum quality sim_point_read(const struct point_map *m, modbus_mapping_t *tables, double *value);

/* 1 when value can be served by the point, 0 when not. */
int sim_point_encodable(const struct point_map *m, double value);

/* The engineering value the gateway decodes as a fault (NE43 loop: SIM_FAULT_MA;
 * float: NaN; else just outside the plausible range). -1 with a sentence in why
 * when the point has no such value (a bit, an integer with no plausible range). */
int sim_point_fault_value(const struct point_map *m, double *value, char *why, size_t whylen);

/* What a point shows when nothing drives it: 0, moved into the plausible and
 * loop ranges, or failing that whatever all-zero registers decode to. */
double sim_point_rest_value(const struct point_map *m);

#endif
