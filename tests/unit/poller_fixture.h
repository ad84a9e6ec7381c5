/*
 * poller_fixture.h - a hand-built site config and a sample sink for the poller tests.
 *
 * The poller tests do not depend on the config loader: they build a struct config
 * directly (devices with their points, one RTU bus), start the real pollers on it,
 * and collect every sample the pollers push for a while, so that checks can count
 * samples per point and quality afterwards.
 */
#ifndef RISKGW_POLLER_FIXTURE_H
#define RISKGW_POLLER_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "config.h"
#include "poller.h"
#include "queue.h"
#include "sample.h"

#define FX_QUEUE_CAPACITY 65536
#define FX_POP_BATCH 256
#define FX_POP_EVERY_MS 10
#define US_PER_MS 1000

struct fixture {
    struct config cfg;
    char (*ids)[ID_MAX];                /* ids[i] is devices[i].id */
    struct point_cfg *defs;             /* defs[i] is points[i]'s own, for tests to change;
                                           cfg.defs.def[i] points at it */
    struct bus_cfg bus;
    struct doorbell bell;
    struct queue q;
    struct queue *results;              /* write results, when a test writes (else NULL) */
    struct sample *got;
    size_t ngot, cap;
    int64_t t0;                         /* monotonic time of fx_start */
};

static inline void fx_init(struct fixture *f, size_t max_devices, size_t max_points)
{
    memset(f, 0, sizeof *f);
    f->cfg.devices = calloc(max_devices, sizeof *f->cfg.devices);
    f->ids = calloc(max_devices, sizeof *f->ids);
    f->cfg.points = calloc(max_points, sizeof *f->cfg.points);
    f->defs = calloc(max_points, sizeof *f->defs);
    f->cfg.defs.def = calloc(max_points, sizeof *f->cfg.defs.def);
    f->cfg.buses = &f->bus;
    doorbell_open(&f->bell);
    queue_init(&f->q, sizeof(struct sample), FX_QUEUE_CAPACITY, &f->bell);
    f->cap = FX_QUEUE_CAPACITY;
    f->got = calloc(f->cap, sizeof *f->got);
}

static inline void fx_free(struct fixture *f)
{
    queue_destroy(&f->q);
    doorbell_close(&f->bell);
    free(f->cfg.devices);
    free(f->ids);
    free(f->cfg.points);
    free(f->defs);
    free(f->cfg.defs.def);
    free(f->got);
}

/* A device with quick, test-sized timings; its points follow with fx_point. */
static inline struct device_cfg *fx_device(struct fixture *f, const char *id, enum bus_kind kind,
                                    uint16_t port, uint8_t unit)
{
    char *kept = f->ids[f->cfg.ndevices];
    struct device_cfg *d = &f->cfg.devices[f->cfg.ndevices++];
    snprintf(kept, ID_MAX, "%s", id);
    d->id = kept;
    d->kind = kind;
    d->bus = 0;
    d->host = "127.0.0.1";
    d->profile = "";
    d->port = port;
    d->unit = unit;
    d->interval_ms = 100;
    d->timeout_ms = 150;
    d->retries = 1;
    d->comm_fail_ms = 500;
    d->backoff_after = 2;
    d->backoff_ms = 5000;
    d->limits = (struct batch_limits){ .max_registers = MODBUS_MAX_READ_REGISTERS,
                                       .max_bits = MODBUS_MAX_READ_BITS, .max_gap = 10 };
    d->first_point = f->cfg.npoints;
    return d;
}

