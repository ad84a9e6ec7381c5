/*
 * tool_check.c - `riskgw check`: does the live bus agree with the site config?
 *
 * Every device must answer and every point must decode to a plausible value. The
 * sweep (tool_sweep.c) reads the bus exactly as the daemon would; this file prints
 * one line per device and per point saying what was read and, when it is wrong,
 * why and what to look at. Exit status 1 when anything failed; warnings (an alarm
 * in force, an uncertain 4-20 mA reading) are shown but do not fail the check.
 */
#include "tool.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "tool_sweep.h"

#define VALUE_TEXT_MAX 48

struct check_counts {
    size_t devices, answering, points, ok, warned, failed;
};

static void check_usage(FILE *out, const struct tool_env *env)
{
    fprintf(out,
            "usage: riskgw check [-c FILE] [-p DIR]\n"
            "Read every device and point of the site config from the live bus, once, and say\n"
            "whether each device answers and each point decodes to a plausible value.\n\n"
            "  -c, --config FILE      site config (default %s); a lone FILE argument works too\n"
            "  -p, --profile-dir DIR  device profiles, unless the config names \"profile_dir\"\n"
            "Exit status: 0 all good (warnings allowed), 1 something failed, 2 usage.\n"
            "Stop the riskgw service first when the site has serial lines: two masters on one\n"
            "line garble each other's frames.\n",
            env->config_default);
}

static int has_serial(const struct config *cfg)
{
    for (size_t d = 0; d < cfg->ndevices; d++)
        if (cfg->devices[d].kind == BUS_RTU)
            return 1;
    return 0;
}

static void check_point(const struct config *cfg, size_t p, const struct tool_sweep *s,
                        struct check_counts *n)
{
    const struct point_cfg *pc = config_point_def(cfg, p);
    const struct tool_reading *r = &s->points[p];
    char addr[TOOL_ADDR_MAX], raw[TOOL_WHY_MAX], value[2 * VALUE_TEXT_MAX], num[VALUE_TEXT_MAX];
    char why[TOOL_WHY_MAX];
    enum tool_verdict v = tool_sweep_judge(cfg, p, s, why, sizeof why);
    tool_point_address(&pc->map, addr, sizeof addr);
    tool_sweep_raw(r, raw, sizeof raw);
    tool_format_value(r->value, num, sizeof num);
    snprintf(value, sizeof value, "%s%s%s", r->read ? num : "-", pc->unit[0] && r->read ? " " : "",
             r->read ? pc->unit : "");
    printf("  %-22s %-18s %-20s %-16s %-13s %s%s%s\n", pc->id, addr, r->read ? raw : "-", value,
           r->read ? quality_name(r->quality) : "-", tool_verdict_name(v), why[0] ? ": " : "", why);
    n->points++;
    n->ok += v == VERDICT_OK;
    n->warned += v == VERDICT_WARN;
    n->failed += v == VERDICT_FAIL;
}

static void check_print(const struct config *cfg, const struct tool_sweep *s, struct check_counts *n)
{
    char addr[TOOL_ADDR_MAX];
    for (size_t d = 0; d < cfg->ndevices; d++) {
        const struct device_cfg *dc = &cfg->devices[d];
        const struct tool_device_result *res = &s->devices[d];
        if (!res->polled)
            continue;
        tool_device_address(cfg, dc, addr, sizeof addr);
        n->devices++;
        n->answering += res->answered != 0;
        if (res->answered)
            printf("\n%s (%s) at %s: answers (%ld ms)\n", dc->id, dc->profile, addr, res->took_ms);
        else
            printf("\n%s (%s) at %s: FAIL: %s\n", dc->id, dc->profile, addr, res->why);
        printf("  %-22s %-18s %-20s %-16s %-13s %s\n", "POINT", "ADDRESS", "RAW", "VALUE", "QUALITY",
               "RESULT");
        for (size_t i = 0; i < dc->npoints; i++)
            check_point(cfg, dc->first_point + i, s, n);
    }
}

int tool_check_main(int argc, char **argv, const struct tool_env *env)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"profile-dir", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *config = NULL, *profile_dir = NULL;
    int opt;
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:p:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': config = optarg; break;
        case 'p': profile_dir = optarg; break;
        case 'h': check_usage(stdout, env); return TOOL_OK;
        default: check_usage(stderr, env); return TOOL_USAGE;
        }
    }
    if (optind == argc - 1 && !config)
        config = argv[optind++];
    if (optind != argc) {
        check_usage(stderr, env);
        return TOOL_USAGE;
    }
    struct config *cfg = tool_config_load("check", config, profile_dir, env);
    if (!cfg)
        return TOOL_FAILED;
    if (has_serial(cfg) && tool_gateway_running(cfg)) {
        fprintf(stderr, "riskgw check: the gateway is running with this config and polls its serial "
                "lines; stop it first (systemctl stop riskgw), or two masters will garble each "
                "other's frames\n");
        config_free(cfg);
        return TOOL_FAILED;
    }
    struct tool_sweep s;
    struct check_counts n = {0};
    char when[TOOL_ADDR_MAX];
    if (tool_sweep_run(cfg, &s) < 0) {
        config_free(cfg);
        return TOOL_FAILED;
    }
    tool_format_time(s.ts_ms, 1, when, sizeof when);
    printf("riskgw check: %s, gateway %s/%s, read at %s\n", cfg->source, cfg->enterprise_id,
           cfg->gateway_id, when);
    check_print(cfg, &s, &n);
    int good = n.answering == n.devices && n.failed == 0;
    printf("\nresult: %s: %zu of %zu devices answer; %zu of %zu points ok, %zu warnings, %zu failed\n",
           good ? "PASS" : "FAILED", n.answering, n.devices, n.ok, n.points, n.warned, n.failed);
    tool_sweep_free(&s);
    config_free(cfg);
    return good ? TOOL_OK : TOOL_FAILED;
}
