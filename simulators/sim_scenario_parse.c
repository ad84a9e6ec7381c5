/*
 * sim_scenario_parse.c - read a scenario file into timelines, or say exactly what is wrong.
 *
 * Scenarios are written by hand by technicians and test authors, so every mistake
 * is refused at start with its JSON path ("points.lel[2].over_s: expected a
 * number"), never discovered halfway through a demo. The file syntax is documented
 * in docs/simulators.md; this file is its only reader.
 */
#include "sim_scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SCENARIO_MAX_SECONDS 1e7        /* about 115 days: a bound, not a use case */
#define SCENARIO_MAX_ABS_VALUE 1e15     /* engineering values beyond this are typos */
#define SCENARIO_MAX_SEGMENTS 10000
#define SCENARIO_MIN_PERIOD_S 1e-3
#define SCENARIO_MAX_SEED 9007199254740992LL  /* 2^53: every integer a JSON number holds exactly */
#define FNV1A_OFFSET UINT64_C(0xCBF29CE484222325)
#define FNV1A_PRIME UINT64_C(0x100000001B3)

static const char *const scenario_keys[] = {
    "name", "description", "profile", "seed", "duration_s", "loop", "shared", "points",
    "faults", NULL};
static const char *const cue_keys[] = {"at_s", "inject", NULL};
static const char *const segment_keys[] = {
    "at_s", "value", "ramp_to", "over_s", "sine", "noise", "fault", NULL};
static const char *const sine_keys[] = {"mean", "amplitude", "period_s", NULL};
static const char *const noise_keys[] = {"mean", "sd", "period_s", NULL};
/* The keys that choose a segment's kind, in enum sim_seg_kind order. */
static const char *const kind_keys[] = {"value", "ramp_to", "sine", "noise", "fault"};
#define KIND_COUNT (sizeof kind_keys / sizeof kind_keys[0])

static uint64_t fnv1a(const char *s)
{
    uint64_t h = FNV1A_OFFSET;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * FNV1A_PRIME;
    return h;
}

/* Which kind the segment object names; exactly one kind key must be present. */
static int segment_kind(const cJSON *obj, const char *path, enum sim_seg_kind *kind,
                        struct cfg_err *err)
{
    int found = -1;
    for (size_t k = 0; k < KIND_COUNT; k++) {
        if (!cJSON_GetObjectItemCaseSensitive(obj, kind_keys[k]))
            continue;
        if (found >= 0)
            return cfg_fail(err, path, "\"%s\" and \"%s\" in one segment; give each its own \"at_s\"",
                            kind_keys[found], kind_keys[k]);
        found = (int)k;
    }
    if (found < 0)
        return cfg_fail(err, path, "a segment needs one of \"value\", \"ramp_to\" (with \"over_s\"), "
                        "\"sine\", \"noise\" or \"fault\"");
    *kind = (enum sim_seg_kind)found;
    return 0;
}

/* The "sine" or "noise" object: a mean, a spread (amplitude or sd) and a period. */
static int parse_wave(const cJSON *obj, const char *key, const char *path, struct sim_segment *seg,
                      struct cfg_err *err)
{
    const cJSON *w;
    char p[CFG_PATH_MAX];
    int sine = seg->kind == SEG_SINE;
    double *spread = sine ? &seg->amplitude : &seg->sd;
    jf_path_key(p, sizeof p, path, key);
    seg->period_s = SIM_NOISE_PERIOD_S;
    if (jf_object(obj, key, path, JF_REQUIRED, &w, err) < 0 ||
        jf_known_keys(w, p, sine ? sine_keys : noise_keys, err) < 0 ||
        jf_number(w, "mean", p, JF_REQUIRED, -SCENARIO_MAX_ABS_VALUE, SCENARIO_MAX_ABS_VALUE,
                  &seg->value, err) < 0 ||
        jf_number(w, sine ? "amplitude" : "sd", p, JF_REQUIRED, 0, SCENARIO_MAX_ABS_VALUE, spread,
                  err) < 0 ||
        jf_number(w, "period_s", p, sine ? JF_REQUIRED : JF_OPTIONAL, SCENARIO_MIN_PERIOD_S,
                  SCENARIO_MAX_SECONDS, &seg->period_s, err) < 0)
        return -1;
    return 0;
}

