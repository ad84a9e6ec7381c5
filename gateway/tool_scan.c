/*
 * tool_scan.c - `riskgw scan`: which unit ids answer on a bus, and at what settings.
 *
 * A technician on a new site rarely knows every instrument's address, and on a
 * serial line not even its baud rate and parity. scan sends one small read to
 * every unit id in a range: on Modbus TCP at the one endpoint, on a serial line at
 * every baud rate and parity asked for. Any answer counts, an exception too (the
 * unit is there, it just has nothing at that register), except a converter's
 * "gateway target failed to respond" (0x0B) or "path unavailable" (0x0A), which
 * say that nothing is behind it at that id. Per-probe timeouts are short, so the
 * whole range 1..247 takes seconds on TCP and about a minute per setting at the
 * slowest baud rates.
 */
#include "tool.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "pdu.h"
#include "poller_modbus.h"
#include "tool_bus.h"

#define UNIT_MAX 247                /* highest unit id on a serial line (and the usual range on TCP) */
#define TCP_UNIT_MAX 255
#define DEFAULT_TCP_PORT 502
#define DEFAULT_TCP_TIMEOUT_MS 300
#define TIMEOUT_MAX_MS 10000
#define TURNAROUND_MS 100           /* a slow device's time to start its reply */
#define PROBE_REQUEST_CHARS 8       /* an RTU read request */
#define PROBE_REPLY_CHARS 7         /* the reply to a read of one register */
#define BITS_PER_CHAR 11            /* Modbus RTU: start, 8 data, parity or stop, stop */
#define T35_CHARS 3.5
#define MS_PER_S 1000.0
#define US_PER_MS 1000
#define MAX_BAUDS 16
#define MAX_PARITIES 3
#define ANSWER_MAX 96
#define SETTING_MAX 32
#define LIST_ITEM_MAX 32
#define BAUD_LO 300
#define BAUD_HI 4000000

static const long default_bauds[] = {9600, 19200, 38400, 115200, 4800, 2400};
static const char default_parities[] = "NEO";

struct scan_opts {
    const char *target;
    int is_serial;
    char host[TEXT_MAX];
    uint16_t port;
    unsigned char units[TCP_UNIT_MAX + 1];  /* 1: probe this unit id */
    long bauds[MAX_BAUDS];
    size_t nbauds;
    char parities[MAX_PARITIES + 1];
    long timeout_ms;                        /* 0: automatic */
    struct poll_request probe;
    int rs485, first;
};

struct scan_hit {
    int unit;
    char setting[SETTING_MAX];
    char answer[ANSWER_MAX];
};

struct scan_hits {
    struct scan_hit *v;
    size_t n, cap;
};

static void scan_usage(FILE *out)
{
    fprintf(out,
            "usage: riskgw scan HOST[:PORT] | DEVICE [options]\n"
            "Find the Modbus unit ids that answer on a bus, and at what settings.\n\n"
            "  HOST[:PORT]            Modbus TCP endpoint (a device or a TCP-to-RTU converter), port 502\n"
            "  DEVICE                 a serial line (/dev/ttyUSB0): every baud rate and parity is tried\n"
            "  -u, --units LIST       unit ids to try, like 1-247 or 1,5,10-20 (default 1-247)\n"
            "  -b, --baud LIST        baud rates (default 9600,19200,38400,115200,4800,2400)\n"
            "  -y, --parity LIST      parities, of N, E, O (default N,E,O; N uses 2 stop bits)\n"
            "  -t, --timeout MS       wait per probe (default %d on TCP; on a serial line the\n"
            "                         probe's frame time at each baud rate + %d ms)\n"
            "  -r, --register AREA:N  what each probe reads (default holding:0)\n"
            "      --rs485            ask the kernel for RS-485 mode on the serial line\n"
            "  -f, --first            stop after the first setting at which any unit answers\n"
            "Exit status: 0 some unit answered, 1 none did, 2 usage.\n",
            DEFAULT_TCP_TIMEOUT_MS, TURNAROUND_MS);
}

/* ---- options ---- */

