/*
 * expr_call.c - the functions of the expression language, and how a call is checked.
 *
 * Every function is one row of a table: its name, its argument kinds, its result and
 * the instruction it compiles to. Arguments are checked by kind, not just by type:
 * a window function reads one point's history, so its first argument must be a point
 * reference, and a window must be a duration literal, so the ring size is known at
 * config load (history.h).
 */
#include <stdio.h>
#include <string.h>
#include "expr_internal.h"

enum arg_kind {
    ARG_POINT,                      /* device.point, nothing else */
    ARG_WINDOW,                     /* a duration literal: 10s */
    ARG_NUM, ARG_BOOL,              /* any expression of that type */
    ARG_CALENDAR,                   /* a string naming a calendar */
};

#define FUNC_MAX_ARGS 2

struct func {
    const char *name;
    enum expr_op op;
    int nargs;
    enum arg_kind args[FUNC_MAX_ARGS];
    enum ty result;
    const char *usage;
};

static const struct func funcs[] = {
    {"rate", OP_RATE, 2, {ARG_POINT, ARG_WINDOW}, TY_NUM, "rate(device.point, 10s)"},
    {"avg", OP_AVG, 2, {ARG_POINT, ARG_WINDOW}, TY_NUM, "avg(device.point, 1min)"},
    {"min", OP_MIN, 2, {ARG_POINT, ARG_WINDOW}, TY_NUM, "min(device.point, 1min)"},
    {"max", OP_MAX, 2, {ARG_POINT, ARG_WINDOW}, TY_NUM, "max(device.point, 1min)"},
    {"held", OP_HELD, 2, {ARG_BOOL, ARG_WINDOW}, TY_BOOL, "held(condition, 30s)"},
    {"quality", OP_QUALITY, 1, {ARG_POINT}, TY_QUAL, "quality(device.point) == \"good\""},
    {"ok", OP_OK, 1, {ARG_POINT}, TY_BOOL, "ok(device.point)"},
    {"fault", OP_FAULT, 1, {ARG_POINT}, TY_BOOL, "fault(device.point)"},
    {"calendar", OP_CALENDAR, 1, {ARG_CALENDAR}, TY_BOOL, "calendar(\"shutdown\")"},
    {"abs", OP_ABS, 1, {ARG_NUM}, TY_NUM, "abs(x)"},
};

#define NFUNCS (sizeof funcs / sizeof funcs[0])

static const struct func *func_find(const struct token *name)
{
    for (size_t i = 0; i < NFUNCS; i++)
        if ((int)strlen(funcs[i].name) == name->len &&
            strncmp(funcs[i].name, name->text, (size_t)name->len) == 0)
            return &funcs[i];
    return NULL;
}

static int call_point(struct parser *p, const struct func *f, struct expr_ins *ins)
{
    const struct token *t = p->t;
    int operator_follows = t[1].kind >= TOK_PLUS && t[1].kind <= TOK_OR;
    if (t->kind != TOK_POINT || operator_follows) {
        expr_fail_at(p, t, "%s() reads one point; its argument is a point reference, not "
                     "an expression, as in %s", f->name, f->usage);
        return -1;
    }
    p->t++;
    return expr_point_index(p, t, &ins->point);
}

static int call_window(struct parser *p, const struct func *f, struct expr_ins *ins)
{
    const struct token *t = p->t;
    if (t->kind != TOK_DURATION) {
        expr_fail_at(p, t, "%s() needs a duration with its unit here, as in %s%s", f->name,
                     f->usage, t->kind == TOK_NUMBER ? " (a bare number has no unit)" : "");
        return -1;
    }
    if (t->number < 1.0 || t->number > (double)EXPR_DURATION_MAX_MS) {
        expr_fail_at(p, t, "%.*s is outside 1ms to 24h, the durations %s() accepts", t->len,
                     t->text, f->name);
        return -1;
    }
    p->t++;
    ins->ms = (int64_t)t->number;
    p->b->uses_time = 1;
    return 0;
}

