/*
 * status_view.h - `riskgw status`: the health report, readable by a technician on the box.
 */
#ifndef RISKGW_STATUS_VIEW_H
#define RISKGW_STATUS_VIEW_H

#include <stdint.h>
#include <stdio.h>

/* Print the report at path for a person (now_ms: wall clock, to say how old it is),
 * or as it is, one JSON object, when json is set. Returns 0, or 1 with a sentence on
 * stderr when there is no readable report. */
int status_view_print(const char *path, int64_t now_ms, int json, FILE *out);

#endif
