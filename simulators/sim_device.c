/*
 * sim_device.c - what one simulated instrument shows, point by point.
 *
 * Each point is driven by one of three things: its scenario timeline (or its rest
 * value when it has none), a value a technician set, or a fault signal. Whatever
 * drives it, the value reaches the registers only through sim_point_write, and a
 * scenario is checked against the profile in full before the first request is
 * served, so nothing it can produce later fails silently. The communication
 * faults it shows (sim_fault.c) come from the same three places: a scenario's
 * fault cues, a control line, or the site file.
 */
#include "sim_device.h"

#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "sim_point.h"
#include "sim_respond.h"

enum sim_mode { MODE_SCENARIO, MODE_SET, MODE_FAULT };

struct sim_point_state {
    long track;                 /* the point's scenario timeline, -1 for none */
    enum sim_mode mode;
    double set_value;           /* MODE_SET */
    int has_fault;              /* 1: fault_value reads as a fault */
    double fault_value;
    char fault_why[SIM_WHY_MAX];    /* has_fault == 0: why not */
    long segment;               /* the segment last logged, -1 before the first */
    double shown;               /* what the last update wrote */
    int shown_fault;
    int write_failed;           /* a write failure was logged already */
};

#define DEVICE_LABEL_MAX (ID_MAX + sizeof " unit 255")

struct sim_device {
    const struct profile *pf;
    const struct sim_scenario *sc;  /* NULL: every point rests */
    uint8_t unit;
    char id[ID_MAX];
    char label[DEVICE_LABEL_MAX];   /* "gas1 unit 1" in log lines */
    modbus_mapping_t *tables;
    struct sim_point_state *pts;
    int end_logged;
    long cue;                       /* the scenario fault cue applied last, -1 none */
    struct sim_faults faults;
    sim_reset_fn *on_reset;
    void *reset_arg;
};

static void refresh_tables(struct sim_device *dev, double elapsed_s);

static long find_point(const struct profile *pf, const char *id)
{
    for (size_t i = 0; i < pf->npoints; i++)
        if (strcmp(pf->points[i].id, id) == 0)
            return (long)i;
    return -1;
}

/* "no such point in profile gas_lel (its points: lel, status)" into err, after prefix. */
static int fail_no_point(const struct profile *pf, const char *prefix, struct cfg_err *err)
{
    char ids[CFG_ERR_MAX / 2] = "";
    size_t used = 0;
    for (size_t i = 0; i < pf->npoints && used < sizeof ids; i++)
        used += (size_t)snprintf(ids + used, sizeof ids - used, "%s%s", i ? ", " : "", pf->points[i].id);
    return cfg_fail(err, NULL, "%s: no such point in profile %s (its points: %s)", prefix, pf->name, ids);
}

/* Can the point show everything this timeline asks of it? */
static int check_track(const struct sim_device *dev, const struct sim_track *tr, size_t k,
                       struct cfg_err *err)
{
    const struct point_cfg *pc = &dev->pf->points[k];
    const struct sim_point_state *ps = &dev->pts[k];
    for (size_t j = 0; j < tr->nsegs; j++) {
        double lo, hi;
        if (tr->segs[j].kind == SEG_FAULT) {
            if (!ps->has_fault)
                return cfg_fail(err, NULL, "%s: points.%s[%zu]: point %s cannot show a fault: %s",
                                dev->sc->origin, tr->point, j, pc->id, ps->fault_why);
            continue;
        }
        sim_segment_extremes(&tr->segs[j], &lo, &hi);
        if (!sim_point_encodable(&pc->map, lo) || !sim_point_encodable(&pc->map, hi))
            return cfg_fail(err, NULL, "%s: points.%s[%zu]: reaches %g to %g %s, beyond what point %s's "
                            "registers can hold with its type, scale and signal", dev->sc->origin,
                            tr->point, j, lo, hi, pc->unit, pc->id);
    }
    return 0;
}

static int bind_scenario(struct sim_device *dev, struct cfg_err *err)
{
    const struct sim_scenario *sc = dev->sc;
    char where[PATH_MAX_LEN + ID_MAX + sizeof ": points."];
    if (sc->profile[0] && strcmp(sc->profile, dev->pf->name) != 0)
        return cfg_fail(err, NULL, "%s: profile: this scenario is written for profile %s, not %s",
                        sc->origin, sc->profile, dev->pf->name);
    for (size_t i = 0; i < sc->ntracks; i++) {
        long k = find_point(dev->pf, sc->tracks[i].point);
        if (k < 0 && sc->shared)
            continue;                   /* a timeline for another profile's point */
        if (k < 0) {
            snprintf(where, sizeof where, "%s: points.%s", sc->origin, sc->tracks[i].point);
            return fail_no_point(dev->pf, where, err);
        }
        dev->pts[k].track = (long)i;
        if (check_track(dev, &sc->tracks[i], (size_t)k, err) < 0)
            return -1;
    }
    return 0;
}

