/*
 * bench_drain.c - how fast a backlog leaves the box after an outage (outbox_drain_msgs_per_s).
 *
 * It fills a fresh store with COUNT telemetry messages, each the real payload of
 * a bench_30reg device (payload_telemetry, 30 points) with its own seq, committed
 * as the core commits. Then it drains them exactly as the core would: the real
 * outbox scheduler and the real MQTT sink (Paho MQTTAsync, QoS 1, the config's
 * default in-flight window) to the broker at URI, with confirmations coming back
 * through the control queue and cursors committed on the core's timer. The clock
 * runs from the sink's link-up to the PUBACK of the last message.
 *
 *   bench_drain -u tcp://127.0.0.1:PORT [-n COUNT] [-d DIR]
 *
 * prints `outbox_drain_msgs_per_s X messages N payload_bytes B`.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_mqtt.h"
#include "clock.h"
#include "config.h"
#include "control.h"
#include "outbox.h"
#include "payload.h"
#include "queue.h"
#include "sink_mqtt.h"
#include "store.h"

#define DRAIN_DEFAULT_COUNT 100000
#define DRAIN_COMMIT_EVERY 15000            /* rows per transaction while filling */
#define DRAIN_PAYLOAD_MAX 8192
#define DRAIN_CTL_CAPACITY 65536
#define DRAIN_CTL_BATCH 256
#define DRAIN_WAKE_MS 10
#define DRAIN_TIMEOUT_MS 300000
#define DRAIN_CONFIG_MAX 1024
#define DRAIN_PATH_MAX 320
#define DRAIN_PROFILE_DIR RISKGW_SOURCE_DIR "/drivers/profiles"

struct drain {
    struct config *cfg;
    struct store *st;
    struct outbox *ob;
    struct sink *sink;
    struct doorbell bell;
    struct queue ctl;
    int ctl_ready;
    char dir[DRAIN_PATH_MAX], db[DRAIN_PATH_MAX + 16];
};

/* The daemon's own config parser supplies every default (window, reconnect, ...). */
static struct config *drain_config(const char *uri, const char *db)
{
    char text[DRAIN_CONFIG_MAX];
    struct cfg_err err;
    snprintf(text, sizeof text,
             "{\"enterprise\":\"bench\",\"gateway\":\"drain\",\"mqtt\":{\"uri\":\"%s\"},"
             "\"store\":{\"path\":\"%s\"},\"devices\":[{\"id\":\"d0000\",\"profile\":\"bench_30reg\","
             "\"host\":\"127.0.0.1\",\"port\":1}]}", uri, db);
    struct config *cfg = config_parse(text, "bench_drain", DRAIN_PROFILE_DIR, &err);
    if (!cfg)
        fprintf(stderr, "bench_drain: %s\n", err.msg);
    return cfg;
}

/* Append count telemetry rows, committing every DRAIN_COMMIT_EVERY. Payload bytes, or -1. */
static long fill(struct drain *d, int count)
{
    const struct device_cfg *dev = &d->cfg->devices[0];
    struct reading *latest = calloc(dev->npoints, sizeof *latest);
    char topic[TOPIC_MAX], payload[DRAIN_PAYLOAD_MAX];
    int len = -1;
    if (!latest || topic_telemetry(topic, sizeof topic, d->cfg, 0) < 0) {
        free(latest);
        return -1;
    }
    for (int i = 0; i < count; i++) {
        int64_t ts = clock_wall_ms(), seq;
        for (size_t p = 0; p < dev->npoints; p++)
            latest[p] = (struct reading){.quality = QUALITY_GOOD,
                                         .value = (double)((i + (int)p) % UINT16_MAX), .ts_ms = ts};
        struct msg_meta meta = {.seq = store_outbox_next_seq(d->st, OUTBOX_TELEMETRY),
                                .epoch = store_epoch(d->st), .time_synced = 1};
        len = payload_telemetry(payload, sizeof payload, d->cfg, 0, latest, &meta);
        if (len < 0 || store_outbox_append(d->st, OUTBOX_TELEMETRY, topic, payload, &seq) < 0 ||
            ((i + 1) % DRAIN_COMMIT_EVERY == 0 && store_commit(d->st) < 0)) {
            len = -1;
            break;
        }
    }
    free(latest);
    if (len < 0 || store_commit(d->st) < 0) {
        fprintf(stderr, "bench_drain: filling the outbox failed: %s\n", store_last_error(d->st));
        return -1;
    }
    return len;
}

static int open_sink(struct drain *d, char *err, size_t errlen)
{
    struct sink_mqtt_topics t = {.status = "riskgw/v1/bench/drain/status", .online = "{\"online\":true}",
                                 .offline = "{\"online\":false}", .command = "riskgw/v1/bench/drain/cmd"};
    if (doorbell_open(&d->bell) < 0 ||
        queue_init(&d->ctl, sizeof(struct ctl_msg), DRAIN_CTL_CAPACITY, &d->bell) < 0) {
        snprintf(err, errlen, "cannot set up the control queue: %s", strerror(errno));
        return -1;
    }
    d->ctl_ready = 1;
    if (!(d->ob = outbox_open(d->st, err, errlen)))
        return -1;
    if (!(d->sink = sink_mqtt_create(&d->cfg->mqtt, &t, &d->ctl, 0, err, errlen)))
        return -1;
    if (outbox_add_sink(d->ob, d->sink) < 0) {
        snprintf(err, errlen, "%s", outbox_last_error(d->ob));
        return -1;
    }
    return 0;
}

