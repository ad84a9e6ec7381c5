/*
 * test_batch.c - the read planner: every plan is valid (each point read exactly
 * once, inside its block, no block over the cap or across a hole wider than
 * max_gap) and minimal, checked against an exhaustive search on thousands of small
 * maps and by hand on the edge cases (gap at max_gap and max_gap+1, a float that
 * straddles the cap, mixed areas, duplicates); then splitting refused blocks.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "batch.h"
#include "check.h"

#define MAX_POINTS 8192

static struct point_map mk(enum reg_area area, uint16_t address, enum value_type type)
{
    struct point_map p = {
        .area = area, .address = address, .type = type, .order = ORDER_ABCD, .bit = -1,
        .scale = 1.0, .signal = SIGNAL_DIRECT, .plausible_lo = 1.0, .plausible_hi = 0.0,
    };
    return p;
}

static struct batch_limits limits(uint16_t regs, uint16_t bits, uint16_t gap)
{
    struct batch_limits l = {.max_registers = regs, .max_bits = bits, .max_gap = gap, .one_per_point = 0};
    return l;
}

static int is_bits(enum reg_area a)
{
    return a == AREA_COIL || a == AREA_DISCRETE;
}

static unsigned width(const struct point_map *p)
{
    return is_bits(p->area) ? 1u : (unsigned)point_type_registers(p->type);
}

static unsigned cap(const struct batch_limits *l, enum reg_area a)
{
    return is_bits(a) ? l->max_bits : l->max_registers;
}

/* Is address a (of area) inside some point of the map? */
static int covered(const struct point_map *pts, size_t n, enum reg_area area, unsigned a)
{
    for (size_t i = 0; i < n; i++)
        if (pts[i].area == area && pts[i].address <= a && a < pts[i].address + width(&pts[i]))
            return 1;
    return 0;
}

/* Does [from, to) of area contain a run of uncovered addresses longer than gap? */
static int has_wide_hole(const struct point_map *pts, size_t n, enum reg_area area,
                         unsigned from, unsigned to, unsigned gap)
{
    unsigned run = 0;
    for (unsigned a = from; a < to; a++) {
        run = covered(pts, n, area, a) ? 0 : run + 1;
        if (run > gap)
            return 1;
    }
    return 0;
}

/* Every invariant a poller relies on; counts violations. */
static int plan_violations(const struct batch_plan *plan, const struct point_map *pts, size_t n,
                           const struct batch_limits *lim)
{
    int bad = 0;
    unsigned char *seen = calloc(n ? n : 1, 1);
    if (plan->npoints != n)
        bad++;
    for (size_t b = 0; b < plan->nblocks; b++) {
        const struct batch_block *blk = &plan->blocks[b];
        unsigned lo = 65536, hi = 0;
        if (blk->count < 1 || blk->count > cap(lim, blk->area) || blk->npoints < 1)
            bad++;
        if (b > 0 && blk->first != plan->blocks[b - 1].first + plan->blocks[b - 1].npoints)
            bad++;                              /* groups are consecutive in order[] */
        if (b > 0 && blk->area < plan->blocks[b - 1].area)
            bad++;
        if (blk->first + blk->npoints > plan->npoints) {
            bad++;
            continue;
        }
        for (size_t k = 0; k < blk->npoints; k++) {
            size_t i = plan->order[blk->first + k];
            if (i >= n || seen[i]++) {
                bad++;
                continue;
            }
            const struct point_map *p = &pts[i];
            if (p->area != blk->area || p->address < blk->start || p->address + width(p) > blk->start + blk->count)
                bad++;
            if (k > 0 && p->address < pts[plan->order[blk->first + k - 1]].address)
                bad++;                          /* by address within a block */
            if (p->address < lo)
                lo = p->address;
            if (p->address + width(p) > hi)
                hi = p->address + width(p);
        }
        if (lo != blk->start || hi != (unsigned)blk->start + blk->count)
            bad++;                              /* the block reads no more than its points */
        if (!lim->one_per_point && has_wide_hole(pts, n, blk->area, blk->start, blk->start + blk->count, lim->max_gap))
            bad++;
    }
    for (size_t i = 0; i < n; i++)
        if (!seen[i])
            bad++;
    free(seen);
    return bad;
}