static modbus_mapping_t *tables_for(const struct profile *pf)
{
    int nb[AREA_INPUT + 1] = {0};
    for (size_t i = 0; i < pf->npoints; i++) {
        const struct point_map *m = &pf->points[i].map;
        int extent = sim_point_extent(m);
        if (extent > nb[m->area])
            nb[m->area] = extent;
    }
    return modbus_mapping_new(nb[AREA_COIL], nb[AREA_DISCRETE], nb[AREA_HOLDING], nb[AREA_INPUT]);
}

struct sim_device *sim_device_new(const struct profile *pf, uint8_t unit,
                                  const struct sim_scenario *sc, struct cfg_err *err)
{
    struct sim_device *dev = calloc(1, sizeof *dev);
    if (!dev || !(dev->pts = calloc(pf->npoints ? pf->npoints : 1, sizeof *dev->pts)) ||
        !(dev->tables = tables_for(pf))) {
        cfg_fail(err, NULL, "profile %s unit %u: out of memory for the register tables", pf->name, unit);
        sim_device_free(dev);
        return NULL;
    }
    dev->pf = pf;
    dev->sc = sc;
    dev->unit = unit;
    dev->cue = -1;
    sim_device_set_id(dev, "");
    for (size_t k = 0; k < pf->npoints; k++) {
        struct sim_point_state *ps = &dev->pts[k];
        ps->track = ps->segment = -1;
        ps->has_fault = sim_point_fault_value(&pf->points[k].map, &ps->fault_value, ps->fault_why,
                                              sizeof ps->fault_why) == 0;
    }
    if (sc && bind_scenario(dev, err) < 0) {
        sim_device_free(dev);
        return NULL;
    }
    refresh_tables(dev, 0.0);       /* advancing (its logs and cues) waits for the id */
    return dev;
}

void sim_device_free(struct sim_device *dev)
{
    if (!dev)
        return;
    if (dev->tables)
        modbus_mapping_free(dev->tables);
    free(dev->pts);
    free(dev);
}

uint8_t sim_device_unit(const struct sim_device *dev) { return dev->unit; }

const struct profile *sim_device_profile(const struct sim_device *dev) { return dev->pf; }

void sim_device_set_id(struct sim_device *dev, const char *id)
{
    snprintf(dev->id, sizeof dev->id, "%s", id);
    if (dev->id[0])
        snprintf(dev->label, sizeof dev->label, "%s unit %u", dev->id, dev->unit);
    else
        snprintf(dev->label, sizeof dev->label, "unit %u", dev->unit);
}

const char *sim_device_id(const struct sim_device *dev) { return dev->id; }

modbus_mapping_t *sim_device_tables(struct sim_device *dev) { return dev->tables; }

/* The scenario's value for point k now: 1 when it is the fault signal. */
static int scenario_value(struct sim_device *dev, size_t k, double elapsed_s, double *value)
{
    struct sim_point_state *ps = &dev->pts[k];
    if (ps->track < 0) {
        *value = sim_point_rest_value(&dev->pf->points[k].map);
        return 0;
    }
    return sim_scenario_eval(dev->sc, (size_t)ps->track, elapsed_s, value) == SIM_FAULT;
}

/* Log the segment point k enters, once. */
static void log_segment(struct sim_device *dev, size_t k, double elapsed_s)
{
    struct sim_point_state *ps = &dev->pts[k];
    char what[SIM_WHY_MAX];
    if (ps->track < 0 || ps->mode != MODE_SCENARIO)
        return;
    size_t seg = sim_scenario_segment(dev->sc, (size_t)ps->track, elapsed_s);
    if ((long)seg == ps->segment)
        return;
    sim_segment_describe(&dev->sc->tracks[ps->track].segs[seg], what, sizeof what);
    log_info("%s point %s: %s (scenario %s, segment %zu, t=%.1f s)", dev->label,
             dev->pf->points[k].id, what, dev->sc->name, seg, elapsed_s);
    ps->segment = (long)seg;
}

