/*
 * config_rules.c - combined rules and calendars from the site config.
 *
 * "calendars" names periods (ordered shutdowns, night shifts); "rules" lists
 * conditions over several points. They are compiled here, after the devices, so
 * every point a condition names is resolved (or refused with line and column)
 * at load. Each rule becomes a point of the virtual device "_rules": its events
 * then travel, persist and answer silence/reset exactly like a point's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define MAX_COMBINED_RULES 1000

static long resolve(void *ctx, const char *device, const char *point)
{
    return config_find_point(ctx, device, point);
}

/* Add the virtual device and one point per rule. */
static int add_rule_points(struct config *cfg, struct cfg_err *err)
{
    struct device_cfg *dev = realloc(cfg->devices, (cfg->ndevices + 1) * sizeof *dev);
    struct site_point *pts = dev ? realloc(cfg->points, (cfg->npoints + cfg->ncrules) * sizeof *pts) : NULL;
    if (dev)
        cfg->devices = dev;
    if (!pts)
        return cfg_fail(err, "rules", "out of memory for %zu rules", cfg->ncrules);
    cfg->points = pts;
    struct device_cfg *d = &cfg->devices[cfg->ndevices];
    memset(d, 0, sizeof *d);
    d->id = RULES_DEVICE_ID;
    d->host = d->profile = "";
    d->kind = BUS_VIRTUAL;
    d->first_point = cfg->npoints;
    d->npoints = cfg->ncrules;
    cfg->rules_first_point = cfg->npoints;
    cfg->ndevices++;
    for (size_t i = 0; i < cfg->ncrules; i++) {
        struct point_cfg pc;
        memset(&pc, 0, sizeof pc);
        snprintf(pc.id, sizeof pc.id, "%s", cfg->crules[i].id);
        snprintf(pc.name, sizeof pc.name, "%s", cfg->crules[i].name);
        pc.map.plausible_lo = 1.0;         /* no plausibility check */
        pc.rule = cfg->crules[i].rule;
        if (config_intern_def(cfg, &pc, &pts[cfg->npoints].def_index, err) < 0)
            return -1;
        pts[cfg->npoints++].device = (uint32_t)(cfg->ndevices - 1);
    }
    return 0;
}

int config_parse_rules(const cJSON *root, struct config *cfg, struct cfg_err *err)
{
    const cJSON *cals, *arr, *it;
    char p[CFG_PATH_MAX];
    for (size_t i = 0; i < cfg->ndevices; i++)
        if (strcmp(cfg->devices[i].id, RULES_DEVICE_ID) == 0)
            return cfg_fail(err, "devices", "the id \"%s\" is reserved for combined rules", RULES_DEVICE_ID);
    if (jf_object(root, "calendars", "", JF_OPTIONAL, &cals, err) < 0 ||
        (cals && expr_calendars_parse(cals, "calendars", &cfg->calendars, err) < 0) ||
        jf_array(root, "rules", "", JF_OPTIONAL, &arr, err) < 0)
        return -1;
    int n = arr ? cJSON_GetArraySize(arr) : 0;
    if (n == 0)
        return 0;
    if (n > MAX_COMBINED_RULES)
        return cfg_fail(err, "rules", "has %d entries; at most %d are supported", n, MAX_COMBINED_RULES);
    cfg->crules = calloc((size_t)n, sizeof *cfg->crules);
    if (!cfg->crules)
        return cfg_fail(err, "rules", "out of memory");
    struct expr_scope scope = {.resolve = resolve, .ctx = cfg, .calendars = &cfg->calendars};
    cJSON_ArrayForEach(it, arr) {
        jf_path_index(p, sizeof p, "rules", (int)cfg->ncrules);
        if (expr_rule_parse(it, p, &scope, &cfg->crules[cfg->ncrules], err) < 0)
            return -1;
        for (size_t j = 0; j < cfg->ncrules; j++)
            if (strcmp(cfg->crules[j].id, cfg->crules[cfg->ncrules].id) == 0) {
                cfg->ncrules++;     /* so config_free releases it */
                return cfg_fail(err, p, "rule id \"%s\" is used twice", cfg->crules[j].id);
            }
        cfg->ncrules++;
    }
    return add_rule_points(cfg, err);
}

void config_free_rules(struct config *cfg)
{
    for (size_t i = 0; i < cfg->ncrules; i++)
        expr_rule_free(&cfg->crules[i]);
    free(cfg->crules);
}
