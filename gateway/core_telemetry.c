/*
 * core_telemetry.c - telemetry messages, spread evenly over the commit interval.
 *
 * Each device with new readings gets one message per commit interval. Writing
 * them all at the interval's tick would put a round's worth of rows (about
 * 750 KB at 500 devices) into one burst: the core would be busy for
 * milliseconds, and the WAL writeback that commit starts would still be under
 * way when the next alarm's fsync has to wait for it. So a round walks the
 * devices in order across the interval, TELEMETRY_CHUNK at a time, each chunk
 * committed on its own; the tick flushes what is left and starts the next round.
 * Which devices a round holds is the "telemetry" section's (config_telemetry.c):
 * every device polled since the last round, or only those with news.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "core_internal.h"
#include "log.h"
#include "payload.h"

#define TELEMETRY_MAX_BYTES 65536
#define TELEMETRY_CHUNK 32          /* devices flushed per step of a round */
#define MS_PER_S 1000

void core_telemetry_flush_device(struct core *c, size_t d)
{
    static char payload[TELEMETRY_MAX_BYTES];
    char topic[TOPIC_MAX];
    int64_t seq;
    const struct device_cfg *dev = &c->cfg->devices[d];
    c->device_dirty[d] = 0;
    c->telemetry_sent_ms[d] = clock_mono_ms();
    memset(c->unsent + dev->first_point, 0, dev->npoints);
    if (c->replay)
        return;                 /* the store is failing: telemetry waits for nothing */
    struct msg_meta meta = core_msg_meta(c, OUTBOX_TELEMETRY);
    if (topic_telemetry(topic, sizeof topic, c->cfg, d) < 0 ||
        payload_telemetry(payload, sizeof payload, c->cfg, d, c->latest + dev->first_point, &meta) < 0) {
        log_limited(dev->id, LOG_LVL_WARN, "telemetry of device %s does not fit in %d bytes; not sent",
                    dev->id, TELEMETRY_MAX_BYTES);
        return;
    }
    if (store_outbox_append(c->store, OUTBOX_TELEMETRY, topic, payload, &seq) < 0)
        c->replay = 1;
}

void core_telemetry_note_sample(struct core *c, uint32_t point, int news, int64_t now)
{
    size_t d = c->cfg->points[point].device;
    const struct telemetry_cfg *t = &c->cfg->telemetry;
    if (t->send == TELEMETRY_ON_CHANGE && !news && now - c->telemetry_sent_ms[d] < t->heartbeat_s * MS_PER_S)
        return;
    c->unsent[point] = 1;
    c->device_dirty[d] = 1;
}

/* Flush the round's dirty devices below index end; how many were flushed. */
static int flush_until(struct core *c, size_t end)
{
    int n = 0;
    for (; c->telemetry_next < end; c->telemetry_next++)
        if (c->device_dirty[c->telemetry_next]) {
            core_telemetry_flush_device(c, c->telemetry_next);
            n++;
        }
    return n;
}

/* The devices whose turn has come by now: the round's share of the interval gone by. */
static size_t due_index(const struct core *c, int64_t now)
{
    int64_t gone = now - c->telemetry_start_ms, interval = c->cfg->store.commit_interval_ms;
    if (gone >= interval)
        return c->cfg->ndevices;
    return gone <= 0 ? 0 : (size_t)((int64_t)c->cfg->ndevices * gone / interval);
}

void core_telemetry_tick(struct core *c, int64_t now)
{
    flush_until(c, c->cfg->ndevices);
    c->telemetry_next = 0;
    c->telemetry_start_ms = now;
}

int core_telemetry_pace(struct core *c, int64_t now)
{
    size_t due = due_index(c, now);
    if (due < c->telemetry_next + TELEMETRY_CHUNK)
        return 0;
    return flush_until(c, due);
}

int64_t core_telemetry_due_ms(const struct core *c)
{
    size_t want = c->telemetry_next + TELEMETRY_CHUNK, n = c->cfg->ndevices;
    if (want >= n)
        return INT64_MAX;       /* the rest is flushed at the tick */
    int64_t interval = c->cfg->store.commit_interval_ms;
    return c->telemetry_start_ms + ((int64_t)want * interval + (int64_t)n - 1) / (int64_t)n;
}

void core_flush_telemetry(struct core *c)
{
    c->telemetry_next = 0;                  /* every device; the round in progress is then done */
    flush_until(c, c->cfg->ndevices);
}