/* The value in force just before segment i starts: where a ramp starts from. */
static int value_in_force(const struct sim_track *tr, size_t i, const char *path, double *out,
                          struct cfg_err *err)
{
    if (i == 0)
        return cfg_fail(err, path, "a ramp needs a value to start from; put a \"value\" segment at 0 first");
    const struct sim_segment *prev = &tr->segs[i - 1];
    if (prev->kind == SEG_FAULT)
        return cfg_fail(err, path, "a ramp cannot start from a fault; put a \"value\" segment before it");
    /* Noise is centred: ramping from its mean avoids a random starting jump. */
    *out = prev->kind == SEG_NOISE ? prev->value
                                   : sim_segment_value(prev, tr->noise_key, i - 1, tr->segs[i].at_s);
    return 0;
}

static int parse_segment(const cJSON *obj, const char *path, struct sim_track *tr, size_t i,
                         struct cfg_err *err)
{
    struct sim_segment *seg = &tr->segs[i];
    char p[CFG_PATH_MAX];
    int fault = 0;
    memset(seg, 0, sizeof *seg);
    if (!cJSON_IsObject(obj))
        return cfg_fail(err, path, "expected a segment object such as {\"at_s\": 0, \"value\": 1}");
    if (jf_known_keys(obj, path, segment_keys, err) < 0 || segment_kind(obj, path, &seg->kind, err) < 0 ||
        jf_number(obj, "at_s", path, JF_REQUIRED, 0, SCENARIO_MAX_SECONDS, &seg->at_s, err) < 0)
        return -1;
    jf_path_key(p, sizeof p, path, "at_s");
    if (i == 0 && seg->at_s != 0.0)
        return cfg_fail(err, p, "the first segment must start at 0, so the point has a value from the start");
    if (i > 0 && seg->at_s <= tr->segs[i - 1].at_s)
        return cfg_fail(err, p, "%g is not after the previous segment's %g; segments go in time order",
                        seg->at_s, tr->segs[i - 1].at_s);
    if (cJSON_GetObjectItemCaseSensitive(obj, "over_s") && seg->kind != SEG_RAMP) {
        jf_path_key(p, sizeof p, path, "over_s");
        return cfg_fail(err, p, "\"over_s\" belongs to a \"ramp_to\" segment");
    }
    switch (seg->kind) {
    case SEG_STEP:
        return jf_number(obj, "value", path, JF_REQUIRED, -SCENARIO_MAX_ABS_VALUE,
                         SCENARIO_MAX_ABS_VALUE, &seg->value, err);
    case SEG_RAMP:
        if (jf_number(obj, "ramp_to", path, JF_REQUIRED, -SCENARIO_MAX_ABS_VALUE,
                      SCENARIO_MAX_ABS_VALUE, &seg->value, err) < 0 ||
            jf_number(obj, "over_s", path, JF_REQUIRED, SCENARIO_MIN_PERIOD_S, SCENARIO_MAX_SECONDS,
                      &seg->over_s, err) < 0)
            return -1;
        return value_in_force(tr, i, path, &seg->from, err);
    case SEG_SINE:
        return parse_wave(obj, "sine", path, seg, err);
    case SEG_NOISE:
        return parse_wave(obj, "noise", path, seg, err);
    case SEG_FAULT:
        if (jf_bool(obj, "fault", path, JF_REQUIRED, &fault, err) < 0)
            return -1;
        if (!fault) {
            jf_path_key(p, sizeof p, path, "fault");
            return cfg_fail(err, p, "only \"fault\": true makes sense; to end a fault, start a new segment");
        }
        return 0;
    }
    return 0;
}

