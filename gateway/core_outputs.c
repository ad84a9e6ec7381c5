/*
 * core_outputs.c - local outputs on the core thread: alarms in, writes to the pollers out.
 *
 * Every writable point has a slot (outputs.h). After an event on a point whose
 * alarm names outputs, the value each of those outputs wants is worked out again
 * from the rule states: the number of alarms that need a siren is recomputed, never
 * carried, so a restart re-asserts the outputs from the restored alarms. The loop
 * sends what is due to the poller thread that owns the device, takes the results
 * back and records them: OUTPUT when the device took a new value, OUTPUT_FAILED on
 * the first failure of a streak (the retries after it are logged). The core never
 * waits for a write, so a dead siren module delays nothing but its own writes.
 *
 * Stopping the gateway leaves every output as it is: a siren that sounds for a
 * standing alarm goes on sounding until the alarm is reset, by a running gateway.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "core_internal.h"
#include "decode.h"
#include "log.h"

#define CORE_WRITE_SLACK_MS 5000    /* beyond the device's own retries, before a result is lost */
#define POINT_LABEL_MAX (2 * ID_MAX + 2)
#define NOTE_LABEL_MAX 48           /* of a label or an actor quoted in a note (truncated beyond) */
#define OUTPUT_ACTOR_START "gateway"    /* who asserts the outputs at start and after a reload */

static void point_label(const struct config *cfg, uint32_t point, char *out, size_t cap)
{
    const struct point_cfg *pc = config_point_def(cfg, point);
    snprintf(out, cap, "%s/%s", config_device_of(cfg, point)->id, pc->id);
}

/* The slice of cfg->outputs (sorted by target) that names target. */
static size_t outputs_slice(const struct config *cfg, uint32_t target, size_t *first)
{
    size_t i = 0, n = 0;
    while (i < cfg->noutputs && cfg->outputs[i].target < target)
        i++;
    *first = i;
    while (i + n < cfg->noutputs && cfg->outputs[i + n].target == target)
        n++;
    return n;
}

/* Work out what slot k wants from the alarms; cause says what changed ("RAISED gas1/lel"). */
static void outputs_rethink(struct core *c, size_t k, int announce, const char *cause,
                            uint32_t cause_point)
{
    struct output_slot *s = &c->outputs[k];
    struct output_note *note = &c->output_why[k].wanted;
    struct output_want w;
    char label[POINT_LABEL_MAX];
    size_t first, n = outputs_slice(c->cfg, s->target, &first);
    if (n == 0)
        return;                     /* written by hand only */
    outputs_want(c->cfg->outputs + first, n, c->rule_state, &w);
    if (!output_slot_want(s, w.value, announce, 0))
        return;                     /* the same value: the note keeps the cause of it */
    note->severity = w.severity;
    if (cause_point == POINT_NONE) {
        snprintf(note->actor, sizeof note->actor, "%s", OUTPUT_ACTOR_START);
    } else {
        point_label(c->cfg, cause_point, label, sizeof label);
        snprintf(note->actor, sizeof note->actor, "rule:%.*s", NOTE_LABEL_MAX, label);
    }
    snprintf(note->detail, sizeof note->detail, "%s; %d alarm%s need%s it", cause, w.count,
             w.count == 1 ? "" : "s", w.count == 1 ? "s" : "");
}

int core_outputs_open(struct core *c, char *err, size_t errlen)
{
    const struct config *cfg = c->cfg;
    size_t np = cfg->npoints ? cfg->npoints : 1, n = 0;
    for (size_t i = 0; i < cfg->npoints; i++)
        n += config_point_def(cfg, i)->writable != 0;
    if (!n && !cfg->noutputs)
        return 0;                   /* no per-point tables: NULL reads as "not writable, drives none" */
    c->output_of = calloc(np, sizeof *c->output_of);
    c->drives = calloc(np, 1);
    c->outputs = calloc(n ? n : 1, sizeof *c->outputs);
    c->output_why = calloc(n ? n : 1, sizeof *c->output_why);
    if (!c->output_of || !c->drives || !c->outputs || !c->output_why) {
        snprintf(err, errlen, "out of memory for %zu writable points", n);
        return -1;
    }
    for (size_t i = 0; i < cfg->npoints; i++)
        if (config_point_def(cfg, i)->writable) {
            output_slot_init(&c->outputs[c->noutputs], (uint32_t)i);
            c->output_of[i] = (uint32_t)++c->noutputs;
        }
    for (size_t i = 0; i < cfg->noutputs; i++)
        c->drives[cfg->outputs[i].source] = 1;
    for (size_t k = 0; k < c->noutputs; k++) {
        outputs_rethink(c, k, 0, "asserted at start", POINT_NONE);
        char label[POINT_LABEL_MAX];
        point_label(cfg, c->outputs[k].target, label, sizeof label);
        if (c->outputs[k].has_want)
            log_info("output %s: %s, so it is written %g now", label, c->output_why[k].wanted.detail,
                     c->outputs[k].want);
    }
    c->outputs_dirty = 1;
    return 0;
}

