/*
 * test_expr.c - the expression language's values: precedence, associativity, types that
 * pass, three-valued logic over faulted readings, quality functions, point references.
 */
#include <math.h>
#include "check.h"
#include "expr_fixture.h"

#define T EXPR_TRUE
#define F EXPR_FALSE
#define U EXPR_UNKNOWN

static void test_precedence(struct fx *f)
{
    CHECK_INT(fx_eval(f, "1 + 2 * 3 == 7"), T);
    CHECK_INT(fx_eval(f, "(1 + 2) * 3 == 9"), T);
    CHECK_INT(fx_eval(f, "2 - 3 - 4 == -5"), T);          /* left-associative */
    CHECK_INT(fx_eval(f, "8 / 4 / 2 == 1"), T);
    CHECK_INT(fx_eval(f, "-2 * 3 == -6"), T);
    CHECK_INT(fx_eval(f, "- (2 + 3) == -5"), T);
    CHECK_INT(fx_eval(f, "--2 == 2"), T);
    CHECK_INT(fx_eval(f, "1 - -1 == 2"), T);
    CHECK_INT(fx_eval(f, "10 / 4 == 2.5"), T);
    CHECK_INT(fx_eval(f, "1e3 == 1000 and .5 == 0.5"), T);
    /* comparison binds tighter than not, not tighter than and, and tighter than or */
    CHECK_INT(fx_eval(f, "not 1 == 2"), T);
    CHECK_INT(fx_eval(f, "true or true and false"), T);   /* = true or (true and false) */
    CHECK_INT(fx_eval(f, "(true or true) and false"), F);
    CHECK_INT(fx_eval(f, "not false and false"), F);      /* = (not false) and false */
    CHECK_INT(fx_eval(f, "not (false and false)"), T);
    CHECK_INT(fx_eval(f, "not not true"), T);
    CHECK_INT(fx_eval(f, "1 < 2 == true"), -1);           /* comparisons do not chain */
    CHECK_INT(fx_eval(f, "(1 < 2) == true"), T);
    CHECK_INT(fx_eval(f, "true != false"), T);
    CHECK_INT(fx_eval(f, "3 >= 3 and 3 <= 3 and 2 < 3 and 3 > 2 and 2 != 3"), T);
    CHECK_INT(fx_eval(f, "abs(-4) == 4 and abs(2 - 5) > 2"), T);
    CHECK_INT(fx_eval(f, "1\n+\t1 == 2"), T);
}

static void test_points(struct fx *f)
{
    fx_good(f, P_X, 3, 0);
    fx_good(f, P_Y, 4, 0);
    fx_good(f, P_TANK_LEL, 12.5, 0);
    CHECK_INT(fx_eval(f, "a.x * a.x + a.y * a.y == 25"), T);
    CHECK_INT(fx_eval(f, "`tank-a.lel` > 12 and `tank-a.lel` < 13"), T);
    CHECK_INT(fx_eval(f, "`a.x` == a.x"), T);
    CHECK_INT(fx_eval(f, "a.x-a.y == -1"), T);          /* no spaces: still a subtraction */
    struct expr *e = fx_compile(f, "a.y > a.x and ok(a.x) and max(a.y, 5s) > 0 and a.y < 9");
    const uint32_t *pts;
    CHECK(e != NULL);
    if (!e)
        return;
    CHECK_INT(expr_points(e, &pts), 2);                 /* distinct, ascending */
    CHECK_INT(pts[0], P_X);
    CHECK_INT(pts[1], P_Y);
    CHECK_INT(expr_uses_time(e), 1);
    struct history_spec specs[P_COUNT] = {{0}};
    expr_windows(e, specs);
    CHECK_INT(specs[P_Y].window_ms, 5000);
    CHECK_INT(specs[P_X].window_ms, 0);
    expr_free(e);
    e = fx_compile(f, "a.x > 1");
    CHECK_INT(expr_uses_time(e), 0);
    expr_free(e);
}

