/*
 * core_rules.c - combined rules on the core thread (see gateway/expr*.c).
 *
 * Each rule is the virtual point config->rules_first_point + i. Its condition is
 * evaluated when a point it reads gets a sample, and on every rule tick, so that
 * delays expire and windows, held() and calendars move on without new samples.
 * The history rings hold only what the windows in the rules need.
 */
#include <stdio.h>
#include <stdlib.h>

#include "core_internal.h"
#include "history.h"

static struct history_spec *window_specs(const struct config *cfg)
{
    struct history_spec *specs = calloc(cfg->npoints, sizeof *specs);
    if (!specs)
        return NULL;
    for (size_t p = 0; p < cfg->npoints; p++) {
        specs[p].interval_ms = config_device_of(cfg, p)->interval_ms;
        specs[p].label = config_point_def(cfg, p)->id;
    }
    for (size_t i = 0; i < cfg->ncrules; i++)
        expr_windows(cfg->crules[i].when, specs);
    return specs;
}

int core_rules_open(struct core *c, char *err, size_t errlen)
{
    const struct config *cfg = c->cfg;
    if (!cfg->ncrules)
        return 0;                   /* no table: core_rules_sample reads NULL as "in none" */
    c->in_rules = calloc(cfg->npoints ? cfg->npoints : 1, 1);
    if (!c->in_rules) {
        snprintf(err, errlen, "out of memory for the combined rules");
        return -1;
    }
    for (size_t i = 0; i < cfg->ncrules; i++) {
        const uint32_t *pts;
        size_t n = expr_points(cfg->crules[i].when, &pts);
        for (size_t k = 0; k < n; k++)
            c->in_rules[pts[k]] = 1;
    }
    if (cfg->ncrules) {
        struct history_spec *specs = window_specs(cfg);
        struct cfg_err herr = {""};
        c->history = specs ? history_create(specs, cfg->npoints, &herr) : NULL;
        free(specs);
        if (!c->history) {
            snprintf(err, errlen, "rules: %s", specs ? herr.msg : "out of memory");
            return -1;
        }
    }
    expr_env_init(&c->env, c->latest, cfg->npoints, c->history, NULL, NULL);
    return 0;
}

void core_rules_close(struct core *c)
{
    history_free(c->history);
    c->history = NULL;
    free(c->in_rules);
    c->in_rules = NULL;
}

/* Evaluate rule i now; record what it decides. */
static int step(struct core *c, size_t i, int64_t mono, int64_t wall)
{
    uint32_t vpoint = (uint32_t)(c->cfg->rules_first_point + i);
    struct event evs[RULE_MAX_EVENTS];
    c->env.mono_ms = mono;
    c->env.wall_ms = wall;
    int n = expr_rule_step(&c->cfg->crules[i], core_alarm_state(c, vpoint), &c->env, vpoint, evs);
    for (int k = 0; k < n; k++)
        core_record_event(c, &evs[k]);
    return n;
}

int core_rules_sample(struct core *c, const struct sample *s)
{
    if (!c->in_rules || !c->in_rules[s->point])
        return 0;
    history_push(c->history, s);
    int n = 0;
    for (size_t i = 0; i < c->cfg->ncrules; i++) {
        const uint32_t *pts;
        size_t np = expr_points(c->cfg->crules[i].when, &pts);
        for (size_t k = 0; k < np; k++)
            if (pts[k] == s->point) {
                n += step(c, i, s->mono_ms, s->ts_ms);
                break;
            }
    }
    return n;
}

int core_rules_tick(struct core *c, int64_t now_mono, int64_t now_wall)
{
    int n = 0;
    for (size_t i = 0; i < c->cfg->ncrules; i++)
        n += step(c, i, now_mono, now_wall);
    return n;
}
