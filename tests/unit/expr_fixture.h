/*
 * expr_fixture.h - a tiny site for the expression tests: points, samples, history, clock.
 *
 * The points are those of the three site types the combined rules were built for
 * (deep-well casting, dust removal, power), plus a few neutral ones. The fixture plays
 * the core's part: it keeps latest[] and the history rings, and it supplies local time
 * from an injected wall clock with a fixed UTC offset, so no test reads a real clock.
 */
#ifndef RISKGW_EXPR_FIXTURE_H
#define RISKGW_EXPR_FIXTURE_H

#include <stdio.h>
#include <string.h>
#include "expr.h"
#include "history.h"

enum fx_point {
    P_CASTING, P_LENGTH, P_COOL_P, P_FAN_RUN, P_VALVE_FAULT, P_KW, P_TANK_LEL,
    P_X, P_Y, P_Z, P_COUNT
};

static const char *const fx_names[P_COUNT][2] = {
    {"cast", "casting"}, {"cast", "length_mm"}, {"cast", "cool_p"}, {"dust", "fan_run"},
    {"dust", "valve_fault"}, {"meter", "kw_total"}, {"tank-a", "lel"},
    {"a", "x"}, {"a", "y"}, {"a", "z"}};

#define FX_INTERVAL_MS 1000
#define FX_UTC_OFFSET_MIN (8 * 60)          /* China Standard Time */

static inline long fx_resolve(void *ctx, const char *device, const char *point)
{
    (void)ctx;
    for (long i = 0; i < P_COUNT; i++)
        if (strcmp(fx_names[i][0], device) == 0 && strcmp(fx_names[i][1], point) == 0)
            return i;
    return -1;
}

/* Local time = UTC + a fixed offset; -1 when the offset is "unknown" (INT32_MIN). */
static inline int fx_local_time(void *ctx, int64_t wall_ms, struct tm *out)
{
    int offset_min = *(const int *)ctx;
    if (offset_min == INT32_MIN)
        return -1;
    time_t t = (time_t)(wall_ms / 1000 + (int64_t)offset_min * 60);
    return gmtime_r(&t, out) ? 0 : -1;
}

struct fx {
    struct reading latest[P_COUNT];
    struct history *history;
    struct expr_calendars cals;
    struct expr_scope scope;
    struct expr_env env;
    int offset_min;
};

/* Every point polled each FX_INTERVAL_MS, history for windows up to window_ms. */
static inline void fx_init(struct fx *f, int64_t window_ms)
{
    memset(f, 0, sizeof *f);
    struct history_spec specs[P_COUNT];
    for (int i = 0; i < P_COUNT; i++)
        specs[i] = (struct history_spec){ window_ms, FX_INTERVAL_MS, fx_names[i][1] };
    struct cfg_err err;
    f->history = history_create(specs, P_COUNT, &err);
    if (!f->history)
        fprintf(stderr, "fx_init: %s\n", err.msg);
    expr_latest_init(f->latest, P_COUNT);
    f->offset_min = FX_UTC_OFFSET_MIN;
    f->scope = (struct expr_scope){ fx_resolve, NULL, &f->cals };
    expr_env_init(&f->env, f->latest, P_COUNT, f->history, fx_local_time, &f->offset_min);
}

static inline void fx_done(struct fx *f)
{
    history_free(f->history);
}

/* A sample as the core would take it: into latest[] and the history, and "now" moves. */
static inline void fx_sample(struct fx *f, int point, double value, enum quality q, int64_t mono_ms)
{
    struct sample s = {.point = (uint32_t)point, .quality = q, .value = value, .ts_ms = mono_ms, .mono_ms = mono_ms};
    f->latest[point] = reading_of(&s);
    history_push(f->history, &s);
    f->env.mono_ms = mono_ms;
}

static inline void fx_good(struct fx *f, int point, double value, int64_t mono_ms)
{
    fx_sample(f, point, value, QUALITY_GOOD, mono_ms);
}

static inline struct expr *fx_compile(struct fx *f, const char *text)
{
    struct expr_err err;
    struct expr *e = expr_compile(text, &f->scope, &err);
    if (!e)
        fprintf(stderr, "fx_compile: %s: %s\n", text, err.msg);
    return e;
}

/* Compile, evaluate once, free. -1 when the text does not compile. */
static inline int fx_eval(struct fx *f, const char *text)
{
    struct expr *e = fx_compile(f, text);
    if (!e)
        return -1;
    int t = (int)expr_eval(e, &f->env);
    expr_free(e);
    return t;
}

#endif
