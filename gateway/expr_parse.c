/*
 * expr_parse.c - turn tokens into a checked postfix program, or say where it is wrong.
 *
 * A recursive-descent parser, one function per precedence level (loosest first):
 *
 *   condition  := or
 *   or         := and { "or" and }
 *   and        := not { "and" not }
 *   not        := "not" not | compare
 *   compare    := sum [ ("<" | "<=" | ">" | ">=" | "==" | "!=") sum ]
 *   sum        := product { ("+" | "-") product }
 *   product    := unary { ("*" | "/") unary }
 *   unary      := "-" unary | primary
 *   primary    := NUMBER | DURATION | STRING | "true" | "false" | POINT
 *               | NAME "(" [ argument { "," argument } ] ")" | "(" or ")"
 *
 * Each level emits its instructions as it returns, so the program comes out in
 * postfix order, and returns the static type of what it parsed. Every name is
 * resolved and every type checked here: evaluation never meets an error.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "expr_internal.h"

static const struct operand FAILED = { TY_ERR, NULL };

const char *expr_ty_name(enum ty ty)
{
    switch (ty) {
    case TY_NUM: return "a number";
    case TY_BOOL: return "true/false";
    case TY_QUAL: return "a quality";
    case TY_STR: return "a string";
    case TY_DUR: return "a duration";
    case TY_ERR: break;
    }
    return "an error";
}

struct operand expr_fail_at(struct parser *p, const struct token *at, const char *fmt, ...)
{
    char what[EXPR_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    expr_fail(p->err, at->line, at->col, "%s", what);
    return FAILED;
}

/* How a token reads in a message: "cast.flow", or "the end" for TOK_END. */
static const char *tok_quote(const struct token *t, char *buf, size_t n)
{
    if (t->kind == TOK_END)
        snprintf(buf, n, "the end of the expression");
    else
        snprintf(buf, n, "\"%.*s\"", t->len, t->text);
    return buf;
}

/* Append one instruction; its stack effect keeps the depth within EXPR_STACK_MAX. */
int expr_emit(struct parser *p, struct expr_ins ins, const struct token *at)
{
    p->depth += 1 - expr_op_arity(ins.op);
    if (p->depth > EXPR_STACK_MAX) {
        expr_fail_at(p, at, "the expression needs more than %d values at once; split it "
                     "into simpler parts", EXPR_STACK_MAX);
        return -1;
    }
    p->b->ins[p->b->nins++] = ins;
    return 0;
}

static struct operand emit_op(struct parser *p, enum expr_op op, enum ty ty,
                              const struct token *at)
{
    struct operand r = { ty, at };
    return expr_emit(p, (struct expr_ins){ .op = op }, at) < 0 ? FAILED : r;
}

static int accept(struct parser *p, enum tok_kind k)
{
    if (p->t->kind != k)
        return 0;
    p->t++;
    return 1;
}

/* Refuse an operand of the wrong type, naming the operator and the side. */
int expr_want(struct parser *p, struct operand o, enum ty ty, const struct token *op,
              const char *side)
{
    if (o.ty == TY_ERR)
        return -1;
    if (o.ty == ty)
        return 0;
    char q[EXPR_ERR_MAX];
    expr_fail_at(p, o.at, "%s needs %s %s; this is %s%s", tok_quote(op, q, sizeof q),
                 expr_ty_name(ty), side, expr_ty_name(o.ty),
                 o.ty == TY_NUM && ty == TY_BOOL ? " (compare it, e.g. dust.fan_run == 1)"
                 : o.ty == TY_DUR ? " (a duration is only a window or held() argument)" : "");
    return -1;
}

/* ---- primaries ---- */

int expr_point_index(struct parser *p, const struct token *t, uint32_t *index)
{
    char dev[EXPR_ID_MAX], pt[EXPR_ID_MAX];
    if (t->dev_len >= EXPR_ID_MAX || t->pt_len >= EXPR_ID_MAX) {
        expr_fail_at(p, t, "an id in %.*s is longer than %d characters", t->len, t->text,
                     EXPR_ID_MAX - 1);
        return -1;
    }
    snprintf(dev, sizeof dev, "%.*s", t->dev_len, t->text + t->dev_off);
    snprintf(pt, sizeof pt, "%.*s", t->pt_len, t->text + t->pt_off);
    long i = p->scope->resolve ? p->scope->resolve(p->scope->ctx, dev, pt) : -1;
    if (i < 0 || (unsigned long long)i >= UINT32_MAX) {    /* (long)UINT32_MAX is -1 on 32-bit */
        expr_fail_at(p, t, "unknown point \"%s.%s\"", dev, pt);
        return -1;
    }
    *index = (uint32_t)i;
    return 0;
}

static struct operand parse_point(struct parser *p)
{
    const struct token *t = p->t++;
    struct expr_ins ins = { .op = OP_VALUE };
    if (expr_point_index(p, t, &ins.point) < 0 || expr_emit(p, ins, t) < 0)
        return FAILED;
    return (struct operand){ TY_NUM, t };
}