/* The true minimum, by exhaustive search: a block can always start at a point's
 * address, and one starting at x can hold point p when p fits in [x, x+cap) and
 * no wide hole lies in [x, end of p). Try every subset of such starts. */
static size_t oracle_min_blocks(const struct point_map *pts, size_t n, const struct batch_limits *lim)
{
    unsigned cand_area[16], cand_x[16], masks[16];
    size_t nc = 0, best = n;
    for (size_t i = 0; i < n; i++) {
        size_t c = 0;
        while (c < nc && !(cand_area[c] == pts[i].area && cand_x[c] == pts[i].address))
            c++;
        if (c == nc) {
            cand_area[nc] = pts[i].area;
            cand_x[nc++] = pts[i].address;
        }
    }
    for (size_t c = 0; c < nc; c++) {
        masks[c] = 0;
        for (size_t i = 0; i < n; i++) {
            const struct point_map *p = &pts[i];
            unsigned end = p->address + width(p);
            if (p->area == cand_area[c] && p->address >= cand_x[c] && end <= cand_x[c] + cap(lim, p->area) &&
                !has_wide_hole(pts, n, p->area, cand_x[c], end, lim->max_gap))
                masks[c] |= 1u << i;
        }
    }
    for (unsigned set = 1; set < (1u << nc); set++) {
        unsigned got = 0;
        size_t k = 0;
        for (size_t c = 0; c < nc; c++)
            if (set & (1u << c)) {
                got |= masks[c];
                k++;
            }
        if (got == (1u << n) - 1 && k < best)
            best = k;
    }
    return best;
}

static size_t plan_blocks(const struct point_map *pts, size_t n, const struct batch_limits *lim,
                          struct batch_plan *plan)
{
    CHECK_INT(batch_plan_build(plan, pts, n, lim), 0);
    CHECK_INT(plan_violations(plan, pts, n, lim), 0);
    return plan->nblocks;
}

static void test_contiguous_and_cap(void)
{
    struct point_map pts[300];
    struct batch_limits lim = limits(125, 2000, 0);
    struct batch_plan plan;
    for (int i = 0; i < 300; i++)
        pts[i] = mk(AREA_HOLDING, (uint16_t)(100 + i), VT_UINT16);
    CHECK_INT(plan_blocks(pts, 30, &lim, &plan), 1);
    CHECK_INT(plan.blocks[0].start, 100);
    CHECK_INT(plan.blocks[0].count, 30);
    CHECK_INT(plan.blocks[0].area, AREA_HOLDING);
    batch_plan_free(&plan);
    CHECK_INT(plan_blocks(pts, 125, &lim, &plan), 1);
    batch_plan_free(&plan);
    CHECK_INT(plan_blocks(pts, 126, &lim, &plan), 2);
    CHECK_INT(plan.blocks[0].count, 125);
    CHECK_INT(plan.blocks[1].start, 225);
    CHECK_INT(plan.blocks[1].count, 1);
    batch_plan_free(&plan);
    CHECK_INT(plan_blocks(pts, 300, &lim, &plan), 3);
    batch_plan_free(&plan);
    lim.max_registers = 40;                     /* a meter that takes only ~40 */
    CHECK_INT(plan_blocks(pts, 300, &lim, &plan), 8);
    batch_plan_free(&plan);
    /* the input order does not matter */
    for (int i = 0; i < 150; i++) {
        struct point_map t = pts[i];
        pts[i] = pts[299 - i];
        pts[299 - i] = t;
    }
    CHECK_INT(plan_blocks(pts, 300, &lim, &plan), 8);
    CHECK_INT(plan.blocks[0].start, 100);
    CHECK_INT(plan.order[0], 299);
    batch_plan_free(&plan);
}

