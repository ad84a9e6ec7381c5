/*
 * expr_lex.c - cut an expression into tokens, each remembering its line and column.
 *
 * The lexer owns the spelling rules (docs/rules.md, "Combined rules"):
 *   device.point        a bare point reference; both ids letters, digits and '_',
 *                       the device id not starting with a digit, no spaces around '.'
 *   `tank-a.lel`        the quoted form, for ids with '-' or a leading digit
 *   "shutdown"          a string: a calendar or quality name, no escapes
 *   25, 0.15, 1e3       numbers;  10s, 500ms, 5min, 1h  durations
 * and catches the operators people bring from other languages (=, !, &&, ||) with a
 * sentence saying what to write instead.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "expr_internal.h"

#define MS_PER_S 1000.0
#define MS_PER_MIN 60000.0
#define MS_PER_H 3600000.0
#define NUMBER_TEXT_MAX 64          /* digits of one literal */

struct lexer {
    const char *p;
    int line, col;
    struct expr_err *err;
};

int expr_fail(struct expr_err *err, int line, int col, const char *fmt, ...)
{
    char what[EXPR_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (err) {
        err->line = line;
        err->col = col;
        snprintf(err->msg, sizeof err->msg, "%d:%d: %.*s", line, col, EXPR_ERR_MAX - 24, what);
    }
    return -1;
}

static int lex_fail_here(const struct lexer *lx, const char *msg)
{
    return expr_fail(lx->err, lx->line, lx->col, "%s", msg);
}

/* Step over n bytes on one line; UTF-8 continuation bytes share their character's column. */
static void lex_advance(struct lexer *lx, int n)
{
    for (int i = 0; i < n && *lx->p; i++, lx->p++) {
        if (*lx->p == '\n') {
            lx->line++;
            lx->col = 1;
        } else if (((unsigned char)*lx->p & 0xC0) != 0x80) {
            lx->col++;
        }
    }
}

static int is_word(int c)
{
    return isalnum(c) || c == '_';
}

static int is_id(int c)
{
    return is_word(c) || c == '-';
}

static int lex_duration_unit(const char *u, int n, double *ms_per)
{
    static const struct { const char *name; double ms; } units[] = {
        {"ms", 1.0}, {"s", MS_PER_S}, {"min", MS_PER_MIN}, {"h", MS_PER_H}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if ((int)strlen(units[i].name) == n && strncmp(u, units[i].name, (size_t)n) == 0) {
            *ms_per = units[i].ms;
            return 0;
        }
    return -1;
}

/* Length of the decimal number at s: digits, a fraction, an exponent (no hex, no inf). */
static int lex_number_span(const char *s)
{
    int n = (int)strspn(s, "0123456789");
    if (s[n] == '.')
        n += 1 + (int)strspn(s + n + 1, "0123456789");
    if (s[n] == 'e' || s[n] == 'E') {
        int m = n + 1 + (s[n + 1] == '+' || s[n + 1] == '-');
        int digits = (int)strspn(s + m, "0123456789");
        if (digits > 0)
            n = m + digits;
    }
    return n;
}

/* 25, 0.15, 1e3, .5; directly followed by a unit it is a duration. */
static int lex_number(struct lexer *lx, struct token *t)
{
    char buf[NUMBER_TEXT_MAX];
    int n = lex_number_span(lx->p);
    if (n >= (int)sizeof buf)
        return lex_fail_here(lx, "number too long");
    memcpy(buf, lx->p, (size_t)n);
    buf[n] = '\0';
    t->number = strtod(buf, NULL);
    if (!isfinite(t->number))
        return expr_fail(lx->err, lx->line, lx->col, "number %s out of range", buf);
    const char *unit = lx->p + n;
    int u = 0;
    while (is_word((unsigned char)unit[u]))
        u++;
    if (u == 0) {
        t->kind = TOK_NUMBER;
        return n;
    }
    double ms_per;
    if (lex_duration_unit(unit, u, &ms_per) < 0)
        return expr_fail(lx->err, lx->line, lx->col + n, "unknown unit \"%.*s\" after a "
                         "number; durations are written 500ms, 10s, 5min or 1h", u, unit);
    t->kind = TOK_DURATION;
    t->number *= ms_per;
    return n + u;
}

/* device.point, or a lone word (function name, keyword). */
static int lex_word(struct lexer *lx, struct token *t)
{
    static const struct { const char *word; enum tok_kind kind; } keywords[] = {
        {"and", TOK_AND}, {"or", TOK_OR}, {"not", TOK_NOT}, {"true", TOK_TRUE},
        {"false", TOK_FALSE}};
    const char *s = lx->p;
    int n = 0;
    while (is_word((unsigned char)s[n]))
        n++;
    if (s[n] == '.' && is_word((unsigned char)s[n + 1])) {
        t->kind = TOK_POINT;
        t->dev_off = 0;
        t->dev_len = n;
        t->pt_off = n + 1;
        t->pt_len = 0;
        while (is_word((unsigned char)s[t->pt_off + t->pt_len]))
            t->pt_len++;
        int end = t->pt_off + t->pt_len;
        if (s[end] == '.')
            return expr_fail(lx->err, lx->line, lx->col, "a point reference is device.point, "
                             "with one dot");
        return end;
    }
    t->kind = TOK_IDENT;
    for (size_t i = 0; i < sizeof keywords / sizeof keywords[0]; i++)
        if ((int)strlen(keywords[i].word) == n && strncmp(s, keywords[i].word, (size_t)n) == 0)
            t->kind = keywords[i].kind;
    return n;
}

/* `device.point`: ids of letters, digits, '_' and '-', exactly one '.'. */
static int lex_quoted_point(struct lexer *lx, struct token *t)
{
    const char *s = lx->p;
    int n = 1, dot = 0;
    if (!strchr(s + 1, '`'))
        return lex_fail_here(lx, "unterminated `: close the point reference with a second "
                             "backtick");
    for (; s[n] != '`'; n++) {
        if (s[n] == '.' && !dot) {
            dot = n;
        } else if (!is_id((unsigned char)s[n])) {
            return expr_fail(lx->err, lx->line, lx->col + n, "a quoted point reference "
                             "holds only letters, digits, '_', '-' and one '.' between "
                             "`device.point`; found '%c'",
                             isprint((unsigned char)s[n]) ? s[n] : '?');
        }
    }
    if (!dot || dot == 1 || dot == n - 1)
        return lex_fail_here(lx, "a quoted point reference is `device.point`, both "
                             "ids non-empty");
    t->kind = TOK_POINT;
    t->dev_off = 1;
    t->dev_len = dot - 1;
    t->pt_off = dot + 1;
    t->pt_len = n - dot - 1;
    return n + 1;
}

/* "name": printable characters, no escapes. */
static int lex_string(struct lexer *lx, struct token *t)
{
    const char *s = lx->p;
    int n = 1;
    while (s[n] && s[n] != '"' && s[n] != '\n')
        n++;
    if (s[n] != '"')
        return lex_fail_here(lx, "unterminated string: close it with \" on the same "
                             "line");
    t->kind = TOK_STRING;
    t->dev_off = 1;
    t->dev_len = n - 1;
    return n + 1;
}

/* Operators and punctuation; a sentence for the ones from other languages. */
static int lex_operator(struct lexer *lx, struct token *t)
{
    static const struct { const char *op; enum tok_kind kind; } ops[] = {
        {"<=", TOK_LE}, {">=", TOK_GE}, {"==", TOK_EQ}, {"!=", TOK_NE},
        {"<", TOK_LT}, {">", TOK_GT}, {"+", TOK_PLUS}, {"-", TOK_MINUS},
        {"*", TOK_STAR}, {"/", TOK_SLASH}, {"(", TOK_LPAREN}, {")", TOK_RPAREN},
        {",", TOK_COMMA}};
    static const struct { const char *op; const char *say; } foreign[] = {
        {"&&", "write `and` instead of &&"}, {"||", "write `or` instead of ||"},
        {"=", "write == to compare"}, {"!", "write `not` instead of !"}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++) {
        size_t n = strlen(ops[i].op);
        if (strncmp(lx->p, ops[i].op, n) == 0) {
            t->kind = ops[i].kind;
            return (int)n;
        }
    }
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
        if (strncmp(lx->p, foreign[i].op, strlen(foreign[i].op)) == 0)
            return lex_fail_here(lx, foreign[i].say);
    unsigned char c = (unsigned char)*lx->p;
    if (isprint(c))
        return expr_fail(lx->err, lx->line, lx->col, "unexpected character '%c'", c);
    return expr_fail(lx->err, lx->line, lx->col, "unexpected byte 0x%02x", c);
}

static int lex_one(struct lexer *lx, struct token *t)
{
    unsigned char c = (unsigned char)*lx->p;
    if (isdigit(c) || (c == '.' && isdigit((unsigned char)lx->p[1])))
        return lex_number(lx, t);
    if (isalpha(c) || c == '_')
        return lex_word(lx, t);
    if (c == '`')
        return lex_quoted_point(lx, t);
    if (c == '"')
        return lex_string(lx, t);
    return lex_operator(lx, t);
}

int expr_lex(const char *text, struct token *toks, int max, struct expr_err *err)
{
    struct lexer lx = { text, 1, 1, err };
    int n = 0;
    for (;;) {
        while (*lx.p == ' ' || *lx.p == '\t' || *lx.p == '\r' || *lx.p == '\n')
            lex_advance(&lx, 1);
        if (n >= max)
            return expr_fail(err, lx.line, lx.col, "too many tokens (at most %d)", max);
        struct token *t = &toks[n++];
        memset(t, 0, sizeof *t);
        t->line = lx.line;
        t->col = lx.col;
        t->text = lx.p;
        if (!*lx.p) {
            t->kind = TOK_END;
            return n;
        }
        int len = lex_one(&lx, t);
        if (len < 0)
            return -1;
        t->len = len;
        lex_advance(&lx, len);
    }
}