/* Parse "1-10,20" into mark[lo..hi]; -1 with a sentence on stderr. */
static int scan_parse_range(const char *text, long lo, long hi, unsigned char *mark, const char *what)
{
    char item[LIST_ITEM_MAX];
    const char *p = text;
    int any = 0;
    while (*p) {
        size_t n = strcspn(p, ",");
        snprintf(item, sizeof item, "%.*s", (int)n, p);
        char *end;
        long a = strtol(item, &end, 10), b = a;
        if (*end == '-')
            b = strtol(end + 1, &end, 10);
        if (n == 0 || n >= sizeof item || *end || a < lo || b > hi || a > b) {
            fprintf(stderr, "riskgw scan: %s \"%s\": expected numbers or ranges from %ld to %ld, "
                    "like %ld-%ld or 1,5,10-20\n", what, text, lo, hi, lo, hi);
            return -1;
        }
        for (long u = a; u <= b; u++)
            mark[u] = 1;
        any = 1;
        p += n + (p[n] == ',');
    }
    if (!any)
        fprintf(stderr, "riskgw scan: %s: the list is empty\n", what);
    return any ? 0 : -1;
}

static int scan_parse_bauds(const char *text, struct scan_opts *o)
{
    const char *p = text;
    o->nbauds = 0;
    while (*p) {
        char *end;
        long b = strtol(p, &end, 10);
        if (end == p || (*end && *end != ',') || b < BAUD_LO || b > BAUD_HI || o->nbauds == MAX_BAUDS) {
            fprintf(stderr, "riskgw scan: --baud \"%s\": expected up to %d baud rates from %d to %d, "
                    "like 9600,19200\n", text, MAX_BAUDS, BAUD_LO, BAUD_HI);
            return -1;
        }
        o->bauds[o->nbauds++] = b;
        p = *end ? end + 1 : end;
    }
    return o->nbauds ? 0 : -1;
}

static int scan_parse_parities(const char *text, struct scan_opts *o)
{
    size_t n = 0;
    o->parities[0] = '\0';
    for (const char *p = text; *p; p++) {
        if (*p == ',')
            continue;
        char c = (char)(*p == 'n' ? 'N' : *p == 'e' ? 'E' : *p == 'o' ? 'O' : *p);
        if (!strchr(default_parities, c) || n == MAX_PARITIES || strchr(o->parities, c)) {
            fprintf(stderr, "riskgw scan: --parity \"%s\": expected N, E and/or O, like N,E\n", text);
            return -1;
        }
        o->parities[n++] = c;
        o->parities[n] = '\0';
    }
    return n ? 0 : -1;
}

static int scan_parse_register(const char *text, struct poll_request *probe)
{
    const char *colon = strchr(text, ':');
    char *end = NULL;
    unsigned long address = colon ? strtoul(colon + 1, &end, 10) : 0;
    if (colon && end != colon + 1 && !*end && address <= UINT16_MAX)
        for (int a = 0; a < POINT_AREA_COUNT; a++)
            if (strlen(point_area_names[a]) == (size_t)(colon - text) &&
                strncmp(point_area_names[a], text, (size_t)(colon - text)) == 0) {
                *probe = (struct poll_request){.area = (enum reg_area)a, .start = (uint16_t)address, .count = 1};
                return 0;
            }
    fprintf(stderr, "riskgw scan: --register \"%s\": expected AREA:ADDRESS, AREA one of coil, "
            "discrete, holding, input (holding:0)\n", text);
    return -1;
}

/* HOST[:PORT] or a path. */
static int scan_parse_target(struct scan_opts *o)
{
    o->is_serial = o->target[0] == '/';
    if (o->is_serial)
        return 0;
    const char *colon = strrchr(o->target, ':');
    size_t hostlen = colon ? (size_t)(colon - o->target) : strlen(o->target);
    long port = DEFAULT_TCP_PORT;
    char *end = NULL;
    if (colon)
        port = strtol(colon + 1, &end, 10);
    if (hostlen == 0 || hostlen >= sizeof o->host || port < 1 || port > UINT16_MAX ||
        (colon && *end)) {
        fprintf(stderr, "riskgw scan: \"%s\": expected HOST[:PORT] (192.168.1.20:502) or a serial "
                "device (/dev/ttyUSB0)\n", o->target);
        return -1;
    }
    snprintf(o->host, sizeof o->host, "%.*s", (int)hostlen, o->target);
    o->port = (uint16_t)port;
    return 0;
}

