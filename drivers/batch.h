/*
 * batch.h - plan the fewest read requests that cover a device's points.
 *
 * Points on the same area are sorted by address and merged into blocks while the
 * block stays within the device's register cap and any hole between points is no
 * larger than the allowed gap. A block that the device refuses (exception 1, 2 or
 * 3) is split in two and re-planned; the split is remembered in the plan.
 *
 * A "hole" is a run of addresses that no point of the map (in that area) covers;
 * a block never spans a hole wider than max_gap. The plan is minimal: no plan
 * obeying the same cap and gap covers the map with fewer requests (batch.c
 * explains why; tests/unit/test_batch.c checks it against an exhaustive search).
 */
#ifndef RISKGW_BATCH_H
#define RISKGW_BATCH_H

#include <stddef.h>
#include <stdint.h>
#include "point.h"

struct batch_limits {
    uint16_t max_registers;     /* <= MODBUS_MAX_READ_REGISTERS */
    uint16_t max_bits;          /* <= MODBUS_MAX_READ_BITS */
    uint16_t max_gap;           /* registers (or bits) of hole bridged inside a block */
    int one_per_point;          /* 1: every point its own request */
};

struct batch_block {
    enum reg_area area;
    uint16_t start;
    uint16_t count;
    size_t first;               /* index into plan->order of the first point covered */
    size_t npoints;             /* how many consecutive entries of plan->order */
};

#define BATCH_ERROR_MAX 160

struct batch_plan {
    struct batch_block *blocks; /* by area, then first address; room for npoints blocks */
    size_t nblocks;
    size_t *order;              /* point indices, grouped block by block, each group by address */
    size_t npoints;
    char error[BATCH_ERROR_MAX]; /* why the last build or split returned -1 */
};

/*
 * Build a plan for points[0..n-1]. Returns 0, or -1 with errno set and
 * plan->error saying why: EINVAL for limits outside the Modbus ones or a point
 * wider than the cap or running past address 65535, ENOMEM.
 */
int batch_plan_build(struct batch_plan *plan, const struct point_map *points, size_t n,
                     const struct batch_limits *lim);

/*
 * Split block b (refused by the device) into two at a point boundary: at its
 * widest hole, or with no hole, at the boundary nearest its middle point. The
 * new block becomes b+1; order[] is unchanged; no allocation (blocks has room).
 * Returns 0, or -1 with errno=ERANGE when the block covers a single point or a
 * single address (then those points alone are refused and their readings are
 * faults), or errno=EINVAL for a block index out of range.
 */
int batch_plan_split(struct batch_plan *plan, size_t b, const struct point_map *points);

/* A copy of src that can be split on its own (devices share a plan until one of
 * them refuses a block). 0, or -1 with errno ENOMEM and dst->error. */
int batch_plan_copy(struct batch_plan *dst, const struct batch_plan *src);

void batch_plan_free(struct batch_plan *plan);

#endif
