/*
 * test_expr_errors.c - every compile error names its line and column and says what to do.
 *
 * Each case is an expression, the "line:col:" its error must start with, and a phrase
 * the sentence must contain. The column is where a caret would point.
 */
#include "check.h"
#include "expr_fixture.h"

struct bad {
    const char *text;
    const char *where;      /* "1:17:" */
    const char *says;
};

static const struct bad bads[] = {
    /* names */
    {"cast.casting == 1 and cast.flwo > 2", "1:23:", "unknown point \"cast.flwo\""},
    {"a.x > 1 and `tank-b.lel` > 2", "1:13:", "unknown point \"tank-b.lel\""},
    {"a.x > 1 and tank-a.lel > 2", "1:13:", "in backticks"},
    {"foo(a.x) > 1", "1:1:", "unknown function \"foo\""},
    {"calendar(\"holiday\")", "1:10:", "unknown calendar \"holiday\""},
    {"quality(a.x) == \"broken\"", "1:17:", "unknown quality \"broken\""},
    {"a.b.c > 1", "1:1:", "one dot"},
    /* arity and argument kinds */
    {"rate(a.x) < 0", "1:9:", "rate() takes 2 arguments"},
    {"rate(a.x, 10s, 5s) < 0", "1:14:", "rate() takes 2 arguments"},
    {"ok() or true", "1:4:", "ok() takes 1 argument"},
    {"abs(1, 2) > 0", "1:6:", "abs() takes 1 argument"},
    {"rate(a.x 10s) < 0", "1:10:", "expected , between"},
    {"rate(a.x + 1, 10s) < 0", "1:6:", "its argument is a point reference"},
    {"avg(3, 10s) < 0", "1:5:", "its argument is a point reference"},
    {"rate(a.x, 10) < 0", "1:11:", "a bare number has no unit"},
    {"max(a.x, 0s) < 0", "1:10:", "outside 1ms to 24h"},
    {"min(a.x, 25h) < 0", "1:10:", "outside 1ms to 24h"},
    {"held(a.x, 10s)", "1:6:", "must be true/false"},
    {"abs(a.x > 1)", "1:5:", "must be a number"},
    {"calendar(shutdown)", "1:10:", "name in quotes"},
    /* types */
    {"a.x and a.y > 1", "1:1:", "\"and\" needs true/false on its left; this is a number"},
    {"a.y > 1 or 2", "1:12:", "\"or\" needs true/false on its right"},
    {"not a.x", "1:5:", "\"not\" needs true/false"},
    {"a.x + (a.y > 1) > 0", "1:7:", "\"+\" needs a number on its right; this is true/false"},
    {"-(a.x > 1)", "1:2:", "needs a number"},
    {"(a.x > 1) < 2", "1:1:", "\"<\" needs a number on its left"},
    {"true == 1", "1:9:", "\"==\" needs true/false on its right"},
    {"a.x > 10s", "1:7:", "a duration is only a window or held() argument"},
    {"quality(a.x) == 0", "1:17:", "needs a quality"},
    {"quality(a.x) < \"good\"", "1:1:", "\"<\" needs a number"},
    {"\"good\" == \"good\"", "1:1:", "needs a number"},
    {"a.x + 1", "1:1:", "a condition must be true or false; this is a number"},
    {"a.x", "1:1:", "compare it, e.g. dust.fan_run == 1"},
    /* structure */
    {"(a.x > 1 and a.y > 2", "1:21:", "missing ) to close the ( at 1:1"},
    {"rate(a.x, 10s < 0", "1:15:", "missing ) to close rate( at 1:5"},
    {"a.x > 1)", "1:8:", "unexpected \")\" after the end"},
    {"a.x > 1 a.y", "1:9:", "unexpected \"a.y\" after the end"},
    {"a.x > 1 and", "1:12:", "ends where a value was expected"},
    {"a.x > * 2", "1:7:", "expected a value"},
    {"a.x < 1 < 2", "1:9:", "comparisons do not chain"},
    {"", "1:1:", "empty"},
    {"   \n  ", "2:3:", "empty"},
    {"a.x > 1 and\n  a.y >> 2", "2:8:", "expected a value"},
    /* spelling */
    {"a.x = 1", "1:5:", "write == to compare"},
    {"a.x > 1 && a.y > 1", "1:9:", "write `and`"},
    {"a.x > 1 || a.y > 1", "1:9:", "write `or`"},
    {"!(a.x > 1)", "1:1:", "write `not`"},
    {"a.x > 1 # comment", "1:9:", "unexpected character '#'"},
    {"a.x > 10kg", "1:9:", "unknown unit \"kg\""},
    {"a.x > 0x10", "1:8:", "unknown unit \"x10\""},
    {"a.x > 1e999", "1:7:", "out of range"},
    {"calendar(\"shut", "1:10:", "unterminated string"},
    {"`tank-a.lel > 1", "1:1:", "unterminated `"},
    {"`tank-a` > 1", "1:1:", "`device.point`"},
    {"`tank a.lel` > 1", "1:6:", "found ' '"},
    {"\"é\" == a.x and ü", "1:16:", "unexpected byte 0xc3"},      /* columns count characters */
};