static int parse_track(const cJSON *arr, const char *path, uint64_t seed, struct sim_track *tr,
                       struct cfg_err *err)
{
    char p[CFG_PATH_MAX];
    int n = cJSON_GetArraySize(arr);
    if (!cJSON_IsArray(arr))
        return cfg_fail(err, path, "expected an array of segments");
    if (n == 0 || n > SCENARIO_MAX_SEGMENTS)
        return cfg_fail(err, path, "expected 1 to %d segments, found %d", SCENARIO_MAX_SEGMENTS, n);
    if (strlen(arr->string) >= sizeof tr->point)
        return cfg_fail(err, path, "a point id has at most %zu characters", sizeof tr->point - 1);
    strcpy(tr->point, arr->string);
    tr->noise_key = sim_mix64(seed ^ fnv1a(tr->point));
    tr->segs = calloc((size_t)n, sizeof *tr->segs);
    if (!tr->segs)
        return cfg_fail(err, path, "out of memory");
    for (int i = 0; i < n; i++) {
        jf_path_index(p, sizeof p, path, i);
        if (parse_segment(cJSON_GetArrayItem(arr, i), p, tr, (size_t)i, err) < 0)
            return -1;
        tr->nsegs++;
    }
    return 0;
}

static int parse_points(const cJSON *points, struct sim_scenario *sc, struct cfg_err *err)
{
    char p[CFG_PATH_MAX];
    const cJSON *it;
    int n = cJSON_GetArraySize(points);
    if (n == 0)
        return 0;
    sc->tracks = calloc((size_t)n, sizeof *sc->tracks);
    if (!sc->tracks)
        return cfg_fail(err, "points", "out of memory");
    cJSON_ArrayForEach(it, points) {
        jf_path_key(p, sizeof p, "points", it->string);
        if (sim_scenario_track(sc, it->string) >= 0)
            return cfg_fail(err, p, "this point has two timelines; merge them into one");
        struct sim_track *tr = &sc->tracks[sc->ntracks++];
        if (parse_track(it, p, sc->seed, tr, err) < 0)
            return -1;
        if (sc->duration_s > 0.0 && tr->segs[tr->nsegs - 1].at_s >= sc->duration_s) {
            char last[CFG_PATH_MAX];
            jf_path_index(last, sizeof last, p, (int)tr->nsegs - 1);
            return cfg_fail(err, last, "starts at %g s, at or after \"duration_s\" %g: it would never play",
                            tr->segs[tr->nsegs - 1].at_s, sc->duration_s);
        }
    }
    return 0;
}

/* The "faults" timeline: [{"at_s": T, "inject": "late 200"}, ...]. */
static int parse_faults(const cJSON *arr, struct sim_scenario *sc, struct cfg_err *err)
{
    char p[CFG_PATH_MAX], text[SIM_INJECT_TEXT_MAX];
    struct cfg_err inner;
    int n = cJSON_GetArraySize(arr);
    if (n == 0)
        return 0;
    if (!(sc->cues = calloc((size_t)n, sizeof *sc->cues)))
        return cfg_fail(err, "faults", "out of memory");
    for (int i = 0; i < n; i++) {
        const cJSON *obj = cJSON_GetArrayItem(arr, i);
        struct sim_fault_cue *cue = &sc->cues[i];
        jf_path_index(p, sizeof p, "faults", i);
        if (!cJSON_IsObject(obj))
            return cfg_fail(err, p, "expected {\"at_s\": T, \"inject\": \"noreply\"}");
        if (jf_known_keys(obj, p, cue_keys, err) < 0 ||
            jf_number(obj, "at_s", p, JF_REQUIRED, 0, SCENARIO_MAX_SECONDS, &cue->at_s, err) < 0 ||
            jf_string(obj, "inject", p, JF_REQUIRED, text, sizeof text, err) < 0)
            return -1;
        if (i > 0 && cue->at_s <= sc->cues[i - 1].at_s)
            return cfg_fail(err, p, "at_s %g is not after the previous cue's %g; cues go in time order",
                            cue->at_s, sc->cues[i - 1].at_s);
        if (sc->duration_s > 0.0 && cue->at_s >= sc->duration_s)
            return cfg_fail(err, p, "starts at %g s, at or after \"duration_s\" %g: it would never play",
                            cue->at_s, sc->duration_s);
        if (sim_inject_parse(text, &cue->inj, &inner) < 0) {
            char at[CFG_PATH_MAX];
            jf_path_key(at, sizeof at, p, "inject");
            return cfg_fail(err, at, "%s", inner.msg);
        }
        sc->ncues++;
    }
    return 0;
}

