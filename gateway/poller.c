/*
 * poller.c - start and stop the poller threads for a config (see poller.h).
 *
 * Owns what the threads share: the poll_device array (one per config device,
 * indexed like config->devices, so stats are a plain lookup) and the stop
 * eventfd every thread waits on. Threads: one for all TCP devices if there are
 * any, one per RTU bus that has devices. A write goes to the inbox of the thread
 * that polls its device, found from the device's kind and bus (a device keeps
 * no pointer to it).
 */
#include "poller.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "poller_layout.h"
#include "poller_phase.h"
#include "poller_threads.h"
#include "poller_write.h"

#define MS_PER_S 1000
#define NS_PER_MS 1000000L
#define NS_PER_S 1000000000LL

struct pollers {
    const struct config *cfg;
    struct poll_device *devs;
    size_t ndevs, ninit;
    struct poll_layouts layouts;        /* what devices of one kind share */
    int stop_fd;
    struct tcp_poller *tcp;
    struct rtu_bus **buses;             /* indexed like config->buses; NULL: no devices */
};

/* Wait on stop_fd and bell_fd (a negative bell_fd is ignored) for *timeout, or
 * for ever when timeout is NULL; 1 when stop_fd is readable. */
static int wait_fds(int stop_fd, int bell_fd, const struct timespec *timeout)
{
    struct pollfd pfd[2] = {{.fd = stop_fd, .events = POLLIN}, {.fd = bell_fd, .events = POLLIN}};

    while (ppoll(pfd, 2, timeout, NULL) < 0)
        if (errno != EINTR)
            return 0;                   /* cannot wait: go on, the next loop retries */
    return (pfd[0].revents & POLLIN) != 0;
}

int poller_wait_stop(int stop_fd, long ms)
{
    struct timespec ts = {.tv_sec = ms / MS_PER_S, .tv_nsec = ms % MS_PER_S * NS_PER_MS};
    return wait_fds(stop_fd, -1, ms < 0 ? NULL : &ts);
}

int poller_wait_stop_until(int stop_fd, int bell_fd, int64_t deadline_ns)
{
    if (deadline_ns == POLL_NEVER)
        return wait_fds(stop_fd, bell_fd, NULL);
    int64_t left = poll_max(deadline_ns - clock_mono_ns(), 0);
    struct timespec ts = {.tv_sec = (time_t)(left / NS_PER_S), .tv_nsec = (long)(left % NS_PER_S)};
    return wait_fds(stop_fd, bell_fd, &ts);
}

static int check_devices(const struct config *cfg, size_t *ntcp, char *err, size_t errlen)
{
    *ntcp = 0;
    for (size_t i = 0; i < cfg->ndevices; i++) {
        const struct device_cfg *dc = &cfg->devices[i];
        if (dc->kind == BUS_TCP) {
            (*ntcp)++;
        } else if (dc->kind == BUS_VIRTUAL) {
            continue;                   /* combined rules: nothing on a wire to poll */
        } else if (dc->bus < 0 || (size_t)dc->bus >= cfg->nbuses) {
            snprintf(err, errlen, "device '%s' names RTU bus %d, but the config has %zu buses; "
                     "the config loader built an inconsistent config", dc->id, dc->bus,
                     cfg->nbuses);
            return -1;
        }
    }
    return 0;
}

static int bus_has_devices(const struct config *cfg, size_t bus)
{
    for (size_t i = 0; i < cfg->ndevices; i++)
        if (cfg->devices[i].kind == BUS_RTU && cfg->devices[i].bus == (int)bus)
            return 1;
    return 0;
}

static int start_threads(struct pollers *p, const struct config *cfg, size_t ntcp,
                         struct queue *samples, struct queue *write_results, char *err,
                         size_t errlen)
{
    if (ntcp && !(p->tcp = tcp_poller_start(p->devs, p->ndevs, p->stop_fd, samples,
                                            write_results, err, errlen)))
        return -1;
    p->buses = calloc(cfg->nbuses ? cfg->nbuses : 1, sizeof *p->buses);
    if (!p->buses) {
        snprintf(err, errlen, "out of memory for %zu RTU buses", cfg->nbuses);
        return -1;
    }
    for (size_t b = 0; b < cfg->nbuses; b++) {
        if (!bus_has_devices(cfg, b))
            continue;
        p->buses[b] = rtu_bus_start(cfg, b, p->devs, p->ndevs, p->stop_fd, samples,
                                    write_results, err, errlen);
        if (!p->buses[b])
            return -1;
    }
    return 0;
}