static void test_gaps(void)
{
    struct batch_plan plan;
    for (uint16_t gap = 0; gap <= 5; gap++) {
        struct batch_limits lim = limits(125, 2000, gap);
        /* [10] hole of exactly gap [11+gap]: one block */
        struct point_map at[2] = {mk(AREA_HOLDING, 10, VT_UINT16), mk(AREA_HOLDING, (uint16_t)(11 + gap), VT_UINT16)};
        CHECK_INT(plan_blocks(at, 2, &lim, &plan), 1);
        CHECK_INT(plan.blocks[0].count, gap + 2);
        batch_plan_free(&plan);
        /* hole of gap + 1: two blocks */
        struct point_map over[2] = {mk(AREA_HOLDING, 10, VT_UINT16), mk(AREA_HOLDING, (uint16_t)(12 + gap), VT_UINT16)};
        CHECK_INT(plan_blocks(over, 2, &lim, &plan), 2);
        batch_plan_free(&plan);
        /* the hole is measured from the end of a wide point, not its address */
        struct point_map wide[2] = {mk(AREA_INPUT, 10, VT_FLOAT32), mk(AREA_INPUT, (uint16_t)(12 + gap), VT_UINT16)};
        CHECK_INT(plan_blocks(wide, 2, &lim, &plan), 1);
        batch_plan_free(&plan);
        wide[1].address = (uint16_t)(13 + gap);
        CHECK_INT(plan_blocks(wide, 2, &lim, &plan), 2);
        batch_plan_free(&plan);
    }
    /* coils: the gap counts bits */
    struct batch_limits lim = limits(125, 2000, 3);
    struct point_map c[3] = {mk(AREA_COIL, 0, VT_BIT), mk(AREA_COIL, 4, VT_BIT), mk(AREA_COIL, 9, VT_BIT)};
    CHECK_INT(plan_blocks(c, 3, &lim, &plan), 2);
    CHECK_INT(plan.blocks[0].count, 5);
    CHECK_INT(plan.blocks[1].start, 9);
    batch_plan_free(&plan);
}

static void test_straddle(void)
{
    struct batch_limits lim = limits(10, 2000, 0);
    struct batch_plan plan;
    struct point_map pts[10];
    for (int i = 0; i < 9; i++)
        pts[i] = mk(AREA_HOLDING, (uint16_t)i, VT_UINT16);
    /* a float at 9..10 would make the block 11 > 10: it starts the next block whole */
    pts[9] = mk(AREA_HOLDING, 9, VT_FLOAT32);
    CHECK_INT(plan_blocks(pts, 10, &lim, &plan), 2);
    CHECK_INT(plan.blocks[0].count, 9);
    CHECK_INT(plan.blocks[1].start, 9);
    CHECK_INT(plan.blocks[1].count, 2);
    batch_plan_free(&plan);
    /* at 8..9 it fits exactly at the cap */
    pts[8] = mk(AREA_HOLDING, 8, VT_FLOAT32);
    CHECK_INT(plan_blocks(pts, 9, &lim, &plan), 1);
    CHECK_INT(plan.blocks[0].count, 10);
    batch_plan_free(&plan);
    /* a float64 that needs the whole cap */
    lim.max_registers = 4;
    struct point_map d[3] = {mk(AREA_HOLDING, 0, VT_UINT16), mk(AREA_HOLDING, 1, VT_FLOAT64), mk(AREA_HOLDING, 5, VT_UINT16)};
    CHECK_INT(plan_blocks(d, 3, &lim, &plan), 3);
    batch_plan_free(&plan);
    /* points sharing a start with different widths: the ones that fit ride along,
     * the one that does not starts the next block */
    lim.max_registers = 3;
    struct point_map w[4] = {mk(AREA_HOLDING, 0, VT_UINT16), mk(AREA_HOLDING, 1, VT_INT32),
                             mk(AREA_HOLDING, 2, VT_UINT16), mk(AREA_HOLDING, 2, VT_INT32)};
    CHECK_INT(plan_blocks(w, 4, &lim, &plan), 2);
    CHECK_INT(oracle_min_blocks(w, 4, &lim), 2);
    batch_plan_free(&plan);
}

