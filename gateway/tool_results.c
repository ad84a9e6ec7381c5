/*
 * tool_results.c - the alarm test results file (see tool_results.h).
 *
 *   {"enterprise": "...", "gateway": "...",
 *    "points": [{"device": "gas1", "point": "lel", "pass": true, "why": "", "mode": "simulator",
 *                "actor": "li.wei", "tested": 1795420812345,
 *                "steps": [{"step": "to 37.5 %LEL (level1 >= 25)", "expect": "RAISED level1",
 *                           "pass": true, "why": "", "event_id": 12, "seq": 5,
 *                           "event_ts": 1795420810100, "acted": 1795420809000,
 *                           "received": 1795420810160}]}]}
 *
 * The file is the tools' own, but it is read as untrusted text all the same: a
 * field of the wrong type reads as empty, never as a crash.
 */
#include "tool_results.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "json_field.h"

#define RESULTS_SUFFIX ".test-alarm.json"
#define RESULTS_FIRST_CAP 16

void tool_results_path(const struct config *cfg, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s", cfg->store.path, RESULTS_SUFFIX);
}

/* ---- reading ---- */

static int res_bool(const cJSON *o, const char *key)
{
    return cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, key));
}

static void res_read_step(const cJSON *o, struct tool_step_result *s)
{
    jf_copy_text(o, "step", s->step, sizeof s->step);
    jf_copy_text(o, "expect", s->expect, sizeof s->expect);
    s->pass = res_bool(o, "pass");
    jf_copy_text(o, "why", s->why, sizeof s->why);
    s->event_id = jf_int_or_zero(o, "event_id");
    s->seq = jf_int_or_zero(o, "seq");
    s->event_ts_ms = jf_int_or_zero(o, "event_ts");
    s->acted_ms = jf_int_or_zero(o, "acted");
    s->received_ms = jf_int_or_zero(o, "received");
}

static void res_read_point(const cJSON *o, struct tool_point_result *p)
{
    const cJSON *step;
    memset(p, 0, sizeof *p);
    jf_copy_text(o, "device", p->device, sizeof p->device);
    jf_copy_text(o, "point", p->point, sizeof p->point);
    p->pass = res_bool(o, "pass");
    jf_copy_text(o, "why", p->why, sizeof p->why);
    jf_copy_text(o, "mode", p->mode, sizeof p->mode);
    jf_copy_text(o, "actor", p->actor, sizeof p->actor);
    p->tested_ms = jf_int_or_zero(o, "tested");
    cJSON_ArrayForEach(step, cJSON_GetObjectItemCaseSensitive(o, "steps")) {
        if (p->nsteps < PLAN_STEPS_MAX && cJSON_IsObject(step))
            res_read_step(step, &p->steps[p->nsteps++]);
    }
}

int tool_results_load(const char *path, const struct config *cfg, struct tool_results *r,
                      char *err, size_t errlen)
{
    struct cfg_err cerr;
    const cJSON *pt;
    memset(r, 0, sizeof *r);
    snprintf(r->enterprise, sizeof r->enterprise, "%s", cfg->enterprise_id);
    snprintf(r->gateway, sizeof r->gateway, "%s", cfg->gateway_id);
    if (access(path, F_OK) < 0 && errno == ENOENT)
        return 0;
    cJSON *root = jf_parse_file(path, &cerr);
    if (!root) {
        snprintf(err, errlen, "cannot read the test results %s: %s", path, cerr.msg);
        return -1;
    }
    char gw[ID_MAX];
    jf_copy_text(root, "gateway", gw, sizeof gw);
    if (strcmp(gw, cfg->gateway_id) != 0) {
        snprintf(err, errlen, "the test results %s are gateway \"%s\"'s, not \"%s\"'s; name this "
                 "gateway's file, or move that one away", path, gw, cfg->gateway_id);
        cJSON_Delete(root);
        return -1;
    }
    cJSON_ArrayForEach(pt, cJSON_GetObjectItemCaseSensitive(root, "points")) {
        struct tool_point_result p;
        if (!cJSON_IsObject(pt))
            continue;
        res_read_point(pt, &p);
        if (tool_results_put(r, &p) < 0) {
            snprintf(err, errlen, "out of memory reading %s", path);
            cJSON_Delete(root);
            tool_results_free(r);
            return -1;
        }
    }
    cJSON_Delete(root);
    return 0;
}