static struct operand parse_paren(struct parser *p)
{
    const struct token *open = p->t++;
    struct operand o = expr_parse_or(p);
    if (o.ty == TY_ERR)
        return FAILED;
    if (!accept(p, TOK_RPAREN)) {
        char q[EXPR_ERR_MAX];
        return expr_fail_at(p, p->t, "missing ) to close the ( at %d:%d; found %s",
                            open->line, open->col, tok_quote(p->t, q, sizeof q));
    }
    o.at = open;
    return o;
}

static struct operand parse_primary(struct parser *p)
{
    const struct token *t = p->t;
    char q[EXPR_ERR_MAX];
    switch (t->kind) {
    case TOK_NUMBER:
    case TOK_TRUE:
    case TOK_FALSE: {
        p->t++;
        double v = t->kind == TOK_NUMBER ? t->number : t->kind == TOK_TRUE;
        struct operand o = { t->kind == TOK_NUMBER ? TY_NUM : TY_BOOL, t };
        return expr_emit(p, (struct expr_ins){ .op = OP_CONST, .num = v }, t) < 0 ? FAILED : o;
    }
    case TOK_DURATION:
    case TOK_STRING:
        p->t++;     /* no code: only a function argument or a quality name uses them */
        return (struct operand){ t->kind == TOK_DURATION ? TY_DUR : TY_STR, t };
    case TOK_POINT:
        return parse_point(p);
    case TOK_LPAREN:
        return parse_paren(p);
    case TOK_IDENT:
        if (t[1].kind == TOK_LPAREN)
            return expr_parse_call(p);
        return expr_fail_at(p, t, "\"%.*s\" is neither a point (device.point) nor a "
                            "function call; an id with '-' goes in backticks, e.g. "
                            "`tank-a.lel`", t->len, t->text);
    case TOK_END:
        return expr_fail_at(p, t, "the expression ends where a value was expected");
    default:
        return expr_fail_at(p, t, "expected a value (a number, a point, a function call or "
                            "a parenthesis), found %s", tok_quote(t, q, sizeof q));
    }
}

/* ---- operators ---- */

/* One level deeper in the recursion, or an error once past EXPR_DEPTH_MAX. */
static int nest_enter(struct parser *p, const struct token *at)
{
    if (++p->nest <= EXPR_DEPTH_MAX)
        return 0;
    expr_fail_at(p, at, "nested more than %d levels deep", EXPR_DEPTH_MAX);
    return -1;
}

/* A prefix operator (- or not) at p->t, applied to `self` of type ty. */
static struct operand parse_prefix(struct parser *p, struct operand (*self)(struct parser *),
                                   enum ty ty, enum expr_op opcode)
{
    const struct token *op = p->t++;
    if (nest_enter(p, op) < 0)
        return FAILED;
    struct operand o = self(p);
    p->nest--;
    if (expr_want(p, o, ty, op, "after it") < 0)
        return FAILED;
    return emit_op(p, opcode, ty, op);
}

static struct operand parse_unary(struct parser *p)
{
    const struct token *op = p->t;
    if (op->kind != TOK_MINUS)
        return parse_primary(p);
    if (op[1].kind == TOK_NUMBER) {     /* a negative literal is a constant */
        struct expr_ins ins = { .op = OP_CONST, .num = -op[1].number };
        p->t += 2;
        return expr_emit(p, ins, op) < 0 ? FAILED : (struct operand){ TY_NUM, op };
    }
    return parse_prefix(p, parse_unary, TY_NUM, OP_NEG);
}

/* One left-associative level: token kinds[i] applies ops[i] to two operands of type ty. */
static struct operand parse_binary(struct parser *p, struct operand (*next)(struct parser *),
                                   const enum tok_kind kinds[2], const enum expr_op ops[2],
                                   enum ty ty)
{
    struct operand left = next(p);
    for (;;) {
        int i = p->t->kind == kinds[0] ? 0 : p->t->kind == kinds[1] ? 1 : -1;
        if (left.ty == TY_ERR || i < 0)
            return left;
        const struct token *op = p->t++;
        struct operand right = next(p);
        if (expr_want(p, left, ty, op, "on its left") < 0 ||
            expr_want(p, right, ty, op, "on its right") < 0)
            return FAILED;
        left = emit_op(p, ops[i], ty, left.at);
    }
}

static struct operand parse_product(struct parser *p)
{
    static const enum tok_kind kinds[2] = { TOK_STAR, TOK_SLASH };
    static const enum expr_op ops[2] = { OP_MUL, OP_DIV };
    return parse_binary(p, parse_unary, kinds, ops, TY_NUM);
}

static struct operand parse_sum(struct parser *p)
{
    static const enum tok_kind kinds[2] = { TOK_PLUS, TOK_MINUS };
    static const enum expr_op ops[2] = { OP_ADD, OP_SUB };
    return parse_binary(p, parse_product, kinds, ops, TY_NUM);
}

static int is_compare(enum tok_kind k)
{
    return k >= TOK_LT && k <= TOK_NE;
}

