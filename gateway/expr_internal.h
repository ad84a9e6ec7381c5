/*
 * expr_internal.h - what the expression compiler's files share and nobody else needs.
 *
 * The pipeline is text -> tokens (expr_lex.c) -> a flat postfix program
 * (expr_parse.c) -> an answer (expr_eval.c). The program is an array of instructions
 * run on a stack of doubles, where NaN is "unknown": arithmetic propagates it for
 * free, and the few operators that must not (and, or, comparisons) test for it.
 */
#ifndef RISKGW_EXPR_INTERNAL_H
#define RISKGW_EXPR_INTERNAL_H

#include "expr.h"
#include "history.h"

/* ---- tokens ---- */

enum tok_kind {
    TOK_END, TOK_NUMBER, TOK_DURATION, TOK_STRING, TOK_POINT, TOK_IDENT,
    TOK_LPAREN, TOK_RPAREN, TOK_COMMA,
    TOK_PLUS, TOK_MINUS, TOK_STAR, TOK_SLASH,
    TOK_LT, TOK_LE, TOK_GT, TOK_GE, TOK_EQ, TOK_NE,
    TOK_AND, TOK_OR, TOK_NOT, TOK_TRUE, TOK_FALSE,
};

struct token {
    enum tok_kind kind;
    int line, col;
    const char *text;               /* where it starts in the source */
    int len;                        /* its length in bytes */
    double number;                  /* NUMBER; DURATION in ms */
    int dev_len;                    /* POINT: text[dev_off, dev_off+dev_len) is the device */
    int dev_off, pt_off, pt_len;    /* and text[pt_off, pt_off+pt_len) the point */
};

/* Tokens of text, ending with TOK_END; at most strlen(text) + 1 of them. Returns the
 * count, or -1 with err set at the offending character. */
int expr_lex(const char *text, struct token *toks, int max, struct expr_err *err);

/* Write "line:col: message" into err. Returns -1. */
int expr_fail(struct expr_err *err, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* ---- the program ---- */

enum expr_op {
    OP_CONST,                       /* push num */
    OP_VALUE,                       /* push point's value, NaN when in fault */
    OP_QUALITY,                     /* push point's quality (an enum quality, never NaN) */
    OP_OK, OP_FAULT,                /* push 1/0: the reading carries a value / is a fault */
    OP_RATE, OP_AVG, OP_MIN, OP_MAX,/* point over the window ms */
    OP_CALENDAR,                    /* slot: index into the program's calendars */
    OP_HELD,                        /* slot: index into held timers; ms: the duration */
    OP_ABS, OP_NEG, OP_NOT,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV,
    OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE,
    OP_AND, OP_OR,
};

/* How many values an instruction pops: 0 for a leaf (it pushes one), 1 for a unary
 * operator (it replaces the top), 2 for a binary one (it leaves one of two). */
static inline int expr_op_arity(enum expr_op op)
{
    return op <= OP_CALENDAR ? 0 : op <= OP_NOT ? 1 : 2;
}

/* a / b rounded towards minus infinity (times before 1970 stay on the right day). */
static inline int64_t expr_floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

struct expr_ins {
    enum expr_op op;
    uint32_t point;                 /* VALUE .. MAX */
    uint32_t slot;                  /* CALENDAR, HELD */
    int64_t ms;                     /* windows, HELD */
    double num;                     /* CONST */
};

#define HELD_IDLE INT64_MIN         /* a held() whose condition is not (known) true */

/* One allocation: this header, then the arrays it points into. */
struct expr {
    /* 8-aligned, so its size is a multiple of 8 on 32-bit boards too (expr_pack) */
    _Alignas(8) size_t nins;
    size_t npoints, nheld, ncal;
    struct expr_ins *ins;
    uint32_t *points;               /* distinct, ascending */
    int64_t *held_since;            /* mono ms the held() condition became true */
    struct expr_calendar *cal;
    int uses_time;
};

/* A compiled program before it is packed into its one allocation. */
struct expr_build {
    struct expr_ins *ins;
    size_t nins;
    const struct expr_calendar *cal[EXPR_CAL_MAX];
    size_t ncal;
    size_t nheld;
    int uses_time;
};

/* ---- the parser (expr_parse.c: operators; expr_call.c: function calls) ---- */

enum ty { TY_ERR, TY_NUM, TY_BOOL, TY_QUAL, TY_STR, TY_DUR };

/* What a parse step produced: its type, and its first token for error messages. */
struct operand {
    enum ty ty;
    const struct token *at;
};

struct parser {
    const struct token *t;          /* the next token */
    const struct expr_scope *scope;
    struct expr_build *b;
    int depth;                      /* stack depth of the program so far */
    int nest;                       /* recursion depth */
    struct expr_err *err;
};

/* "a number", "true/false", ...: a type as messages name it. */
const char *expr_ty_name(enum ty ty);
/* Set the error at token `at`; returns an operand of type TY_ERR. */
struct operand expr_fail_at(struct parser *p, const struct token *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Append one instruction (0), or -1 when the stack would overflow. */
int expr_emit(struct parser *p, struct expr_ins ins, const struct token *at);
/* 0 when o has type ty; else -1 with a sentence naming operator op and side. */
int expr_want(struct parser *p, struct operand o, enum ty ty, const struct token *op,
              const char *side);
/* Resolve a TOK_POINT through the scope. */
int expr_point_index(struct parser *p, const struct token *t, uint32_t *index);
struct operand expr_parse_or(struct parser *p);
/* NAME "(" arguments ")", with p->t at NAME. */
struct operand expr_parse_call(struct parser *p);

/* Pack b into one struct expr (points derived from its instructions), or NULL. */
struct expr *expr_pack(const struct expr_build *b);

#endif