/* The calendar's slot in the program, added on its first use. */
static int call_calendar(struct parser *p, struct expr_ins *ins)
{
    const struct token *t = p->t;
    const struct expr_calendars *cals = p->scope->calendars;
    if (t->kind != TOK_STRING) {
        expr_fail_at(p, t, "calendar() takes the calendar's name in quotes, as in "
                     "calendar(\"shutdown\")");
        return -1;
    }
    const struct expr_calendar *c = NULL;
    for (int i = 0; cals && i < cals->n && !c; i++)
        if ((int)strlen(cals->cal[i].name) == t->dev_len &&
            strncmp(cals->cal[i].name, t->text + 1, (size_t)t->dev_len) == 0)
            c = &cals->cal[i];
    if (!c) {
        expr_fail_at(p, t, "unknown calendar %.*s; define it under \"calendars\" in the site "
                     "config", t->len, t->text);
        return -1;
    }
    p->t++;
    size_t slot = 0;
    while (slot < p->b->ncal && p->b->cal[slot] != c)
        slot++;
    if (slot == p->b->ncal)
        p->b->cal[p->b->ncal++] = c;
    ins->slot = (uint32_t)slot;
    p->b->uses_time = 1;
    return 0;
}

static int call_expression(struct parser *p, const struct func *f, enum ty ty)
{
    struct operand o = expr_parse_or(p);
    if (o.ty == TY_ERR || o.ty == ty)
        return o.ty == TY_ERR ? -1 : 0;
    expr_fail_at(p, o.at, "this argument of %s() must be %s, as in %s; this is %s", f->name,
                 expr_ty_name(ty), f->usage, expr_ty_name(o.ty));
    return -1;
}

static int call_argument(struct parser *p, const struct func *f, enum arg_kind kind,
                         struct expr_ins *ins)
{
    switch (kind) {
    case ARG_POINT: return call_point(p, f, ins);
    case ARG_WINDOW: return call_window(p, f, ins);
    case ARG_CALENDAR: return call_calendar(p, ins);
    case ARG_NUM: return call_expression(p, f, TY_NUM);
    case ARG_BOOL: return call_expression(p, f, TY_BOOL);
    }
    return -1;
}

static struct operand call_arity(struct parser *p, const struct func *f, int found,
                                 const struct token *at)
{
    return expr_fail_at(p, at, "%s() takes %d argument%s, as in %s; found %s", f->name,
                        f->nargs, f->nargs == 1 ? "" : "s", f->usage,
                        found > f->nargs ? "more" : found == 0 ? "none" : "fewer");
}

struct operand expr_parse_call(struct parser *p)
{
    const struct token *name = p->t;
    const struct func *f = func_find(name);
    if (!f)
        return expr_fail_at(p, name, "unknown function \"%.*s\"; the functions are rate, avg, "
                            "min, max, held, quality, ok, fault, calendar and abs",
                            name->len, name->text);
    const struct token *open = p->t + 1;
    p->t += 2;
    struct expr_ins ins = { .op = f->op };
    for (int i = 0; i < f->nargs; i++) {
        if (i > 0 && p->t->kind == TOK_COMMA)
            p->t++;
        else if (i > 0 || p->t->kind == TOK_RPAREN)
            return p->t->kind == TOK_RPAREN ? call_arity(p, f, i, p->t)
                 : expr_fail_at(p, p->t, "expected , between the arguments of %s(), as in %s",
                                f->name, f->usage);
        if (call_argument(p, f, f->args[i], &ins) < 0)
            return (struct operand){ TY_ERR, NULL };
    }
    if (p->t->kind == TOK_COMMA)
        return call_arity(p, f, f->nargs + 1, p->t);
    if (p->t->kind != TOK_RPAREN)
        return expr_fail_at(p, p->t, "missing ) to close %s( at %d:%d", f->name, open->line,
                            open->col);
    p->t++;
    if (f->op == OP_HELD)
        ins.slot = (uint32_t)p->b->nheld++;
    struct operand r = { f->result, name };
    return expr_emit(p, ins, name) < 0 ? (struct operand){ TY_ERR, NULL } : r;
}