/* Run the core's delivery loop until the cursor reaches `last`. Seconds from link-up, or -1. */
static double run_drain(struct drain *d, int64_t last)
{
    struct ctl_msg batch[DRAIN_CTL_BATCH];
    struct pollfd pfd = {.fd = d->bell.fd, .events = POLLIN};
    struct outbox_lane_status lane = {0};
    int64_t deadline = clock_mono_ms() + DRAIN_TIMEOUT_MS, next_commit = 0;
    double start = -1;
    while (lane.cursor < last && clock_mono_ms() < deadline) {
        poll(&pfd, 1, DRAIN_WAKE_MS);
        doorbell_drain(&d->bell);
        int64_t now = clock_mono_ms();
        size_t n;
        while ((n = queue_pop(&d->ctl, batch, DRAIN_CTL_BATCH)) > 0)
            for (size_t i = 0; i < n; i++) {
                if (batch[i].kind == CTL_LINK_UP && start < 0)
                    start = bench_mono_s();
                outbox_handle_ctl(d->ob, &batch[i], now);
                free(batch[i].text);
            }
        if (outbox_pump(d->ob, now) < 0 || (now >= next_commit && store_commit(d->st) < 0)) {
            fprintf(stderr, "bench_drain: %s\n", store_last_error(d->st));
            return -1;
        }
        if (now >= next_commit)
            next_commit = now + d->cfg->store.commit_interval_ms;
        outbox_status(d->ob, 0, OUTBOX_TELEMETRY, &lane);
    }
    if (lane.cursor < last) {
        fprintf(stderr, "bench_drain: only %lld of %lld messages confirmed within %d s%s\n",
                (long long)lane.cursor, (long long)last, DRAIN_TIMEOUT_MS / 1000,
                start < 0 ? " (the sink never connected: is the broker up?)" : "");
        return -1;
    }
    return bench_mono_s() - start;
}

static void drain_close(struct drain *d)
{
    if (d->ob) {
        outbox_save_cursors(d->ob);
        outbox_free(d->ob);
    }
    if (d->sink)
        d->sink->ops->destroy(d->sink);
    if (d->ctl_ready) {
        struct ctl_msg m;
        while (queue_pop(&d->ctl, &m, 1) == 1)
            free(m.text);
        queue_destroy(&d->ctl);
        doorbell_close(&d->bell);
    }
    store_close(d->st);
    config_free(d->cfg);
    if (d->db[0]) {
        char side[sizeof d->db + 8];
        unlink(d->db);
        snprintf(side, sizeof side, "%s-wal", d->db);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", d->db);
        unlink(side);
        rmdir(d->dir);
    }
}

int main(int argc, char **argv)
{
    const char *uri = NULL, *parent = "/tmp";
    int count = DRAIN_DEFAULT_COUNT, opt;
    while ((opt = getopt(argc, argv, "u:n:d:")) != -1) {
        switch (opt) {
        case 'u': uri = optarg; break;
        case 'n': count = atoi(optarg); break;
        case 'd': parent = optarg; break;
        default: uri = NULL; count = 0; break;
        }
    }
    if (!uri || count <= 0) {
        fprintf(stderr, "usage: bench_drain -u tcp://127.0.0.1:PORT [-n COUNT] [-d DIR]\n");
        return 2;
    }
    struct drain d = {0};
    d.bell.fd = -1;
    char err[BENCH_ERR_MAX] = "";
    snprintf(d.dir, sizeof d.dir, "%s/riskgw-drain-XXXXXX", parent);
    if (!mkdtemp(d.dir)) {
        fprintf(stderr, "bench_drain: cannot make a directory under %s: %s\n", parent, strerror(errno));
        return 1;
    }
    snprintf(d.db, sizeof d.db, "%s/drain.db", d.dir);
    long bytes = -1;
    double secs = -1;
    if ((d.cfg = drain_config(uri, d.db)) && (d.st = store_open(d.db, err, sizeof err)) &&
        (bytes = fill(&d, count)) >= 0) {
        if (open_sink(&d, err, sizeof err) == 0)
            secs = run_drain(&d, store_outbox_last_seq(d.st, OUTBOX_TELEMETRY));
        else
            fprintf(stderr, "bench_drain: %s\n", err);
    } else if (err[0]) {
        fprintf(stderr, "bench_drain: %s\n", err);
    }
    drain_close(&d);
    if (secs <= 0)
        return 1;
    printf("outbox_drain_msgs_per_s %.0f messages %d payload_bytes %ld\n", count / secs, count, bytes);
    return 0;
}
