/*
 * poller_layout.c - one copy of the maps and plan per kind of device (see poller_layout.h).
 *
 * Matching compares definition indices, so it costs one pass over a device's points
 * per layout tried; a site has a handful of layouts (one per profile and override).
 */
#include "poller_layout.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int layout_fits(const struct poll_layout *l, const struct config *cfg,
                       const struct device_cfg *dc)
{
    if (l->npoints != dc->npoints ||
        l->limits.max_registers != dc->limits.max_registers || l->limits.max_bits != dc->limits.max_bits ||
        l->limits.max_gap != dc->limits.max_gap || l->limits.one_per_point != dc->limits.one_per_point)
        return 0;
    for (size_t i = 0; i < dc->npoints; i++)
        if (cfg->points[l->first_point + i].def_index != cfg->points[dc->first_point + i].def_index)
            return 0;
    return 1;
}

static void layout_free(struct poll_layout *l)
{
    if (!l)
        return;
    batch_plan_free(&l->plan);
    free(l->maps);
    free(l->fault_flag);
    free(l);
}

static struct poll_layout *layout_make(const struct config *cfg, const struct device_cfg *dc,
                                       char *err, size_t errlen)
{
    struct poll_layout *l = calloc(1, sizeof *l);
    if (!l || !(l->maps = calloc(dc->npoints, sizeof *l->maps)) ||
        !(l->fault_flag = calloc(dc->npoints, sizeof *l->fault_flag))) {
        snprintf(err, errlen, "device '%s': out of memory for %zu points", dc->id, dc->npoints);
        layout_free(l);
        return NULL;
    }
    l->first_point = dc->first_point;
    l->npoints = dc->npoints;
    l->limits = dc->limits;
    for (size_t i = 0; i < dc->npoints; i++) {
        l->maps[i] = config_point_def(cfg, dc->first_point + i)->map;
        l->fault_flag[i] = config_point_def(cfg, dc->first_point + i)->fault_flag_at - 1;
    }
    if (batch_plan_build(&l->plan, l->maps, dc->npoints, &dc->limits) < 0) {
        snprintf(err, errlen, "device '%s': cannot plan the reads of its %zu points: %s; "
                 "check the point addresses and the device limits", dc->id, dc->npoints,
                 l->plan.error[0] ? l->plan.error : strerror(errno));
        layout_free(l);
        return NULL;
    }
    return l;
}

const struct poll_layout *poll_layouts_get(struct poll_layouts *ls, const struct config *cfg,
                                           size_t index, char *err, size_t errlen)
{
    const struct device_cfg *dc = &cfg->devices[index];
    for (size_t k = 0; k < ls->n; k++)
        if (layout_fits(ls->items[k], cfg, dc))
            return ls->items[k];
    struct poll_layout **grown = realloc(ls->items, (ls->n + 1) * sizeof *grown);
    if (!grown) {
        snprintf(err, errlen, "device '%s': out of memory for its read plan", dc->id);
        return NULL;
    }
    ls->items = grown;
    struct poll_layout *l = layout_make(cfg, dc, err, errlen);
    if (l)
        ls->items[ls->n++] = l;
    return l;
}

void poll_layouts_free(struct poll_layouts *ls)
{
    for (size_t k = 0; k < ls->n; k++)
        layout_free(ls->items[k]);
    free(ls->items);
    memset(ls, 0, sizeof *ls);
}