void core_outputs_close(struct core *c)
{
    free(c->outputs);
    free(c->output_why);
    free(c->output_of);
    free(c->drives);
    c->outputs = NULL;
    c->output_why = NULL;
    c->output_of = NULL;
    c->drives = NULL;
    c->noutputs = 0;
}

void core_outputs_event(struct core *c, const struct event *ev)
{
    char label[POINT_LABEL_MAX], cause[EVENT_DETAIL_MAX];
    if (ev->point >= c->cfg->npoints || !c->drives || !c->drives[ev->point])
        return;
    point_label(c->cfg, ev->point, label, sizeof label);
    snprintf(cause, sizeof cause, "%s %.*s%s%.*s", event_kind_name(ev->kind), NOTE_LABEL_MAX, label,
             ev->actor[0] ? " by " : "", NOTE_LABEL_MAX, ev->actor);
    for (size_t i = 0; i < c->cfg->noutputs; i++)
        if (c->cfg->outputs[i].source == ev->point)
            outputs_rethink(c, c->output_of[c->cfg->outputs[i].target] - 1, 1, cause, ev->point);
    c->outputs_dirty = 1;
}

/* ---- results ---- */

static void outputs_record(struct core *c, size_t k, enum event_kind kind, double value,
                           const char *why)
{
    const struct output_slot *s = &c->outputs[k];
    const struct output_note *note = &c->output_why[k].sent;
    size_t first, n = outputs_slice(c->cfg, s->target, &first);
    struct event ev = {.point = s->target, .kind = kind, .severity = note->severity,
                       .value = value, .quality = QUALITY_GOOD, .ts_ms = clock_wall_ms()};
    if (n)
        snprintf(ev.level, sizeof ev.level, "%s", value == c->cfg->outputs[first].off ? "off" : "on");
    snprintf(ev.actor, sizeof ev.actor, "%s", note->actor);
    snprintf(ev.detail, sizeof ev.detail, "%s", why ? why : note->detail);
    core_record_event(c, &ev);
}

/* The poller's answer (or the core giving up on one) for write id of slot k. */
static int outputs_settle(struct core *c, size_t k, uint32_t id, int ok, const char *why,
                          int64_t when)
{
    struct output_slot *s = &c->outputs[k];
    const struct device_cfg *dc = config_device_of(c->cfg, s->target);
    char label[POINT_LABEL_MAX];
    if (!s->in_flight || s->id != id)
        return 0;                   /* an answer to a write already given up on */
    double tried = s->sending;
    long retry = s->failures + 1 >= dc->backoff_after ? dc->backoff_ms : dc->interval_ms;
    enum output_record rec = output_slot_result(s, id, ok, when, retry);
    point_label(c->cfg, s->target, label, sizeof label);
    c->outputs_dirty = 1;
    if (ok)
        log_info("output %s is %g (%s)", label, tried, c->output_why[k].sent.detail);
    if (rec == OUTPUT_RECORD_DRIVEN) {
        outputs_record(c, k, EV_OUTPUT, tried, NULL);
        return 1;
    }
    if (ok)
        return 0;
    log_limited(label, LOG_LVL_WARN, "output %s: writing %g failed: %s; %s", label, tried, why,
                s->has_want ? "trying again" : "not retried (a write by hand)");
    if (rec != OUTPUT_RECORD_FAILED)
        return 0;
    outputs_record(c, k, EV_OUTPUT_FAILED, tried, why);
    return 1;
}

static int outputs_take_results(struct core *c)
{
    struct write_result r;
    int recorded = 0;
    while (queue_pop(&c->write_results, &r, 1) == 1)
        if (r.point < c->cfg->npoints && c->output_of && c->output_of[r.point])
            recorded += outputs_settle(c, c->output_of[r.point] - 1, r.id, r.ok, r.why, r.mono_ms);
    return recorded;
}

/* ---- sending ---- */

/* What the point reads back after w: the decoder applied to what is written. */
static double outputs_expect(const struct point_map *m, const struct pdu_write *w, double value)
{
    double v = value;
    enum quality q = m->area == AREA_COIL ? decode_bit(m, w->words[0] == PDU_COIL_ON, &v)
                                          : decode_registers(m, w->words, &v);
    return quality_has_value(q) ? v : value;
}

