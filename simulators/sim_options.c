/*
 * sim_options.c - parse riskgw-sim's command line (see sim_options.h) and explain it.
 */
#include "sim_options.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "sim_text.h"

#define SIM_SOURCE_PROFILE_DIR RISKGW_SOURCE_DIR "/drivers/profiles"
#define SIM_INSTALLED_PROFILE_DIR "/usr/share/riskgw/profiles"
#define SIM_SOURCE_SCENARIO_DIR RISKGW_SOURCE_DIR "/simulators/scenarios"
#define SIM_INSTALLED_SCENARIO_DIR "/usr/share/riskgw/scenarios"
#define SIM_DEFAULT_LISTEN "127.0.0.1"
#define SIM_DEFAULT_UNIT 1
#define SIM_UNIT_MIN 1                  /* 0 is the broadcast address, never a device */
#define SIM_UNIT_MAX 255
#define SIM_PORT_MAX 65535
#define SIM_SPEED_MAX 10000.0
#define SIM_COUNT_MAX 10000
#define SIM_BAUD_MAX 4000000

static void usage(FILE *out)
{
    fprintf(out,
        "Usage: riskgw-sim --profile NAME (--port PORT | --rtu PATH | --rtu-pty) [options]\n"
        "       riskgw-sim --site FILE [options]\n"
        "       riskgw-sim --count N --base-port PORT --profile NAME [options]\n"
        "\n"
        "Serve simulated instruments over Modbus TCP and RTU: the registers of device\n"
        "profiles (the same files the gateway reads), driven by scenario timelines, with\n"
        "communication faults on demand.\n"
        "\n"
        "  -p, --profile NAME      the device profile to serve: DIR/NAME.json\n"
        "  -d, --profile-dir DIR   where profiles live (default: %s,\n"
        "                          or %s when that is missing)\n"
        "  -l, --listen ADDR       IPv4 address to listen on (default %s)\n"
        "  -P, --port PORT         TCP port; 0 picks a free one\n"
        "  -u, --unit N            Modbus unit id to answer, %d-%d (default %d); other\n"
        "                          unit ids get exception 0x0B, as behind a converter\n"
        "  -s, --scenario FILE     JSON timeline of values and faults (docs/simulators.md)\n"
        "  -S, --site FILE         serve every device a site file lists\n"
        "  -n, --count N           serve N devices of --profile, unit 1, on ports\n"
        "  -b, --base-port PORT    PORT .. PORT+N-1 (the benchmark's form)\n"
        "  -r, --rtu PATH          serve Modbus RTU on a serial device instead of TCP\n"
        "  -R, --rtu-pty           serve Modbus RTU on a new pseudo-terminal; prints its name\n"
        "  -B, --baud B            RTU baud rate (default %d); replies keep its bus timing\n"
        "  -Y, --parity N|E|O      RTU parity (default N, with two stop bits)\n"
        "  -C, --control PATH      also take control lines on a unix socket at PATH\n"
        "  -x, --speed X           play scenarios X times faster (default 1)\n"
        "  -L, --loop              start scenarios again at their end (needs \"duration_s\")\n"
        "  -c, --check             load profiles, scenarios and site, report problems, exit\n"
        "  -q, --quiet             log only warnings and errors\n"
        "  -h, --help              this text;  -V, --version  the version\n"
        "\n"
        "Once serving it prints where, on stdout:\n"
        "  riskgw-sim: listening on ADDR:PORT profile NAME unit N      (one device)\n"
        "  riskgw-sim: listening on ADDR:PORT units 1=gas1 7=meter7    (a site, per port)\n"
        "  riskgw-sim: listening on ADDR:P..Q (N devices)              (--count)\n"
        "  riskgw-sim: rtu on /dev/pts/N units 1=gas1                  (a serial line)\n"
        "and serves until SIGINT, SIGTERM or 'quit'. Logs go to stderr.\n"
        "\n"
        "Control lines on stdin (and --control), one per line; DEVICE is a device id and\n"
        "may be left out when there is one device:\n"
        "  [DEVICE] set POINT VALUE   hold POINT at VALUE (engineering units)\n"
        "  [DEVICE] fault POINT       serve POINT's sensor-fault signal (2 mA on a 4-20 mA loop,\n"
        "                             else a value outside its plausible range)\n"
        "  [DEVICE] recover POINT     hand POINT back to the scenario\n"
        "  [DEVICE] inject FAULT      noreply | late MS | exception CODE | crc | garbage |\n"
        "                             disconnect [S] | reset [S] | gap AREA START [COUNT]\n"
        "  [DEVICE] clear             end injected faults and gaps\n"
        "  [DEVICE] show              print points and faults on stderr\n"
        "  quit                       stop\n"
        "\n"
        "Exit status: 0 stopped cleanly, 1 could not start, 2 bad command line.\n",
        SIM_SOURCE_PROFILE_DIR, SIM_INSTALLED_PROFILE_DIR, SIM_DEFAULT_LISTEN, SIM_UNIT_MIN,
        SIM_UNIT_MAX, SIM_DEFAULT_UNIT, SIM_RTU_DEFAULT_BAUD);
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

/* The numeric options: their range and the sentence for a value outside it. */
static int parse_number(int c, const char *arg, struct sim_options *o)
{
    switch (c) {
    case 'P':
        return sim_text_long(arg, 0, SIM_PORT_MAX, &o->port) < 0
                   ? bad_usage("--port %s: expected a TCP port, 0 to 65535 (0 picks a free one)", arg) : 0;
    case 'u':
        return sim_text_long(arg, SIM_UNIT_MIN, SIM_UNIT_MAX, &o->unit) < 0
                   ? bad_usage("--unit %s: expected a Modbus unit id, 1 to 255", arg) : 0;
    case 'n':
        return sim_text_long(arg, 1, SIM_COUNT_MAX, &o->count) < 0
                   ? bad_usage("--count %s: expected a number of devices, 1 to %d", arg, SIM_COUNT_MAX) : 0;
    case 'b':
        return sim_text_long(arg, 1, SIM_PORT_MAX, &o->base_port) < 0
                   ? bad_usage("--base-port %s: expected a TCP port, 1 to 65535", arg) : 0;
    case 'B':
        return sim_text_long(arg, 1, SIM_BAUD_MAX, &o->rtu.baud) < 0
                   ? bad_usage("--baud %s: expected a baud rate such as 9600", arg) : 0;
    case 'x':
        return sim_text_double(arg, &o->speed) < 0 || !(o->speed > 0) || o->speed > SIM_SPEED_MAX
                   ? bad_usage("--speed %s: expected a factor above 0 and at most 10000, such as 10", arg) : 0;
    }
    return 0;
}

/* Do the options make one of the three forms? */
static int check_form(const struct sim_options *o)
{
    int rtu = o->rtu.pty || o->rtu.path[0];
    if (o->rtu.pty && o->rtu.path[0])
        return bad_usage("--rtu PATH and --rtu-pty exclude each other: the line is a device or a new pty");
    if (o->site && (o->profile || o->port >= 0 || o->count || o->scenario))
        return bad_usage("--site FILE describes every device; leave out --profile, --port, --count and --scenario");
    if (o->site)
        return 0;
    if (!o->profile)
        return bad_usage("name the device profile to serve with --profile NAME (e.g. gas_lel), or give --site FILE");
    if (o->count > 0 && (o->base_port <= 0 || o->port >= 0 || rtu))
        return bad_usage("--count N serves ports --base-port P to P+N-1; give --base-port, not --port or --rtu");
    if (o->count > 0 && o->base_port + o->count - 1 > SIM_PORT_MAX)
        return bad_usage("--base-port %ld with --count %ld runs past port 65535", o->base_port, o->count);
    if (o->count == 0 && o->base_port > 0)
        return bad_usage("--base-port goes with --count N");
    if (o->count == 0 && o->port < 0 && !rtu && !o->check)
        return bad_usage("name the TCP port with --port PORT (0 picks a free one), or serve RTU with --rtu PATH or --rtu-pty");
    if (o->count == 0 && o->port >= 0 && rtu)
        return bad_usage("one device is on TCP (--port) or on a serial line (--rtu), not both; use --site for both");
    return 0;
}

int sim_options_parse(int argc, char **argv, struct sim_options *o)
{
    static const struct option longopts[] = {
        {"profile", required_argument, NULL, 'p'}, {"profile-dir", required_argument, NULL, 'd'},
        {"listen", required_argument, NULL, 'l'},  {"port", required_argument, NULL, 'P'},
        {"unit", required_argument, NULL, 'u'},    {"scenario", required_argument, NULL, 's'},
        {"site", required_argument, NULL, 'S'},    {"count", required_argument, NULL, 'n'},
        {"base-port", required_argument, NULL, 'b'}, {"rtu", required_argument, NULL, 'r'},
        {"rtu-pty", no_argument, NULL, 'R'},       {"baud", required_argument, NULL, 'B'},
        {"parity", required_argument, NULL, 'Y'},  {"control", required_argument, NULL, 'C'},
        {"speed", required_argument, NULL, 'x'},   {"loop", no_argument, NULL, 'L'},
        {"check", no_argument, NULL, 'c'},         {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},          {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0}};
    memset(o, 0, sizeof *o);
    o->listen = SIM_DEFAULT_LISTEN;
    o->port = -1;
    o->unit = SIM_DEFAULT_UNIT;
    o->speed = 1.0;
    o->rtu.baud = SIM_RTU_DEFAULT_BAUD;
    o->rtu.parity = 'N';
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":p:d:l:P:u:s:S:n:b:r:RB:Y:C:x:LcqhV", longopts, NULL)) != -1) {
        switch (c) {
        case 'p': o->profile = optarg; break;
        case 'd': o->profile_dir = optarg; break;
        case 'l': o->listen = optarg; break;
        case 's': o->scenario = optarg; break;
        case 'S': o->site = optarg; break;
        case 'C': o->control = optarg; break;
        case 'R': o->rtu.pty = 1; break;
        case 'L': o->loop_scenarios = 1; break;
        case 'c': o->check = 1; break;
        case 'q': o->quiet = 1; break;
        case 'r':
            if (strlen(optarg) >= sizeof o->rtu.path)
                return bad_usage("--rtu: the path is longer than %zu characters", sizeof o->rtu.path - 1);
            strcpy(o->rtu.path, optarg);
            break;
        case 'Y':
            if (strlen(optarg) != 1 || !strchr("NEO", optarg[0]))
                return bad_usage("--parity %s: expected N (none), E (even) or O (odd)", optarg);
            o->rtu.parity = optarg[0];
            break;
        case 'P': case 'u': case 'n': case 'b': case 'B': case 'x':
            if (parse_number(c, optarg, o) < 0)
                return -1;
            break;
        case 'h': usage(stdout); return 1;
        case 'V': printf("riskgw-sim %s\n", RISKGW_VERSION); return 1;
        case ':': return bad_usage("%s needs a value", argv[optind - 1]);
        default: return bad_usage("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return bad_usage("unexpected argument \"%s\"; every setting is an option", argv[optind]);
    return check_form(o);
}

static int is_dir(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *sim_options_profile_dir(const struct sim_options *o)
{
    if (o->profile_dir)
        return o->profile_dir;
    return is_dir(SIM_SOURCE_PROFILE_DIR) ? SIM_SOURCE_PROFILE_DIR : SIM_INSTALLED_PROFILE_DIR;
}

const char *sim_options_scenario_dir(void)
{
    return is_dir(SIM_SOURCE_SCENARIO_DIR) ? SIM_SOURCE_SCENARIO_DIR : SIM_INSTALLED_SCENARIO_DIR;
}