void sim_device_advance(struct sim_device *dev, double elapsed_s)
{
    const struct sim_scenario *sc = dev->sc;
    struct cfg_err err;
    if (!sc)
        return;
    long cue = sim_scenario_cue(sc, elapsed_s);
    if (cue != dev->cue) {
        dev->cue = cue;
        if (cue >= 0 && sim_device_inject(dev, &sc->cues[cue].inj, &err) < 0)
            log_warn("%s: scenario %s fault cue %ld not applied: %s", dev->label, sc->name, cue, err.msg);
    }
    if (!sc->loop && sc->duration_s > 0.0 && elapsed_s >= sc->duration_s && !dev->end_logged) {
        log_info("%s: scenario %s ended after %g s; holding its last values until stopped",
                 dev->label, sc->name, sc->duration_s);
        dev->end_logged = 1;
    }
    for (size_t k = 0; k < dev->pf->npoints; k++)
        log_segment(dev, k, elapsed_s);
}

/* Write what point k shows at elapsed_s into the tables. */
static void refresh_point(struct sim_device *dev, size_t k, double elapsed_s)
{
    struct sim_point_state *ps = &dev->pts[k];
    const struct point_cfg *pc = &dev->pf->points[k];
    double v = ps->set_value;
    int fault = ps->mode == MODE_FAULT;
    if (ps->mode == MODE_SCENARIO)
        fault = scenario_value(dev, k, elapsed_s, &v);
    if (fault)
        v = ps->fault_value;
    ps->shown = v;
    ps->shown_fault = fault;
    if (sim_point_write(&pc->map, dev->tables, v) < 0 && !ps->write_failed) {
        log_warn("%s point %s: cannot encode %g %s; its registers keep their last value",
                 dev->label, pc->id, v, pc->unit);
        ps->write_failed = 1;
    }
}

static void refresh_tables(struct sim_device *dev, double elapsed_s)
{
    for (size_t k = 0; k < dev->pf->npoints; k++)
        refresh_point(dev, k, elapsed_s);
}

/* A control line changed point k: a device with a scenario rewrites every point
 * before its next answer anyway; one without writes that point now, and only it,
 * so what a master wrote into the other points stays. */
static void point_changed(struct sim_device *dev, size_t k)
{
    if (!dev->sc)
        refresh_point(dev, k, 0.0);
}

void sim_device_update(struct sim_device *dev, double elapsed_s)
{
    sim_device_advance(dev, elapsed_s);
    if (dev->sc)
        refresh_tables(dev, elapsed_s);     /* resting and set values are written already */
}

void sim_device_on_reset(struct sim_device *dev, sim_reset_fn *fn, void *arg)
{
    dev->on_reset = fn;
    dev->reset_arg = arg;
}

int sim_device_inject(struct sim_device *dev, const struct sim_inject *inj, struct cfg_err *err)
{
    char what[SIM_INJECT_TEXT_MAX];
    if (sim_faults_apply(&dev->faults, inj, clock_mono_ms(), err) < 0)
        return -1;
    sim_inject_describe(inj, what, sizeof what);
    log_info("%s: %s%s", dev->label, inj->kind == SIM_INJ_CLEAR ? "faults cleared, answering normally"
                                                                 : "injected fault: ",
             inj->kind == SIM_INJ_CLEAR ? "" : what);
    if (inj->kind == SIM_INJ_RESET && dev->on_reset)
        dev->on_reset(dev->reset_arg, inj->ms);
    return 0;
}

/* A master wrote items [start, start + count) of area: say what each point there reads now. */
static void log_master_write(const struct sim_device *dev, enum reg_area area, uint16_t start,
                             uint16_t count)
{
    for (size_t k = 0; k < dev->pf->npoints; k++) {
        const struct point_cfg *pc = &dev->pf->points[k];
        double v;
        if (pc->map.area != area || pc->map.address >= start + count ||
            sim_point_extent(&pc->map) <= start)
            continue;
        enum quality q = sim_point_read(&pc->map, dev->tables, &v);
        log_info("%s point %s: written by the master, now %g%s%s%s%s", dev->label, pc->id, v,
                 pc->unit[0] ? " " : "", pc->unit, q == QUALITY_GOOD ? "" : ", quality ",
                 q == QUALITY_GOOD ? "" : quality_name(q));
    }
}

void sim_device_answer(struct sim_device *dev, double elapsed_s, const uint8_t *req, size_t len,
                       struct sim_answer *a)
{
    enum reg_area area;
    uint16_t start, count;
    sim_device_update(dev, elapsed_s);
    sim_faults_answer(&dev->faults, dev->tables, req, len, clock_mono_ms(), a);
    if (a->action == SIM_ACT_REPLY && sim_respond_wrote(a->pdu, a->len, &area, &start, &count))
        log_master_write(dev, area, start, count);
}

