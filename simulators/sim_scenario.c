/*
 * sim_scenario.c - evaluate scenario timelines: pure functions of (scenario, track, t).
 *
 * Parsing lives in sim_scenario_parse.c; this file only answers "what does this
 * point show at time t". Noise is not drawn from a stateful generator but hashed
 * from (seed, point, segment, sample number), so any t can be evaluated in any
 * order and a replay gives the same numbers bit for bit.
 */
#include "sim_scenario.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define SPLITMIX_GAMMA UINT64_C(0x9E3779B97F4A7C15)
#define UNIT_INTERVAL_BITS 53       /* a double's mantissa: uniform draws use this many bits */

/* splitmix64's output function: a strong 64-bit mix of its input. */
uint64_t sim_mix64(uint64_t x)
{
    x += SPLITMIX_GAMMA;
    x = (x ^ (x >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94D049BB133111EB);
    return x ^ (x >> 31);
}

/* A uniform draw in (0, 1], never 0 so that log() below is finite. */
static double uniform_open(uint64_t key)
{
    uint64_t bits = sim_mix64(key) >> (64 - UNIT_INTERVAL_BITS);
    return (double)(bits + 1) / (double)(UINT64_C(1) << UNIT_INTERVAL_BITS);
}

/* A standard normal draw (Box-Muller), truncated to +-SIM_NOISE_TRUNCATE_SD. */
static double normal_draw(uint64_t key)
{
    double u1 = uniform_open(key), u2 = uniform_open(key ^ SPLITMIX_GAMMA);
    double z = sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
    return fmax(-SIM_NOISE_TRUNCATE_SD, fmin(SIM_NOISE_TRUNCATE_SD, z));
}

double sim_scenario_time(const struct sim_scenario *sc, double elapsed_s)
{
    if (!(elapsed_s > 0.0))
        return 0.0;
    if (sc->duration_s <= 0.0)
        return elapsed_s;                       /* open-ended: the last segments go on */
    if (sc->loop)
        return fmod(elapsed_s, sc->duration_s);
    return fmin(elapsed_s, sc->duration_s);     /* ended: hold what the end shows */
}

static size_t segment_at(const struct sim_track *tr, double t)
{
    size_t i = 0;
    while (i + 1 < tr->nsegs && tr->segs[i + 1].at_s <= t)
        i++;
    return i;
}

size_t sim_scenario_segment(const struct sim_scenario *sc, size_t track, double elapsed_s)
{
    return segment_at(&sc->tracks[track], sim_scenario_time(sc, elapsed_s));
}

/* The value of one segment at timeline time t (t >= seg->at_s). */
double sim_segment_value(const struct sim_segment *seg, uint64_t noise_key, size_t index, double t)
{
    double dt = t - seg->at_s;
    switch (seg->kind) {
    case SEG_RAMP:
        return dt >= seg->over_s ? seg->value
                                 : seg->from + (seg->value - seg->from) * dt / seg->over_s;
    case SEG_SINE:
        return seg->value + seg->amplitude * sin(2.0 * M_PI * dt / seg->period_s);
    case SEG_NOISE: {
        uint64_t sample = (uint64_t)floor(dt / seg->period_s);
        uint64_t key = sim_mix64(noise_key ^ sim_mix64(index)) ^ sample;
        return seg->value + seg->sd * normal_draw(key);
    }
    case SEG_STEP:
    case SEG_FAULT:
        break;
    }
    return seg->value;
}

enum sim_sample sim_scenario_eval(const struct sim_scenario *sc, size_t track, double elapsed_s,
                                  double *value)
{
    const struct sim_track *tr = &sc->tracks[track];
    double t = sim_scenario_time(sc, elapsed_s);
    size_t i = segment_at(tr, t);
    if (tr->segs[i].kind == SEG_FAULT) {
        *value = 0.0;
        return SIM_FAULT;
    }
    *value = sim_segment_value(&tr->segs[i], tr->noise_key, i, t);
    return SIM_VALUE;
}

void sim_segment_extremes(const struct sim_segment *seg, double *lo, double *hi)
{
    double spread = 0.0;
    *lo = *hi = seg->value;
    if (seg->kind == SEG_RAMP) {
        *lo = fmin(seg->from, seg->value);
        *hi = fmax(seg->from, seg->value);
        return;
    }
    if (seg->kind == SEG_SINE)
        spread = fabs(seg->amplitude);
    else if (seg->kind == SEG_NOISE)
        spread = SIM_NOISE_TRUNCATE_SD * seg->sd;
    *lo -= spread;
    *hi += spread;
}

void sim_segment_describe(const struct sim_segment *seg, char *out, size_t outlen)
{
    switch (seg->kind) {
    case SEG_STEP:
        snprintf(out, outlen, "step to %g", seg->value);
        break;
    case SEG_RAMP:
        snprintf(out, outlen, "ramp from %g to %g over %g s", seg->from, seg->value, seg->over_s);
        break;
    case SEG_SINE:
        snprintf(out, outlen, "sine around %g, amplitude %g, period %g s", seg->value,
                 seg->amplitude, seg->period_s);
        break;
    case SEG_NOISE:
        snprintf(out, outlen, "noise around %g, sd %g, new sample every %g s", seg->value,
                 seg->sd, seg->period_s);
        break;
    case SEG_FAULT:
        snprintf(out, outlen, "sensor fault");
        break;
    }
}

long sim_scenario_track(const struct sim_scenario *sc, const char *point)
{
    for (size_t i = 0; i < sc->ntracks; i++)
        if (strcmp(sc->tracks[i].point, point) == 0)
            return (long)i;
    return -1;
}

long sim_scenario_cue(const struct sim_scenario *sc, double elapsed_s)
{
    double t = sim_scenario_time(sc, elapsed_s);
    long i = -1;
    while ((size_t)(i + 1) < sc->ncues && sc->cues[i + 1].at_s <= t)
        i++;
    return i;
}
