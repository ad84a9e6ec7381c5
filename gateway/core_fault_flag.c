/*
 * core_fault_flag.c - a detector that says it is in fault is not reading 0 %LEL.
 *
 * A gas detector reports its own faults (a dead cell, a failed self-test) in a
 * status bit or a fault-code register while its concentration register may well
 * read 0. A point whose definition names a "fault_flag" (a point of the same
 * device) is therefore read as SENSOR_FAULT while that flag reads non-zero: the
 * rules emit FAULT (GB 16808: a fault is signalled, apart from alarms), the alarm
 * in force holds, and the reading never counts as clean air. When the flag rises,
 * the points it invalidates get their fault at once rather than at their next poll.
 */
#include "core_internal.h"

/* The flag point's index in cfg->points, or POINT_NONE. */
static uint32_t flag_of(const struct core *c, uint32_t point)
{
    int flag_at = config_point_def(c->cfg, point)->fault_flag_at;
    if (flag_at <= 0)
        return POINT_NONE;
    return (uint32_t)(config_device_of(c->cfg, point)->first_point + (size_t)flag_at - 1);
}

int core_fault_flag_standing(const struct core *c, uint32_t point)
{
    const struct reading *r = &c->latest[point];
    return r->ts_ms != 0 && quality_has_value(r->quality) && r->value != 0.0;
}

void core_fault_flag_apply(const struct core *c, struct sample *s)
{
    uint32_t flag = flag_of(c, s->point);
    if (flag != POINT_NONE && quality_has_value(s->quality) && core_fault_flag_standing(c, flag)) {
        s->quality = QUALITY_SENSOR_FAULT;
        s->value = 0.0;
    }
}

void core_fault_flag_spread(struct core *c, const struct sample *flag)
{
    if (!config_point_def(c->cfg, flag->point)->is_fault_flag || !core_fault_flag_standing(c, flag->point))
        return;
    const struct device_cfg *d = config_device_of(c->cfg, flag->point);
    for (size_t k = 0; k < d->npoints; k++) {
        uint32_t p = (uint32_t)(d->first_point + k);
        if (flag_of(c, p) != flag->point || !quality_has_value(c->latest[p].quality))
            continue;
        struct sample s = {.point = p, .quality = QUALITY_SENSOR_FAULT, .value = 0.0,
                           .ts_ms = flag->ts_ms, .mono_ms = flag->mono_ms};
        core_handle_sample(c, &s);
    }
}