static int outputs_send(struct core *c, size_t k, double value, int64_t now)
{
    struct output_slot *s = &c->outputs[k];
    const struct point_cfg *pc = config_point_def(c->cfg, s->target);
    const struct device_cfg *dc = config_device_of(c->cfg, s->target);
    struct write_request req = {.id = ++c->next_write_id, .point = s->target,
                                .device = (uint32_t)c->cfg->points[s->target].device};
    char why[WRITE_WHY_MAX];
    int64_t deadline = now + (int64_t)(dc->retries + 1) * (dc->timeout_ms + dc->pause_ms) +
                       dc->backoff_ms + CORE_WRITE_SLACK_MS;
    int encoded = pdu_write_encode(&pc->map, value, &req.w) == 0;
    output_slot_sent(s, req.id, value, encoded ? outputs_expect(&pc->map, &req.w, value) : value,
                     deadline);
    c->output_why[k].sent = c->output_why[k].wanted;
    if (!encoded) {
        snprintf(why, sizeof why, "%g does not fit the point's type, scale and range", value);
        return outputs_settle(c, k, req.id, 0, why, now);
    }
    if (pollers_write(c->pollers, &req, why, sizeof why) < 0)
        return outputs_settle(c, k, req.id, 0, why, now);
    return 0;
}

int core_outputs_service(struct core *c, int64_t now)
{
    int recorded = outputs_take_results(c);
    if (!c->outputs_dirty && now < c->next_output_ms)
        return recorded;
    c->outputs_dirty = 0;
    c->next_output_ms = INT64_MAX;
    for (size_t k = 0; k < c->noutputs; k++) {
        struct output_slot *s = &c->outputs[k];
        double v;
        if (output_slot_overdue(s, now)) {
            char why[WRITE_WHY_MAX];
            snprintf(why, sizeof why, "no result from the poller by its deadline; the write "
                     "is taken as failed");
            recorded += outputs_settle(c, k, s->id, 0, why, now);
        }
        if (output_slot_due(s, now, &v))
            recorded += outputs_send(c, k, v, now);
        if (s->in_flight && s->deadline < c->next_output_ms)
            c->next_output_ms = s->deadline;
        else if (output_slot_due(s, INT64_MAX, &v) && s->retry_at < c->next_output_ms)
            c->next_output_ms = s->retry_at;    /* waiting out a failure's delay */
    }
    return recorded;
}

void core_outputs_readback(struct core *c, const struct sample *s)
{
    char label[POINT_LABEL_MAX];
    if (!c->output_of || !c->output_of[s->point] || !quality_has_value(s->quality))
        return;
    size_t k = c->output_of[s->point] - 1;
    struct output_slot *slot = &c->outputs[k];
    const struct device_cfg *dc = config_device_of(c->cfg, s->point);
    double was = slot->value;
    if (!output_slot_readback(slot, s->value, s->mono_ms, dc->interval_ms))
        return;
    point_label(c->cfg, s->point, label, sizeof label);
    log_limited(label, LOG_LVL_WARN, "output %s reads %g, not the %g it was written (did the module "
                "restart?); writing %g again", label, s->value, was, slot->want);
    c->outputs_dirty = 1;
}

int core_outputs_write(struct core *c, uint32_t point, double value, const char *actor, char *why,
                       size_t whylen)
{
    char label[POINT_LABEL_MAX], src[POINT_LABEL_MAX];
    struct pdu_write w;
    size_t first;
    point_label(c->cfg, point, label, sizeof label);
    if (!c->output_of || !c->output_of[point]) {
        snprintf(why, whylen, "point %s is not writable; the site config must mark it \"writable\": "
                 "true before anyone may write it", label);
        return -1;
    }
    if (outputs_slice(c->cfg, point, &first) > 0) {
        point_label(c->cfg, c->cfg->outputs[first].source, src, sizeof src);
        snprintf(why, whylen, "point %s is an output of the alarm of %s; silence or reset that "
                 "alarm instead of writing the output", label, src);
        return -1;
    }
    if (pdu_write_encode(&config_point_def(c->cfg, point)->map, value, &w) < 0) {
        snprintf(why, whylen, "%g cannot be written to %s: it does not fit the point's type, scale "
                 "and range", value, label);
        return -1;
    }
    size_t k = c->output_of[point] - 1;
    struct output_note *note = &c->output_why[k].wanted;
    output_slot_want(&c->outputs[k], value, 1, 1);
    note->severity = 0;
    snprintf(note->actor, sizeof note->actor, "%s", actor);
    snprintf(note->detail, sizeof note->detail, "written by hand");
    c->outputs_dirty = 1;
    return 0;
}
