/*
 * tool_sweep.c - one reading of every point, straight from the bus (see tool_sweep.h).
 *
 * Devices sharing a TCP endpoint share one connection and devices on a serial bus
 * share its line, as in the daemon. A device that fails costs its timeout times
 * (1 + retries), then the sweep moves on: one dead instrument cannot hide the rest.
 */
#include "tool_sweep.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "batch.h"
#include "clock.h"
#include "decode.h"
#include "pdu.h"
#include "poller_modbus.h"
#include "tool_alarm_plan.h"
#include "tool_bus.h"

#define NS_PER_MS 1000000L
#define MS_PER_S 1000

/* One open connection: a TCP endpoint or a serial bus. */
struct sweep_link {
    enum bus_kind kind;
    const char *host;
    uint16_t port;
    int bus;
    modbus_t *ctx;
    char err[TOOL_WHY_MAX];         /* why it could not be opened */
};

struct sweep {
    const struct config *cfg;
    struct tool_sweep *out;
    struct sweep_link *links;
    size_t nlinks;
};

static void sweep_sleep_ms(long ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {.tv_sec = ms / MS_PER_S, .tv_nsec = ms % MS_PER_S * NS_PER_MS};
    nanosleep(&ts, NULL);
}

static void sweep_link_open(struct sweep_link *l, const struct config *cfg, const struct device_cfg *dc)
{
    if (dc->kind == BUS_TCP) {
        l->ctx = tool_bus_tcp(dc->host, dc->port, l->err, sizeof l->err);
        if (l->ctx)
            sweep_sleep_ms(dc->connect_pause_ms);
    } else {
        l->ctx = tool_bus_rtu(&cfg->buses[dc->bus], l->err, sizeof l->err);
    }
}

/* The link a device uses, opened on first use. */
static struct sweep_link *sweep_link_for(struct sweep *s, const struct device_cfg *dc)
{
    for (size_t i = 0; i < s->nlinks; i++) {
        struct sweep_link *l = &s->links[i];
        if (l->kind == dc->kind && (dc->kind == BUS_RTU ? l->bus == dc->bus
                                    : l->port == dc->port && strcmp(l->host, dc->host) == 0))
            return l;
    }
    struct sweep_link *l = &s->links[s->nlinks++];
    *l = (struct sweep_link){.kind = dc->kind, .host = dc->host, .port = dc->port, .bus = dc->bus};
    sweep_link_open(l, s->cfg, dc);
    return l;
}

/* ---- one device ---- */

static void sweep_decode(const struct batch_plan *plan, size_t b, const struct point_map *maps,
                         struct tool_reading *readings, const uint16_t *words, const uint8_t *bits)
{
    const struct batch_block *blk = &plan->blocks[b];
    for (size_t k = 0; k < blk->npoints; k++) {
        size_t i = plan->order[blk->first + k];
        const struct point_map *m = &maps[i];
        struct tool_reading *r = &readings[i];
        size_t off = (size_t)(m->address - blk->start);
        memset(r, 0, sizeof *r);
        r->read = 1;
        if (blk->area == AREA_COIL || blk->area == AREA_DISCRETE) {
            r->quality = decode_bit(m, bits[off], &r->value);
            r->raw[0] = bits[off];
            r->nraw = 1;
        } else {
            r->nraw = point_type_registers(m->type);
            memcpy(r->raw, words + off, (size_t)r->nraw * sizeof *words);
            r->quality = decode_registers(m, words + off, &r->value);
        }
    }
}

static int is_refusal(uint8_t code)
{
    return code == MODBUS_EXCEPTION_ILLEGAL_FUNCTION || code == MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS ||
           code == MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE;
}

/* Read one block with the device's retries; a refusal (exception 1-3) is final at once. */
static void sweep_read_block(modbus_t *ctx, const struct device_cfg *dc, long pause_ms,
                             const struct poll_request *req, uint16_t *words, uint8_t *bits,
                             struct modbus_result *r)
{
    int attempt = 0;
    do {
        poller_modbus_read(ctx, req, words, bits, r);
        sweep_sleep_ms(pause_ms);
        if (r->outcome == MODBUS_OK || (r->outcome == MODBUS_EXCEPTION && is_refusal(r->exception)))
            return;
        if (r->outcome != MODBUS_EXCEPTION)
            modbus_flush(ctx);      /* a late reply must not answer the next request */
    } while (attempt++ < dc->retries);
}