/* The state of a point named by a technician, or NULL with err. */
static struct sim_point_state *lookup(struct sim_device *dev, const char *point, size_t *k,
                                      struct cfg_err *err)
{
    char where[DEVICE_LABEL_MAX + ID_MAX + sizeof " point \"\""];
    long i = find_point(dev->pf, point);
    if (i < 0) {
        snprintf(where, sizeof where, "%s point \"%.*s\"", dev->label, ID_MAX, point);
        fail_no_point(dev->pf, where, err);
        return NULL;
    }
    *k = (size_t)i;
    return &dev->pts[i];
}

int sim_device_set(struct sim_device *dev, const char *point, double value, struct cfg_err *err)
{
    size_t k;
    struct sim_point_state *ps = lookup(dev, point, &k, err);
    if (!ps)
        return -1;
    const struct point_cfg *pc = &dev->pf->points[k];
    if (!sim_point_encodable(&pc->map, value))
        return cfg_fail(err, NULL, "%s point %s: %g %s is beyond what its registers can hold "
                        "with its type, scale and signal", dev->label, pc->id, value, pc->unit);
    ps->mode = MODE_SET;
    ps->set_value = value;
    point_changed(dev, k);
    log_info("%s point %s: held at %g %s until 'recover %s'", dev->label, pc->id, value,
             pc->unit, pc->id);
    return 0;
}

int sim_device_fault(struct sim_device *dev, const char *point, struct cfg_err *err)
{
    size_t k;
    struct sim_point_state *ps = lookup(dev, point, &k, err);
    if (!ps)
        return -1;
    const struct point_cfg *pc = &dev->pf->points[k];
    if (!ps->has_fault)
        return cfg_fail(err, NULL, "%s point %s cannot show a fault: %s", dev->label, pc->id,
                        ps->fault_why);
    ps->mode = MODE_FAULT;
    point_changed(dev, k);
    if (pc->map.signal == SIGNAL_LOOP_MA)
        log_info("%s point %s: sensor fault, serving a %g mA loop current until 'recover %s'",
                 dev->label, pc->id, SIM_FAULT_MA, pc->id);
    else
        log_info("%s point %s: sensor fault, serving %g %s (read as a fault) until 'recover %s'",
                 dev->label, pc->id, ps->fault_value, pc->unit, pc->id);
    return 0;
}

int sim_device_recover(struct sim_device *dev, const char *point, struct cfg_err *err)
{
    size_t k;
    struct sim_point_state *ps = lookup(dev, point, &k, err);
    if (!ps)
        return -1;
    ps->mode = MODE_SCENARIO;
    ps->segment = -1;           /* say again which segment it rejoins */
    point_changed(dev, k);
    log_info("%s point %s: back to %s", dev->label, dev->pf->points[k].id,
             ps->track >= 0 ? "its scenario" : "its rest value (no scenario timeline)");
    return 0;
}

void sim_device_show(const struct sim_device *dev, FILE *out)
{
    static const char *const drivers[] = {"scenario", "set", "fault"};
    for (size_t k = 0; k < dev->pf->npoints; k++) {
        const struct sim_point_state *ps = &dev->pts[k];
        const struct point_cfg *pc = &dev->pf->points[k];
        const char *driver = ps->mode == MODE_SCENARIO && ps->track < 0 ? "rest" : drivers[ps->mode];
        double now = ps->shown;     /* a fault signal is shown as the value it stands for */
        if (!ps->shown_fault)
            sim_point_read(&pc->map, dev->tables, &now);    /* what a master wrote, if it did */
        fprintf(out, "%s %-16s %-8s %g %s%s\n", dev->label, pc->id, driver, now, pc->unit,
                ps->shown_fault ? " (fault signal)" : "");
    }
    char what[SIM_INJECT_TEXT_MAX];
    struct sim_inject gap = {.kind = SIM_INJ_GAP};
    if (dev->faults.comm.kind != SIM_INJ_CLEAR) {
        sim_inject_describe(&dev->faults.comm, what, sizeof what);
        fprintf(out, "%s injected: %s\n", dev->label, what);
    }
    for (size_t i = 0; i < dev->faults.ngaps; i++) {
        gap.gap = dev->faults.gaps[i];
        sim_inject_describe(&gap, what, sizeof what);
        fprintf(out, "%s injected: %s\n", dev->label, what);
    }
}
