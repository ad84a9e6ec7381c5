/*
 * tool_mqtt_watch.c - the gateway's event messages, received as the platform receives them.
 *
 * Paho's callbacks run on Paho's threads; they parse each message and push it into
 * a struct queue (queue.h) whose doorbell the tool waits on with poll(), the same
 * hand-over the core uses for its samples. The subscriber never publishes and its
 * client id is its own, so it cannot disturb the gateway's session.
 */
#include "tool_mqtt_watch.h"

#include <MQTTAsync.h>
#include <poll.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "json_field.h"
#include "payload.h"
#include "dynlib.h"
#include "queue.h"
#include "sink_mqtt_opts.h"
#include "sink_mqtt_paho.h"
#include "tool.h"

#define WATCH_QUEUE 1024            /* events held until the tool takes them */
#define WATCH_QOS 1
#define WATCH_SUBSCRIBE_WAIT_MS 15000
#define WATCH_CLOSE_TIMEOUT_MS 1000
#define WATCH_CLIENT_SUFFIX "-test-alarm-"

enum watch_state { WATCH_CONNECTING, WATCH_READY, WATCH_FAILED };

struct tool_watch {
    const struct paho_lib *paho;            /* the Paho build the URI needs */
    MQTTAsync client;
    struct mqtt_cfg mqtt;                   /* a copy: Paho keeps pointers into it */
    MQTTAsync_connectOptions conn;
    MQTTAsync_SSLOptions ssl;
    char *order[MQTT_URIS_MAX];             /* the brokers, tried in turn (a cluster) */
    char label[SINK_MQTT_LABEL_MAX];        /* the brokers, as messages name them */
    char filter[TOPIC_MAX];
    char client_id[TEXT_MAX + sizeof WATCH_CLIENT_SUFFIX + 16];
    struct doorbell bell;
    struct queue events;
    int queue_ready;
    _Atomic int state;
    char failure[TOOL_WHY_MAX];             /* written before state becomes WATCH_FAILED */
};

static void watch_fail(struct tool_watch *w, const char *doing, const char *why)
{
    snprintf(w->failure, sizeof w->failure, "%s %.200s: %s", doing, w->label, why ? why : "refused");
    atomic_store(&w->state, WATCH_FAILED);
    doorbell_ring(&w->bell);
}

static void watch_on_subscribed(void *ctx, MQTTAsync_successData *resp)
{
    struct tool_watch *w = ctx;
    (void)resp;
    atomic_store(&w->state, WATCH_READY);
    doorbell_ring(&w->bell);
}

static void watch_on_subscribe_failed(void *ctx, MQTTAsync_failureData *resp)
{
    watch_fail(ctx, "the broker refused the subscription to the event topics at",
               resp ? resp->message : NULL);
}

static void watch_on_connected(void *ctx, MQTTAsync_successData *resp)
{
    struct tool_watch *w = ctx;
    MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
    (void)resp;
    ro.onSuccess = watch_on_subscribed;
    ro.onFailure = watch_on_subscribe_failed;
    ro.context = w;
    int rc = w->paho->subscribe(w->client, w->filter, WATCH_QOS, &ro);
    if (rc != MQTTASYNC_SUCCESS)
        watch_fail(w, "cannot subscribe at", w->paho->strerror(rc));
}

static void watch_on_connect_failed(void *ctx, MQTTAsync_failureData *resp)
{
    struct tool_watch *w = ctx;
    watch_fail(w, "cannot connect to MQTT broker",
               resp && resp->message ? resp->message : w->paho->strerror(resp ? resp->code : 0));
}

static void watch_on_lost(void *ctx, char *cause)
{
    struct tool_watch *w = ctx;
    fprintf(stderr, "riskgw test-alarm: lost the connection to MQTT broker %s (%s); events sent "
            "meanwhile are not seen\n", w->label, cause ? cause : "no reason given");
}

static int watch_on_arrived(void *ctx, char *topic, int topic_len, MQTTAsync_message *msg)
{
    struct tool_watch *w = ctx;
    cJSON *j = cJSON_ParseWithLength(msg->payload, (size_t)msg->payloadlen);
    struct tool_event ev;
    (void)topic_len;
    memset(&ev, 0, sizeof ev);
    if (j) {
        jf_copy_text(j, "device", ev.device, sizeof ev.device);
        jf_copy_text(j, "point", ev.point, sizeof ev.point);
        jf_copy_text(j, "kind", ev.kind, sizeof ev.kind);
        jf_copy_text(j, "level", ev.level, sizeof ev.level);
        ev.id = jf_int_or_zero(j, "id");
        ev.seq = jf_int_or_zero(j, "seq");
        ev.ts_ms = jf_int_or_zero(j, "ts");
        ev.stored = !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "stored"));
        ev.received_ms = clock_wall_ms();
        if (ev.kind[0])
            queue_push(&w->events, &ev);    /* a full queue counts the refusal */
        cJSON_Delete(j);
    }
    w->paho->free_message(&msg);
    w->paho->free(topic);
    return 1;
}