/* Kleene: unknown and false = false, unknown or true = true, otherwise unknown. */
static void test_three_valued(struct fx *f)
{
    fx_good(f, P_X, 1, 0);
    fx_sample(f, P_Y, 99, QUALITY_SENSOR_FAULT, 0);     /* a fault is not 99, nor 0 */
    CHECK_INT(fx_eval(f, "a.y > 5"), U);
    CHECK_INT(fx_eval(f, "a.y < 5"), U);
    CHECK_INT(fx_eval(f, "a.y == 0"), U);
    CHECK_INT(fx_eval(f, "a.y + 1 > 0"), U);
    CHECK_INT(fx_eval(f, "a.y * 0 == 0"), U);           /* not even times zero */
    CHECK_INT(fx_eval(f, "not (a.y > 5)"), U);
    CHECK_INT(fx_eval(f, "a.y > 5 and a.x == 0"), F);   /* U and F */
    CHECK_INT(fx_eval(f, "a.x == 0 and a.y > 5"), F);   /* F and U */
    CHECK_INT(fx_eval(f, "a.y > 5 and a.x == 1"), U);   /* U and T */
    CHECK_INT(fx_eval(f, "a.y > 5 or a.x == 1"), T);    /* U or T */
    CHECK_INT(fx_eval(f, "a.x == 1 or a.y > 5"), T);    /* T or U */
    CHECK_INT(fx_eval(f, "a.y > 5 or a.x == 0"), U);    /* U or F */
    CHECK_INT(fx_eval(f, "a.y > 5 or a.y < 5"), U);     /* no excluded middle for faults */
    CHECK_INT(fx_eval(f, "(a.y > 5) == true"), U);
    CHECK_INT(fx_eval(f, "abs(a.y) > 0"), U);
    /* a reading that never came is a fault, not a zero */
    CHECK_INT(fx_eval(f, "a.z == 0"), U);
    CHECK_INT(fx_eval(f, "fault(a.z)"), T);
    /* uncertain carries a value (NE43 saturation); NaN with good quality does not */
    fx_sample(f, P_Z, 21, QUALITY_UNCERTAIN, 0);
    CHECK_INT(fx_eval(f, "a.z > 20"), T);
    fx_sample(f, P_Z, NAN, QUALITY_GOOD, 0);
    CHECK_INT(fx_eval(f, "a.z > 20 or a.z <= 20"), U);
    CHECK_INT(fx_eval(f, "quality(a.z) == \"out_of_range\""), T);
    /* arithmetic that has no answer is unknown, not infinite */
    CHECK_INT(fx_eval(f, "a.x / 0 > 1"), U);
    CHECK_INT(fx_eval(f, "a.x / 0 > 1 or true"), T);
    CHECK_INT(fx_eval(f, "1e300 * 1e300 > 0"), U);
}

static void test_quality(struct fx *f)
{
    fx_good(f, P_X, 1, 0);
    fx_sample(f, P_Y, 0, QUALITY_COMM_FAIL, 0);
    fx_sample(f, P_Z, 4, QUALITY_UNCERTAIN, 0);
    CHECK_INT(fx_eval(f, "quality(a.x) == \"good\""), T);
    CHECK_INT(fx_eval(f, "\"comm_fail\" == quality(a.y)"), T);
    CHECK_INT(fx_eval(f, "quality(a.y) != \"good\""), T);
    CHECK_INT(fx_eval(f, "quality(a.z) == \"uncertain\""), T);
    CHECK_INT(fx_eval(f, "quality(a.x) == quality(a.z)"), F);
    CHECK_INT(fx_eval(f, "ok(a.x) and ok(a.z) and not ok(a.y)"), T);
    CHECK_INT(fx_eval(f, "fault(a.y) and not fault(a.x)"), T);
    /* "casting not permitted": a fault anywhere, known even though values are not */
    CHECK_INT(fx_eval(f, "cast.casting == 0 and fault(a.y)"), U);   /* casting never read */
    CHECK_INT(fx_eval(f, "fault(cast.casting) or fault(a.y)"), T);
}

int main(void)
{
    struct fx f;
    fx_init(&f, 60000);
    test_precedence(&f);
    test_points(&f);
    test_three_valued(&f);
    test_quality(&f);
    fx_done(&f);
    return check_summary();
}