/* A point of the last device added. Returns its index in config->points. */
static inline size_t fx_point(struct fixture *f, enum reg_area area, uint16_t address,
                       enum value_type type)
{
    size_t i = f->cfg.npoints++;
    struct point_cfg *p = &f->defs[i];
    snprintf(p->id, sizeof p->id, "p%zu", i);
    p->map = (struct point_map){ .area = area, .address = address, .type = type,
                                 .order = ORDER_ABCD, .bit = -1, .scale = 1.0,
                                 .signal = SIGNAL_DIRECT, .plausible_lo = 1, .plausible_hi = 0 };
    f->cfg.defs.def[i] = p;
    f->cfg.defs.n = i + 1;
    f->cfg.points[i] = (struct site_point){ .def_index = (uint32_t)i, .device = f->cfg.ndevices - 1 };
    f->cfg.devices[f->cfg.ndevices - 1].npoints++;
    return i;
}

/* A point of the last device added with the same definition as point `like` (as
 * devices of one profile share theirs). Returns its index in config->points. */
static inline size_t fx_point_like(struct fixture *f, size_t like)
{
    size_t i = f->cfg.npoints++;
    f->cfg.points[i] = (struct site_point){ .def_index = f->cfg.points[like].def_index,
                                            .device = f->cfg.ndevices - 1 };
    f->cfg.devices[f->cfg.ndevices - 1].npoints++;
    return i;
}

static inline void fx_rtu_bus(struct fixture *f, const char *path, long pause_ms)
{
    snprintf(f->bus.id, sizeof f->bus.id, "bus1");
    snprintf(f->bus.device, sizeof f->bus.device, "%s", path);
    f->bus.baud = 9600;
    f->bus.parity = 'N';
    f->bus.data_bits = 8;
    f->bus.stop_bits = 1;
    f->bus.pause_ms = pause_ms;
    f->cfg.nbuses = 1;
}

static inline struct pollers *fx_start(struct fixture *f)
{
    char err[256] = "";
    f->t0 = clock_mono_ms();
    struct pollers *p = pollers_start(&f->cfg, &f->q, f->results, err, sizeof err);
    if (!p)
        fprintf(stderr, "pollers_start failed: %s\n", err);
    return p;
}

/* Take in every sample pushed during the next ms milliseconds. */
static inline void fx_collect(struct fixture *f, long ms)
{
    int64_t end = clock_mono_ms() + ms;
    do {
        size_t room = f->cap - f->ngot;
        f->ngot += queue_pop(&f->q, f->got + f->ngot, room < FX_POP_BATCH ? room : FX_POP_BATCH);
        if (clock_mono_ms() < end)
            usleep(FX_POP_EVERY_MS * US_PER_MS);
    } while (clock_mono_ms() < end);
    f->ngot += queue_pop(&f->q, f->got + f->ngot, f->cap - f->ngot);
}

static inline size_t fx_count(const struct fixture *f, size_t point, enum quality q)
{
    size_t n = 0;
    for (size_t i = 0; i < f->ngot; i++)
        n += f->got[i].point == point && f->got[i].quality == q;
    return n;
}

static inline size_t fx_count_valued(const struct fixture *f, size_t point)
{
    size_t n = 0;
    for (size_t i = 0; i < f->ngot; i++)
        n += f->got[i].point == point && quality_has_value(f->got[i].quality);
    return n;
}

/* The last sample of a point, or NULL. */
static inline const struct sample *fx_last(const struct fixture *f, size_t point)
{
    for (size_t i = f->ngot; i-- > 0;)
        if (f->got[i].point == point)
            return &f->got[i];
    return NULL;
}

/* The first sample of a point with quality q, or NULL. */
static inline const struct sample *fx_first(const struct fixture *f, size_t point, enum quality q)
{
    for (size_t i = 0; i < f->ngot; i++)
        if (f->got[i].point == point && f->got[i].quality == q)
            return &f->got[i];
    return NULL;
}

/* 1 when some sample of point carried exactly this value. */
static inline int fx_saw_value(const struct fixture *f, size_t point, double value)
{
    for (size_t i = 0; i < f->ngot; i++)
        if (f->got[i].point == point && quality_has_value(f->got[i].quality) &&
            f->got[i].value == value)
            return 1;
    return 0;
}

#endif
