/*
 * test_sim_scenario.c - the scenario engine: timelines in, values out, errors with paths.
 *
 * Evaluation is a pure function of (scenario, track, t), so every check here is
 * exact: steps, ramps (from a value in force, even mid-ramp), sines, seeded noise
 * that replays bit for bit, looping and holding at the end, and a parse error for
 * each mistake a scenario author is likely to make, each naming its JSON path.
 */
#include <math.h>
#include <stdlib.h>

#include "check.h"
#include "sim_scenario.h"

#define TOL 1e-9
#define NOISE_SAMPLES 4000

static struct sim_scenario *parse(const char *text)
{
    struct cfg_err err = {{0}};
    struct sim_scenario *sc = sim_scenario_parse(text, "t.json", &err);
    if (!sc)
        fprintf(stderr, "unexpected parse error: %s\n", err.msg);
    CHECK(sc != NULL);
    return sc;
}

static double value_at(const struct sim_scenario *sc, const char *point, double t)
{
    double v = -12345.0;
    long tr = sim_scenario_track(sc, point);
    CHECK(tr >= 0);
    if (tr >= 0)
        CHECK_INT(sim_scenario_eval(sc, (size_t)tr, t, &v), SIM_VALUE);
    return v;
}

/* Parsing must fail, and the message must contain `expect`. */
static void check_refused(const char *text, const char *expect)
{
    struct cfg_err err = {{0}};
    struct sim_scenario *sc = sim_scenario_parse(text, "t.json", &err);
    CHECK(sc == NULL);
    CHECK_CONTAINS(err.msg, expect);
    CHECK_CONTAINS(err.msg, "t.json");
    sim_scenario_free(sc);
}

static void test_steps(void)
{
    struct sim_scenario *sc = parse(
        "{\"name\":\"s\",\"points\":{\"a\":[{\"at_s\":0,\"value\":1},{\"at_s\":5,\"value\":2.5}]}}");
    if (!sc)
        return;
    CHECK_STR(sc->name, "s");
    CHECK_NEAR(value_at(sc, "a", 0), 1, TOL);
    CHECK_NEAR(value_at(sc, "a", 4.999), 1, TOL);
    CHECK_NEAR(value_at(sc, "a", 5), 2.5, TOL);
    CHECK_NEAR(value_at(sc, "a", 1e6), 2.5, TOL);     /* open-ended: the last segment goes on */
    CHECK_NEAR(value_at(sc, "a", -3), 1, TOL);        /* before the start is the start */
    CHECK_INT(sim_scenario_segment(sc, 0, 4.9), 0);
    CHECK_INT(sim_scenario_segment(sc, 0, 5.1), 1);
    CHECK_INT(sim_scenario_track(sc, "nope"), -1);
    sim_scenario_free(sc);
}

static void test_ramps(void)
{
    struct sim_scenario *sc = parse(
        "{\"points\":{\"a\":[{\"at_s\":0,\"value\":0},{\"at_s\":5,\"ramp_to\":60,\"over_s\":20}],"
        "\"b\":[{\"at_s\":0,\"value\":0},{\"at_s\":5,\"ramp_to\":60,\"over_s\":20},"
        "{\"at_s\":10,\"ramp_to\":0,\"over_s\":5}]}}");
    if (!sc)
        return;
    CHECK_NEAR(value_at(sc, "a", 5), 0, TOL);
    CHECK_NEAR(value_at(sc, "a", 15), 30, TOL);
    CHECK_NEAR(value_at(sc, "a", 25), 60, TOL);
    CHECK_NEAR(value_at(sc, "a", 40), 60, TOL);       /* a finished ramp holds its target */
    /* b's second ramp starts mid-way through the first, from the 15 in force at 10 s. */
    CHECK_NEAR(sc->tracks[1].segs[2].from, 15, TOL);
    CHECK_NEAR(value_at(sc, "b", 10), 15, TOL);
    CHECK_NEAR(value_at(sc, "b", 12.5), 7.5, TOL);
    CHECK_NEAR(value_at(sc, "b", 20), 0, TOL);
    sim_scenario_free(sc);
}

static void test_sine(void)
{
    struct sim_scenario *sc = parse(
        "{\"points\":{\"a\":[{\"at_s\":0,\"value\":3},"
        "{\"at_s\":40,\"sine\":{\"mean\":20,\"amplitude\":5,\"period_s\":10}},"
        "{\"at_s\":60,\"ramp_to\":0,\"over_s\":1}]}}");
    if (!sc)
        return;
    CHECK_NEAR(value_at(sc, "a", 39.9), 3, TOL);
    CHECK_NEAR(value_at(sc, "a", 40), 20, TOL);
    CHECK_NEAR(value_at(sc, "a", 42.5), 25, TOL);
    CHECK_NEAR(value_at(sc, "a", 47.5), 15, TOL);
    CHECK_NEAR(value_at(sc, "a", 50), 20, 1e-9);
    CHECK_NEAR(sc->tracks[0].segs[2].from, 20, 1e-9);  /* the sine's value at 60 s */
    double lo, hi;
    sim_segment_extremes(&sc->tracks[0].segs[1], &lo, &hi);
    CHECK_NEAR(lo, 15, TOL);
    CHECK_NEAR(hi, 25, TOL);
    sim_scenario_free(sc);
}

