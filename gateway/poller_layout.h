/*
 * poller_layout.h - the point maps and read plan that devices of one kind share.
 *
 * A park's gateway polls hundreds of detectors of a few models. Devices whose points
 * have the same definitions (struct site_point.def_index, interned by the config) and the
 * same request limits read the same blocks and decode them the same way, so they
 * share one copy of the maps and one batch plan. A device that has to split a block
 * (its firmware refused it) copies the plan first and changes only its own.
 */
#ifndef RISKGW_POLLER_LAYOUT_H
#define RISKGW_POLLER_LAYOUT_H

#include <stddef.h>
#include "batch.h"
#include "config.h"

struct poll_layout {
    size_t first_point, npoints;        /* the first device's points in config->points */
    struct batch_limits limits;
    struct point_map *maps;             /* npoints, in the device's point order */
    int *fault_flag;                    /* npoints: the index of the point's fault flag, -1 none */
    struct batch_plan plan;
};

struct poll_layouts {
    struct poll_layout **items;
    size_t n;
};

/*
 * The layout device `index` of cfg polls with: an existing one that matches, or a
 * new one planned now. NULL with err when its points cannot be planned (the reason
 * names the device) or memory ran out.
 */
const struct poll_layout *poll_layouts_get(struct poll_layouts *ls, const struct config *cfg,
                                           size_t index, char *err, size_t errlen);
void poll_layouts_free(struct poll_layouts *ls);

#endif
