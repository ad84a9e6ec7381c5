/*
 * main.c - riskgw-sim: a Modbus TCP slave acting out a device profile and a scenario.
 *
 * Technicians prove a gateway's points and alarms against it before the real
 * instruments are wired; integration tests and `make demo` start it as a child.
 * Both need the same things from it: a clear command line, one machine-readable
 * line on stdout saying where it listens, quiet logs on stderr, control lines on
 * stdin, and a clean exit 0 on SIGINT, SIGTERM or "quit".
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "profile.h"
#include "sim_control.h"
#include "sim_device.h"
#include "sim_scenario.h"
#include "sim_server.h"
#include "sim_text.h"

#define SIM_SOURCE_PROFILE_DIR RISKGW_SOURCE_DIR "/drivers/profiles"
#define SIM_INSTALLED_PROFILE_DIR "/usr/share/riskgw/profiles"
#define SIM_DEFAULT_LISTEN "127.0.0.1"
#define SIM_DEFAULT_UNIT 1
#define SIM_UNIT_MIN 1                  /* 0 is the broadcast address, never a device */
#define SIM_UNIT_MAX 255
#define SIM_PORT_MAX 65535
#define SIM_SPEED_MAX 10000.0
#define SIM_TICK_MS 50                  /* tables and segment logs follow the scenario this often */
#define MS_PER_S 1000.0

enum exit_code { EXIT_OK = 0, EXIT_START = 1, EXIT_USAGE = 2 };

struct sim_options {
    const char *profile, *profile_dir, *listen, *scenario;
    long port, unit;
    double speed;
    int loop, check, quiet;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static void usage(FILE *out)
{
    fprintf(out,
        "Usage: riskgw-sim --profile NAME --port PORT [options]\n"
        "\n"
        "Serve a simulated instrument over Modbus TCP: the registers of device profile\n"
        "NAME (the same file the gateway reads), driven by a scenario timeline.\n"
        "\n"
        "  -p, --profile NAME      the device profile to serve: DIR/NAME.json\n"
        "  -d, --profile-dir DIR   where profiles live (default: %s,\n"
        "                          or %s when that is missing)\n"
        "  -l, --listen ADDR       IPv4 address to listen on (default %s)\n"
        "  -P, --port PORT         TCP port; 0 picks a free one\n"
        "  -u, --unit N            Modbus unit id to answer, %d-%d (default %d); other\n"
        "                          unit ids get exception 0x0B, as behind a converter\n"
        "  -s, --scenario FILE     JSON timeline of values (see docs/simulators.md);\n"
        "                          without one every point rests at 0 or its nearest valid value\n"
        "  -x, --speed X           play the scenario X times faster (default 1)\n"
        "  -L, --loop              start the scenario again at its end (needs \"duration_s\")\n"
        "  -c, --check             load the profile and scenario, report problems, and exit\n"
        "  -q, --quiet             log only warnings and errors\n"
        "  -h, --help              this text;  -V, --version  the version\n"
        "\n"
        "Once listening it prints exactly one line on stdout:\n"
        "  riskgw-sim: listening on ADDR:PORT profile NAME unit N\n"
        "and serves until SIGINT, SIGTERM or 'quit'. After a scenario ends (without\n"
        "--loop) every point holds its last value. Logs go to stderr.\n"
        "\n"
        "Control lines on stdin, one per line (end of input is fine: serving goes on):\n"
        "  set POINT VALUE   hold POINT at VALUE (engineering units)\n"
        "  fault POINT       serve POINT's sensor-fault signal (2 mA on a 4-20 mA loop,\n"
        "                    else a value outside its plausible range)\n"
        "  recover POINT     hand POINT back to the scenario\n"
        "  show              print every point's value on stderr\n"
        "  quit              stop\n"
        "\n"
        "Exit status: 0 stopped cleanly, 1 could not start, 2 bad command line.\n",
        SIM_SOURCE_PROFILE_DIR, SIM_INSTALLED_PROFILE_DIR, SIM_DEFAULT_LISTEN, SIM_UNIT_MIN,
        SIM_UNIT_MAX, SIM_DEFAULT_UNIT);
}

static int bad_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int bad_usage(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "riskgw-sim: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'riskgw-sim --help'.\n");
    va_end(ap);
    return -1;
}

