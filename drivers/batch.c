/*
 * batch.c - turn a device's point map into the fewest read requests it accepts.
 *
 * Each request costs a round trip (tens of milliseconds on RS-485 at 9600 baud),
 * so the number of blocks is what a bus's cycle time is made of. The planner works
 * per area on the points sorted by first address:
 *
 * 1. Segments. Walking the sorted points, a hole (addresses no point covers)
 *    wider than max_gap starts a new segment; no block may span such a hole, so
 *    segments are planned independently.
 * 2. Windows. A block starting at address x can hold any point [s, e) of its
 *    segment with x <= s and e <= x + cap. Put differently, point i needs a
 *    window start in [e_i - cap, s_i]: planning is stabbing those intervals with
 *    the fewest window starts. The classic greedy is optimal for that: take the
 *    smallest right end (the lowest remaining s) as x, remove every interval it
 *    stabs (every remaining point with e <= x + cap, even one that follows a
 *    point that did not fit), repeat. Any other plan's first window covering the
 *    lowest point starts no later than x and so stabs nothing x misses among the
 *    points still unplanned; by induction the greedy uses no more windows.
 *    A block then reads [x, largest e it holds), never wider than cap.
 *
 * A refused block is split at its widest hole (a device that answers exception 2
 * to a gap), or at its middle point (one that refuses the length). Blocks have
 * room for one per point from the start, so a split never allocates.
 */
#include "batch.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_ADDRESS_SPACE 65536u      /* addresses 0..65535 */

static const char *const batch_area_names[] = {"coil", "discrete input", "holding register",
                                               "input register"};

/* One point as the planner sees it: addresses [start, end) of one area. */
struct batch_span {
    enum reg_area area;
    uint32_t start, end;
    size_t index;                       /* into the caller's points */
    size_t segment;
};

