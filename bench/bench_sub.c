/*
 * bench_sub.c - how many points a second actually reach a subscriber.
 *
 * The scale benchmark's witness: it subscribes (QoS 1) to every telemetry topic,
 * riskgw/v1/+/+/telemetry/#, and counts the members of each message's "points"
 * object whose sample time ("ts" of the point, else of the message) falls in the
 * steady window [FROM, TO). Counting by sample time, not arrival time, makes the
 * window exact: a second of readings counts whole even when it arrives after TO,
 * so the program listens GRACE ms past TO before it reports. It is the same
 * witness for riskgw and for the bare reference loop (bench_bare), which publishes
 * the same shape.
 *
 *   bench_sub -u tcp://127.0.0.1:1883 -f FROM_MS -t TO_MS [-g GRACE_MS] [-x DEVICE]
 *
 * prints one line: `points_per_s X points N messages M window_s W`.
 */
#include <cjson/cJSON.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_mqtt.h"

#define SUB_TOPIC "riskgw/v1/+/+/telemetry/#"
#define SUB_DEFAULT_GRACE_MS 3000
#define SUB_TICK_NS 50000000L           /* how often the main thread checks the clock */
#define SUB_INFLIGHT 64

struct counts {
    pthread_mutex_t lock;
    double from_ms, to_ms;
    const char *exclude;                /* a device id not to count (the latency probe) */
    long long points, messages, malformed;
};

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) { stop_signal = sig; }

static double number_or(const cJSON *obj, const char *key, double fallback)
{
    const cJSON *n = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(n) ? n->valuedouble : fallback;
}

static void on_msg(void *ctx, const char *topic, const char *payload, size_t len, double arrival_ms)
{
    struct counts *c = ctx;
    (void)topic;
    cJSON *root = cJSON_ParseWithLength(payload, len);
    const cJSON *points = cJSON_GetObjectItemCaseSensitive(root, "points");
    const cJSON *device = cJSON_GetObjectItemCaseSensitive(root, "device");
    long long n = 0;
    if (cJSON_IsObject(points) && !(c->exclude && cJSON_IsString(device) &&
                                    strcmp(device->valuestring, c->exclude) == 0)) {
        double msg_ts = number_or(root, "ts", arrival_ms);
        const cJSON *p;
        cJSON_ArrayForEach(p, points) {
            double ts = number_or(p, "ts", msg_ts);
            n += ts >= c->from_ms && ts < c->to_ms;
        }
    }
    pthread_mutex_lock(&c->lock);
    if (!cJSON_IsObject(points))
        c->malformed++;
    c->points += n;
    c->messages += n > 0;
    pthread_mutex_unlock(&c->lock);
    cJSON_Delete(root);
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_sub -u URI -f FROM_MS -t TO_MS [-g GRACE_MS] [-x DEVICE]\n"
                    "  counts telemetry points whose sample time is in [FROM_MS, TO_MS) (wall ms)\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct counts c = {.lock = PTHREAD_MUTEX_INITIALIZER};
    const char *uri = NULL;
    double grace_ms = SUB_DEFAULT_GRACE_MS;
    int opt;
    while ((opt = getopt(argc, argv, "u:f:t:g:x:")) != -1) {
        switch (opt) {
        case 'u': uri = optarg; break;
        case 'f': c.from_ms = atof(optarg); break;
        case 't': c.to_ms = atof(optarg); break;
        case 'g': grace_ms = atof(optarg); break;
        case 'x': c.exclude = optarg; break;
        default: return usage();
        }
    }
    if (!uri || !(c.to_ms > c.from_ms) || c.from_ms <= 0)
        return usage();
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);

    char err[BENCH_ERR_MAX], id[64];
    struct bench_mqtt m;
    snprintf(id, sizeof id, "bench-sub-%d", (int)getpid());
    if (bench_mqtt_open(&m, uri, id, SUB_INFLIGHT, on_msg, &c, err, sizeof err) < 0 ||
        bench_mqtt_subscribe(&m, SUB_TOPIC, err, sizeof err) < 0) {
        fprintf(stderr, "bench_sub: %s\n", err);
        bench_mqtt_close(&m);
        return 1;
    }
    fprintf(stderr, "bench_sub: subscribed to %s\n", SUB_TOPIC);
    const struct timespec tick = {0, SUB_TICK_NS};
    while (!stop_signal && bench_wall_ms() < c.to_ms + grace_ms)
        nanosleep(&tick, NULL);
    bench_mqtt_close(&m);

    double window_s = (c.to_ms - c.from_ms) / BENCH_MS_PER_S;
    if (c.malformed)
        fprintf(stderr, "bench_sub: %lld telemetry messages had no \"points\" object\n", c.malformed);
    printf("points_per_s %.1f points %lld messages %lld window_s %.3f\n", (double)c.points / window_s,
           c.points, c.messages, window_s);
    return 0;
}
