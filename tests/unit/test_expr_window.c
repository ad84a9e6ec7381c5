/*
 * test_expr_window.c - what looks back in time: rate/avg/min/max over the history rings,
 * held() with interruptions and faults, and the rings' own sizing and bounds.
 */
#include <math.h>
#include "check.h"
#include "expr_fixture.h"

/* Evaluate a numeric window function by comparing it with a value: 1 when within tol. */
static int near(struct fx *f, const char *fn, double want, double tol)
{
    char text[128];
    snprintf(text, sizeof text, "abs(%s - %.17g) <= %g", fn, want, tol);
    return fx_eval(f, text) == EXPR_TRUE;
}

static void test_rate_irregular(struct fx *f)
{
    static const struct { int64_t t; double v; } s[] = {
        {0, 10.0}, {700, 10.0}, {2500, 9.5}, {3100, 9.4}, {6000, 9.0}, {10000, 8.0},
        {10400, 7.9}};
    for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
        fx_good(f, P_COOL_P, s[i].v, s[i].t);
    /* window [400, 10400]: oldest 10.0 at 700, newest 7.9 at 10400 */
    CHECK(near(f, "rate(cast.cool_p, 10s)", (7.9 - 10.0) / 9.7, 1e-9));
    /* window [5400, 10400]: 9.0 at 6000 to 7.9 */
    CHECK(near(f, "rate(cast.cool_p, 5s)", (7.9 - 9.0) / 4.4, 1e-9));
    CHECK_INT(fx_eval(f, "rate(cast.cool_p, 10s) < -0.02"), EXPR_TRUE);
    /* the window's start is inclusive: 400 ms reaches the sample at 10000, 300 ms does not */
    CHECK(near(f, "rate(cast.cool_p, 400ms)", (7.9 - 8.0) / 0.4, 1e-9));
    CHECK_INT(fx_eval(f, "rate(cast.cool_p, 300ms) < 0"), EXPR_UNKNOWN);   /* one sample */
    /* time passes without samples: the window empties and the rate is unknown */
    f->env.mono_ms = 30000;
    CHECK_INT(fx_eval(f, "rate(cast.cool_p, 10s) < 0"), EXPR_UNKNOWN);
    CHECK_INT(fx_eval(f, "rate(cast.cool_p, 10s) < 0 or cast.cool_p < 8"), EXPR_TRUE);
}

static void test_avg_min_max(struct fx *f)
{
    static const double v[] = {4, 8, 6, 2, 5};
    for (int i = 0; i < 5; i++)
        fx_good(f, P_X, v[i], 100000 + i * 1000);
    /* now 104000; 4 s back reaches 100000 inclusive */
    CHECK(near(f, "avg(a.x, 4s)", 5.0, 1e-12));
    CHECK(near(f, "min(a.x, 4s)", 2.0, 0));
    CHECK(near(f, "max(a.x, 4s)", 8.0, 0));
    CHECK(near(f, "avg(a.x, 2s)", (6 + 2 + 5) / 3.0, 1e-12));
    CHECK(near(f, "max(a.x, 2s)", 6.0, 0));
    /* a fault inside the window is skipped, never counted as zero */
    fx_sample(f, P_X, 0, QUALITY_SENSOR_FAULT, 105000);
    CHECK_INT(fx_eval(f, "min(a.x, 4s) > 1"), EXPR_UNKNOWN);     /* the point is in fault now */
    fx_good(f, P_X, 7, 106000);
    CHECK(near(f, "min(a.x, 4s)", 2.0, 0));                      /* 102000..106000, no 0 */
    CHECK(near(f, "avg(a.x, 4s)", (6 + 2 + 5 + 7) / 4.0, 1e-12));
    CHECK(near(f, "rate(a.x, 3s)", (7 - 2) / 3.0, 1e-12));      /* 103000 .. 106000 */
    /* no history at all: every window is unknown, plain references still work */
    f->env.history = NULL;
    CHECK_INT(fx_eval(f, "avg(a.x, 4s) > 0"), EXPR_UNKNOWN);
    CHECK_INT(fx_eval(f, "a.x == 7"), EXPR_TRUE);
    f->env.history = f->history;
}

static void test_ring_wraps(struct fx *f)
{
    /* 10 s windows at 1 s polls: 14 slots. 100 samples later the window is still exact. */
    for (int i = 0; i < 100; i++)
        fx_good(f, P_Y, i, 200000 + i * 1000);
    CHECK(near(f, "min(a.y, 10s)", 89, 0));
    CHECK(near(f, "max(a.y, 10s)", 99, 0));
    CHECK(near(f, "rate(a.y, 10s)", 1.0, 1e-12));
    CHECK(near(f, "avg(a.y, 10s)", 94, 1e-12));
}

