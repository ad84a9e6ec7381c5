/*
 * sim_device.c - what one simulated instrument shows, point by point.
 *
 * Each point is driven by one of three things: its scenario timeline (or its rest
 * value when it has none), a value a technician set, or a fault signal. Whatever
 * drives it, the value reaches the registers only through sim_point_write, and a
 * scenario is checked against the profile in full before the first request is
 * served, so nothing it can produce later fails silently.
 */
#include "sim_device.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "sim_point.h"

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

struct sim_device {
    const struct profile *pf;
    const struct sim_scenario *sc;  /* NULL: every point rests */
    uint8_t unit;
    modbus_mapping_t *tables;
    struct sim_point_state *pts;
    int end_logged;
};

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
    sim_device_update(dev, 0.0);
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

modbus_mapping_t *sim_device_tables(struct sim_device *dev) { return dev->tables; }

/* The scenario's value for point k now; logs the segment when it changes. */
static int scenario_value(struct sim_device *dev, size_t k, double elapsed_s, double *value)
{
    struct sim_point_state *ps = &dev->pts[k];
    if (ps->track < 0) {
        *value = sim_point_rest_value(&dev->pf->points[k].map);
        return 0;
    }
    size_t seg = sim_scenario_segment(dev->sc, (size_t)ps->track, elapsed_s);
    if ((long)seg != ps->segment) {
        char what[SIM_WHY_MAX];
        sim_segment_describe(&dev->sc->tracks[ps->track].segs[seg], what, sizeof what);
        log_info("unit %u point %s: %s (scenario %s, segment %zu, t=%.1f s)", dev->unit,
                 dev->pf->points[k].id, what, dev->sc->name, seg, elapsed_s);
        ps->segment = (long)seg;
    }
    return sim_scenario_eval(dev->sc, (size_t)ps->track, elapsed_s, value) == SIM_FAULT;
}

void sim_device_update(struct sim_device *dev, double elapsed_s)
{
    const struct sim_scenario *sc = dev->sc;
    if (sc && !sc->loop && sc->duration_s > 0.0 && elapsed_s >= sc->duration_s && !dev->end_logged) {
        log_info("unit %u: scenario %s ended after %g s; holding its last values until stopped",
                 dev->unit, sc->name, sc->duration_s);
        dev->end_logged = 1;
    }
    for (size_t k = 0; k < dev->pf->npoints; k++) {
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
            log_warn("unit %u point %s: cannot encode %g %s; its registers keep their last value",
                     dev->unit, pc->id, v, pc->unit);
            ps->write_failed = 1;
        }
    }
}

/* The state of a point named by a technician, or NULL with err. */
static struct sim_point_state *lookup(struct sim_device *dev, const char *point, size_t *k,
                                      struct cfg_err *err)
{
    char where[CFG_ERR_MAX / 4];
    long i = find_point(dev->pf, point);
    if (i < 0) {
        snprintf(where, sizeof where, "unit %u point \"%.*s\"", dev->unit, ID_MAX, point);
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
        return cfg_fail(err, NULL, "unit %u point %s: %g %s is beyond what its registers can hold "
                        "with its type, scale and signal", dev->unit, pc->id, value, pc->unit);
    ps->mode = MODE_SET;
    ps->set_value = value;
    log_info("unit %u point %s: held at %g %s until 'recover %s'", dev->unit, pc->id, value,
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
        return cfg_fail(err, NULL, "unit %u point %s cannot show a fault: %s", dev->unit, pc->id,
                        ps->fault_why);
    ps->mode = MODE_FAULT;
    if (pc->map.signal == SIGNAL_LOOP_MA)
        log_info("unit %u point %s: sensor fault, serving a %g mA loop current until 'recover %s'",
                 dev->unit, pc->id, SIM_FAULT_MA, pc->id);
    else
        log_info("unit %u point %s: sensor fault, serving %g %s (read as a fault) until 'recover %s'",
                 dev->unit, pc->id, ps->fault_value, pc->unit, pc->id);
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
    log_info("unit %u point %s: back to %s", dev->unit, dev->pf->points[k].id,
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
        fprintf(out, "unit %u %-16s %-8s %g %s%s\n", dev->unit, pc->id, driver, ps->shown, pc->unit,
                ps->shown_fault ? " (fault signal)" : "");
    }
}
