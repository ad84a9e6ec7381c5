/*
 * main.c - riskgw-sim: Modbus slaves acting out device profiles, scenarios and faults.
 *
 * Technicians commission a whole site against it, the benchmark serves 2,000
 * devices from it, and the fault tests make it misbehave on purpose. All of
 * them need the same things: a clear command line in three forms (one device,
 * a site file, N generated devices), machine-readable lines on stdout saying
 * where it listens, quiet logs on stderr, control lines on stdin or a socket,
 * and a clean exit 0 on SIGINT, SIGTERM or "quit".
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "sim_control_io.h"
#include "sim_options.h"
#include "sim_site.h"
#include "sim_transports.h"

#define SIM_TICK_MS 50                  /* scenario cues and segment logs follow this often */
#define SIM_WAIT_MS 1000                /* the longest sleep; signals cut it short */

enum exit_code { EXIT_OK = 0, EXIT_START = 1, EXIT_USAGE = 2 };

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static void install_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;          /* no SA_RESTART: epoll_wait returns EINTR at once */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);      /* a client gone mid-reply is an error, not a death */
    sigaction(SIGTTIN, &sa, NULL);      /* started with & from a terminal: stdin read fails, no stop */
}

/* The devices the command line describes, in one of its three forms. */
static int build_site(const struct sim_options *o, struct sim_site *s, struct cfg_err *err)
{
    char id[ID_MAX];
    struct sim_dev_spec spec = {.id = id, .profile = o->profile, .scenario = o->scenario,
                                .unit = o->unit};
    if (o->site)
        return sim_site_load(s, o->site, sim_options_scenario_dir(), err);
    if (o->count > 0) {
        for (long i = 0; i < o->count; i++) {
            snprintf(id, sizeof id, "dev%ld", i + 1);
            spec.port = o->base_port + i;
            if (!sim_site_add(s, &spec, err))
                return -1;
        }
        return 0;
    }
    snprintf(id, sizeof id, "%s", o->profile);
    spec.port = o->rtu.pty || o->rtu.path[0] ? SIM_PORT_RTU : o->port;
    return sim_site_add(s, &spec, err) ? 0 : -1;
}

/* The line(s) on stdout that tell a script where to connect. */
static void print_where(const struct sim_options *o, const struct sim_transports *t,
                        const struct sim_site *s)
{
    if (o->count > 0)
        printf("riskgw-sim: listening on %s:%ld..%ld (%ld devices)\n", o->listen, o->base_port,
               o->base_port + o->count - 1, o->count);
    else if (!o->site && t->nports == 1)
        printf("riskgw-sim: listening on %s:%u profile %s unit %ld\n", sim_tcp_host(t->ports[0]),
               sim_tcp_port_number(t->ports[0]), o->profile, o->unit);
    else
        sim_transports_print(t, s, stdout);
    fflush(stdout);
}

static void tick(struct sim_timer *t);

/* What runs while serving; the tick timer finds it again through its member. */
struct sim_run {
    struct sim_loop loop;
    struct sim_site *site;
    struct sim_transports transports;
    struct sim_control_io *control;
    struct sim_timer ticker;
};

static void tick(struct sim_timer *t)
{
    struct sim_run *r = SIM_CONTAINER_OF(t, struct sim_run, ticker);
    double elapsed = sim_loop_elapsed_s(&r->loop);
    for (size_t i = 0; i < r->site->ndevs; i++)
        sim_device_advance(r->site->devs[i].dev, elapsed);
    sim_timer_start(&r->loop, t, sim_now_ns() + SIM_TICK_MS * SIM_NS_PER_MS, tick);
}

/* Serve until a signal or "quit". Returns the exit code. */
static int serve(struct sim_run *r)
{
    tick(&r->ticker);
    while (!stop_signal && !sim_control_io_quit(r->control)) {
        if (sim_loop_run_once(&r->loop, SIM_WAIT_MS) < 0 && errno != EINTR) {
            log_error("waiting for requests failed: %s; stopping", strerror(errno));
            return EXIT_START;
        }
    }
    if (stop_signal)
        log_info("stopping on %s", stop_signal == SIGINT ? "SIGINT" : "SIGTERM");
    return EXIT_OK;
}

static void report_check(const struct sim_options *o, const struct sim_site *s)
{
    if (!o->site && o->count == 0) {
        const struct profile *pf = sim_device_profile(s->devs[0].dev);
        fprintf(stderr, "riskgw-sim: profile %s (%zu points)%s%s: OK\n", pf->name, pf->npoints,
                o->scenario ? " and scenario " : "", o->scenario ? o->scenario : "");
    } else {
        fprintf(stderr, "riskgw-sim: %s%s: %zu devices, %zu profiles, %zu scenarios: OK\n",
                o->site ? "site " : "generated site", o->site ? o->site : "", s->ndevs,
                s->nprofiles, s->nscenarios);
    }
}

static int start(const struct sim_options *o, struct sim_run *r)
{
    struct cfg_err err = {{0}};
    const struct sim_rtu_cfg *rtu = o->rtu.pty || o->rtu.path[0] ? &o->rtu : NULL;
    if (!(r->site = sim_site_new(sim_options_profile_dir(o), o->loop_scenarios, &err)) ||
        build_site(o, r->site, &err) < 0) {
        log_error("%s", err.msg);
        return -1;
    }
    if (o->check) {
        report_check(o, r->site);
        return 1;
    }
    if (!rtu && r->site->has_rtu)
        rtu = &r->site->rtu;
    if (sim_loop_init(&r->loop, o->speed, &err) < 0 ||
        sim_transports_open(&r->transports, &r->loop, r->site, o->listen, rtu, &err) < 0 ||
        !(r->control = sim_control_io_open(&r->loop, r->site, o->control, &err))) {
        log_error("%s", err.msg);
        return -1;
    }
    print_where(o, &r->transports, r->site);
    log_info("serving %zu device(s) on %zu port(s)%s at speed %g", r->site->ndevs,
             r->transports.nports, r->transports.rtu ? " and a serial line" : "", o->speed);
    return 0;
}

int main(int argc, char **argv)
{
    struct sim_options o;
    struct sim_run r;
    memset(&r, 0, sizeof r);
    r.loop.epfd = r.loop.clock.fd = -1;
    log_set_program("riskgw-sim");
    int rc = sim_options_parse(argc, argv, &o);
    if (rc != 0)
        return rc > 0 ? EXIT_OK : EXIT_USAGE;
    if (o.quiet || o.check)
        log_set_level(LOG_LVL_WARN);
    install_signals();
    rc = start(&o, &r);
    if (rc == 0)
        rc = serve(&r);
    else
        rc = rc > 0 ? EXIT_OK : EXIT_START;
    sim_control_io_close(r.control);
    sim_transports_close(&r.transports);
    sim_timer_cancel(&r.loop, &r.ticker);
    sim_loop_close(&r.loop);
    sim_site_free(r.site);
    return rc;
}