/* 0 to run, 1 when --help/--version was answered, -1 on a bad command line. */
static int parse_options(int argc, char **argv, struct sim_options *o)
{
    static const struct option longopts[] = {
        {"profile", required_argument, NULL, 'p'}, {"profile-dir", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},  {"port", required_argument, NULL, 'P'},
        {"unit", required_argument, NULL, 'u'},    {"scenario", required_argument, NULL, 's'},
        {"speed", required_argument, NULL, 'x'},   {"loop", no_argument, NULL, 'L'},
        {"check", no_argument, NULL, 'c'},         {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},          {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    *o = (struct sim_options){.listen = SIM_DEFAULT_LISTEN, .port = -1, .unit = SIM_DEFAULT_UNIT,
                              .speed = 1.0};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":p:d:l:P:u:s:x:LcqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': o->profile = optarg; break;
        case 'd': o->profile_dir = optarg; break;
        case 'l': o->listen = optarg; break;
        case 's': o->scenario = optarg; break;
        case 'L': o->loop = 1; break;
        case 'c': o->check = 1; break;
        case 'q': o->quiet = 1; break;
        case 'P':
            if (sim_text_long(optarg, 0, SIM_PORT_MAX, &o->port) < 0)
                return bad_usage("--port %s: expected a TCP port, 0 to 65535 (0 picks a free one)", optarg);
            break;
        case 'u':
            if (sim_text_long(optarg, SIM_UNIT_MIN, SIM_UNIT_MAX, &o->unit) < 0)
                return bad_usage("--unit %s: expected a Modbus unit id, 1 to 255", optarg);
            break;
        case 'x':
            if (sim_text_double(optarg, &o->speed) < 0 || !(o->speed > 0) || o->speed > SIM_SPEED_MAX)
                return bad_usage("--speed %s: expected a factor above 0 and at most 10000, such as 10", optarg);
            break;
        case 'h': usage(stdout); return 1;
        case 'V': printf("riskgw-sim %s\n", RISKGW_VERSION); return 1;
        case ':': return bad_usage("%s needs a value", argv[optind - 1]);
        default: return bad_usage("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return bad_usage("unexpected argument \"%s\"; every setting is an option", argv[optind]);
    if (!o->profile)
        return bad_usage("name the device profile to serve with --profile NAME (e.g. gas_lel)");
    if (o->port < 0 && !o->check)
        return bad_usage("name the TCP port with --port PORT (0 picks a free one)");
    return 0;
}

static const char *default_profile_dir(void)
{
    struct stat st;
    if (stat(SIM_SOURCE_PROFILE_DIR, &st) == 0 && S_ISDIR(st.st_mode))
        return SIM_SOURCE_PROFILE_DIR;
    return SIM_INSTALLED_PROFILE_DIR;
}

/* Everything the simulator holds while it runs. */
struct sim_run {
    struct profile *pf;
    struct sim_scenario *sc;
    struct sim_device *dev;
    struct sim_server *srv;
};

static void run_free(struct sim_run *r)
{
    sim_server_close(r->srv);
    sim_device_free(r->dev);
    sim_scenario_free(r->sc);
    profile_free(r->pf);
}

/* Load profile and scenario and build the device. -1 after saying why. */
static int load_device(const struct sim_options *o, struct sim_run *r)
{
    struct cfg_err err;
    const char *dir = o->profile_dir ? o->profile_dir : default_profile_dir();
    if (!(r->pf = profile_load(dir, o->profile, &err))) {
        log_error("%s (look elsewhere with --profile-dir DIR)", err.msg);
        return -1;
    }
    if (o->scenario && (!(r->sc = sim_scenario_load(o->scenario, &err)) ||
                        (o->loop && sim_scenario_set_loop(r->sc, &err) < 0))) {
        log_error("%s", err.msg);
        return -1;
    }
    if (!(r->dev = sim_device_new(r->pf, (uint8_t)o->unit, r->sc, &err))) {
        log_error("%s", err.msg);
        return -1;
    }
    return 0;
}

static int start_server(const struct sim_options *o, struct sim_run *r)
{
    struct cfg_err err;
    if (!(r->srv = sim_server_open(o->listen, (uint16_t)o->port, &err)) ||
        sim_server_add(r->srv, r->dev, &err) < 0) {
        log_error("%s", err.msg);
        return -1;
    }
    printf("riskgw-sim: listening on %s:%u profile %s unit %ld\n", sim_server_host(r->srv),
           sim_server_port(r->srv), r->pf->name, o->unit);
    fflush(stdout);
    if (r->sc)
        log_info("playing scenario %s (%s) at speed %g%s", r->sc->name, r->sc->origin, o->speed,
                 r->sc->loop ? ", looping" : "");
    return 0;
}

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;          /* no SA_RESTART: poll() returns EINTR at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);      /* a client gone mid-reply is an error, not a death */
    sigaction(SIGTTIN, &sa, NULL);      /* started with & from a terminal: stdin read fails, no stop */
}

/* Serve until a signal or "quit". Returns the exit code. */
static int serve(const struct sim_options *o, struct sim_run *r)
{
    struct pollfd fds[1 + SIM_SERVER_POLLFDS];
    struct sim_input in;
    int64_t start_ms = clock_mono_ms();
    sim_input_init(&in, STDIN_FILENO);
    while (!stop_signal) {
        size_t base = 0;
        if (in.open)
            fds[base++] = (struct pollfd){.fd = in.fd, .events = POLLIN};
        size_t n = base + sim_server_pollfds(r->srv, fds + base);
        int ready = poll(fds, n, SIM_TICK_MS);
        if (ready < 0 && errno != EINTR) {
            log_error("waiting for requests failed: %s; stopping", strerror(errno));
            return EXIT_START;
        }
        double elapsed_s = (double)(clock_mono_ms() - start_ms) / MS_PER_S * o->speed;
        if (ready > 0 && base && (fds[0].revents & (POLLIN | POLLHUP | POLLERR | POLLNVAL))) {
            if (fds[0].revents & POLLNVAL)
                in.open = 0;
            else if (sim_input_read(&in, r->dev, stderr) == SIM_CTL_QUIT) {
                log_info("stopping: 'quit' on the control input");
                return EXIT_OK;
            }
        }
        sim_device_update(r->dev, elapsed_s);
        if (ready > 0)
            sim_server_handle(r->srv, fds + base, n - base, elapsed_s);
    }
    log_info("stopping on %s", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    return EXIT_OK;
}

int main(int argc, char **argv)
{
    struct sim_options o;
    struct sim_run r = {0};
    log_set_program("riskgw-sim");
    int rc = parse_options(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    if (o.quiet || o.check)
        log_set_level(LOG_LVL_WARN);
    install_signals();
    if (load_device(&o, &r) < 0) {
        rc = EXIT_START;
    } else if (o.check) {
        fprintf(stderr, "riskgw-sim: profile %s (%zu points)%s%s: OK\n", r.pf->name, r.pf->npoints,
                r.sc ? " and scenario " : "", r.sc ? r.sc->origin : "");
        rc = EXIT_OK;
    } else {
        rc = start_server(&o, &r) < 0 ? EXIT_START : serve(&o, &r);
    }
    run_free(&r);
    return rc;
}