static void test_bad(struct fx *f)
{
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        struct expr_err err = {0};
        struct expr *e = expr_compile(bads[i].text, &f->scope, &err);
        CHECK(e == NULL);
        expr_free(e);
        char where[32];
        snprintf(where, sizeof where, "%d:%d:", err.line, err.col);
        CHECK_STR(where, bads[i].where);
        CHECK(strncmp(err.msg, where, strlen(where)) == 0);
        CHECK_CONTAINS(err.msg, bads[i].says);
        if (strcmp(where, bads[i].where) != 0 || !strstr(err.msg, bads[i].says))
            fprintf(stderr, "  in case %zu: %s\n", i, bads[i].text);
    }
}

static void test_limits(struct fx *f)
{
    char text[EXPR_TEXT_MAX + 2];
    struct expr_err err;
    memset(text, ' ', sizeof text - 1);
    text[sizeof text - 1] = '\0';
    CHECK(expr_compile(text, &f->scope, &err) == NULL);
    CHECK_CONTAINS(err.msg, "too long");
    CHECK(expr_compile(NULL, &f->scope, &err) == NULL);
    CHECK_CONTAINS(err.msg, "missing");

    /* 60 nested parentheses: refused by depth, with a column, not by a crashed stack */
    char deep[256] = "";
    for (int i = 0; i < 60; i++)
        strcat(deep, "(");
    strcat(deep, "true");
    for (int i = 0; i < 60; i++)
        strcat(deep, ")");
    CHECK(expr_compile(deep, &f->scope, &err) == NULL);
    CHECK_CONTAINS(err.msg, "nested more than");
    CHECK_INT(err.line, 1);
    CHECK(err.col > 1);

    /* a right-leaning sum keeps many values on the stack at once */
    char wide[EXPR_TEXT_MAX] = "";
    for (int i = 0; i < 40; i++)
        strcat(wide, "1 + 2 * (");
    strcat(wide, "1");
    for (int i = 0; i < 40; i++)
        strcat(wide, ")");
    strcat(wide, " > 0");
    CHECK(expr_compile(wide, &f->scope, &err) == NULL);
    CHECK_CONTAINS(err.msg, "values at once");

    /* a resolver that knows nothing, and no calendars at all */
    struct expr_scope none = {0};
    CHECK(expr_compile("a.x > 1", &none, &err) == NULL);
    CHECK_CONTAINS(err.msg, "unknown point \"a.x\"");
    CHECK(expr_compile("calendar(\"shutdown\")", &none, &err) == NULL);
    CHECK_CONTAINS(err.msg, "1:10: unknown calendar");
}

int main(void)
{
    struct fx f;
    fx_init(&f, 0);
    test_bad(&f);
    test_limits(&f);
    fx_done(&f);
    return check_summary();
}
