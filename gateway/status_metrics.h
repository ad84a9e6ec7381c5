/*
 * status_metrics.h - the health report (core_status.c) in Prometheus text format.
 *
 * A pure function of the report's JSON, so the metrics endpoint says exactly what
 * .../health and `riskgw status` say, and the HTTP thread never reads core data.
 */
#ifndef RISKGW_STATUS_METRICS_H
#define RISKGW_STATUS_METRICS_H

/* The exposition text (version 0.0.4) of one report; malloc'd, free() it.
 * NULL, with a log line, when report is not a health report or memory runs out. */
char *status_metrics_render(const char *report);

#endif
