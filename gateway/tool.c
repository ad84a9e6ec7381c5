/*
 * tool.c - which tool a verb names, and the small things every tool prints the same way.
 */
#include "tool.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "command_client.h"

#define MS_PER_S 1000
#define VALUE_DIGITS 6              /* significant digits of a value in a table */

struct tool_verb {
    const char *name;
    int (*main)(int argc, char **argv, const struct tool_env *env);
};

static const struct tool_verb tool_verbs[] = {
    {"scan", tool_scan_main},
    {"check", tool_check_main},
    {"test-alarm", tool_test_alarm_main},
    {"report", tool_report_main},
#if RISKGW_HAVE_METRICS
    {"passwd", console_passwd_main},    /* the site console's operators (gateway/console/) */
#endif
};
#define TOOL_VERBS (sizeof tool_verbs / sizeof tool_verbs[0])

static const struct tool_verb *tool_find(const char *verb)
{
    for (size_t i = 0; i < TOOL_VERBS; i++)
        if (strcmp(tool_verbs[i].name, verb) == 0)
            return &tool_verbs[i];
    return NULL;
}

int tool_is(const char *verb)
{
    return verb && tool_find(verb) != NULL;
}

int tool_run(int argc, char **argv, const struct tool_env *env)
{
    const struct tool_verb *v = argc > 0 ? tool_find(argv[0]) : NULL;
    if (!v) {
        fprintf(stderr, "riskgw: \"%s\" is not a tool (scan, check, test-alarm, report, passwd)\n",
                argc > 0 ? argv[0] : "");
        return TOOL_USAGE;
    }
    return v->main(argc, argv, env);
}

struct config *tool_config_load(const char *tool, const char *path, const char *profile_dir,
                                const struct tool_env *env)
{
    struct cfg_err err;
    struct config *cfg = config_load(path ? path : env->config_default,
                                     profile_dir ? profile_dir : env->profile_dir_default, &err);
    if (!cfg)
        fprintf(stderr, "riskgw %s: config refused: %s\n", tool, err.msg);
    return cfg;
}

void tool_point_address(const struct point_map *m, char *out, size_t cap)
{
    if (m->bit >= 0 && m->area != AREA_COIL && m->area != AREA_DISCRETE)
        snprintf(out, cap, "%s %u bit %d", point_area_names[m->area], m->address, m->bit);
    else
        snprintf(out, cap, "%s %u", point_area_names[m->area], m->address);
}

void tool_device_address(const struct config *cfg, const struct device_cfg *d, char *out,
                         size_t cap)
{
    if (d->kind == BUS_TCP) {
        snprintf(out, cap, "%s:%u unit %u", d->host, d->port, d->unit);
    } else if (d->kind == BUS_RTU && d->bus >= 0 && (size_t)d->bus < cfg->nbuses) {
        const struct bus_cfg *b = &cfg->buses[d->bus];
        snprintf(out, cap, "%s %ld %d%c%d unit %u", b->device, b->baud, b->data_bits, b->parity,
                 b->stop_bits, d->unit);
    } else {
        snprintf(out, cap, "(computed by the gateway)");
    }
}

void tool_format_value(double v, char *out, size_t cap)
{
    if (!isfinite(v))
        snprintf(out, cap, "-");
    else
        snprintf(out, cap, "%.*g", VALUE_DIGITS, v);
}

void tool_format_time(int64_t wall_ms, int full, char *out, size_t cap)
{
    time_t t = (time_t)(wall_ms / MS_PER_S);
    struct tm tm;
    char head[64];
    localtime_r(&t, &tm);
    if (full) {
        strftime(out, cap, "%Y-%m-%d %H:%M:%S %z", &tm);
        return;
    }
    strftime(head, sizeof head, "%H:%M:%S", &tm);
    snprintf(out, cap, "%s.%03d", head, (int)(wall_ms % MS_PER_S));
}

int tool_gateway_running(const struct config *cfg)
{
    char why[TOOL_WHY_MAX];
    return command_client_do(cfg, "status", NULL, NULL, NULL, why, sizeof why) == 0;
}
