/*
 * tool_report_live.c - live values for the report, from the gateway or the bus (see tool_report_live.h).
 */
#include "tool_report_live.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "command_client.h"
#include "tool_sweep.h"

static void live_from_reply(const cJSON *r, struct report_reading *out)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, "value");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(r, "quality");
    const cJSON *ts = cJSON_GetObjectItemCaseSensitive(r, "ts");
    snprintf(out->quality, sizeof out->quality, "%s", cJSON_IsString(q) ? q->valuestring : "none");
    out->value = cJSON_IsNumber(v) ? v->valuedouble : NAN;
    out->ts_ms = cJSON_IsNumber(ts) ? (int64_t)ts->valuedouble : 0;
    out->have = strcmp(out->quality, "none") != 0;
}

static void live_from_gateway(const struct config *cfg, struct report_live *out)
{
    for (size_t d = 0; d < cfg->ndevices; d++) {
        const struct device_cfg *dc = &cfg->devices[d];
        struct report_device *rd = &out->devices[d];
        rd->polled = dc->kind != BUS_VIRTUAL;
        for (size_t i = 0; i < dc->npoints; i++) {
            struct report_reading *rr = &out->points[dc->first_point + i];
            cJSON *r = command_client_ask(cfg, "read", dc->id, config_point_def(cfg, dc->first_point + i)->id,
                                          NULL, rr->note, sizeof rr->note);
            if (r)
                live_from_reply(r, rr);
            else
                snprintf(rr->quality, sizeof rr->quality, "none");
            cJSON_Delete(r);
            rd->answering |= rr->have && strcmp(rr->quality, quality_name(QUALITY_COMM_FAIL)) != 0;
        }
        if (rd->polled && !rd->answering)
            snprintf(rd->why, sizeof rd->why, "the gateway has no reading from it (comm_fail)");
    }
}

static int live_from_bus(const struct config *cfg, struct report_live *out)
{
    struct tool_sweep s;
    if (tool_sweep_run(cfg, &s) < 0)
        return -1;
    out->ts_ms = s.ts_ms;
    for (size_t d = 0; d < cfg->ndevices; d++) {
        out->devices[d].polled = s.devices[d].polled;
        out->devices[d].answering = s.devices[d].answered;
        snprintf(out->devices[d].why, sizeof out->devices[d].why, "%s", s.devices[d].why);
    }
    for (size_t p = 0; p < cfg->npoints; p++) {
        const struct tool_reading *r = &s.points[p];
        struct report_reading *rr = &out->points[p];
        rr->have = r->read;
        rr->value = r->read && quality_has_value(r->quality) ? r->value : NAN;
        snprintf(rr->quality, sizeof rr->quality, "%s", r->read ? quality_name(r->quality) : "none");
        rr->ts_ms = r->read ? s.ts_ms : 0;
        if (s.devices[cfg->points[p].device].polled)
            tool_sweep_judge(cfg, p, &s, rr->note, sizeof rr->note);
    }
    tool_sweep_free(&s);
    return 0;
}

int report_live_gather(const struct config *cfg, struct report_live *out)
{
    memset(out, 0, sizeof *out);
    out->points = calloc(cfg->npoints ? cfg->npoints : 1, sizeof *out->points);
    out->devices = calloc(cfg->ndevices ? cfg->ndevices : 1, sizeof *out->devices);
    if (!out->points || !out->devices) {
        fprintf(stderr, "riskgw report: out of memory for %zu points\n", cfg->npoints);
        report_live_free(out);
        return -1;
    }
    out->ts_ms = clock_wall_ms();
    out->from_gateway = tool_gateway_running(cfg);
    if (out->from_gateway) {
        live_from_gateway(cfg, out);
        return 0;
    }
    if (live_from_bus(cfg, out) < 0) {
        report_live_free(out);
        return -1;
    }
    return 0;
}

void report_live_free(struct report_live *l)
{
    free(l->points);
    free(l->devices);
    l->points = NULL;
    l->devices = NULL;
}
