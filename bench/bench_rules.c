/*
 * bench_rules.c - how many samples a second the rule stage takes on one core.
 *
 * A site of BENCH_POINTS points (BENCH_DEVICES devices), each with a two-level threshold
 * alarm (rules_eval), plus BENCH_COMBINED combined rules in the shapes of the three site
 * types (casting with a rate window, dust interlock, power in a calendar, a held() and an
 * avg window). Feeds BENCH_SAMPLES samples the way the core does: latest[] and history
 * for each sample, the point's rule, the combined rules that read the point, and every
 * combined rule once per simulated second on the timer. Prints
 * `rules_samples_per_s <number>`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "expr_rule.h"
#include "history.h"

#define BENCH_SAMPLES 10000000L
#define BENCH_DEVICES 100
#define BENCH_POINTS_PER_DEVICE 10
#define BENCH_POINTS 1000
_Static_assert(BENCH_POINTS == BENCH_DEVICES * BENCH_POINTS_PER_DEVICE, "points = devices x 10");
#define BENCH_COMBINED 100
#define BENCH_INTERVAL_MS 1000
#define BENCH_WALL0 1796083200000LL     /* 2026-12-01T00:00Z */
#define BENCH_SHAPES 4

static const char *const alarm_json =
    "{\"levels\": [{\"name\": \"level1\", \"above\": 25}, {\"name\": \"level2\", \"above\": 50}],"
    " \"hysteresis\": 2}";

static const char *const calendars_json =
    "{\"shutdown\": [{\"from\": \"00:00\", \"to\": \"12:00\"}]}";

/* The combined rule shapes; '#' stands for the device number. */
static const char *const shapes[BENCH_SHAPES] = {
    "d#.p0 == 1 and d#.p1 > 400 and (d#.p2 < 0.15 or rate(d#.p2, 10s) < -0.02)",
    "d#.p3 == 1 and d#.p4 == 1 and not fault(d#.p3)",
    "calendar(\\\"shutdown\\\") and d#.p5 > 50 and ok(d#.p5)",
    "held(d#.p6 > 30, 30s) or avg(d#.p7, 1min) > 45 or d#.p8 - d#.p9 > 50",
};

/* shape with every '#' replaced by device d. */
static void bench_expand(const char *shape, int d, char *out, size_t n)
{
    size_t k = 0;
    for (; *shape && k + 8 < n; shape++) {
        if (*shape == '#')
            k += (size_t)snprintf(out + k, n - k, "%d", d);
        else
            out[k++] = *shape;
    }
    out[k] = '\0';
}

static long bench_resolve(void *ctx, const char *device, const char *point)
{
    (void)ctx;
    char *dend, *pend;
    if (device[0] != 'd' || point[0] != 'p')
        return -1;
    long d = strtol(device + 1, &dend, 10), p = strtol(point + 1, &pend, 10);
    if (*dend || *pend || d < 0 || d >= BENCH_DEVICES || p < 0 || p >= BENCH_POINTS_PER_DEVICE)
        return -1;
    return d * BENCH_POINTS_PER_DEVICE + p;
}