static void test_areas_and_duplicates(void)
{
    struct batch_limits lim = limits(125, 2000, 10);
    struct batch_plan plan;
    struct point_map pts[8] = {
        mk(AREA_INPUT, 0, VT_UINT16), mk(AREA_HOLDING, 0, VT_UINT16), mk(AREA_DISCRETE, 0, VT_BIT),
        mk(AREA_COIL, 0, VT_BIT), mk(AREA_HOLDING, 1, VT_UINT16), mk(AREA_COIL, 1, VT_BIT),
        mk(AREA_HOLDING, 0, VT_BIT), mk(AREA_HOLDING, 0, VT_INT16),   /* same register three ways */
    };
    pts[6].bit = 4;
    CHECK_INT(plan_blocks(pts, 8, &lim, &plan), 4);
    CHECK_INT(plan.blocks[0].area, AREA_COIL);
    CHECK_INT(plan.blocks[0].npoints, 2);
    CHECK_INT(plan.blocks[1].area, AREA_DISCRETE);
    CHECK_INT(plan.blocks[2].area, AREA_HOLDING);
    CHECK_INT(plan.blocks[2].npoints, 4);
    CHECK_INT(plan.blocks[2].count, 2);
    CHECK_INT(plan.blocks[3].area, AREA_INPUT);
    batch_plan_free(&plan);
    /* coils and holding registers at overlapping numbers never share a block */
    struct point_map mixed[2] = {mk(AREA_COIL, 5, VT_BIT), mk(AREA_DISCRETE, 5, VT_BIT)};
    CHECK_INT(plan_blocks(mixed, 2, &lim, &plan), 2);
    batch_plan_free(&plan);
    /* a register that only holes of another area would bridge stays split */
    struct point_map cross[3] = {mk(AREA_HOLDING, 0, VT_UINT16), mk(AREA_INPUT, 1, VT_UINT16),
                                 mk(AREA_HOLDING, 2, VT_UINT16)};
    lim.max_gap = 0;
    CHECK_INT(plan_blocks(cross, 3, &lim, &plan), 3);
    batch_plan_free(&plan);
    /* bits: max_bits applies, not max_registers */
    static struct point_map coils[2100];
    for (int i = 0; i < 2100; i++)
        coils[i] = mk(AREA_COIL, (uint16_t)i, VT_BIT);
    lim = limits(2, 2000, 0);
    CHECK_INT(plan_blocks(coils, 2100, &lim, &plan), 2);
    CHECK_INT(plan.blocks[0].count, 2000);
    batch_plan_free(&plan);
    lim.max_bits = 40;
    CHECK_INT(plan_blocks(coils, 100, &lim, &plan), 3);
    batch_plan_free(&plan);
}

static void test_one_per_point(void)
{
    struct batch_limits lim = limits(125, 2000, 10);
    struct batch_plan plan;
    struct point_map pts[5];
    for (int i = 0; i < 5; i++)
        pts[i] = mk(AREA_HOLDING, (uint16_t)(i * 2), i == 2 ? VT_FLOAT32 : VT_UINT16);
    lim.one_per_point = 1;
    CHECK_INT(plan_blocks(pts, 5, &lim, &plan), 5);
    CHECK_INT(plan.blocks[2].count, 2);
    CHECK_INT(plan.blocks[2].npoints, 1);
    batch_plan_free(&plan);
    pts[1].address = 0;                          /* duplicates: still one request each */
    CHECK_INT(plan_blocks(pts, 5, &lim, &plan), 5);
    batch_plan_free(&plan);
}

/* xorshift32: deterministic random maps. */
static uint32_t rng_state = 88172645u;
static uint32_t rng_next(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 17;
    rng_state ^= rng_state << 5;
    return rng_state;
}

static void test_minimal_against_oracle(void)
{
    const enum value_type types[] = {VT_UINT16, VT_INT32, VT_FLOAT64, VT_BIT};
    int wrong = 0, invalid = 0, trials = 0;
    for (int t = 0; t < 5000; t++) {
        struct point_map pts[7];
        size_t n = 1 + rng_next() % 7;
        struct batch_limits lim = limits((uint16_t)(4 + rng_next() % 9), (uint16_t)(1 + rng_next() % 6),
                                         (uint16_t)(rng_next() % 4));
        for (size_t i = 0; i < n; i++) {
            enum reg_area area = (enum reg_area)(rng_next() % 4);
            if (rng_next() % 3)
                area = AREA_HOLDING;            /* most maps are mostly holding registers */
            enum value_type ty = is_bits(area) ? VT_BIT : types[rng_next() % 4];
            pts[i] = mk(area, (uint16_t)(rng_next() % 24), ty);
            if (ty == VT_BIT && !is_bits(area))
                pts[i].bit = (int8_t)(rng_next() % 16);
        }
        struct batch_plan plan;
        if (batch_plan_build(&plan, pts, n, &lim) < 0) {
            invalid++;
            continue;
        }
        trials++;
        if (plan_violations(&plan, pts, n, &lim))
            invalid++;
        size_t best = oracle_min_blocks(pts, n, &lim);
        if (plan.nblocks != best) {
            wrong++;
            if (wrong < 5)
                fprintf(stderr, "map of %zu points (cap %u, gap %u): %zu blocks, minimum %zu\n",
                        n, lim.max_registers, lim.max_gap, plan.nblocks, best);
        }
        batch_plan_free(&plan);
    }
    CHECK(trials > 4000);
    CHECK_INT(invalid, 0);
    CHECK_INT(wrong, 0);
}