struct pollers *pollers_start(const struct config *cfg, struct queue *samples,
                              struct queue *write_results, char *err, size_t errlen)
{
    struct pollers *p = calloc(1, sizeof *p);
    size_t ntcp;
    long *phases = NULL;                /* per device (poller_phase.h) */
    int64_t t0 = clock_mono_ms();

    if (!p) {
        snprintf(err, errlen, "out of memory for the pollers");
        return NULL;
    }
    p->cfg = cfg;
    p->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    p->devs = calloc(cfg->ndevices ? cfg->ndevices : 1, sizeof *p->devs);
    p->ndevs = cfg->ndevices;
    if (p->stop_fd < 0 || !p->devs) {
        snprintf(err, errlen, "cannot set up the pollers: %s", strerror(errno));
        goto fail;
    }
    if (check_devices(cfg, &ntcp, err, errlen) < 0)
        goto fail;
    if (!(phases = poll_phases(cfg))) {
        snprintf(err, errlen, "out of memory for the poll schedule of %zu devices", cfg->ndevices);
        goto fail;
    }
    for (; p->ninit < cfg->ndevices; p->ninit++) {
        const struct device_cfg *dc = &cfg->devices[p->ninit];
        const struct poll_layout *layout = NULL;
        if (dc->kind == BUS_VIRTUAL)
            continue;                   /* combined rules: nothing to poll */
        if (dc->npoints && !(layout = poll_layouts_get(&p->layouts, cfg, p->ninit, err, errlen)))
            goto fail;
        if (poll_device_init(&p->devs[p->ninit], cfg, p->ninit, layout, t0, phases[p->ninit],
                             err, errlen) < 0)
            goto fail;
    }
    free(phases);
    phases = NULL;
    if (start_threads(p, cfg, ntcp, samples, write_results, err, errlen) < 0)
        goto fail;
    return p;
fail:
    free(phases);
    pollers_stop(p);
    return NULL;
}

void pollers_stop(struct pollers *p)
{
    uint64_t one = 1;

    if (!p)
        return;
    if (p->stop_fd >= 0 && write(p->stop_fd, &one, sizeof one) != sizeof one)
        log_error("Cannot signal the poller threads to stop (%s); waiting for them anyway.",
                  strerror(errno));
    tcp_poller_stop(p->tcp);
    for (size_t b = 0; p->buses && b < p->cfg->nbuses; b++)
        rtu_bus_stop(p->buses[b]);
    for (size_t i = 0; i < p->ninit; i++)
        poll_device_free(&p->devs[i]);
    poll_layouts_free(&p->layouts);
    if (p->stop_fd >= 0)
        close(p->stop_fd);
    free(p->buses);
    free(p->devs);
    free(p);
}

/* The writes inbox of the thread that polls device d, or NULL (not polled). */
static struct poll_writes *writes_of(const struct pollers *p, size_t d)
{
    const struct device_cfg *dc = &p->cfg->devices[d];

    if (!p->devs[d].cfg)
        return NULL;                    /* a virtual device: nothing on a wire */
    if (dc->kind == BUS_TCP)
        return p->tcp ? tcp_poller_writes(p->tcp) : NULL;
    if (dc->kind == BUS_RTU && p->buses && dc->bus >= 0 && (size_t)dc->bus < p->cfg->nbuses &&
        p->buses[dc->bus])
        return rtu_bus_writes(p->buses[dc->bus]);
    return NULL;
}

int pollers_write(struct pollers *p, const struct write_request *req, char *why, size_t whylen)
{
    struct poll_writes *w = p && req->device < p->ndevs ? writes_of(p, req->device) : NULL;

    if (!w) {
        snprintf(why, whylen, "device %s is not being polled, so nothing can write to it",
                 p && req->device < p->ndevs ? p->cfg->devices[req->device].id : "?");
        return -1;
    }
    return poll_writes_submit(w, req, why, whylen);
}

void pollers_device_stats(struct pollers *p, size_t d, struct device_stats *out)
{
    memset(out, 0, sizeof *out);
    if (p && d < p->ndevs)
        poll_device_stats(&p->devs[d], out);
}