/* A quality compares with a quality name: "good", "comm_fail", ... */
static int quality_const(struct parser *p, const struct token *name)
{
    for (int q = QUALITY_GOOD; q <= QUALITY_COMM_FAIL; q++) {
        const char *n = quality_name((enum quality)q);
        if ((int)strlen(n) == name->dev_len && strncmp(n, name->text + 1, strlen(n)) == 0)
            return expr_emit(p, (struct expr_ins){ .op = OP_CONST, .num = q }, name);
    }
    expr_fail_at(p, name, "unknown quality %.*s; the qualities are \"good\", \"uncertain\", "
                 "\"out_of_range\", \"sensor_fault\" and \"comm_fail\"", name->len, name->text);
    return -1;
}

/* Which types a comparison accepts; a quality against a name emits the name's code. */
static int compare_types(struct parser *p, struct operand l, struct operand r,
                         const struct token *op)
{
    int equality = op->kind == TOK_EQ || op->kind == TOK_NE;
    if (equality && (l.ty == TY_QUAL || r.ty == TY_QUAL)) {
        struct operand other = l.ty == TY_QUAL ? r : l;
        if (other.ty == TY_STR)
            return quality_const(p, other.at);
        return expr_want(p, other, TY_QUAL, op, "on both sides");
    }
    if (equality && l.ty == TY_BOOL)
        return expr_want(p, r, TY_BOOL, op, "on its right, like its left");
    if (expr_want(p, l, TY_NUM, op, "on its left") < 0)
        return -1;
    return expr_want(p, r, TY_NUM, op, "on its right");
}

static struct operand parse_compare(struct parser *p)
{
    struct operand left = parse_sum(p);
    if (left.ty == TY_ERR || !is_compare(p->t->kind))
        return left;
    const struct token *op = p->t++;
    struct operand right = parse_sum(p);
    if (right.ty == TY_ERR || compare_types(p, left, right, op) < 0)
        return FAILED;
    if (is_compare(p->t->kind))
        return expr_fail_at(p, p->t, "comparisons do not chain; write a < b and b < c");
    return emit_op(p, OP_LT + (op->kind - TOK_LT), TY_BOOL, left.at);
}

static struct operand parse_not(struct parser *p)
{
    if (p->t->kind != TOK_NOT)
        return parse_compare(p);
    return parse_prefix(p, parse_not, TY_BOOL, OP_NOT);
}

static struct operand parse_and(struct parser *p)
{
    static const enum tok_kind kinds[2] = { TOK_AND, TOK_AND };
    static const enum expr_op ops[2] = { OP_AND, OP_AND };
    return parse_binary(p, parse_not, kinds, ops, TY_BOOL);
}

struct operand expr_parse_or(struct parser *p)
{
    static const enum tok_kind kinds[2] = { TOK_OR, TOK_OR };
    static const enum expr_op ops[2] = { OP_OR, OP_OR };
    if (nest_enter(p, p->t) < 0)
        return FAILED;
    struct operand o = parse_binary(p, parse_and, kinds, ops, TY_BOOL);
    p->nest--;
    return o;
}

/* ---- the whole condition ---- */

static int parse_condition(struct parser *p)
{
    if (p->t->kind == TOK_END) {
        expr_fail_at(p, p->t, "the condition is empty");
        return -1;
    }
    struct operand o = expr_parse_or(p);
    if (o.ty == TY_ERR)
        return -1;
    if (p->t->kind != TOK_END) {
        char q[EXPR_ERR_MAX];
        expr_fail_at(p, p->t, "unexpected %s after the end of the expression",
                     tok_quote(p->t, q, sizeof q));
        return -1;
    }
    if (o.ty != TY_BOOL) {
        expr_fail_at(p, o.at, "a condition must be true or false; this is %s%s",
                     expr_ty_name(o.ty),
                     o.ty == TY_NUM ? " (compare it, e.g. dust.fan_run == 1)" : "");
        return -1;
    }
    return 0;
}

struct expr *expr_compile(const char *text, const struct expr_scope *scope, struct expr_err *err)
{
    size_t len = text ? strlen(text) : 0;
    if (!text || len > EXPR_TEXT_MAX) {
        expr_fail(err, 1, 1, "the condition is %s (at most %d characters)",
                  text ? "too long" : "missing", EXPR_TEXT_MAX);
        return NULL;
    }
    int max = (int)len + 1;
    struct token *toks = malloc((size_t)max * sizeof *toks);
    struct expr_build b = { .ins = malloc((size_t)max * sizeof *b.ins) };
    struct expr *e = NULL;
    if (!toks || !b.ins) {
        expr_fail(err, 1, 1, "out of memory compiling a condition of %zu characters", len);
    } else if (expr_lex(text, toks, max, err) >= 0) {
        struct parser p = { .t = toks, .scope = scope, .b = &b, .err = err };
        if (parse_condition(&p) == 0 && !(e = expr_pack(&b)))
            expr_fail(err, 1, 1, "out of memory packing a compiled condition");
    }
    free(toks);
    free(b.ins);
    return e;
}