static int scan_options(int argc, char **argv, struct scan_opts *o)
{
    enum { OPT_RS485 = 256 };
    static const struct option opts[] = {
        {"units", required_argument, NULL, 'u'}, {"baud", required_argument, NULL, 'b'},
        {"parity", required_argument, NULL, 'y'}, {"timeout", required_argument, NULL, 't'},
        {"register", required_argument, NULL, 'r'}, {"rs485", no_argument, NULL, OPT_RS485},
        {"first", no_argument, NULL, 'f'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    const char *units = NULL;
    int opt;
    memset(o, 0, sizeof *o);
    memcpy(o->bauds, default_bauds, sizeof default_bauds);
    o->nbauds = sizeof default_bauds / sizeof default_bauds[0];
    snprintf(o->parities, sizeof o->parities, "%s", default_parities);
    o->probe = (struct poll_request){.area = AREA_HOLDING, .start = 0, .count = 1};
    optind = 1;
    while ((opt = getopt_long(argc, argv, "u:b:y:t:r:fh", opts, NULL)) != -1) {
        char *end;
        switch (opt) {
        case 'u': units = optarg; break;
        case 'b': if (scan_parse_bauds(optarg, o) < 0) return -1; break;
        case 'y': if (scan_parse_parities(optarg, o) < 0) return -1; break;
        case 't':
            o->timeout_ms = strtol(optarg, &end, 10);
            if (*end || o->timeout_ms < 1 || o->timeout_ms > TIMEOUT_MAX_MS) {
                fprintf(stderr, "riskgw scan: --timeout \"%s\": expected 1 to %d ms\n", optarg, TIMEOUT_MAX_MS);
                return -1;
            }
            break;
        case 'r': if (scan_parse_register(optarg, &o->probe) < 0) return -1; break;
        case OPT_RS485: o->rs485 = 1; break;
        case 'f': o->first = 1; break;
        case 'h': scan_usage(stdout); exit(TOOL_OK);
        default: scan_usage(stderr); return -1;
        }
    }
    if (optind != argc - 1) {
        scan_usage(stderr);
        return -1;
    }
    o->target = argv[optind];
    if (scan_parse_target(o) < 0)
        return -1;
    return scan_parse_range(units ? units : "1-247", 1, o->is_serial ? UNIT_MAX : TCP_UNIT_MAX,
                            o->units, "--units");
}

/* ---- probing ---- */

static long scan_rtu_timeout_ms(long baud)
{
    double char_ms = BITS_PER_CHAR * MS_PER_S / (double)baud;
    return (long)((PROBE_REQUEST_CHARS + PROBE_REPLY_CHARS + 2 * T35_CHARS) * char_ms) + 1 + TURNAROUND_MS;
}

static void scan_set_timeout(modbus_t *ctx, long ms)
{
    poller_modbus_set_timeout(ctx, ms);
    modbus_set_byte_timeout(ctx, 0, (uint32_t)(ms * US_PER_MS));
}

/* 1 and answer filled when unit answered the probe; 0 when nothing is there; -1 (said)
 * when the TCP connection went and cannot be made again. */
static int scan_probe(modbus_t *ctx, int unit, const struct scan_opts *o, char *answer, size_t cap,
                      unsigned *garbled)
{
    uint16_t word = 0;
    uint8_t bit = 0;
    struct modbus_result r;
    modbus_set_slave(ctx, unit);
    poller_modbus_read(ctx, &o->probe, &word, &bit, &r);
    const char *area = point_area_names[o->probe.area];
    switch (r.outcome) {
    case MODBUS_OK:
        if (o->probe.area == AREA_COIL || o->probe.area == AREA_DISCRETE)
            snprintf(answer, cap, "%s %u = %u", area, o->probe.start, bit);
        else
            snprintf(answer, cap, "%s %u = %u (0x%04X)", area, o->probe.start, word, word);
        return 1;
    case MODBUS_EXCEPTION:
        if (r.exception == MODBUS_EXCEPTION_GATEWAY_PATH || r.exception == MODBUS_EXCEPTION_GATEWAY_TARGET)
            return 0;               /* a converter says: nothing at this id */
        snprintf(answer, cap, "exception %u (%s) at %s %u", r.exception,
                 pdu_exception_name(r.exception), area, o->probe.start);
        return 1;
    case MODBUS_GARBLED:
        (*garbled)++;
        modbus_flush(ctx);
        return 0;
    case MODBUS_NO_REPLY:
        if (r.err == ETIMEDOUT || o->is_serial) {
            modbus_flush(ctx);
            return 0;
        }
        modbus_close(ctx);                  /* the connection went (a device that drops it): again */
        if (modbus_connect(ctx) == 0)
            return 0;
        fprintf(stderr, "\nriskgw scan: %s:%u closed the connection at unit %d (%s) and refuses a new "
                "one (%s); the scan stops here\n", o->host, o->port, unit, r.why, modbus_strerror(errno));
        return -1;
    }
    return 0;
}

static int scan_hit_add(struct scan_hits *h, int unit, const char *setting, const char *answer)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? 2 * h->cap : UNIT_MAX;
        struct scan_hit *v = realloc(h->v, cap * sizeof *v);
        if (!v) {
            fprintf(stderr, "riskgw scan: out of memory for the results\n");
            return -1;
        }
        h->v = v;
        h->cap = cap;
    }
    struct scan_hit *x = &h->v[h->n++];
    x->unit = unit;
    snprintf(x->setting, sizeof x->setting, "%s", setting);
    snprintf(x->answer, sizeof x->answer, "%s", answer);
    return 0;
}