static void test_held(struct fx *f)
{
    struct expr *e = fx_compile(f, "held(a.z > 5, 10s)");
    if (!e)
        return;
    static const struct { int64_t t; double v; enum quality q; int want; } steps[] = {
        {0, 6, QUALITY_GOOD, EXPR_FALSE},           /* timer starts */
        {5000, 7, QUALITY_GOOD, EXPR_FALSE},
        {7000, 3, QUALITY_GOOD, EXPR_FALSE},        /* interrupted: starts over */
        {8000, 6, QUALITY_GOOD, EXPR_FALSE},
        {17999, 6, QUALITY_GOOD, EXPR_FALSE},
        {18000, 6, QUALITY_GOOD, EXPR_TRUE},        /* 10 s without a break */
        {19000, 0, QUALITY_COMM_FAIL, EXPR_UNKNOWN},/* held, and now unknown: kept */
        {20000, 6, QUALITY_GOOD, EXPR_TRUE},        /* still held: no new wait */
        {21000, 3, QUALITY_GOOD, EXPR_FALSE},
        {22000, 6, QUALITY_GOOD, EXPR_FALSE},       /* pending ... */
        {25000, 0, QUALITY_SENSOR_FAULT, EXPR_UNKNOWN},  /* ... a fault restarts it */
        {26000, 6, QUALITY_GOOD, EXPR_FALSE},
        {35999, 6, QUALITY_GOOD, EXPR_FALSE},
        {36000, 6, QUALITY_GOOD, EXPR_TRUE},
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
        fx_sample(f, P_Z, steps[i].v, steps[i].q, steps[i].t);
        int got = expr_eval(e, &f->env);
        CHECK_INT(got, steps[i].want);
        if (got != steps[i].want)
            fprintf(stderr, "  at step %zu (t=%lld)\n", i, (long long)steps[i].t);
    }
    /* time alone completes a hold: no sample between 40 s and 50 s */
    fx_good(f, P_Z, 1, 37000);
    CHECK_INT(expr_eval(e, &f->env), EXPR_FALSE);
    fx_good(f, P_Z, 9, 40000);
    CHECK_INT(expr_eval(e, &f->env), EXPR_FALSE);
    f->env.mono_ms = 50000;
    CHECK_INT(expr_eval(e, &f->env), EXPR_TRUE);
    expr_reset(e);
    CHECK_INT(expr_eval(e, &f->env), EXPR_FALSE);                /* forgotten: starts over */
    expr_free(e);

    /* two held() in one expression keep separate timers */
    e = fx_compile(f, "held(a.z > 5, 2s) and not held(a.z > 8, 5s)");
    fx_good(f, P_Z, 9, 60000);
    CHECK_INT(expr_eval(e, &f->env), EXPR_FALSE);
    f->env.mono_ms = 62000;
    CHECK_INT(expr_eval(e, &f->env), EXPR_TRUE);
    f->env.mono_ms = 65000;
    CHECK_INT(expr_eval(e, &f->env), EXPR_FALSE);
    expr_free(e);
}

static void test_history_bounds(void)
{
    struct cfg_err err;
    struct history_spec one[1] = {{10000, 1000, "a.x"}};
    struct history *h = history_create(one, 1, &err);
    CHECK(h != NULL);
    CHECK_INT(history_bytes(h), 14 * sizeof(struct history_entry));   /* 11 + 25 % */
    struct history_window w;
    CHECK_INT(history_window(h, 0, 0, &w), 0);
    CHECK_INT(w.count, 0);
    CHECK_INT(history_window(h, 1, 0, &w), -1);                      /* no such point */
    history_free(h);

    struct history_spec none[2] = {{0, 1000, "a.x"}, {0, 0, NULL}};
    h = history_create(none, 2, &err);
    CHECK_INT(history_bytes(h), 0);
    CHECK_INT(history_window(h, 0, 0, &w), -1);                      /* no ring */
    struct sample s = { .point = 0, .quality = QUALITY_GOOD, .value = 1 };
    history_push(h, &s);                                             /* ignored */
    history_free(h);

    struct history_spec big[1] = {{3LL * 3600 * 1000, 1000, "cast.cool_p"}};
    CHECK(history_create(big, 1, &err) == NULL);
    CHECK_CONTAINS(err.msg, "cast.cool_p: a 10800 s window at a 1000 ms poll interval");
    CHECK_CONTAINS(err.msg, "shorten the window or poll the point less often");

    struct history_spec no_interval[2] = {{0, 0, NULL}, {5000, 0, NULL}};
    CHECK(history_create(no_interval, 2, &err) == NULL);
    CHECK_CONTAINS(err.msg, "point 1: a window function reads this point");

    struct history_spec many[40];
    for (int i = 0; i < 40; i++)
        many[i] = (struct history_spec){ 3600LL * 1000, 1000, NULL };
    CHECK(history_create(many, 40, &err) == NULL);
    CHECK_CONTAINS(err.msg, "more than the 131072 allowed in all");
}

int main(void)
{
    struct fx f;
    fx_init(&f, 10000);
    test_rate_irregular(&f);
    test_avg_min_max(&f);
    test_ring_wraps(&f);
    test_held(&f);
    fx_done(&f);
    test_history_bounds();
    return check_summary();
}
