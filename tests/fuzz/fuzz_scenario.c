/*
 * fuzz_scenario.c - the simulator's scenario files against arbitrary text.
 *
 * Scenarios are written by hand, and a bad one must be refused at start with its
 * JSON path. Text that parses is then bound to the real gas_lel profile
 * (sim_device_new checks every value the timeline can reach against the point's
 * registers), played at each segment's start, middle and end and past the end,
 * looped, and evaluated: the numbers it computes (ramps, sines, noise draws) must
 * stay defined behaviour for any timeline the parser accepts.
 */
#include "fuzz_util.h"
#include "profile.h"
#include "sim_device.h"
#include "sim_scenario.h"

#define FUZZ_SCENARIO_PROFILE "gas_lel"
#define FUZZ_SCENARIO_UNIT 1
#define FUZZ_DESCRIBE_MAX 128

static struct profile *fuzz_profile;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    struct cfg_err err = {""};
    (void)argc;
    (void)argv;
    fuzz_quiet();
    fuzz_profile = profile_load(FUZZ_PROFILE_DIR, FUZZ_SCENARIO_PROFILE, &err);
    if (!fuzz_profile)
        log_error("fuzz_scenario: cannot load profile %s from %s: %s", FUZZ_SCENARIO_PROFILE,
                  FUZZ_PROFILE_DIR, err.msg);
    return 0;
}

/* Evaluate every track at time t, directly and through the device's tables. */
static void fuzz_scenario_at(const struct sim_scenario *sc, struct sim_device *dev, double t)
{
    double v;
    for (size_t k = 0; k < sc->ntracks; k++) {
        if (sim_scenario_segment(sc, k, t) >= sc->tracks[k].nsegs)
            abort();
        (void)sim_scenario_eval(sc, k, t, &v);
    }
    if (dev)
        sim_device_update(dev, t);
}

/* Play the timeline at every segment's start and middle, at its end and beyond. */
static void fuzz_scenario_play(const struct sim_scenario *sc, struct sim_device *dev)
{
    char line[FUZZ_DESCRIBE_MAX];
    for (size_t k = 0; k < sc->ntracks; k++) {
        for (size_t i = 0; i < sc->tracks[k].nsegs; i++) {
            const struct sim_segment *seg = &sc->tracks[k].segs[i];
            double lo, hi;
            sim_segment_extremes(seg, &lo, &hi);
            sim_segment_describe(seg, line, sizeof line);
            fuzz_scenario_at(sc, dev, seg->at_s);
            fuzz_scenario_at(sc, dev, seg->at_s + seg->over_s / 2 + seg->period_s / 3);
        }
    }
    fuzz_scenario_at(sc, dev, sc->duration_s);
    fuzz_scenario_at(sc, dev, sc->duration_s * 2 + 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cfg_err err = {""};
    if (!fuzz_profile)
        abort();                        /* the profile itself is broken; say so loudly */
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    struct sim_scenario *sc = sim_scenario_parse(text, "fuzz.json", &err);
    free(text);
    if (!sc) {
        if (err.msg[0] == '\0')
            abort();
        return 0;
    }
    struct sim_device *dev = sim_device_new(fuzz_profile, FUZZ_SCENARIO_UNIT, sc, &err);
    fuzz_scenario_play(sc, dev);
    if (sim_scenario_set_loop(sc, &err) == 0)
        fuzz_scenario_play(sc, dev);
    sim_device_free(dev);
    sim_scenario_free(sc);
    return 0;
}
