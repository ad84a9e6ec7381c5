/*
 * expr_eval.c - run a compiled condition over the latest samples, with no allocation.
 *
 * The program is postfix; the stack is a fixed array of doubles on the C stack, its
 * depth bounded at compile time. "Unknown" is NaN: arithmetic carries it along by
 * itself, and the operators that must not (comparisons, and, or, not) test for it.
 * So a reading in fault can never turn into a number, and Kleene's three-valued logic
 * decides whether the answer still is known:
 *
 *     and | F  U  T        or | F  U  T
 *     ----+---------       ---+---------
 *      F  | F  F  F         F | F  U  T
 *      U  | F  U  U         U | U  U  T
 *      T  | F  U  T         T | T  T  T
 */
#include <math.h>
#include "expr_internal.h"

#define MS_PER_MIN 60000
#define MS_PER_S 1000.0

void expr_env_init(struct expr_env *env, const struct reading *latest, size_t npoints,
                   const struct history *history, expr_local_fn local_time, void *local_ctx)
{
    *env = (struct expr_env){
        .latest = latest, .npoints = npoints, .history = history,
        .local_time = local_time ? local_time : expr_local_time_system,
        .local_ctx = local_ctx, .cal_wall_min = INT64_MIN,
    };
}

void expr_latest_init(struct reading *latest, size_t n)
{
    for (size_t i = 0; i < n; i++)
        latest[i] = (struct reading){ .quality = QUALITY_COMM_FAIL };
}

/* The quality a rule sees: a value-carrying quality with a NaN or infinite value is a
 * broken reading (OUT_OF_RANGE, as rules.c says), a point outside latest[] never read. */
static enum quality eval_quality(const struct expr_env *env, uint32_t point)
{
    if (point >= env->npoints)
        return QUALITY_COMM_FAIL;
    const struct reading *s = &env->latest[point];
    if (quality_has_value(s->quality) && !isfinite(s->value))
        return QUALITY_OUT_OF_RANGE;
    return s->quality;
}

static double eval_value(const struct expr_env *env, uint32_t point)
{
    return quality_has_value(eval_quality(env, point)) ? env->latest[point].value : NAN;
}

/* rate, avg, min, max over the good samples of the window ending now. */
static double eval_window(const struct expr_ins *in, const struct expr_env *env)
{
    struct history_window w;
    if (!quality_has_value(eval_quality(env, in->point)) ||
        history_window(env->history, in->point, env->mono_ms - in->ms, &w) < 0 || w.count == 0)
        return NAN;
    switch (in->op) {
    case OP_AVG: return w.sum / w.count;
    case OP_MIN: return w.min;
    case OP_MAX: return w.max;
    default: break;
    }
    if (w.last_ms == w.first_ms)
        return NAN;             /* one instant: no change to speak of yet */
    return (w.last - w.first) * MS_PER_S / (double)(w.last_ms - w.first_ms);
}

/* 1 inside the calendar, 0 outside, NaN when local time is not known. */
static double eval_calendar(const struct expr_calendar *cal, struct expr_env *env)
{
    int64_t wall_min = expr_floor_div(env->wall_ms, MS_PER_MIN);
    if (wall_min != env->cal_wall_min) {
        struct tm tm;
        env->cal_wall_min = wall_min;
        env->cal_known = env->local_time(env->local_ctx, env->wall_ms, &tm) == 0;
        if (env->cal_known)
            env->cal_local_min = expr_local_minute(&tm);
    }
    return env->cal_known ? expr_calendar_contains(cal, env->cal_local_min) : NAN;
}

/* held(c, d): c known true without a break for d. An unknown c keeps a timer that has
 * already reached d (the alarm holds) but restarts one still pending, as a fault
 * restarts a pending delay in rules.c. */
static double eval_held(double c, int64_t *since, int64_t d, int64_t now)
{
    if (c == 1.0) {
        if (*since == HELD_IDLE)
            *since = now;
        return now - *since >= d;
    }
    if (c == 0.0 || *since == HELD_IDLE || now - *since < d) {
        *since = HELD_IDLE;
        return c == 0.0 ? 0.0 : NAN;
    }
    return NAN;
}

static double known(double v)
{
    return isfinite(v) ? v : NAN;
}

static double eval_binary(enum expr_op op, double a, double b)
{
    int unknown = isnan(a) || isnan(b);
    switch (op) {
    case OP_ADD: return known(a + b);
    case OP_SUB: return known(a - b);
    case OP_MUL: return known(a * b);
    case OP_DIV: return b == 0.0 ? NAN : known(a / b);
    case OP_LT: return unknown ? NAN : a < b;
    case OP_LE: return unknown ? NAN : a <= b;
    case OP_GT: return unknown ? NAN : a > b;
    case OP_GE: return unknown ? NAN : a >= b;
    case OP_EQ: return unknown ? NAN : a == b;
    case OP_NE: return unknown ? NAN : a != b;
    case OP_AND: return a == 0.0 || b == 0.0 ? 0.0 : unknown ? NAN : 1.0;
    case OP_OR: return a == 1.0 || b == 1.0 ? 1.0 : unknown ? NAN : 0.0;
    default: return NAN;
    }
}

/* Instructions that push a value read from the env. */
static double eval_leaf(const struct expr *e, const struct expr_ins *in, struct expr_env *env)
{
    switch (in->op) {
    case OP_CONST: return in->num;
    case OP_VALUE: return eval_value(env, in->point);
    case OP_QUALITY: return eval_quality(env, in->point);
    case OP_OK: return quality_has_value(eval_quality(env, in->point));
    case OP_FAULT: return !quality_has_value(eval_quality(env, in->point));
    case OP_CALENDAR: return eval_calendar(&e->cal[in->slot], env);
    default: return eval_window(in, env);
    }
}

enum expr_truth expr_eval(struct expr *e, struct expr_env *env)
{
    double st[EXPR_STACK_MAX];
    int sp = 0;
    for (size_t i = 0; i < e->nins; i++) {
        const struct expr_ins *in = &e->ins[i];
        int arity = expr_op_arity(in->op);
        if (sp < arity || (arity == 0 && sp == EXPR_STACK_MAX))
            return EXPR_UNKNOWN;        /* cannot happen: the compiler sized the stack */
        switch (in->op) {
        case OP_HELD:
            st[sp - 1] = eval_held(st[sp - 1], &e->held_since[in->slot], in->ms, env->mono_ms);
            break;
        case OP_ABS: st[sp - 1] = fabs(st[sp - 1]); break;
        case OP_NEG: st[sp - 1] = -st[sp - 1]; break;
        case OP_NOT: st[sp - 1] = isnan(st[sp - 1]) ? NAN : 1.0 - st[sp - 1]; break;
        default:
            if (arity == 2) {
                sp--;
                st[sp - 1] = eval_binary(in->op, st[sp - 1], st[sp]);
            } else {
                st[sp++] = eval_leaf(e, in, env);
            }
        }
    }
    return sp != 1 || isnan(st[0]) ? EXPR_UNKNOWN : st[0] == 1.0 ? EXPR_TRUE : EXPR_FALSE;
}