static const char noise_text[] =
    "{\"seed\":%d,\"points\":{"
    "\"a\":[{\"at_s\":0,\"noise\":{\"mean\":20,\"sd\":0.5}}],"
    "\"b\":[{\"at_s\":0,\"noise\":{\"mean\":20,\"sd\":0.5,\"period_s\":0.25}}],"
    "\"c\":[{\"at_s\":0,\"noise\":{\"mean\":1.5,\"sd\":0.5}},{\"at_s\":10,\"ramp_to\":30,\"over_s\":10}]}}";

static struct sim_scenario *parse_noise(int seed)
{
    char text[sizeof noise_text + 16];
    snprintf(text, sizeof text, noise_text, seed);
    return parse(text);
}

static void test_noise(void)
{
    struct sim_scenario *s1 = parse_noise(7), *s1again = parse_noise(7), *s2 = parse_noise(8);
    if (!s1 || !s1again || !s2)
        goto out;
    int same = 1, differs_seed = 0, differs_point = 0;
    double sum = 0, sumsq = 0, lo = 1e9, hi = -1e9;
    for (int i = 0; i < NOISE_SAMPLES; i++) {
        double a = value_at(s1, "a", i), again = value_at(s1again, "a", i);
        same &= a == again;                            /* bit for bit */
        differs_seed |= a != value_at(s2, "a", i);
        differs_point |= a != value_at(s1, "b", i);
        sum += a;
        sumsq += a * a;
        lo = fmin(lo, a);
        hi = fmax(hi, a);
    }
    CHECK(same);
    CHECK(differs_seed);
    CHECK(differs_point);
    double mean = sum / NOISE_SAMPLES, sd = sqrt(sumsq / NOISE_SAMPLES - mean * mean);
    CHECK_NEAR(mean, 20, 0.05);
    CHECK_NEAR(sd, 0.5, 0.05);
    CHECK(lo >= 20 - SIM_NOISE_TRUNCATE_SD * 0.5 && hi <= 20 + SIM_NOISE_TRUNCATE_SD * 0.5);
    CHECK(lo < 19.0 && hi > 21.0);                     /* it really spreads */
    /* One sample holds for its period (1 s by default, 0.25 s for b). */
    CHECK(value_at(s1, "a", 3.01) == value_at(s1, "a", 3.99));
    CHECK(value_at(s1, "a", 3.99) != value_at(s1, "a", 4.01));
    CHECK(value_at(s1, "b", 3.01) != value_at(s1, "b", 3.26));
    /* Evaluation order does not matter: t = 3 again after t = 4000 gives the same. */
    CHECK(value_at(s1, "a", 3.5) == value_at(s1again, "a", 3.5));
    /* A ramp after noise starts from the noise's mean, not from a random draw. */
    CHECK_NEAR(s1->tracks[2].segs[1].from, 1.5, TOL);
    CHECK_NEAR(value_at(s1, "c", 15), 15.75, TOL);
out:
    sim_scenario_free(s1);
    sim_scenario_free(s1again);
    sim_scenario_free(s2);
}

static void test_loop_and_end(void)
{
    static const char text[] =
        "{\"duration_s\":10,%s\"points\":{\"a\":[{\"at_s\":0,\"value\":0},"
        "{\"at_s\":2,\"ramp_to\":8,\"over_s\":4},{\"at_s\":8,\"noise\":{\"mean\":5,\"sd\":1}}]}}";
    char buf[sizeof text + 32];
    snprintf(buf, sizeof buf, text, "\"loop\":true,");
    struct sim_scenario *looping = parse(buf);
    snprintf(buf, sizeof buf, text, "");
    struct sim_scenario *once = parse(buf);
    struct cfg_err err = {{0}};
    if (!looping || !once)
        goto out;
    CHECK_INT(looping->loop, 1);
    CHECK_NEAR(value_at(looping, "a", 4), 4, TOL);
    CHECK_NEAR(value_at(looping, "a", 14), 4, TOL);    /* round two */
    CHECK_NEAR(value_at(looping, "a", 1004), 4, TOL);  /* round 101 */
    CHECK_NEAR(value_at(looping, "a", 10.5), 0, TOL);  /* back to the first step */
    CHECK_INT(sim_scenario_segment(looping, 0, 19), 2);
    CHECK_INT(sim_scenario_segment(looping, 0, 21), 0);
    CHECK(value_at(looping, "a", 9.5) == value_at(looping, "a", 19.5));
    /* Without loop the end holds: the noise freezes at its value at 10 s. */
    CHECK_INT(once->loop, 0);
    CHECK(value_at(once, "a", 10) == value_at(once, "a", 500));
    CHECK_NEAR(sim_scenario_time(once, 500), 10, TOL);
    CHECK_INT(sim_scenario_segment(once, 0, 500), 2);
    /* --loop turns looping on when the scenario has a length. */
    CHECK_INT(sim_scenario_set_loop(once, &err), 0);
    CHECK_NEAR(value_at(once, "a", 14), 4, TOL);
out:
    sim_scenario_free(looping);
    sim_scenario_free(once);
}

