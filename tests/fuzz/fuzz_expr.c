/*
 * fuzz_expr.c - the combined-rule expression compiler against arbitrary text.
 *
 * Expressions are typed by hand into site configs ("cast.casting == 1 and ...").
 * expr_compile must refuse any text with "line:col: sentence" and never crash;
 * a program it accepts must run within its fixed stack. So every accepted program
 * is evaluated over a short history of readings (good, uncertain, in fault) on a
 * fixed five-point site with two calendars, and must answer true, false or unknown.
 */
#include <time.h>

#include "expr.h"
#include "fuzz_util.h"
#include "history.h"

#define FUZZ_EXPR_NPOINTS 5
#define FUZZ_EXPR_INTERVAL_MS 1000
#define FUZZ_EXPR_STEPS 24
#define FUZZ_EXPR_WALL0 1780000000000LL         /* a Tuesday in 2026, after the trust cut-off */
#define FUZZ_EXPR_MS_PER_S 1000
#define FUZZ_EXPR_FAULT_EVERY 7                 /* every 7th reading is a sensor fault */
#define FUZZ_EXPR_UNCERTAIN_EVERY 5

static const char *const fuzz_expr_points[FUZZ_EXPR_NPOINTS][2] = {
    {"cast", "casting"}, {"cast", "length_mm"}, {"cast", "cool_p"}, {"gas1", "lel"}, {"fan", "run"},
};
static const char fuzz_expr_calendars_json[] =
    "{\"shutdown\": [{\"from\": \"2026-12-01T00:00\", \"to\": \"2026-12-15T00:00\"}],"
    " \"night\": [{\"days\": \"mon-fri\", \"from\": \"22:00\", \"to\": \"06:00\"}]}";

static struct expr_calendars fuzz_expr_calendars;
static int fuzz_expr_ready;

static long fuzz_expr_resolve(void *ctx, const char *device, const char *point)
{
    (void)ctx;
    for (long i = 0; i < FUZZ_EXPR_NPOINTS; i++)
        if (strcmp(fuzz_expr_points[i][0], device) == 0 && strcmp(fuzz_expr_points[i][1], point) == 0)
            return i;
    return -1;
}

/* UTC as local time: deterministic, whatever TZ the run has. */
static int fuzz_expr_local(void *ctx, int64_t wall_ms, struct tm *out)
{
    time_t t = (time_t)(wall_ms / FUZZ_EXPR_MS_PER_S);
    (void)ctx;
    return gmtime_r(&t, out) ? 0 : -1;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct cfg_err err = {""};
    (void)argc;
    (void)argv;
    fuzz_quiet();
    cJSON *cals = cJSON_Parse(fuzz_expr_calendars_json);
    fuzz_expr_ready = cals && expr_calendars_parse(cals, "calendars", &fuzz_expr_calendars, &err) == 0;
    if (!fuzz_expr_ready)
        log_error("fuzz_expr: the fixed calendars are refused: %s", err.msg);
    cJSON_Delete(cals);
    return 0;
}

/* The reading of point p at step k: moving values, now and then uncertain or in fault. */
static void fuzz_expr_reading(struct sample *s, size_t p, int k, int64_t mono)
{
    s->point = (uint32_t)p;
    s->mono_ms = mono;
    s->ts_ms = FUZZ_EXPR_WALL0 + mono;
    s->value = (double)((k * (int)(p + 3)) % 11) - 2.5;
    s->quality = (k + (int)p) % FUZZ_EXPR_FAULT_EVERY == 0       ? QUALITY_SENSOR_FAULT
                 : (k + (int)p) % FUZZ_EXPR_UNCERTAIN_EVERY == 0 ? QUALITY_UNCERTAIN
                                                                 : QUALITY_GOOD;
}

/* Run an accepted program over FUZZ_EXPR_STEPS polls of every point. */
static void fuzz_expr_run(struct expr *e)
{
    struct history_spec specs[FUZZ_EXPR_NPOINTS];
    struct reading latest[FUZZ_EXPR_NPOINTS];
    struct expr_env env;
    struct cfg_err err = {""};
    const uint32_t *used = NULL;

    size_t nused = expr_points(e, &used);
    for (size_t i = 0; i < nused; i++)
        if (used[i] >= FUZZ_EXPR_NPOINTS || (i > 0 && used[i] <= used[i - 1]))
            abort();                    /* not ascending distinct resolved points */
    for (size_t p = 0; p < FUZZ_EXPR_NPOINTS; p++)
        specs[p] = (struct history_spec){.window_ms = 0, .interval_ms = FUZZ_EXPR_INTERVAL_MS};
    expr_windows(e, specs);
    struct history *h = history_create(specs, FUZZ_EXPR_NPOINTS, &err);
    expr_latest_init(latest, FUZZ_EXPR_NPOINTS);
    expr_env_init(&env, latest, FUZZ_EXPR_NPOINTS, h, fuzz_expr_local, NULL);
    for (int k = 0; k < FUZZ_EXPR_STEPS; k++) {
        int64_t mono = (int64_t)k * FUZZ_EXPR_INTERVAL_MS;
        for (size_t p = 0; p < FUZZ_EXPR_NPOINTS; p++) {
            struct sample s;
            fuzz_expr_reading(&s, p, k, mono);
            latest[p] = reading_of(&s);
            if (h)
                history_push(h, &s);
        }
        env.mono_ms = mono;
        env.wall_ms = FUZZ_EXPR_WALL0 + mono;
        enum expr_truth t = expr_eval(e, &env);
        if (t != EXPR_FALSE && t != EXPR_TRUE && t != EXPR_UNKNOWN)
            abort();
    }
    (void)expr_uses_time(e);
    expr_reset(e);
    history_free(h);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct expr_err err = {0, 0, ""};
    struct expr_scope scope = {fuzz_expr_resolve, NULL, &fuzz_expr_calendars};
    if (!fuzz_expr_ready)
        abort();                        /* the fixture itself is broken; say so loudly */
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    struct expr *e = expr_compile(text, &scope, &err);
    free(text);
    if (!e) {
        if (err.msg[0] == '\0')
            abort();                    /* a refusal must say why */
        return 0;
    }
    fuzz_expr_run(e);
    expr_free(e);
    return 0;
}
