/*
 * main.c - the riskgw daemon's command line: check a config, or run the gateway.
 *
 *   riskgw -c FILE        run in the foreground, log to stderr (systemd's way)
 *   riskgw -u USER -c F   the same, started as root: switch to USER once all is open
 *   riskgw -n -c FILE     check the config and exit 0 (good) or 1 (with the reason)
 *   riskgw status [-c F] [--json]  show the gateway's last health report
 *   riskgw silence|reset|read [-c F] DEVICE POINT, riskgw reload [-c F]
 *   riskgw write [-c F] DEVICE POINT VALUE  (a point marked "writable" only)
 *                         act on the running gateway from the box's console
 *   riskgw scan|check|test-alarm|report ...
 *                         the technician's commissioning tools (tool.h)
 *
 * Signals are blocked here, before any thread starts, so that they reach only the
 * core loop's signalfd and never interrupt a poller in the middle of a frame.
 */
#include <getopt.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "command_client.h"
#include "config.h"
#include "core.h"
#include "log.h"
#include "status_file.h"
#include "status_view.h"
#include "store.h"
#include "tool.h"

#define DEFAULT_CONFIG "/etc/riskgw/riskgw.json"
#define INSTALLED_PROFILE_DIR "/usr/share/riskgw/profiles"
#define ERR_MAX 1024

static void usage(FILE *out)
{
    fprintf(out,
            "usage: riskgw [-n] [-v] [-c FILE] [-p DIR] [-u USER]\n"
            "       riskgw status [-c FILE] [--json]             the last health report (--json: as is)\n"
            "       riskgw silence|reset [-c FILE] DEVICE POINT [--actor NAME]\n"
            "       riskgw read [-c FILE] DEVICE POINT\n"
            "       riskgw write [-c FILE] DEVICE POINT VALUE [--actor NAME]\n"
            "       riskgw reload [-c FILE]\n"
            "       riskgw scan HOST[:PORT]|DEVICE [options]    find the unit ids on a bus\n"
            "       riskgw check [-c FILE]                      prove the config against the live bus\n"
            "       riskgw test-alarm [-c FILE] [--sim SOCKET] [DEVICE[/POINT]...]\n"
            "       riskgw report [-c FILE] [-o FILE.html] [--lang zh-CN|en]  the commissioning report\n"
            "       riskgw passwd NAME                          a console operator's password hash\n"
            "       (riskgw TOOL --help for a tool's options)\n"
            "Risk-monitoring gateway: polls Modbus instruments, decides alarms, stores\n"
            "everything in SQLite and delivers it over MQTT.\n\n"
            "  -c, --config FILE      site config (default %s)\n"
            "  -n, --check            check the config, print a summary and exit (0 good, 1 bad)\n"
            "  -p, --profile-dir DIR  device profiles, unless the config names \"profile_dir\"\n"
            "                         (default %s, or the source tree's drivers/profiles)\n"
            "  -u, --user USER        started as root: run as USER (its groups too) once the store,\n"
            "                         the control socket and the connections are open (config \"user\")\n"
            "  -v, --verbose          debug logging\n"
            "      --version          print the version and exit\n"
            "  -h, --help             this text\n\n"
            "Signals: SIGTERM/SIGINT stop cleanly; SIGHUP reloads the config (a bad one is refused\n"
            "and the running one stays). Docs: docs/configuration.md, docs/interface.md.\n",
            DEFAULT_CONFIG, INSTALLED_PROFILE_DIR);
}

static const char *default_profile_dir(void)
{
    FILE *f = fopen(INSTALLED_PROFILE_DIR "/gas_lel.json", "r");
    if (f) {
        fclose(f);
        return INSTALLED_PROFILE_DIR;
    }
    return RISKGW_SOURCE_DIR "/drivers/profiles";
}

static void block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);       /* a dropped socket is an error return, not a death */
}

/*
 * glibc raises its mmap threshold each time a large block is freed, up to 32 MiB,
 * so after the first health report of a big site (256 bytes a device) every later
 * report and table came from the heap, whose freed pages stay resident: 0.7 MiB
 * of private memory at 2,000 devices. A fixed threshold (its default, 128 KiB)
 * keeps large blocks in their own mappings, returned to the system when freed;
 * so nothing on the hot path or per request may allocate that much: each such
 * block is page faults and an munmap (docs/architecture.md, "Memory").
 */
