/*
 * poller_write.c - the writes a poller thread holds, and how each one ends (see poller_write.h).
 */
#include "poller_write.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

int poll_writes_init(struct poll_writes *w, struct poll_device *devs, size_t ndevs,
                     struct queue *results, char *err, size_t errlen)
{
    memset(w, 0, sizeof *w);
    w->bell.fd = -1;
    w->devs = devs;
    w->ndevs = ndevs;
    w->results = results;
    if (doorbell_open(&w->bell) < 0 ||
        queue_init(&w->inbox, sizeof(struct write_request), POLL_WRITES_MAX, &w->bell) < 0) {
        snprintf(err, errlen, "cannot set up a poller's write inbox: %s", strerror(errno));
        poll_writes_free(w);
        return -1;
    }
    return 0;
}

void poll_writes_free(struct poll_writes *w)
{
    queue_destroy(&w->inbox);
    doorbell_close(&w->bell);
}

int poll_writes_submit(struct poll_writes *w, const struct write_request *req, char *why,
                       size_t whylen)
{
    if (!w->results) {
        snprintf(why, whylen, "the pollers were started without a write path");
        return -1;
    }
    if (queue_push(&w->inbox, req) < 0) {
        snprintf(why, whylen, "%d writes are already waiting for this line; try again when "
                 "they are done", POLL_WRITES_MAX);
        return -1;
    }
    return 0;
}

/* ---- ending a write ---- */

static void poll_writes_settle(struct poll_writes *w, struct poll_write *pw, int ok, int64_t now,
                            const char *why)
{
    struct write_result r = {.id = pw->req.id, .point = pw->req.point, .ok = ok, .mono_ms = now};
    snprintf(r.why, sizeof r.why, "%s", ok ? "" : why);
    if (queue_push(w->results, &r) < 0)
        log_error("device '%s': the result of write %u was lost: the core's result queue is full; "
                  "the core will give up waiting for it and try again.", pw->dev->cfg->id,
                  (unsigned)pw->req.id);
    pw->used = 0;
    pw->busy = 0;
    w->nused--;
}

void poll_writes_done(struct poll_writes *w, struct poll_write *pw, int64_t now)
{
    poll_writes_settle(w, pw, 1, now, NULL);
}

void poll_writes_fail(struct poll_writes *w, struct poll_write *pw, int64_t now, const char *why)
{
    poll_writes_settle(w, pw, 0, now, why);
}

void poll_writes_exception(struct poll_writes *w, struct poll_write *pw, int64_t now, uint8_t code)
{
    char why[WRITE_WHY_MAX];
    snprintf(why, sizeof why, "the device refused the write with exception %u (%s)", code,
             pdu_exception_name(code));
    poll_writes_fail(w, pw, now, why);
}

void poll_writes_failure(struct poll_writes *w, struct poll_write *pw, int64_t now, const char *why)
{
    pw->busy = 0;
    if (!pw->dev->backed_off && pw->attempt < pw->dev->cfg->retries) {     /* a dead device: one try */
        pw->attempt++;
        log_debug("device '%s': write %u attempt %d failed: %s; trying again.", pw->dev->cfg->id,
                  (unsigned)pw->req.id, pw->attempt, why);
        return;
    }
    char msg[WRITE_WHY_MAX];
    snprintf(msg, sizeof msg, "%s (%d %s)", why, pw->attempt + 1, pw->attempt ? "tries" : "try");
    poll_writes_settle(w, pw, 0, now, msg);
}

void poll_writes_reply(struct poll_writes *w, struct poll_write *pw, const uint8_t *pdu, size_t len,
                       int64_t now)
{
    uint8_t code = 0;
    const char *why = NULL;
    switch (pdu_parse_write(pdu, len, &pw->req.w, &code, &why)) {
    case PDU_OK:
        poll_writes_done(w, pw, now);
        break;
    case PDU_EXCEPTION:
        poll_writes_exception(w, pw, now, code);
        break;
    case PDU_MALFORMED:
        poll_device_count_dropped(pw->dev);
        poll_writes_failure(w, pw, now, why);
        break;
    }
}

void poll_writes_abort(struct poll_writes *w, struct poll_device **devs, size_t n, int64_t now,
                       const char *why)
{
    for (size_t k = 0; w->nused && k < n; k++)
        for (size_t i = 0; i < POLL_WRITES_MAX; i++)
            if (w->slots[i].used && !w->slots[i].busy && w->slots[i].dev == devs[k])
                poll_writes_settle(w, &w->slots[i], 0, now, why);
}

/* ---- taking and picking ---- */

static struct poll_write *poll_writes_free_slot(struct poll_writes *w)
{
    for (size_t i = 0; i < POLL_WRITES_MAX; i++)
        if (!w->slots[i].used)
            return &w->slots[i];
    return NULL;
}

void poll_writes_take(struct poll_writes *w, int64_t now)
{
    struct write_request req;
    doorbell_drain(&w->bell);
    while (queue_pop(&w->inbox, &req, 1) == 1) {
        struct poll_write *pw = poll_writes_free_slot(w);
        if (req.device >= w->ndevs || !w->devs[req.device].cfg || !pw) {
            struct write_result r = {.id = req.id, .point = req.point, .mono_ms = now};
            snprintf(r.why, sizeof r.why, "%s", pw ? "the device is not polled by this thread"
                                                   : "too many writes are waiting on this line");
            if (queue_push(w->results, &r) < 0)
                log_error("write %u refused (%s), and the core's result queue is full too.",
                          (unsigned)req.id, r.why);
            continue;
        }
        memset(pw, 0, sizeof *pw);
        pw->used = 1;
        pw->order = w->next_order++;
        pw->req = req;
        pw->dev = &w->devs[req.device];
        w->nused++;
    }
}

struct poll_write *poll_writes_pick(struct poll_writes *w, struct poll_device **devs, size_t n)
{
    struct poll_write *best = NULL;
    if (w->nused == 0)
        return NULL;
    for (size_t i = 0; i < POLL_WRITES_MAX; i++) {
        struct poll_write *pw = &w->slots[i];
        if (!pw->used || pw->busy || (best && best->order < pw->order))
            continue;
        for (size_t k = 0; k < n; k++)
            if (devs[k] == pw->dev) {
                best = pw;
                break;
            }
    }
    return best;
}

void poll_writes_begin(struct poll_write *pw)
{
    pw->busy = 1;
}