/* Wait on the doorbell until deadline (monotonic ms); 1 when it rang. */
static int watch_wait(struct tool_watch *w, int64_t deadline_ms)
{
    int64_t left = deadline_ms - clock_mono_ms();
    struct pollfd pfd = {.fd = w->bell.fd, .events = POLLIN};
    if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
        return 0;
    doorbell_drain(&w->bell);
    return 1;
}

static int watch_start(struct tool_watch *w, const struct config *cfg, char *err, size_t errlen)
{
    if (topic_gateway(w->filter, sizeof w->filter, cfg, "event/#") < 0) {
        snprintf(err, errlen, "the event topic of gateway %s/%s is too long", cfg->enterprise_id,
                 cfg->gateway_id);
        return -1;
    }
    snprintf(w->client_id, sizeof w->client_id, "%s%s%ld", w->mqtt.client_id, WATCH_CLIENT_SUFFIX,
             (long)getpid());
    sink_mqtt_opts_label(&w->mqtt, w->label, sizeof w->label);
    if (sink_mqtt_opts_connect(&w->mqtt, &w->conn, &w->ssl, w->order, err, errlen) < 0)
        return -1;
    char why[DYNLIB_ERROR_MAX];
    if (!(w->paho = paho_lib_load(w->mqtt.uris[0], why, sizeof why))) {
        snprintf(err, errlen, "cannot start the MQTT subscriber for broker %s: %s", w->label, why);
        return -1;
    }
    int rc = w->paho->create(&w->client, w->mqtt.uris[0], w->client_id, MQTTCLIENT_PERSISTENCE_NONE, NULL);
    if (rc == MQTTASYNC_SUCCESS)
        rc = w->paho->set_callbacks(w->client, w, watch_on_lost, watch_on_arrived, NULL);
    w->conn.onSuccess = watch_on_connected;
    w->conn.onFailure = watch_on_connect_failed;
    w->conn.context = w;
    if (rc == MQTTASYNC_SUCCESS)
        rc = w->paho->connect(w->client, &w->conn);
    if (rc != MQTTASYNC_SUCCESS) {
        snprintf(err, errlen, "cannot connect to MQTT broker %s: %s", w->label, w->paho->strerror(rc));
        return -1;
    }
    int64_t deadline = clock_mono_ms() + WATCH_SUBSCRIBE_WAIT_MS;
    while (atomic_load(&w->state) == WATCH_CONNECTING && watch_wait(w, deadline))
        continue;
    int state = atomic_load(&w->state);
    if (state == WATCH_READY)
        return 0;
    snprintf(err, errlen, "%s; check mqtt.uri and the broker",
             state == WATCH_FAILED ? w->failure : "no answer from the MQTT broker in 15 s");
    return -1;
}

struct tool_watch *tool_watch_open(const struct config *cfg, char *err, size_t errlen)
{
    if (!cfg->mqtt.enabled) {
        snprintf(err, errlen, "the config has no mqtt section: test-alarm proves delivery on the "
                 "site's MQTT broker");
        return NULL;
    }
    struct tool_watch *w = calloc(1, sizeof *w);
    if (!w || doorbell_open(&w->bell) < 0) {
        snprintf(err, errlen, "out of memory or descriptors for the MQTT subscriber");
        free(w);
        return NULL;
    }
    w->mqtt = cfg->mqtt;
    w->queue_ready = queue_init(&w->events, sizeof(struct tool_event), WATCH_QUEUE, &w->bell) == 0;
    if (!w->queue_ready || watch_start(w, cfg, err, errlen) < 0) {
        if (!w->queue_ready)
            snprintf(err, errlen, "out of memory for the MQTT subscriber's queue");
        tool_watch_close(w);
        return NULL;
    }
    return w;
}

int tool_watch_next(struct tool_watch *w, int64_t deadline_ms, struct tool_event *out)
{
    do {
        if (queue_pop(&w->events, out, 1) == 1)
            return 1;
    } while (watch_wait(w, deadline_ms));
    return queue_pop(&w->events, out, 1) == 1;
}

void tool_watch_close(struct tool_watch *w)
{
    if (!w)
        return;
    if (w->client) {
        MQTTAsync_disconnectOptions dis = MQTTAsync_disconnectOptions_initializer;
        dis.timeout = WATCH_CLOSE_TIMEOUT_MS;
        if (w->paho->is_connected(w->client))
            w->paho->disconnect(w->client, &dis);
        w->paho->destroy(&w->client);
    }
    if (w->queue_ready)
        queue_destroy(&w->events);
    doorbell_close(&w->bell);
    free(w);
}