/* ---- the set ---- */

const struct tool_point_result *tool_results_find(const struct tool_results *r, const char *device,
                                                  const char *point)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->points[i].device, device) == 0 && strcmp(r->points[i].point, point) == 0)
            return &r->points[i];
    return NULL;
}

int tool_results_put(struct tool_results *r, const struct tool_point_result *p)
{
    struct tool_point_result *old = (struct tool_point_result *)tool_results_find(r, p->device, p->point);
    if (old) {
        *old = *p;
        return 0;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : RESULTS_FIRST_CAP;
        struct tool_point_result *v = realloc(r->points, cap * sizeof *v);
        if (!v)
            return -1;
        r->points = v;
        r->cap = cap;
    }
    r->points[r->n++] = *p;
    return 0;
}

void tool_results_free(struct tool_results *r)
{
    free(r->points);
    r->points = NULL;
    r->n = r->cap = 0;
}

/* ---- writing ---- */

static cJSON *res_step_json(const struct tool_step_result *s)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "step", s->step);
    cJSON_AddStringToObject(o, "expect", s->expect);
    cJSON_AddBoolToObject(o, "pass", s->pass);
    cJSON_AddStringToObject(o, "why", s->why);
    cJSON_AddNumberToObject(o, "event_id", (double)s->event_id);
    cJSON_AddNumberToObject(o, "seq", (double)s->seq);
    cJSON_AddNumberToObject(o, "event_ts", (double)s->event_ts_ms);
    cJSON_AddNumberToObject(o, "acted", (double)s->acted_ms);
    cJSON_AddNumberToObject(o, "received", (double)s->received_ms);
    return o;
}

static cJSON *res_point_json(const struct tool_point_result *p)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *steps = cJSON_CreateArray();
    cJSON_AddStringToObject(o, "device", p->device);
    cJSON_AddStringToObject(o, "point", p->point);
    cJSON_AddBoolToObject(o, "pass", p->pass);
    cJSON_AddStringToObject(o, "why", p->why);
    cJSON_AddStringToObject(o, "mode", p->mode);
    cJSON_AddStringToObject(o, "actor", p->actor);
    cJSON_AddNumberToObject(o, "tested", (double)p->tested_ms);
    for (size_t i = 0; i < p->nsteps; i++)
        cJSON_AddItemToArray(steps, res_step_json(&p->steps[i]));
    cJSON_AddItemToObject(o, "steps", steps);
    return o;
}

int tool_results_save(const char *path, const struct tool_results *r, char *err, size_t errlen)
{
    char tmp[PATH_MAX_LEN + 16];
    cJSON *root = cJSON_CreateObject();
    cJSON *points = cJSON_CreateArray();
    cJSON_AddStringToObject(root, "enterprise", r->enterprise);
    cJSON_AddStringToObject(root, "gateway", r->gateway);
    for (size_t i = 0; i < r->n; i++)
        cJSON_AddItemToArray(points, res_point_json(&r->points[i]));
    cJSON_AddItemToObject(root, "points", points);
    char *text = cJSON_Print(root);
    cJSON_Delete(root);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = text ? fopen(tmp, "w") : NULL;
    int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    ok = f && fclose(f) == 0 && ok;
    cJSON_free(text);
    if (!ok || rename(tmp, path) < 0) {
        snprintf(err, errlen, "cannot write the test results to %s: %s; choose a writable file "
                 "with --results", path, text ? strerror(errno) : "out of memory");
        unlink(tmp);
        return -1;
    }
    return 0;
}
