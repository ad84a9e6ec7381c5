/*
 * tool_test_alarm.c - `riskgw test-alarm`: prove that every alarm reaches the platform and the disk.
 *
 * The technician names the points (or takes every point with alarm levels), and
 * the gateway must be running with the same config. Before anything is driven,
 * each point is read through the gateway: a point in fault or already in alarm
 * cannot prove a setpoint, so it fails at once with the reason. The run itself is
 * tool_alarm_run.c; the results join the results file that `riskgw report` reads.
 */
#include "tool.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "command_client.h"
#include "tool_alarm_run.h"

#define MS_PER_S 1000L
#define WAIT_SIM_S 10               /* a simulator answers at once */
#define WAIT_BY_HAND_S 300          /* test gas takes a while to reach a sensor */
#define WAIT_MAX_S 3600
#define NAME_MAX_LEN (2 * ID_MAX + 2)

struct alarm_opts {
    const char *config, *profile_dir, *sim, *results, *actor;
    long wait_s;
    char **only;                    /* DEVICE or DEVICE/POINT arguments */
    int nonly;
};

static void alarm_usage(FILE *out, const struct tool_env *env)
{
    fprintf(out,
            "usage: riskgw test-alarm [-c FILE] [--sim SOCKET] [options] [DEVICE[/POINT]...]\n"
            "Drive points through every alarm level and back to normal, and prove that each event\n"
            "went out on MQTT and was stored. The gateway must be running with the same config.\n\n"
            "  -c, --config FILE      site config (default %s)\n"
            "  -p, --profile-dir DIR  device profiles, unless the config names \"profile_dir\"\n"
            "  -s, --sim SOCKET       drive riskgw-sim through its control socket (its device ids\n"
            "                         must be the config's); without it you drive the instruments\n"
            "                         (test gas, a loop calibrator) when prompted\n"
            "  -w, --wait S           allowance per event beyond the rule's delays and the polls\n"
            "                         (default %d s with --sim, %d s by hand)\n"
            "  -r, --results FILE     results for the report (default {store.path}.test-alarm.json)\n"
            "  -a, --actor NAME       who tests, recorded with the resets (default the login name)\n"
            "  DEVICE[/POINT]         test only these (default: every point with alarm levels)\n"
            "Exit status: 0 every point passed, 1 some failed, 2 usage.\n",
            env->config_default, WAIT_SIM_S, WAIT_BY_HAND_S);
}