static void test_large_map(void)
{
    static struct point_map pts[MAX_POINTS];
    struct batch_limits lim = limits(60, 2000, 3);
    struct batch_plan plan;
    const enum value_type types[] = {VT_UINT16, VT_FLOAT32, VT_INT64};
    for (size_t i = 0; i < MAX_POINTS; i++)
        pts[i] = mk(i % 5 ? AREA_HOLDING : AREA_INPUT, (uint16_t)(rng_next() % 60000), types[rng_next() % 3]);
    CHECK_INT(batch_plan_build(&plan, pts, MAX_POINTS, &lim), 0);
    CHECK_INT(plan.npoints, MAX_POINTS);
    /* the full invariant check is quadratic in holes; sample the block shapes */
    int bad = 0;
    for (size_t b = 0; b < plan.nblocks; b++)
        if (plan.blocks[b].count > 60 || plan.blocks[b].npoints == 0)
            bad++;
    CHECK_INT(bad, 0);
    batch_plan_free(&plan);
    CHECK(plan.blocks == NULL && plan.order == NULL && plan.nblocks == 0);
}

static void test_refusals(void)
{
    struct batch_plan plan;
    struct batch_limits lim = limits(2, 2000, 0);
    struct point_map f64 = mk(AREA_HOLDING, 7, VT_FLOAT64);
    errno = 0;
    CHECK_INT(batch_plan_build(&plan, &f64, 1, &lim), -1);
    CHECK_INT(errno, EINVAL);
    CHECK_CONTAINS(plan.error, "point 0 (holding register 7, zero-based) is 4 wide");
    CHECK_CONTAINS(plan.error, "at most 2");
    CHECK(plan.blocks == NULL && plan.order == NULL);
    lim = limits(0, 2000, 0);
    CHECK_INT(batch_plan_build(&plan, &f64, 1, &lim), -1);
    CHECK_CONTAINS(plan.error, "max_registers is 0");
    lim = limits(126, 2000, 0);
    CHECK_INT(batch_plan_build(&plan, &f64, 1, &lim), -1);
    CHECK_CONTAINS(plan.error, "125");
    lim = limits(125, 2001, 0);
    CHECK_INT(batch_plan_build(&plan, &f64, 1, &lim), -1);
    CHECK_CONTAINS(plan.error, "max_bits");
    lim = limits(125, 2000, 0);
    struct point_map last = mk(AREA_INPUT, 65534, VT_FLOAT32), over = mk(AREA_INPUT, 65535, VT_FLOAT32);
    CHECK_INT(batch_plan_build(&plan, &last, 1, &lim), 0);
    CHECK_INT(plan.blocks[0].start, 65534);
    CHECK_INT(plan.blocks[0].count, 2);
    batch_plan_free(&plan);
    CHECK_INT(batch_plan_build(&plan, &over, 1, &lim), -1);
    CHECK_CONTAINS(plan.error, "past the last address");
    struct point_map bad_area = mk((enum reg_area)6, 0, VT_UINT16);
    CHECK_INT(batch_plan_build(&plan, &bad_area, 1, &lim), -1);
    CHECK_CONTAINS(plan.error, "area");
    CHECK_INT(batch_plan_build(&plan, NULL, 3, &lim), -1);
    CHECK_INT(batch_plan_build(&plan, NULL, 0, NULL), -1);
    errno = 0;
    CHECK_INT(batch_plan_build(NULL, &last, 1, &lim), -1);
    CHECK_INT(errno, EINVAL);
    /* an empty map is a plan with nothing to read */
    CHECK_INT(batch_plan_build(&plan, NULL, 0, &lim), 0);
    CHECK_INT(plan.nblocks, 0);
    CHECK_INT(plan.npoints, 0);
    batch_plan_free(&plan);
    batch_plan_free(NULL);
}