static void sweep_blocks(modbus_t *ctx, const struct device_cfg *dc, long pause_ms,
                         struct batch_plan *plan, const struct point_map *maps,
                         struct tool_reading *readings, struct tool_device_result *res)
{
    uint16_t words[MODBUS_MAX_READ_REGISTERS];
    uint8_t bits[MODBUS_MAX_READ_BITS];
    size_t b = 0;
    while (b < plan->nblocks) {
        const struct batch_block *blk = &plan->blocks[b];
        struct poll_request req = {.area = blk->area, .start = blk->start, .count = blk->count};
        struct modbus_result r;
        sweep_read_block(ctx, dc, pause_ms, &req, words, bits, &r);
        if (r.outcome == MODBUS_OK) {
            sweep_decode(plan, b++, maps, readings, words, bits);
        } else if (r.outcome == MODBUS_EXCEPTION && is_refusal(r.exception)) {
            if (blk->npoints > 1 && batch_plan_split(plan, b, maps) == 0)
                continue;           /* the two halves are read next, as the poller does */
            for (size_t k = 0; k < blk->npoints; k++)
                readings[plan->order[blk->first + k]].exception = r.exception;
            b++;
        } else {
            res->answered = 0;
            if (r.outcome == MODBUS_EXCEPTION)
                snprintf(res->why, sizeof res->why, "answers %s %u+%u only with exception %u (%s)",
                         point_area_names[req.area], req.start, req.count, r.exception,
                         pdu_exception_name(r.exception));
            else
                snprintf(res->why, sizeof res->why, "no answer to a read of %s %u+%u after %d tries: %s",
                         point_area_names[req.area], req.start, req.count, dc->retries + 1, r.why);
            return;
        }
    }
}

static void sweep_device(struct sweep *s, size_t d)
{
    const struct device_cfg *dc = &s->cfg->devices[d];
    struct tool_device_result *res = &s->out->devices[d];
    struct tool_reading *readings = s->out->points + dc->first_point;
    int64_t t0 = clock_mono_ms();
    if (dc->kind == BUS_VIRTUAL || dc->npoints == 0)
        return;
    res->polled = 1;
    struct sweep_link *l = sweep_link_for(s, dc);
    if (!l->ctx) {
        snprintf(res->why, sizeof res->why, "%s", l->err);
        return;
    }
    struct point_map *maps = calloc(dc->npoints, sizeof *maps);
    struct batch_plan plan = {0};
    if (!maps) {
        snprintf(res->why, sizeof res->why, "out of memory for its %zu points", dc->npoints);
        return;
    }
    for (size_t i = 0; i < dc->npoints; i++)
        maps[i] = config_point_def(s->cfg, dc->first_point + i)->map;
    if (batch_plan_build(&plan, maps, dc->npoints, &dc->limits) < 0) {
        snprintf(res->why, sizeof res->why, "cannot plan its reads: %s", plan.error);
    } else {
        long bus_pause = dc->kind == BUS_RTU ? s->cfg->buses[dc->bus].pause_ms : 0;
        modbus_set_slave(l->ctx, dc->unit);
        poller_modbus_set_timeout(l->ctx, dc->timeout_ms);
        res->answered = 1;
        sweep_blocks(l->ctx, dc, bus_pause > dc->pause_ms ? bus_pause : dc->pause_ms, &plan, maps,
                     readings, res);
        batch_plan_free(&plan);
        if (!res->answered && dc->kind == BUS_TCP) {
            tool_bus_close(l->ctx);         /* a dropped connection: the next device starts afresh */
            sweep_link_open(l, s->cfg, dc);
        }
    }
    free(maps);
    res->took_ms = (long)(clock_mono_ms() - t0);
}

int tool_sweep_run(const struct config *cfg, struct tool_sweep *out)
{
    struct sweep s = {.cfg = cfg, .out = out};
    memset(out, 0, sizeof *out);
    out->ts_ms = clock_wall_ms();
    out->points = calloc(cfg->npoints ? cfg->npoints : 1, sizeof *out->points);
    out->devices = calloc(cfg->ndevices ? cfg->ndevices : 1, sizeof *out->devices);
    s.links = calloc(cfg->ndevices ? cfg->ndevices : 1, sizeof *s.links);
    if (!out->points || !out->devices || !s.links) {
        fprintf(stderr, "riskgw: out of memory for a sweep of %zu points\n", cfg->npoints);
        free(s.links);
        tool_sweep_free(out);
        return -1;
    }
    for (size_t d = 0; d < cfg->ndevices; d++)
        sweep_device(&s, d);
    for (size_t i = 0; i < s.nlinks; i++)
        tool_bus_close(s.links[i].ctx);
    free(s.links);
    return 0;
}

