/*
 * tool_report_live.h - the live value of every point, for the commissioning report.
 *
 * When the gateway runs, the report shows what it sees: each point is read through
 * its control socket (the daemon's last sample), so the report never competes with
 * the daemon for a serial line. When it does not run, the report reads the bus
 * itself with the sweep `riskgw check` uses.
 */
#ifndef RISKGW_TOOL_REPORT_LIVE_H
#define RISKGW_TOOL_REPORT_LIVE_H

#include <stdint.h>
#include "config.h"
#include "tool.h"

#define REPORT_QUALITY_MAX 16

struct report_reading {
    int have;                           /* something was read (the value may still be a fault) */
    double value;                       /* NAN when the quality carries no value */
    char quality[REPORT_QUALITY_MAX];   /* "good" ... "comm_fail", "none" */
    int64_t ts_ms;
    char note[TOOL_WHY_MAX];            /* what is wrong with it, when something is */
};

struct report_device {
    int polled;                         /* 0: the combined rules' device */
    int answering;
    char why[TOOL_WHY_MAX];             /* why not */
};

struct report_live {
    int from_gateway;                   /* 1: through the running gateway; 0: from the bus */
    int64_t ts_ms;
    struct report_reading *points;      /* cfg->npoints */
    struct report_device *devices;      /* cfg->ndevices */
};

/* Fill out for cfg. 0, or -1 when out of memory (said on stderr). */
int report_live_gather(const struct config *cfg, struct report_live *out);
void report_live_free(struct report_live *l);

#endif