static void test_split(void)
{
    struct batch_limits lim = limits(125, 2000, 20);
    struct batch_plan plan;
    struct point_map pts[16];
    /* 10 contiguous registers, then a second area so the block index shifts matter */
    for (int i = 0; i < 10; i++)
        pts[i] = mk(AREA_HOLDING, (uint16_t)(100 + i), VT_UINT16);
    pts[10] = mk(AREA_INPUT, 0, VT_UINT16);
    CHECK_INT(plan_blocks(pts, 11, &lim, &plan), 2);
    size_t order_before[11];
    memcpy(order_before, plan.order, sizeof order_before);
    CHECK_INT(batch_plan_split(&plan, 0, pts), 0);       /* no hole: at the middle */
    CHECK_INT(plan.nblocks, 3);
    CHECK_INT(plan.blocks[0].start, 100);
    CHECK_INT(plan.blocks[0].count, 5);
    CHECK_INT(plan.blocks[1].start, 105);
    CHECK_INT(plan.blocks[1].count, 5);
    CHECK_INT(plan.blocks[2].area, AREA_INPUT);          /* the later block moved down intact */
    CHECK_INT(plan.blocks[2].first, 10);
    CHECK(memcmp(order_before, plan.order, sizeof order_before) == 0);
    CHECK_INT(plan_violations(&plan, pts, 11, &lim), 0);
    /* split down to single points: 10 blocks in 8 more splits */
    int splits = 0;
    for (size_t b = 0; b < plan.nblocks;) {
        if (plan.blocks[b].area == AREA_HOLDING && batch_plan_split(&plan, b, pts) == 0) {
            splits++;
            continue;
        }
        b++;
    }
    CHECK_INT(splits, 8);
    CHECK_INT(plan.nblocks, 11);
    CHECK_INT(plan_violations(&plan, pts, 11, &lim), 0);
    for (size_t b = 0; b < 10; b++) {
        CHECK_INT(plan.blocks[b].start, 100 + b);
        CHECK_INT(plan.blocks[b].count, 1);
    }
    errno = 0;
    CHECK_INT(batch_plan_split(&plan, 3, pts), -1);
    CHECK_INT(errno, ERANGE);
    CHECK_CONTAINS(plan.error, "single point");
    CHECK_CONTAINS(plan.error, "holding register block at 103+1");
    errno = 0;
    CHECK_INT(batch_plan_split(&plan, 11, pts), -1);
    CHECK_INT(errno, EINVAL);
    CHECK_INT(plan.nblocks, 11);
    batch_plan_free(&plan);

    /* a hole: split there, not in the middle (exception 2 for unmapped registers) */
    struct point_map h[6] = {mk(AREA_HOLDING, 0, VT_UINT16), mk(AREA_HOLDING, 1, VT_UINT16),
                             mk(AREA_HOLDING, 2, VT_UINT16), mk(AREA_HOLDING, 3, VT_UINT16),
                             mk(AREA_HOLDING, 10, VT_FLOAT32), mk(AREA_HOLDING, 5, VT_UINT16)};
    CHECK_INT(plan_blocks(h, 6, &lim, &plan), 1);
    CHECK_INT(batch_plan_split(&plan, 0, h), 0);
    CHECK_INT(plan.blocks[0].start, 0);
    CHECK_INT(plan.blocks[0].count, 6);
    CHECK_INT(plan.blocks[0].npoints, 5);
    CHECK_INT(plan.blocks[1].start, 10);
    CHECK_INT(plan.blocks[1].count, 2);
    CHECK_INT(plan_violations(&plan, h, 6, &lim), 0);
    CHECK_INT(batch_plan_split(&plan, 0, h), 0);         /* then the smaller hole at 4 */
    CHECK_INT(plan.blocks[0].count, 4);
    CHECK_INT(plan.blocks[1].start, 5);
    CHECK_INT(plan.blocks[1].count, 1);
    CHECK_INT(plan.nblocks, 3);
    batch_plan_free(&plan);

    /* points at one address (a register and bits of it) cannot be split apart */
    struct point_map same[3] = {mk(AREA_HOLDING, 40, VT_UINT16), mk(AREA_HOLDING, 40, VT_BIT),
                                mk(AREA_HOLDING, 40, VT_INT16)};
    same[1].bit = 0;
    CHECK_INT(plan_blocks(same, 3, &lim, &plan), 1);
    CHECK_INT(batch_plan_split(&plan, 0, same), -1);
    CHECK_INT(errno, ERANGE);
    CHECK_CONTAINS(plan.error, "single address");
    batch_plan_free(&plan);

    /* duplicates beside another point: split between distinct addresses only */
    struct point_map dup[3] = {mk(AREA_HOLDING, 7, VT_UINT16), mk(AREA_HOLDING, 7, VT_INT16),
                               mk(AREA_HOLDING, 8, VT_UINT16)};
    CHECK_INT(plan_blocks(dup, 3, &lim, &plan), 1);
    CHECK_INT(batch_plan_split(&plan, 0, dup), 0);
    CHECK_INT(plan.blocks[0].npoints, 2);
    CHECK_INT(plan.blocks[0].count, 1);
    CHECK_INT(plan.blocks[1].start, 8);
    CHECK_INT(plan_violations(&plan, dup, 3, &lim), 0);
    batch_plan_free(&plan);

    /* a wide point overlapping the next: the left block keeps its full width */
    struct point_map ov[3] = {mk(AREA_HOLDING, 0, VT_FLOAT64), mk(AREA_HOLDING, 2, VT_UINT16),
                              mk(AREA_HOLDING, 4, VT_UINT16)};
    CHECK_INT(plan_blocks(ov, 3, &lim, &plan), 1);
    CHECK_INT(batch_plan_split(&plan, 0, ov), 0);
    CHECK_INT(plan_violations(&plan, ov, 3, &lim), 0);
    CHECK_INT(plan.nblocks, 2);
    batch_plan_free(&plan);
}