void tool_sweep_free(struct tool_sweep *s)
{
    free(s->points);
    free(s->devices);
    s->points = NULL;
    s->devices = NULL;
}

/* ---- judging ---- */

const char *tool_verdict_name(enum tool_verdict v)
{
    return v == VERDICT_OK ? "ok" : v == VERDICT_WARN ? "WARN" : "FAIL";
}

static enum tool_verdict judge_fault(const struct point_cfg *pc, char *why, size_t cap)
{
    if (pc->map.signal == SIGNAL_LOOP_MA)
        snprintf(why, cap, "sensor fault: loop current below %.1f or above %.1f mA (NAMUR NE43): a "
                 "broken or shorted loop, or the transmitter reports a fault", NE43_FAULT_LO_MA,
                 NE43_FAULT_HI_MA);
    else if (pc->map.type == VT_FLOAT32 || pc->map.type == VT_FLOAT64)
        snprintf(why, cap, "sensor fault: the device sends NaN or infinity (its own fault signal)");
    else
        snprintf(why, cap, "sensor fault: the value cannot be decoded; check the point's bit index");
    return VERDICT_FAIL;
}

enum tool_verdict tool_sweep_judge(const struct config *cfg, size_t p, const struct tool_sweep *s,
                                   char *why, size_t cap)
{
    const struct point_cfg *pc = config_point_def(cfg, p);
    const struct tool_reading *r = &s->points[p];
    const struct tool_device_result *dev = &s->devices[cfg->points[p].device];
    char v[TOOL_WHY_MAX / 4], lo[TOOL_WHY_MAX / 8], hi[TOOL_WHY_MAX / 8];
    if (!dev->answered) {
        snprintf(why, cap, "not read: the device does not answer");
        return VERDICT_FAIL;
    }
    if (r->exception) {
        snprintf(why, cap, "the device refuses this address (exception %u, %s); check the point's "
                 "area and address against the device's register map", r->exception,
                 pdu_exception_name(r->exception));
        return VERDICT_FAIL;
    }
    tool_format_value(r->value, v, sizeof v);
    switch (r->quality) {
    case QUALITY_GOOD:
        break;
    case QUALITY_UNCERTAIN:
        snprintf(why, cap, "uncertain: loop current in a NAMUR NE43 uncertain band (%.1f-%.1f or "
                 "%.1f-%.1f mA); check the transmitter's range and the loop", NE43_FAULT_LO_MA,
                 NE43_VALID_LO_MA, NE43_VALID_HI_MA, NE43_FAULT_HI_MA);
        return VERDICT_WARN;
    case QUALITY_OUT_OF_RANGE:
        tool_format_value(pc->map.plausible_lo, lo, sizeof lo);
        tool_format_value(pc->map.plausible_hi, hi, sizeof hi);
        snprintf(why, cap, "implausible: %s %s is outside %s..%s; check scale, offset, type, byte "
                 "order and address", v, pc->unit, lo, hi);
        return VERDICT_FAIL;
    case QUALITY_SENSOR_FAULT:
    case QUALITY_COMM_FAIL:
        return judge_fault(pc, why, cap);
    }
    int level = tool_plan_level_of(&pc->rule, r->value);
    if (level >= 0) {
        const struct level_cfg *lv = &pc->rule.levels[level];
        tool_format_value(lv->setpoint, lo, sizeof lo);
        snprintf(why, cap, "in alarm: %s (%s %s %s)", lv->name, lv->dir == LEVEL_HIGH ? ">=" : "<=",
                 lo, pc->unit);
        return VERDICT_WARN;
    }
    why[0] = '\0';
    return VERDICT_OK;
}

void tool_sweep_raw(const struct tool_reading *r, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = '\0';
    if (!r->read)
        return;
    if (r->nraw == 1) {
        snprintf(out, cap, "%u", r->raw[0]);
        return;
    }
    for (int i = 0; i < r->nraw && len < cap; i++) {
        int n = snprintf(out + len, cap - len, "%s0x%04X", i ? " " : "", r->raw[i]);
        if (n < 0)
            break;
        len += (size_t)n;
    }
}
