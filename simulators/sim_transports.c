/*
 * sim_transports.c - from a site's devices to listening ports and a serial line.
 */
#include "sim_transports.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "log.h"

#define PORT_NUMBERS 65536
#define FD_RESERVE 64               /* stdin/out/err, epoll, timerfd, control, logs, slack */
#define ON_THE_LINE (-1L)

/* Raise the soft descriptor limit for nports listeners and a client each. */
static int raise_fd_limit(size_t nports, struct cfg_err *err)
{
    struct rlimit rl;
    rlim_t need = (rlim_t)nports + FD_RESERVE, want = 2 * (rlim_t)nports + FD_RESERVE;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return cfg_fail(err, NULL, "cannot read the descriptor limit: %s", strerror(errno));
    if (rl.rlim_cur >= want)
        return 0;
    if (rl.rlim_max < need)
        return cfg_fail(err, NULL, "%zu ports need at least %lu open descriptors, but the hard limit "
                        "(RLIMIT_NOFILE) is %lu; raise it (ulimit -Hn, or LimitNOFILE= in a systemd "
                        "unit) or serve fewer ports", nports, (unsigned long)need, (unsigned long)rl.rlim_max);
    rl.rlim_cur = rl.rlim_max < want ? rl.rlim_max : want;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
        return cfg_fail(err, NULL, "cannot raise the descriptor limit to %lu: %s",
                        (unsigned long)rl.rlim_cur, strerror(errno));
    if (rl.rlim_cur < want)
        log_warn("the descriptor limit %lu leaves fewer than one client per port for %zu ports",
                 (unsigned long)rl.rlim_cur, nports);
    return 0;
}

/* How many listeners the site needs: distinct non-zero ports, plus each port 0. */
static size_t count_ports(const struct sim_site *s, unsigned char *seen)
{
    size_t n = 0;
    for (size_t i = 0; i < s->ndevs; i++) {
        long port = s->devs[i].port;
        if (port == 0 || (port > 0 && !seen[port]++))
            n++;
    }
    return n;
}

static int open_ports(struct sim_transports *t, struct sim_loop *l, struct sim_site *s,
                      const char *host, struct cfg_err *err)
{
    long *index_of = malloc(PORT_NUMBERS * sizeof *index_of);
    if (!index_of)
        return cfg_fail(err, NULL, "out of memory for the port table");
    for (size_t p = 0; p < PORT_NUMBERS; p++)
        index_of[p] = -1;
    for (size_t i = 0; i < s->ndevs; i++) {
        long port = s->devs[i].port;
        if (port == SIM_PORT_RTU) {
            t->where[i] = ON_THE_LINE;
            continue;
        }
        if (port == 0 || index_of[port] < 0) {
            struct sim_tcp_port *tp = sim_tcp_open(l, host, (uint16_t)port, err);
            if (!tp) {
                free(index_of);
                return -1;
            }
            t->ports[t->nports] = tp;
            if (port > 0)
                index_of[port] = (long)t->nports;
            t->where[i] = (long)t->nports++;
        } else {
            t->where[i] = index_of[port];
        }
        if (sim_tcp_add(t->ports[t->where[i]], s->devs[i].dev, err) < 0) {
            free(index_of);
            return -1;
        }
    }
    free(index_of);
    return 0;
}

static int open_line(struct sim_transports *t, struct sim_loop *l, struct sim_site *s,
                     const struct sim_rtu_cfg *rtu, struct cfg_err *err)
{
    for (size_t i = 0; i < s->ndevs; i++) {
        if (t->where[i] != ON_THE_LINE)
            continue;
        if (!rtu)
            return cfg_fail(err, NULL, "device %s is on the serial line, but no line is given; add "
                            "--rtu PATH or --rtu-pty, or an \"rtu\" section to the site file", s->devs[i].id);
        if (!t->rtu && !(t->rtu = sim_rtu_open(l, rtu, err)))
            return -1;
        if (sim_rtu_add(t->rtu, s->devs[i].dev, err) < 0)
            return -1;
    }
    return 0;
}

int sim_transports_open(struct sim_transports *t, struct sim_loop *l, struct sim_site *s,
                        const char *host, const struct sim_rtu_cfg *rtu, struct cfg_err *err)
{
    unsigned char *seen = calloc(PORT_NUMBERS, 1);
    memset(t, 0, sizeof *t);
    if (!seen)
        return cfg_fail(err, NULL, "out of memory for the port table");
    size_t nports = count_ports(s, seen);
    free(seen);
    struct sim_tcp_port **ports = calloc(nports ? nports : 1, sizeof *ports);
    long *where = calloc(s->ndevs ? s->ndevs : 1, sizeof *where);
    if (!ports || !where) {         /* nothing is open yet: the tables are all there is */
        free(ports);
        free(where);
        return cfg_fail(err, NULL, "out of memory for %zu ports", nports);
    }
    t->ports = ports;
    t->where = where;
    if (raise_fd_limit(nports, err) < 0 || open_ports(t, l, s, host, err) < 0 ||
        open_line(t, l, s, rtu, err) < 0) {
        sim_transports_close(t);
        return -1;
    }
    return 0;
}

void sim_transports_close(struct sim_transports *t)
{
    for (size_t i = 0; i < t->nports; i++)
        sim_tcp_close(t->ports[i]);
    sim_rtu_close(t->rtu);
    free(t->ports);
    free(t->where);
    memset(t, 0, sizeof *t);
}

static void print_units(const struct sim_transports *t, const struct sim_site *s, long where, FILE *out)
{
    fprintf(out, " units");
    for (size_t i = 0; i < s->ndevs; i++)
        if (t->where[i] == where)
            fprintf(out, " %u=%s", sim_device_unit(s->devs[i].dev), s->devs[i].id);
    fputc('\n', out);
}

void sim_transports_print(const struct sim_transports *t, const struct sim_site *s, FILE *out)
{
    for (size_t k = 0; k < t->nports; k++) {
        fprintf(out, "riskgw-sim: listening on %s:%u", sim_tcp_host(t->ports[k]),
                sim_tcp_port_number(t->ports[k]));
        print_units(t, s, (long)k, out);
    }
    if (t->rtu) {
        fprintf(out, "riskgw-sim: rtu on %s", sim_rtu_name(t->rtu));
        print_units(t, s, ON_THE_LINE, out);
    }
}