static int bench_utc(void *ctx, int64_t wall_ms, struct tm *out)
{
    (void)ctx;
    time_t t = (time_t)(wall_ms / 1000);
    return gmtime_r(&t, out) ? 0 : -1;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static double noise(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (double)(rng >> 40) / (double)(1u << 24);       /* [0, 1) */
}

struct site {
    struct rule_cfg alarm;
    struct rule_state st[BENCH_POINTS];
    struct reading latest[BENCH_POINTS];
    struct expr_calendars cals;
    struct expr_rule rules[BENCH_COMBINED];
    struct rule_state rule_st[BENCH_COMBINED];
    size_t first[BENCH_POINTS + 1];             /* point -> rules reading it (CSR) */
    uint32_t *readers;
    struct history *history;
    struct expr_env env;
};

static int bench_compile(struct site *s, struct cfg_err *err)
{
    struct expr_scope scope = { bench_resolve, NULL, &s->cals };
    for (int i = 0; i < BENCH_COMBINED; i++) {
        char when[EXPR_TEXT_MAX], json[EXPR_TEXT_MAX + 128];
        int d = i % BENCH_DEVICES;
        bench_expand(shapes[i % BENCH_SHAPES], d, when, sizeof when);
        snprintf(json, sizeof json, "{\"id\": \"c%d\", \"when\": \"%s\", \"on_delay_s\": 2}",
                 i, when);
        cJSON *obj = cJSON_Parse(json);
        int rc = expr_rule_parse(obj, "rules", &scope, &s->rules[i], err);
        cJSON_Delete(obj);
        if (rc < 0)
            return -1;
        rules_state_init(&s->rule_st[i]);
    }
    return 0;
}

/* Which combined rules read each point, and history sized from their windows. */
static int bench_wire(struct site *s, struct cfg_err *err)
{
    static struct history_spec specs[BENCH_POINTS];
    size_t total = 0;
    for (int p = 0; p < BENCH_POINTS; p++)
        specs[p] = (struct history_spec){ 0, BENCH_INTERVAL_MS, NULL };
    for (int i = 0; i < BENCH_COMBINED; i++) {
        const uint32_t *pts;
        size_t n = expr_points(s->rules[i].when, &pts);
        for (size_t k = 0; k < n; k++)
            s->first[pts[k] + 1]++;
        total += n;
        expr_windows(s->rules[i].when, specs);
    }
    for (int p = 0; p < BENCH_POINTS; p++)
        s->first[p + 1] += s->first[p];
    s->readers = malloc((total ? total : 1) * sizeof *s->readers);
    size_t fill[BENCH_POINTS];
    memcpy(fill, s->first, sizeof fill);
    for (int i = 0; i < BENCH_COMBINED; i++) {
        const uint32_t *pts;
        size_t n = expr_points(s->rules[i].when, &pts);
        for (size_t k = 0; k < n; k++)
            s->readers[fill[pts[k]]++] = (uint32_t)i;
    }
    s->history = history_create(specs, BENCH_POINTS, err);
    return s->readers && s->history ? 0 : -1;
}

static int bench_setup(struct site *s, struct cfg_err *err)
{
    cJSON *a = cJSON_Parse(alarm_json), *c = cJSON_Parse(calendars_json);
    int rc = rules_parse(a, "alarm", &s->alarm, err) < 0 ||
             expr_calendars_parse(c, "calendars", &s->cals, err) < 0 ? -1 : 0;
    cJSON_Delete(a);
    cJSON_Delete(c);
    if (rc < 0 || bench_compile(s, err) < 0 || bench_wire(s, err) < 0)
        return -1;
    for (int p = 0; p < BENCH_POINTS; p++)
        rules_state_init(&s->st[p]);
    expr_latest_init(s->latest, BENCH_POINTS);
    expr_env_init(&s->env, s->latest, BENCH_POINTS, s->history, bench_utc, NULL);
    return 0;
}

/* One sample through the rule stage, as the core takes it. */
static long bench_sample(struct site *s, const struct sample *smp, struct event *ev)
{
    long events = 0;
    s->latest[smp->point] = reading_of(smp);
    history_push(s->history, smp);
    events += rules_eval(&s->alarm, &s->st[smp->point], smp, smp->mono_ms, ev);
    for (size_t k = s->first[smp->point]; k < s->first[smp->point + 1]; k++) {
        uint32_t i = s->readers[k];
        events += expr_rule_step(&s->rules[i], &s->rule_st[i], &s->env,
                                 BENCH_POINTS + i, ev);
    }
    return events;
}

static long bench_tick(struct site *s, struct event *ev)
{
    long events = 0;
    for (uint32_t i = 0; i < BENCH_COMBINED; i++)
        events += expr_rule_step(&s->rules[i], &s->rule_st[i], &s->env, BENCH_POINTS + i, ev);
    return events;
}

int main(void)
{
    static struct site site;
    struct cfg_err err;
    if (bench_setup(&site, &err) < 0) {
        fprintf(stderr, "bench_rules: %s\n", err.msg);
        return 1;
    }
    static double level[BENCH_POINTS];
    struct event ev[RULE_MAX_EVENTS];
    long events = 0;
    double t0 = now_s();
    for (long n = 0; n < BENCH_SAMPLES; n++) {
        uint32_t p = (uint32_t)(n % BENCH_POINTS);
        int64_t mono = n / BENCH_POINTS * BENCH_INTERVAL_MS + p / BENCH_POINTS_PER_DEVICE;
        level[p] += noise() * 2.0 - 1.0 + (level[p] < 0 ? 1.0 : level[p] > 60 ? -1.0 : 0.0);
        struct sample smp = {.point = p, .quality = noise() < 0.001 ? QUALITY_COMM_FAIL : QUALITY_GOOD,
                             .value = level[p], .ts_ms = BENCH_WALL0 + mono, .mono_ms = mono};
        site.env.mono_ms = mono;
        site.env.wall_ms = BENCH_WALL0 + mono;
        events += bench_sample(&site, &smp, ev);
        if (p == BENCH_POINTS - 1)
            events += bench_tick(&site, ev);
    }
    double dt = now_s() - t0;
    printf("points %d, combined rules %d, history %zu bytes, events %ld, %.2f s\n",
           BENCH_POINTS, BENCH_COMBINED, history_bytes(site.history), events, dt);
    printf("rules_samples_per_s %.0f\n", (double)BENCH_SAMPLES / dt);
    for (int i = 0; i < BENCH_COMBINED; i++)
        expr_rule_free(&site.rules[i]);
    history_free(site.history);
    free(site.readers);
    return 0;
}