static void test_fault_segment(void)
{
    struct sim_scenario *sc = parse(
        "{\"points\":{\"a\":[{\"at_s\":0,\"value\":4},{\"at_s\":3,\"fault\":true},{\"at_s\":6,\"value\":5}]}}");
    double v = 99;
    if (!sc)
        return;
    CHECK_INT(sim_scenario_eval(sc, 0, 2, &v), SIM_VALUE);
    CHECK_NEAR(v, 4, TOL);
    CHECK_INT(sim_scenario_eval(sc, 0, 4, &v), SIM_FAULT);
    CHECK_NEAR(v, 0, TOL);
    CHECK_INT(sim_scenario_eval(sc, 0, 6, &v), SIM_VALUE);
    CHECK_NEAR(v, 5, TOL);
    sim_scenario_free(sc);
}

static void test_loop_needs_length(void)
{
    struct sim_scenario *sc = parse("{\"points\":{\"a\":[{\"at_s\":0,\"value\":1}]}}");
    struct cfg_err err = {{0}};
    if (!sc)
        return;
    CHECK_INT(sim_scenario_set_loop(sc, &err), -1);
    CHECK_CONTAINS(err.msg, "t.json: --loop needs");
    CHECK_CONTAINS(err.msg, "duration_s");
    CHECK_INT(sc->loop, 0);
    sim_scenario_free(sc);
}

static void test_parse_errors(void)
{
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"value\":1}]},\"spede\":3}", "t.json: spede: unknown key");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"value\":1},{\"at_s\":3,\"value\":2},{\"at_s\":3,\"value\":4}]}}",
                  "points.lel[2].at_s: 3 is not after the previous segment's 3");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":1,\"value\":1}]}}",
                  "points.lel[0].at_s: the first segment must start at 0");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"ramp_to\":5,\"over_s\":2}]}}",
                  "points.lel[0]: a ramp needs a value to start from");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"value\":1},{\"at_s\":2,\"ramp_to\":5}]}}",
                  "points.lel[1].over_s");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"value\":1},{\"at_s\":2,\"ramp_to\":5,\"over_s\":0}]}}",
                  "points.lel[1].over_s");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"value\":1,\"sine\":{\"mean\":1,\"amplitude\":1,\"period_s\":2}}]}}",
                  "points.lel[0]: \"value\" and \"sine\" in one segment");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0}]}}", "points.lel[0]: a segment needs one of");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"sine\":{\"mean\":1,\"amplitude\":1}}]}}",
                  "points.lel[0].sine.period_s");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"noise\":{\"mean\":1,\"sd\":1,\"sd2\":3}}]}}",
                  "points.lel[0].noise.sd2: unknown key");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"value\":\"high\"}]}}", "points.lel[0].value");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"value\":1,\"over_s\":3}]}}",
                  "points.lel[0].over_s: \"over_s\" belongs to a \"ramp_to\" segment");
    check_refused("{\"loop\":true,\"points\":{\"lel\":[{\"at_s\":0,\"value\":1}]}}",
                  "loop: a looping scenario needs \"duration_s\"");
    check_refused("{\"duration_s\":60,\"points\":{\"lel\":[{\"at_s\":0,\"value\":1},{\"at_s\":70,\"value\":2}]}}",
                  "points.lel[1]: starts at 70 s, at or after \"duration_s\" 60");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"value\":1},{\"at_s\":2,\"fault\":false}]}}",
                  "points.lel[1].fault: only \"fault\": true");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"fault\":true},{\"at_s\":2,\"ramp_to\":3,\"over_s\":1}]}}",
                  "points.lel[1]: a ramp cannot start from a fault");
    check_refused("{\"points\":{\"lel\":{\"at_s\":0}}}", "points.lel: expected an array of segments");
    check_refused("{\"points\":{\"lel\":[]}}", "points.lel: expected 1 to");
    check_refused("{\"points\":{\"lel\":[3]}}", "points.lel[0]: expected a segment object");
    check_refused("{\"points\":{}}", "points: a scenario needs at least one point timeline");
    check_refused("{\"name\":\"x\"}", "points");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"value\":1}],\"lel\":[{\"at_s\":0,\"value\":2}]}}",
                  "points.lel: this point has two timelines");
    check_refused("{\"points\":{\"lel\":[{\"at_s\":0,\"value\":1}]}\n,}", "t.json:2:");   /* syntax */
    check_refused("[1,2]", "a scenario is a JSON object");
}

static void test_load_missing_file(void)
{
    struct cfg_err err = {{0}};
    CHECK(sim_scenario_load("/nonexistent/scenario.json", &err) == NULL);
    CHECK_CONTAINS(err.msg, "/nonexistent/scenario.json: cannot open");
}

int main(void)
{
    test_steps();
    test_ramps();
    test_sine();
    test_noise();
    test_loop_and_end();
    test_fault_segment();
    test_loop_needs_length();
    test_parse_errors();
    test_load_missing_file();
    return check_summary();
}