/* Random plans split until nothing splits: always valid, ends one address per block. */
/* A copy splits on its own: the plan it came from keeps its blocks. */
static void test_copy(void)
{
    struct batch_limits lim = limits(125, 2000, 20);
    struct batch_plan plan, copy;
    struct point_map pts[10];
    for (int i = 0; i < 10; i++)
        pts[i] = mk(AREA_HOLDING, (uint16_t)(100 + i), VT_UINT16);
    CHECK_INT(plan_blocks(pts, 10, &lim, &plan), 1);
    CHECK_INT(batch_plan_copy(&copy, &plan), 0);
    CHECK_INT(batch_plan_split(&copy, 0, pts), 0);
    CHECK_INT(copy.nblocks, 2);
    CHECK_INT(plan.nblocks, 1);
    CHECK_INT(plan.blocks[0].count, 10);
    CHECK_INT(plan_violations(&copy, pts, 10, &lim), 0);
    batch_plan_free(&copy);
    batch_plan_free(&plan);
    struct batch_plan empty = {0};
    CHECK_INT(batch_plan_copy(&copy, &empty), 0);
    CHECK(copy.blocks == NULL && copy.nblocks == 0);
}

static void test_split_random(void)
{
    int bad = 0;
    for (int t = 0; t < 500; t++) {
        struct point_map pts[40];
        size_t n = 1 + rng_next() % 40;
        struct batch_limits lim = limits((uint16_t)(8 + rng_next() % 40), 64, (uint16_t)(rng_next() % 5));
        struct batch_plan plan;
        for (size_t i = 0; i < n; i++)
            pts[i] = mk(AREA_HOLDING, (uint16_t)(rng_next() % 80), rng_next() % 3 ? VT_UINT16 : VT_FLOAT32);
        if (batch_plan_build(&plan, pts, n, &lim) < 0) {
            bad++;
            continue;
        }
        while (plan.nblocks > 0) {
            size_t b = rng_next() % plan.nblocks, tries = 0;
            while (tries < plan.nblocks && batch_plan_split(&plan, b, pts) < 0) {
                b = (b + 1) % plan.nblocks;
                tries++;
            }
            if (tries == plan.nblocks)
                break;
        }
        bad += plan_violations(&plan, pts, n, &lim);
        for (size_t b = 0; b < plan.nblocks; b++) {
            const struct batch_block *blk = &plan.blocks[b];
            for (size_t k = 1; k < blk->npoints; k++)
                if (pts[plan.order[blk->first + k]].address != pts[plan.order[blk->first]].address)
                    bad++;
        }
        batch_plan_free(&plan);
    }
    CHECK_INT(bad, 0);
}

int main(void)
{
    test_contiguous_and_cap();
    test_gaps();
    test_straddle();
    test_areas_and_duplicates();
    test_one_per_point();
    test_minimal_against_oracle();
    test_large_map();
    test_refusals();
    test_split();
    test_copy();
    test_split_random();
    return check_summary();
}
