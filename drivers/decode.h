/*
 * decode.h - raw Modbus words or bits to an engineering value with a quality, and back.
 *
 * decode_* is what the gateway applies to every reading; encode_* is its exact
 * inverse, used by the simulator to serve a value and by tests to round-trip.
 * Pure functions: no I/O, no allocation.
 */
#ifndef RISKGW_DECODE_H
#define RISKGW_DECODE_H

#include <stddef.h>
#include <stdint.h>
#include "point.h"

/* NAMUR NE43 bands, in mA: 3.8 to 20.5 a measurement, <= 3.6 and >= 21.0 a failure,
 * between them saturated (uncertain). */
#define NE43_VALID_LO_MA 3.8
#define NE43_VALID_HI_MA 20.5
#define NE43_FAULT_LO_MA 3.6
#define NE43_FAULT_HI_MA 21.0
#define LOOP_ZERO_MA 4.0
#define LOOP_SPAN_MA 16.0

/*
 * Decode a register-area point. `words` starts at the point's first register and
 * holds point_type_registers(p->type) words in host order as read off the wire.
 * Sets *value and returns the quality. For VT_BIT, p->bit selects the bit.
 *
 * Order for widths other than 32 bits: BADC and DCBA swap the two bytes of every
 * word; CDAB and DCBA reverse the order of the words. A 64-bit value A..H is thus
 * ABCDEFGH, BADCFEHG, GHEFCDAB or HGFEDCBA on the wire; a 16-bit value (and a bit
 * of a register, numbered from the least significant bit of the ordered word) is
 * AB for ABCD/CDAB and BA for BADC/DCBA.
 *
 * *value is always written. It is meaningful only when quality_has_value(); for
 * QUALITY_OUT_OF_RANGE it holds the implausible engineering value (for a log
 * line), for QUALITY_SENSOR_FAULT (NE43 fault current, NaN/Inf float, a bit
 * index outside 0..15) it is 0 and must never be read as a measurement.
 */
enum quality decode_registers(const struct point_map *p, const uint16_t *words, double *value);

/* Decode a coil or discrete input (bit is 0 or 1). */
enum quality decode_bit(const struct point_map *p, uint8_t bit, double *value);

/* Classify a loop current per NE43 (band edges inclusive of the valid band and
 * of the uncertain bands, to within a nanoamp; NaN is a fault). */
enum quality decode_loop_quality(double milliamps);

/*
 * Inverse of decode_registers for simulators: write the words that decode to
 * `value`. Returns 0, or -1 with errno=ERANGE if it cannot be represented
 * (integer types round to nearest and must fit; NaN and infinities are valid
 * only for float types). For VT_BIT in a register, only bit p->bit of words[0]
 * is changed; a bit index outside 0..15 gives -1 with errno=EINVAL.
 */
int encode_registers(const struct point_map *p, double value, uint16_t *words);

/* Inverse of decode_bit, for coils and discrete inputs: *bit becomes the 0 or 1
 * that decodes to `value`. Returns 0, or -1 with errno=ERANGE otherwise. */
int encode_bit(const struct point_map *p, double value, uint8_t *bit);

/* Apply scale/offset inverse and loop mapping inverse: engineering -> raw. */
double encode_raw(const struct point_map *p, double value);

#endif