static int alarm_options(int argc, char **argv, struct alarm_opts *o, const struct tool_env *env)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"profile-dir", required_argument, NULL, 'p'},
        {"sim", required_argument, NULL, 's'}, {"wait", required_argument, NULL, 'w'},
        {"results", required_argument, NULL, 'r'}, {"actor", required_argument, NULL, 'a'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int opt;
    char *end;
    memset(o, 0, sizeof *o);
    optind = 1;
    while ((opt = getopt_long(argc, argv, "c:p:s:w:r:a:h", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': o->config = optarg; break;
        case 'p': o->profile_dir = optarg; break;
        case 's': o->sim = optarg; break;
        case 'w':
            o->wait_s = strtol(optarg, &end, 10);
            if (*end || o->wait_s < 1 || o->wait_s > WAIT_MAX_S) {
                fprintf(stderr, "riskgw test-alarm: --wait \"%s\": expected 1 to %d seconds\n", optarg, WAIT_MAX_S);
                return TOOL_USAGE;
            }
            break;
        case 'r': o->results = optarg; break;
        case 'a': o->actor = optarg; break;
        case 'h': alarm_usage(stdout, env); exit(TOOL_OK);
        default: alarm_usage(stderr, env); return TOOL_USAGE;
        }
    }
    if (!o->wait_s)
        o->wait_s = o->sim ? WAIT_SIM_S : WAIT_BY_HAND_S;
    o->only = argv + optind;
    o->nonly = argc - optind;
    return TOOL_OK;
}

/* ---- which points ---- */

static int testable(const struct config *cfg, size_t p)
{
    return config_point_def(cfg, p)->rule.nlevels > 0 && config_device_of(cfg, p)->kind != BUS_VIRTUAL;
}

/* Mark the points named by one argument; -1 (said) when it names nothing testable. */
static int alarm_select_one(const struct config *cfg, const char *arg, unsigned char *pick)
{
    const char *slash = strchr(arg, '/');
    size_t devlen = slash ? (size_t)(slash - arg) : strlen(arg);
    int found = 0;
    for (size_t p = 0; p < cfg->npoints; p++) {
        const struct point_cfg *pc = config_point_def(cfg, p);
        const char *dev = config_device_of(cfg, p)->id;
        if (strlen(dev) != devlen || strncmp(dev, arg, devlen) != 0 ||
            (slash && strcmp(pc->id, slash + 1) != 0) || !testable(cfg, p))
            continue;
        pick[p] = 1;
        found = 1;
    }
    if (!found)
        fprintf(stderr, "riskgw test-alarm: \"%s\" names no point with alarm levels on gateway %s; "
                "say DEVICE or DEVICE/POINT as in the config\n", arg, cfg->gateway_id);
    return found ? 0 : -1;
}

/* The points to test, in config order; their count, or -1 (said). */
static long alarm_select(const struct config *cfg, const struct alarm_opts *o, size_t *points)
{
    unsigned char *pick = calloc(cfg->npoints ? cfg->npoints : 1, 1);
    size_t n = 0;
    if (!pick)
        return -1;
    for (int i = 0; i < o->nonly; i++)
        if (alarm_select_one(cfg, o->only[i], pick) < 0) {
            free(pick);
            return -1;
        }
    for (size_t p = 0; p < cfg->npoints; p++)
        if (o->nonly ? pick[p] : testable(cfg, p))
            points[n++] = p;
    free(pick);
    return (long)n;
}

/* ---- before: the point must be readable and normal ---- */

static int alarm_precheck(const struct config *cfg, size_t p, char *why, size_t cap)
{
    const struct point_cfg *pc = config_point_def(cfg, p);
    char err[TOOL_WHY_MAX], v[TOOL_WHY_MAX / 4];
    cJSON *r = command_client_ask(cfg, "read", config_device_of(cfg, p)->id, pc->id, NULL, err, sizeof err);
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(r, "value");
    const cJSON *q = cJSON_GetObjectItemCaseSensitive(r, "quality");
    const char *quality = cJSON_IsString(q) ? q->valuestring : "none";
    int rc = -1;
    if (!r) {
        snprintf(why, cap, "%s", err);
    } else if (!cJSON_IsNumber(val) || isnan(val->valuedouble)) {
        snprintf(why, cap, "the gateway has no value for it (quality %s); run riskgw check", quality);
    } else if (tool_plan_level_of(&pc->rule, val->valuedouble) >= 0) {
        tool_format_value(val->valuedouble, v, sizeof v);
        snprintf(why, cap, "already in alarm (%s %s): bring it back to normal first", v, pc->unit);
    } else {
        rc = 0;
    }
    cJSON_Delete(r);
    return rc;
}

/* ---- after: the results file ---- */

static int alarm_save(const struct config *cfg, const struct alarm_opts *o,
                      const struct tool_point_result *res, size_t n)
{
    char path[PATH_MAX_LEN + 32], err[TOOL_WHY_MAX + PATH_MAX_LEN];
    struct tool_results all;
    if (o->results)
        snprintf(path, sizeof path, "%s", o->results);
    else
        tool_results_path(cfg, path, sizeof path);
    int rc = tool_results_load(path, cfg, &all, err, sizeof err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = tool_results_put(&all, &res[i]);
    if (rc == 0)
        rc = tool_results_save(path, &all, err, sizeof err);
    else if (!err[0])
        snprintf(err, sizeof err, "out of memory for the results");
    tool_results_free(&all);
    if (rc < 0)
        fprintf(stderr, "riskgw test-alarm: %s\n", err);
    else
        printf("results kept in %s (riskgw report reads them)\n", path);
    return rc;
}

/* Read each point first; run those that are ready. Returns how many passed, -1 (said)
 * when the run could not start. res[i] is points[i]'s result either way. */
static int alarm_session_run(const struct config *cfg, const struct alarm_opts *o, const size_t *points,
                             size_t n, struct tool_point_result *res)
{
    char err[TOOL_WHY_MAX];
    size_t ready = 0, *run = calloc(n, sizeof *run), *run_points = calloc(n, sizeof *run_points);
    struct tool_point_result *run_res = calloc(n, sizeof *run_res);
    const char *actor = o->actor ? o->actor : command_client_login_name();
    int passed = -1;
    for (size_t i = 0; run && run_points && run_res && i < n; i++) {
        const struct point_cfg *pc = config_point_def(cfg, points[i]);
        snprintf(res[i].device, sizeof res[i].device, "%s", config_device_of(cfg, points[i])->id);
        snprintf(res[i].point, sizeof res[i].point, "%s", pc->id);
        snprintf(res[i].mode, sizeof res[i].mode, "%s", o->sim ? "simulator" : "instrument");
        snprintf(res[i].actor, sizeof res[i].actor, "%s", actor);
        if (alarm_precheck(cfg, points[i], res[i].why, sizeof res[i].why) < 0) {
            res[i].tested_ms = clock_wall_ms();
            printf("%s/%s: FAIL  %s\n", res[i].device, res[i].point, res[i].why);
            continue;
        }
        run[ready] = i;
        run_points[ready] = points[i];
        run_res[ready++] = res[i];
    }
    struct alarm_session s = {.cfg = cfg, .sim = o->sim, .wait_ms = o->wait_s * MS_PER_S, .actor = actor};
    s.watch = ready ? tool_watch_open(cfg, err, sizeof err) : NULL;
    if (!run || !run_points || !run_res)
        fprintf(stderr, "riskgw test-alarm: out of memory for %zu points\n", n);
    else if (ready && !s.watch)
        fprintf(stderr, "riskgw test-alarm: %s\n", err);
    else
        passed = ready ? (int)tool_alarm_run(&s, run_points, ready, run_res) : 0;
    for (size_t k = 0; passed >= 0 && k < ready; k++)
        res[run[k]] = run_res[k];
    tool_watch_close(s.watch);
    free(run);
    free(run_points);
    free(run_res);
    return passed;
}

int tool_test_alarm_main(int argc, char **argv, const struct tool_env *env)
{
    struct alarm_opts o;
    int rc = alarm_options(argc, argv, &o, env);
    if (rc != TOOL_OK)
        return rc;
    struct config *cfg = tool_config_load("test-alarm", o.config, o.profile_dir, env);
    if (!cfg)
        return TOOL_FAILED;
    size_t *points = calloc(cfg->npoints ? cfg->npoints : 1, sizeof *points);
    struct tool_point_result *res = calloc(cfg->npoints ? cfg->npoints : 1, sizeof *res);
    long n = points && res ? alarm_select(cfg, &o, points) : -1;
    rc = n < 0 ? TOOL_USAGE : TOOL_FAILED;
    if (n == 0)
        fprintf(stderr, "riskgw test-alarm: no point of gateway %s has alarm levels to test\n", cfg->gateway_id);
    else if (n > 0 && !tool_gateway_running(cfg))
        fprintf(stderr, "riskgw test-alarm: the gateway is not running with %s (its control socket "
                "does not answer); start it (systemctl start riskgw) and try again\n", cfg->source);
    else if (n > 0) {
        int64_t t0 = clock_mono_ms();
        printf("riskgw test-alarm: gateway %s/%s, %ld point%s, %s\n", cfg->enterprise_id, cfg->gateway_id,
               n, n == 1 ? "" : "s", o.sim ? "driving the simulator" : "the technician drives the instruments");
        int passed = alarm_session_run(cfg, &o, points, (size_t)n, res);
        if (passed >= 0 && alarm_save(cfg, &o, res, (size_t)n) == 0) {
            printf("result: %s: %d of %ld points passed in %.1f s\n", passed == n ? "PASS" : "FAILED",
                   passed, n, (double)(clock_mono_ms() - t0) / MS_PER_S);
            rc = passed == n ? TOOL_OK : TOOL_FAILED;
        }
    }
    free(points);
    free(res);
    config_free(cfg);
    return rc;
}