/* Probe every unit at one setting; prints a line for it. Returns the units found, -1 on error. */
static int scan_setting(modbus_t *ctx, const char *setting, long timeout_ms, const struct scan_opts *o,
                        struct scan_hits *hits)
{
    char answer[ANSWER_MAX];
    unsigned garbled = 0;
    int found = 0;
    scan_set_timeout(ctx, timeout_ms);
    printf("%-14s", setting);
    fflush(stdout);
    for (int u = 1; u <= TCP_UNIT_MAX; u++) {
        int got = o->units[u] ? scan_probe(ctx, u, o, answer, sizeof answer, &garbled) : 0;
        if (got < 0)
            return -1;
        if (!got)
            continue;
        if (scan_hit_add(hits, u, setting, answer) < 0)
            return -1;
        printf("%s%d", found ? ", " : " units ", u);
        fflush(stdout);
        found++;
    }
    if (!found)
        printf(" nothing");
    if (garbled)
        printf(" (%u garbled replies: a device at other settings, or noise on the line)", garbled);
    printf("\n");
    return found;
}

static int scan_tcp(const struct scan_opts *o, struct scan_hits *hits)
{
    char err[TOOL_WHY_MAX];
    modbus_t *ctx = tool_bus_tcp(o->host, o->port, err, sizeof err);
    if (!ctx) {
        fprintf(stderr, "riskgw scan: %s\n", err);
        return -1;
    }
    long t = o->timeout_ms ? o->timeout_ms : DEFAULT_TCP_TIMEOUT_MS;
    printf("riskgw scan: %s:%u, timeout %ld ms per unit\n", o->host, o->port, t);
    int rc = scan_setting(ctx, "tcp", t, o, hits);
    tool_bus_close(ctx);
    return rc;
}

static int scan_serial(const struct scan_opts *o, struct scan_hits *hits)
{
    char err[TOOL_WHY_MAX], setting[SETTING_MAX];
    int total = 0;
    printf("riskgw scan: %s, %zu baud rates x %zu parities\n", o->target, o->nbauds, strlen(o->parities));
    for (size_t b = 0; b < o->nbauds; b++) {
        for (const char *p = o->parities; *p; p++) {
            struct bus_cfg line = {.baud = o->bauds[b], .parity = *p, .data_bits = 8,
                                   .stop_bits = tool_bus_stop_bits(*p), .rs485 = o->rs485};
            snprintf(line.device, sizeof line.device, "%s", o->target);
            modbus_t *ctx = tool_bus_rtu(&line, err, sizeof err);
            if (!ctx) {
                fprintf(stderr, "riskgw scan: %s\n", err);
                return -1;
            }
            snprintf(setting, sizeof setting, "%ld 8%c%d", line.baud, line.parity, line.stop_bits);
            long t = o->timeout_ms ? o->timeout_ms : scan_rtu_timeout_ms(line.baud);
            int found = scan_setting(ctx, setting, t, o, hits);
            tool_bus_close(ctx);
            if (found < 0)
                return -1;
            total += found;
            if (found && o->first)
                return total;
        }
    }
    return total;
}

int tool_scan_main(int argc, char **argv, const struct tool_env *env)
{
    struct scan_opts o;
    struct scan_hits hits = {0};
    (void)env;
    if (scan_options(argc, argv, &o) < 0)
        return TOOL_USAGE;
    int64_t t0 = clock_mono_ms();
    int found = o.is_serial ? scan_serial(&o, &hits) : scan_tcp(&o, &hits);
    if (found > 0) {
        printf("\n%-5s %-14s %s\n", "UNIT", "SETTINGS", "ANSWER");
        for (int u = 1; u <= TCP_UNIT_MAX; u++)
            for (size_t i = 0; i < hits.n; i++)
                if (hits.v[i].unit == u)
                    printf("%-5d %-14s %s\n", u, hits.v[i].setting, hits.v[i].answer);
    }
    if (found >= 0)
        printf("riskgw scan: %d answer%s in %.1f s\n", found, found == 1 ? "" : "s",
               (double)(clock_mono_ms() - t0) / MS_PER_S);
    free(hits.v);
    return found > 0 ? TOOL_OK : TOOL_FAILED;
}
