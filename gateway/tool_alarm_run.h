/*
 * tool_alarm_run.h - walk points through their alarm plans and prove every event.
 *
 * Each step of a point's plan (tool_alarm_plan.h) is an action - a simulator
 * control line, a prompt to the technician, or a reset through the gateway's
 * control socket - and the one event that must follow. A step passes when that
 * event arrives on MQTT within its time, and the store holds the same event under
 * the id the message carries. With a simulator every point runs at once; by hand,
 * one point after another. Afterwards nothing is left latched: what the test set
 * off (a combined rule fed by a tested point, a point that failed halfway) is
 * brought back and reset.
 */
#ifndef RISKGW_TOOL_ALARM_RUN_H
#define RISKGW_TOOL_ALARM_RUN_H

#include <stddef.h>
#include "config.h"
#include "tool_mqtt_watch.h"
#include "tool_results.h"

struct alarm_session {
    const struct config *cfg;
    struct tool_watch *watch;       /* subscribed to the gateway's events */
    const char *sim;                /* riskgw-sim's control socket; NULL: a technician acts */
    long wait_ms;                   /* each event's allowance beyond the rule's delays and polls */
    const char *actor;              /* recorded with the resets */
};

/* Test points[0..n-1] (config point indexes); results[i] gets point i's outcome. Each
 * step is printed as it ends. Returns how many points passed. */
size_t tool_alarm_run(const struct alarm_session *s, const size_t *points, size_t n,
                      struct tool_point_result *results);

#endif
