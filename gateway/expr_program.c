/*
 * expr_program.c - a compiled expression as one block of memory, and what it can tell.
 *
 * The parser's output is packed into a single allocation: the header, the
 * instructions, the held() timers, copies of the calendars it names and the list of
 * points it reads. One malloc at config load, one free at reload, nothing in between;
 * the core learns from it which points to feed (expr_points) and how much history
 * each needs (expr_windows).
 */
#include <stdlib.h>
#include <string.h>
#include "expr_internal.h"

/* expr_pack lays the arrays end to end; each size a multiple of 8 keeps them aligned. */
_Static_assert(sizeof(struct expr) % 8 == 0, "struct expr keeps the arrays after it aligned");
_Static_assert(sizeof(struct expr_ins) % 8 == 0, "instructions keep the timers aligned");
_Static_assert(sizeof(struct expr_calendar) % 8 == 0, "calendars keep the points aligned");

static int is_point_op(enum expr_op op)
{
    return op >= OP_VALUE && op <= OP_MAX;
}

static int is_window_op(enum expr_op op)
{
    return op >= OP_RATE && op <= OP_MAX;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Fill e->points from the instructions: sorted, each once. */
static void expr_collect_points(struct expr *e)
{
    size_t n = 0;
    for (size_t i = 0; i < e->nins; i++)
        if (is_point_op(e->ins[i].op))
            e->points[n++] = e->ins[i].point;
    qsort(e->points, n, sizeof *e->points, cmp_u32);
    e->npoints = 0;
    for (size_t i = 0; i < n; i++)
        if (e->npoints == 0 || e->points[e->npoints - 1] != e->points[i])
            e->points[e->npoints++] = e->points[i];
}

struct expr *expr_pack(const struct expr_build *b)
{
    size_t maxpoints = 0;
    for (size_t i = 0; i < b->nins; i++)
        maxpoints += is_point_op(b->ins[i].op);
    size_t size = sizeof(struct expr) + b->nins * sizeof(struct expr_ins) +
                  b->nheld * sizeof(int64_t) + b->ncal * sizeof(struct expr_calendar) +
                  maxpoints * sizeof(uint32_t);
    struct expr *e = malloc(size);
    if (!e)
        return NULL;
    memset(e, 0, sizeof *e);
    e->nins = b->nins;
    e->nheld = b->nheld;
    e->ncal = b->ncal;
    e->uses_time = b->uses_time;
    e->ins = (struct expr_ins *)(e + 1);
    e->held_since = (int64_t *)(e->ins + e->nins);
    e->cal = (struct expr_calendar *)(e->held_since + e->nheld);
    e->points = (uint32_t *)(e->cal + e->ncal);
    memcpy(e->ins, b->ins, b->nins * sizeof *e->ins);
    for (size_t i = 0; i < b->ncal; i++)
        e->cal[i] = *b->cal[i];
    expr_collect_points(e);
    expr_reset(e);
    return e;
}

void expr_free(struct expr *e)
{
    free(e);
}

void expr_reset(struct expr *e)
{
    for (size_t i = 0; i < e->nheld; i++)
        e->held_since[i] = HELD_IDLE;
}

size_t expr_points(const struct expr *e, const uint32_t **points)
{
    *points = e->points;
    return e->npoints;
}

int expr_uses_time(const struct expr *e)
{
    return e->uses_time;
}

void expr_windows(const struct expr *e, struct history_spec *specs)
{
    for (size_t i = 0; i < e->nins; i++) {
        const struct expr_ins *in = &e->ins[i];
        if (is_window_op(in->op) && in->ms > specs[in->point].window_ms)
            specs[in->point].window_ms = in->ms;
    }
}
