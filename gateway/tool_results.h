/*
 * tool_results.h - the alarm test results, kept in a JSON file for the commissioning report.
 *
 * `riskgw test-alarm` writes what it proved, point by point and step by step, with
 * the event ids and times; `riskgw report` reads it. A later run replaces the
 * results of the points it tested and keeps the others, so a site can be proved a
 * few points at a time (one detector after another with test gas). By default the
 * file lives beside the store: {store.path}.test-alarm.json.
 */
#ifndef RISKGW_TOOL_RESULTS_H
#define RISKGW_TOOL_RESULTS_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "tool.h"
#include "tool_alarm_plan.h"

#define RESULT_TEXT_MAX 96
#define RESULT_MODE_MAX 16

struct tool_step_result {
    char step[RESULT_TEXT_MAX];         /* "to 37.5 %LEL (level1 >= 25)" */
    char expect[RESULT_TEXT_MAX];       /* "RAISED level1" */
    int pass;
    char why[TOOL_WHY_MAX];             /* why not */
    int64_t event_id, seq;              /* the event that proved it (id: the store's) */
    int64_t event_ts_ms;                /* its ts: the reading that caused it */
    int64_t acted_ms, received_ms;      /* wall clock of the step's action and of the MQTT message */
};

struct tool_point_result {
    char device[ID_MAX], point[ID_MAX];
    int pass;
    char why[TOOL_WHY_MAX];             /* why the point failed */
    char mode[RESULT_MODE_MAX];         /* "simulator" or "instrument" */
    char actor[EVENT_ACTOR_MAX];        /* who ran the test */
    int64_t tested_ms;                  /* when its test ended */
    size_t nsteps;
    struct tool_step_result steps[PLAN_STEPS_MAX];
};

struct tool_results {
    char enterprise[ID_MAX], gateway[ID_MAX];
    struct tool_point_result *points;
    size_t n, cap;
};

/* The default file for cfg: {store.path}.test-alarm.json. */
void tool_results_path(const struct config *cfg, char *out, size_t cap);

/* Read path into r (a missing file gives no results and 0). -1 with err when the
 * file exists but cannot be read, or is another gateway's. */
int tool_results_load(const char *path, const struct config *cfg, struct tool_results *r,
                      char *err, size_t errlen);

/* Put p in r, replacing the result of the same point. 0, or -1 when out of memory. */
int tool_results_put(struct tool_results *r, const struct tool_point_result *p);

/* The result for device/point, or NULL. */
const struct tool_point_result *tool_results_find(const struct tool_results *r, const char *device,
                                                  const char *point);

/* Write r to path (through a temporary file and a rename). 0, or -1 with err. */
int tool_results_save(const char *path, const struct tool_results *r, char *err, size_t errlen);

void tool_results_free(struct tool_results *r);

#endif