static int batch_fail(struct batch_plan *plan, int err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int batch_fail(struct batch_plan *plan, int err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(plan->error, sizeof plan->error, fmt, ap);
    va_end(ap);
    errno = err;
    return -1;
}

static int batch_area_is_bits(enum reg_area area)
{
    return area == AREA_COIL || area == AREA_DISCRETE;
}

static uint32_t batch_point_width(const struct point_map *p)
{
    return batch_area_is_bits(p->area) ? 1 : (uint32_t)point_type_registers(p->type);
}

static uint32_t batch_cap(const struct batch_limits *lim, enum reg_area area)
{
    return batch_area_is_bits(area) ? lim->max_bits : lim->max_registers;
}

static int batch_span_cmp(const void *a, const void *b)
{
    const struct batch_span *x = a, *y = b;
    if (x->area != y->area)
        return x->area < y->area ? -1 : 1;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    if (x->end != y->end)
        return x->end < y->end ? -1 : 1;
    return (x->index > y->index) - (x->index < y->index);
}

static int batch_check_limits(struct batch_plan *plan, const struct batch_limits *lim)
{
    if (lim->max_registers < 1 || lim->max_registers > MODBUS_MAX_READ_REGISTERS)
        return batch_fail(plan, EINVAL, "max_registers is %u; it must be 1 to %d (the Modbus limit)",
                          lim->max_registers, MODBUS_MAX_READ_REGISTERS);
    if (lim->max_bits < 1 || lim->max_bits > MODBUS_MAX_READ_BITS)
        return batch_fail(plan, EINVAL, "max_bits is %u; it must be 1 to %d (the Modbus limit)",
                          lim->max_bits, MODBUS_MAX_READ_BITS);
    return 0;
}

/* Fill spans[] sorted, with segment numbers; -1 for a point no request can hold. */
static int batch_spans_make(struct batch_plan *plan, const struct point_map *points, size_t n,
                            const struct batch_limits *lim, struct batch_span *spans)
{
    for (size_t i = 0; i < n; i++) {
        const struct point_map *p = &points[i];
        if ((unsigned)p->area > AREA_INPUT)
            return batch_fail(plan, EINVAL, "point %zu has no valid Modbus area (%d)", i, (int)p->area);
        uint32_t width = batch_point_width(p);
        if (width > batch_cap(lim, p->area))
            return batch_fail(plan, EINVAL,
                              "point %zu (%s %u, zero-based) is %u wide but the device reads at most %u per "
                              "request; raise the device's limit or split the point",
                              i, batch_area_names[p->area], p->address, width, batch_cap(lim, p->area));
        if (p->address + width > BATCH_ADDRESS_SPACE)
            return batch_fail(plan, EINVAL, "point %zu (%s %u, zero-based) runs past the last address 65535",
                              i, batch_area_names[p->area], p->address);
        spans[i] = (struct batch_span){p->area, p->address, p->address + width, i, 0};
    }
    qsort(spans, n, sizeof *spans, batch_span_cmp);
    uint32_t covered = spans[0].end;    /* highest end so far in this area */
    for (size_t k = 1; k < n; k++) {
        int new_area = spans[k].area != spans[k - 1].area;
        int hole_too_wide = spans[k].start > covered && spans[k].start - covered > lim->max_gap;
        spans[k].segment = spans[k - 1].segment + (new_area || hole_too_wide || lim->one_per_point);
        if (new_area || spans[k].end > covered)
            covered = spans[k].end;
    }
    return 0;
}

/* Plan one block at the first unplanned span k: every unplanned span of its
 * segment that fits in [start_k, start_k + cap). */
static void batch_take_window(struct batch_plan *plan, struct batch_span *spans, size_t n, size_t k,
                              unsigned char *taken, const struct batch_limits *lim)
{
    /* batch_spans_make filled every span or failed (the analyzer cannot see through the
     * variadic batch_fail): NOLINTNEXTLINE(clang-analyzer-core.uninitialized.Assign) */
    uint32_t x = spans[k].start, limit = x + batch_cap(lim, spans[k].area), end = x;
    struct batch_block *blk = &plan->blocks[plan->nblocks++];
    blk->area = spans[k].area;
    blk->start = (uint16_t)x;
    blk->first = plan->npoints;
    for (size_t j = k; j < n && spans[j].segment == spans[k].segment && spans[j].start < limit; j++) {
        if (taken[j] || spans[j].end > limit)
            continue;
        taken[j] = 1;
        plan->order[plan->npoints++] = spans[j].index;
        if (spans[j].end > end)
            end = spans[j].end;
    }
    blk->npoints = plan->npoints - blk->first;
    blk->count = (uint16_t)(end - x);
}

/* Release the arrays but keep plan->error (and errno) for the caller. */
static void batch_plan_drop(struct batch_plan *plan)
{
    int err = errno;
    free(plan->blocks);
    free(plan->order);
    plan->blocks = NULL;
    plan->order = NULL;
    plan->nblocks = plan->npoints = 0;
    errno = err;
}

int batch_plan_build(struct batch_plan *plan, const struct point_map *points, size_t n,
                     const struct batch_limits *lim)
{
    struct batch_span *spans = NULL;
    unsigned char *taken = NULL;
    if (!plan) {
        errno = EINVAL;
        return -1;
    }
    memset(plan, 0, sizeof *plan);
    if (!lim || (n && !points))
        return batch_fail(plan, EINVAL, "batch_plan_build was called without limits or points");
    if (batch_check_limits(plan, lim) < 0)
        return -1;
    if (n == 0)
        return 0;
    spans = malloc(n * sizeof *spans);
    taken = calloc(n, 1);
    plan->blocks = malloc(n * sizeof *plan->blocks);
    plan->order = malloc(n * sizeof *plan->order);
    if (!spans || !taken || !plan->blocks || !plan->order) {
        batch_fail(plan, ENOMEM, "out of memory planning the reads of %zu points", n);
        goto fail;
    }
    if (batch_spans_make(plan, points, n, lim, spans) < 0)
        goto fail;
    for (size_t k = 0; k < n; k++)
        if (!taken[k])
            batch_take_window(plan, spans, n, k, taken, lim);
    free(spans);
    free(taken);
    return 0;
fail:
    free(spans);
    free(taken);
    batch_plan_drop(plan);
    return -1;
}

/* How far boundary m of n points is from the middle (in half-points). */
static size_t batch_off_middle(size_t m, size_t n)
{
    return m * 2 > n ? m * 2 - n : n - m * 2;
}

/* Where block blk splits best: the boundary (1..npoints-1, between two distinct
 * addresses) after the widest hole, nearest the middle on a tie; 0 if none. */
static size_t batch_split_point(const struct batch_plan *plan, const struct batch_block *blk,
                                const struct point_map *points)
{
    size_t best = 0;
    uint32_t best_hole = 0, end = 0;
    for (size_t m = 1; m < blk->npoints; m++) {
        const struct point_map *prev = &points[plan->order[blk->first + m - 1]];
        const struct point_map *cur = &points[plan->order[blk->first + m]];
        uint32_t prev_end = prev->address + batch_point_width(prev);
        if (prev_end > end)
            end = prev_end;
        if (cur->address == prev->address)
            continue;
        uint32_t hole = cur->address > end ? cur->address - end : 0;
        if (!best || hole > best_hole ||
            (hole == best_hole && batch_off_middle(m, blk->npoints) < batch_off_middle(best, blk->npoints))) {
            best = m;
            best_hole = hole;
        }
    }
    return best;
}

/* Shrink blk to the points it holds: start at the first, end at the furthest. */
static void batch_block_fit(struct batch_block *blk, const struct batch_plan *plan,
                            const struct point_map *points)
{
    uint32_t start = points[plan->order[blk->first]].address, end = start;
    for (size_t i = 0; i < blk->npoints; i++) {
        const struct point_map *p = &points[plan->order[blk->first + i]];
        if (p->address + batch_point_width(p) > end)
            end = p->address + batch_point_width(p);
    }
    blk->start = (uint16_t)start;
    blk->count = (uint16_t)(end - start);
}

int batch_plan_split(struct batch_plan *plan, size_t b, const struct point_map *points)
{
    if (!plan) {
        errno = EINVAL;
        return -1;
    }
    if (b >= plan->nblocks || !points)
        return batch_fail(plan, EINVAL, "there is no block %zu to split (the plan has %zu)", b, plan->nblocks);
    struct batch_block *blk = &plan->blocks[b];
    size_t m = batch_split_point(plan, blk, points);
    if (!m)
        return batch_fail(plan, ERANGE, "the %s block at %u+%u holds %s; it cannot be split further",
                          batch_area_names[blk->area], blk->start, blk->count,
                          blk->npoints == 1 ? "a single point" : "points at a single address");
    memmove(&plan->blocks[b + 2], &plan->blocks[b + 1], (plan->nblocks - b - 1) * sizeof *blk);
    plan->nblocks++;
    plan->blocks[b + 1] = *blk;
    plan->blocks[b + 1].first = blk->first + m;
    plan->blocks[b + 1].npoints = blk->npoints - m;
    blk->npoints = m;
    batch_block_fit(blk, plan, points);
    batch_block_fit(&plan->blocks[b + 1], plan, points);
    return 0;
}

int batch_plan_copy(struct batch_plan *dst, const struct batch_plan *src)
{
    memset(dst, 0, sizeof *dst);
    if (src->npoints == 0)
        return 0;
    dst->blocks = malloc(src->npoints * sizeof *dst->blocks);   /* room to split, as built */
    dst->order = malloc(src->npoints * sizeof *dst->order);
    if (!dst->blocks || !dst->order) {
        batch_plan_drop(dst);
        return batch_fail(dst, ENOMEM, "out of memory copying the plan of %zu points", src->npoints);
    }
    memcpy(dst->blocks, src->blocks, src->nblocks * sizeof *dst->blocks);
    memcpy(dst->order, src->order, src->npoints * sizeof *dst->order);
    dst->nblocks = src->nblocks;
    dst->npoints = src->npoints;
    return 0;
}

void batch_plan_free(struct batch_plan *plan)
{
    if (!plan)
        return;
    batch_plan_drop(plan);
    plan->error[0] = '\0';
}