#define MALLOC_MMAP_THRESHOLD (128 * 1024)

int main(int argc, char **argv)
{
    mallopt(M_MMAP_THRESHOLD, MALLOC_MMAP_THRESHOLD);
    store_setup_process();
    if (argc > 1 && tool_is(argv[1])) {
        struct tool_env env = {DEFAULT_CONFIG, default_profile_dir()};
        signal(SIGPIPE, SIG_IGN);
        return tool_run(argc - 1, argv + 1, &env);
    }
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'}, {"check", no_argument, NULL, 'n'},
        {"profile-dir", required_argument, NULL, 'p'}, {"verbose", no_argument, NULL, 'v'},
        {"version", no_argument, NULL, 'V'}, {"help", no_argument, NULL, 'h'},
        {"actor", required_argument, NULL, 'a'}, {"user", required_argument, NULL, 'u'},
        {"json", no_argument, NULL, 'j'}, {NULL, 0, NULL, 0}};
    const char *config_file = DEFAULT_CONFIG, *profile_dir = NULL, *actor = NULL, *user = NULL;
    int check_only = 0, json = 0, opt;
    while ((opt = getopt_long(argc, argv, "c:np:u:vh", opts, NULL)) != -1) {
        switch (opt) {
        case 'c': config_file = optarg; break;
        case 'a': actor = optarg; break;
        case 'j': json = 1; break;
        case 'n': check_only = 1; break;
        case 'p': profile_dir = optarg; break;
        case 'u': user = optarg; break;
        case 'v': log_set_level(LOG_LVL_DEBUG); break;
        case 'V': printf("riskgw %s\n", RISKGW_VERSION); return 0;
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    const char *verb = optind < argc ? argv[optind] : NULL;
    int show_status = verb && strcmp(verb, "status") == 0;
    int console = verb && command_client_is(verb);
    if (show_status || console)
        optind++;
    if (optind < argc && !console) {
        fprintf(stderr, "riskgw: unexpected argument \"%s\"\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    struct cfg_err cerr;
    struct config *cfg = config_load(config_file, profile_dir ? profile_dir : default_profile_dir(), &cerr);
    if (!cfg) {
        fprintf(stderr, "riskgw: config refused: %s\n", cerr.msg);
        return 1;
    }
    if (config_secrets_exposed(cfg))
        log_warn("config %s holds secrets (passwords, keys, tokens) and every user on this box can read it; "
                 "run: chmod 0640 %s", config_file, config_file);
    if (console) {
        int rc = command_client_run(cfg, verb, argc - optind, argv + optind, actor);
        config_free(cfg);
        return rc;
    }
    if (show_status) {
        char path[PATH_MAX_LEN + 16];
        status_file_path(cfg, path, sizeof path);
        config_free(cfg);
        return status_view_print(path, clock_wall_ms(), json, stdout);
    }
    if (check_only) {
        size_t virtual_devices = cfg->ncrules ? 1 : 0;     /* the combined rules' own device */
        printf("riskgw: config %s is good: gateway %s/%s, %zu buses, %zu devices, %zu points, "
               "%zu combined rules\n", config_file, cfg->enterprise_id, cfg->gateway_id, cfg->nbuses,
               cfg->ndevices - virtual_devices, cfg->npoints - cfg->ncrules, cfg->ncrules);
        config_free(cfg);
        return 0;
    }
    block_signals();
    char err[ERR_MAX] = "";
    struct core *core = core_open(cfg, err, sizeof err);
    if (!core) {
        log_error("cannot start: %s", err);
        return 1;
    }
    if (!user && cfg->user[0])
        user = cfg->user;
    if (user && core_drop_privileges(core, user, err, sizeof err) < 0) {
        log_error("cannot start: %s", err);
        core_close(core);
        return 1;
    }
    int rc = core_run(core);
    core_close(core);
    log_info("stopped");
    return rc == 0 ? 0 : 1;
}
