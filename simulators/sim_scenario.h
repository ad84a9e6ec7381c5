/*
 * sim_scenario.h - scripted timelines: what value each point shows at time t.
 *
 * A scenario is a JSON file (see docs/simulators.md) holding, per point id, a list
 * of segments: a step to a constant, a linear ramp from the value in force, a
 * sine, Gaussian noise from a seeded generator, or a sensor fault. Evaluation is a
 * pure function of (scenario, track, t): no clock, no I/O, no hidden state, so the
 * same scenario replays the same numbers in a test, on a bench and in a demo.
 * The scenario knows nothing of registers; sim_device turns its values into them.
 * A scenario may also carry a "faults" timeline: communication faults (sim_fault.h)
 * the device starts to show at given times.
 */
#ifndef RISKGW_SIM_SCENARIO_H
#define RISKGW_SIM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "json_field.h"
#include "sim_fault.h"

#define SIM_NOISE_PERIOD_S 1.0      /* default: a new noise sample every second */
#define SIM_NOISE_TRUNCATE_SD 4.0   /* noise never strays further than this many sd */

enum sim_seg_kind { SEG_STEP, SEG_RAMP, SEG_SINE, SEG_NOISE, SEG_FAULT };

struct sim_segment {
    enum sim_seg_kind kind;
    double at_s;            /* scenario time the segment starts */
    double value;           /* STEP: the value; RAMP: the target; SINE, NOISE: the mean */
    double from;            /* RAMP: the value in force at at_s (computed when parsed) */
    double over_s;          /* RAMP: its length */
    double amplitude;       /* SINE */
    double period_s;        /* SINE: the period; NOISE: how long one sample holds */
    double sd;              /* NOISE: standard deviation */
};

struct sim_track {
    char point[ID_MAX];
    struct sim_segment *segs;   /* ascending at_s, the first at 0 */
    size_t nsegs;
    uint64_t noise_key;         /* seed mixed with the point id */
};

/* From at_s on, the device shows inj (until the next cue; "clear" ends it). */
struct sim_fault_cue {
    double at_s;
    struct sim_inject inj;
};

struct sim_scenario {
    char origin[PATH_MAX_LEN];  /* file name, for messages */
    char name[ID_MAX];
    char description[TEXT_MAX];
    char profile[ID_MAX];       /* the profile it was written for, "" if any */
    uint64_t seed;
    double duration_s;          /* end of the timeline (explicit or the last segment's end) */
    int loop;                   /* 1: start again at duration_s */
    int shared;                 /* 1: written for several profiles; a device ignores the
                                   timelines of points its profile does not have */
    struct sim_track *tracks;
    size_t ntracks;
    struct sim_fault_cue *cues;     /* ascending at_s */
    size_t ncues;
};

/* What a point shows at a time: a number, or the instrument's fault signal. */
enum sim_sample { SIM_VALUE, SIM_FAULT };

/* Parse scenario text. origin names it in messages. NULL with err on failure. */
struct sim_scenario *sim_scenario_parse(const char *text, const char *origin,
                                        struct cfg_err *err);
/* Read and parse a file. */
struct sim_scenario *sim_scenario_load(const char *filename, struct cfg_err *err);
void sim_scenario_free(struct sim_scenario *sc);

/* Make the scenario repeat (the --loop option). -1 with err if it has no length. */
int sim_scenario_set_loop(struct sim_scenario *sc, struct cfg_err *err);

/* Index of the track for a point id, or -1. */
long sim_scenario_track(const struct sim_scenario *sc, const char *point);

/* Index of the fault cue in force at elapsed_s (wrapped or held), -1 before the first. */
long sim_scenario_cue(const struct sim_scenario *sc, double elapsed_s);

/* Timeline time for elapsed scenario seconds: wrapped when looping, else held at the end. */
double sim_scenario_time(const struct sim_scenario *sc, double elapsed_s);

/* Index of the segment in force at elapsed_s on a track. */
size_t sim_scenario_segment(const struct sim_scenario *sc, size_t track, double elapsed_s);

/* The value of a track at elapsed_s (wrapped or held as above). *value is written
 * for SIM_VALUE and set to 0 for SIM_FAULT. */
enum sim_sample sim_scenario_eval(const struct sim_scenario *sc, size_t track, double elapsed_s,
                                  double *value);

/* The value of one segment at timeline time t >= seg->at_s; index is its place in
 * the track (noise draws differ per segment). Not meaningful for SEG_FAULT. */
double sim_segment_value(const struct sim_segment *seg, uint64_t noise_key, size_t index, double t);

/* splitmix64's mixing function, the root of every noise draw. */
uint64_t sim_mix64(uint64_t x);

/* The lowest and highest values a segment can produce (noise is truncated). */
void sim_segment_extremes(const struct sim_segment *seg, double *lo, double *hi);

/* One line for a log: "ramp to 30 over 8 s". */
void sim_segment_describe(const struct sim_segment *seg, char *out, size_t outlen);

#endif