static int parse_root(const cJSON *root, struct sim_scenario *sc, struct cfg_err *err)
{
    const cJSON *points = NULL, *faults = NULL;
    int64_t seed = 1;
    if (!cJSON_IsObject(root))
        return cfg_fail(err, NULL, "a scenario is a JSON object with \"points\"");
    if (jf_known_keys(root, "", scenario_keys, err) < 0 ||
        jf_string(root, "name", "", JF_OPTIONAL, sc->name, sizeof sc->name, err) < 0 ||
        jf_string(root, "description", "", JF_OPTIONAL, sc->description, sizeof sc->description, err) < 0 ||
        jf_string(root, "profile", "", JF_OPTIONAL, sc->profile, sizeof sc->profile, err) < 0 ||
        jf_int64(root, "seed", "", JF_OPTIONAL, 0, SCENARIO_MAX_SEED, &seed, err) < 0 ||
        jf_number(root, "duration_s", "", JF_OPTIONAL, SCENARIO_MIN_PERIOD_S, SCENARIO_MAX_SECONDS,
                  &sc->duration_s, err) < 0 ||
        jf_bool(root, "loop", "", JF_OPTIONAL, &sc->loop, err) < 0 ||
        jf_bool(root, "shared", "", JF_OPTIONAL, &sc->shared, err) < 0 ||
        jf_object(root, "points", "", JF_OPTIONAL, &points, err) < 0 ||
        jf_array(root, "faults", "", JF_OPTIONAL, &faults, err) < 0)
        return -1;
    sc->seed = (uint64_t)seed;
    if (sc->loop && sc->duration_s <= 0.0)
        return cfg_fail(err, "loop", "a looping scenario needs \"duration_s\", the length of one round");
    if (!cJSON_GetArraySize(points) && !cJSON_GetArraySize(faults))
        return cfg_fail(err, "points", "a scenario needs at least one point timeline or a \"faults\" timeline");
    if ((points && parse_points(points, sc, err) < 0) || (faults && parse_faults(faults, sc, err) < 0))
        return -1;
    return 0;
}

/* Build a scenario from parsed JSON; takes ownership of root. */
static struct sim_scenario *scenario_from_json(cJSON *root, const char *origin, struct cfg_err *err)
{
    struct cfg_err inner;
    struct sim_scenario *sc = root ? calloc(1, sizeof *sc) : NULL;
    if (!sc) {
        if (root)
            cfg_fail(err, NULL, "%s: out of memory", origin);
        cJSON_Delete(root);
        return NULL;
    }
    snprintf(sc->origin, sizeof sc->origin, "%s", origin);
    if (parse_root(root, sc, &inner) < 0) {
        cfg_fail(err, NULL, "%s: %s", origin, inner.msg);
        sim_scenario_free(sc);
        sc = NULL;
    }
    cJSON_Delete(root);
    return sc;
}

struct sim_scenario *sim_scenario_parse(const char *text, const char *origin, struct cfg_err *err)
{
    return scenario_from_json(jf_parse_text(text, origin, err), origin, err);
}

struct sim_scenario *sim_scenario_load(const char *filename, struct cfg_err *err)
{
    return scenario_from_json(jf_parse_file(filename, err), filename, err);
}

void sim_scenario_free(struct sim_scenario *sc)
{
    if (!sc)
        return;
    for (size_t i = 0; i < sc->ntracks; i++)
        free(sc->tracks[i].segs);
    free(sc->tracks);
    free(sc->cues);
    free(sc);
}

int sim_scenario_set_loop(struct sim_scenario *sc, struct cfg_err *err)
{
    if (sc->duration_s <= 0.0)
        return cfg_fail(err, NULL, "%s: --loop needs the scenario to say how long one round is; "
                        "add \"duration_s\"", sc->origin);
    sc->loop = 1;
    return 0;
}
