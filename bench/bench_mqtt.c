/*
 * bench_mqtt.c - one Paho MQTTClient setup for every benchmark program (see bench_mqtt.h).
 */
#include "bench_mqtt.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define BENCH_KEEPALIVE_S 30
#define BENCH_QOS 1

double bench_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec * BENCH_MS_PER_S + (double)ts.tv_nsec / 1e6;
}

double bench_mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int on_arrival(void *ctx, char *topic, int topic_len, MQTTClient_message *msg)
{
    struct bench_mqtt *m = ctx;
    double now = bench_wall_ms();
    (void)topic_len;
    m->on_msg(m->ctx, topic, msg->payload, (size_t)msg->payloadlen, now);
    MQTTClient_freeMessage(&msg);
    MQTTClient_free(topic);
    return 1;
}

static void on_lost(void *ctx, char *cause)
{
    (void)ctx;
    fprintf(stderr, "bench: the broker connection was lost (%s); the figures of this run "
                    "will be short\n", cause ? cause : "no reason given");
}

int bench_mqtt_open(struct bench_mqtt *m, const char *uri, const char *client_id, int max_inflight,
                    bench_msg_fn on_msg, void *ctx, char *err, size_t errlen)
{
    memset(m, 0, sizeof *m);
    m->on_msg = on_msg;
    m->ctx = ctx;
    int rc = MQTTClient_create(&m->client, uri, client_id, MQTTCLIENT_PERSISTENCE_NONE, NULL);
    if (rc != MQTTCLIENT_SUCCESS) {
        snprintf(err, errlen, "cannot create an MQTT client for %s (Paho code %d); check the URI", uri, rc);
        return -1;
    }
    if (on_msg && (rc = MQTTClient_setCallbacks(m->client, m, on_lost, on_arrival, NULL)) != MQTTCLIENT_SUCCESS) {
        snprintf(err, errlen, "cannot set the MQTT callbacks (Paho code %d)", rc);
        MQTTClient_destroy(&m->client);
        return -1;
    }
    MQTTClient_connectOptions opts = MQTTClient_connectOptions_initializer;
    opts.keepAliveInterval = BENCH_KEEPALIVE_S;
    opts.cleansession = 1;
    opts.reliable = 0;
    opts.connectTimeout = BENCH_CONNECT_TIMEOUT_S;
    opts.maxInflightMessages = max_inflight;
    if ((rc = MQTTClient_connect(m->client, &opts)) != MQTTCLIENT_SUCCESS) {
        snprintf(err, errlen, "cannot connect to the broker at %s (Paho code %d: %s); is it running?",
                 uri, rc, MQTTClient_strerror(rc));
        MQTTClient_destroy(&m->client);
        return -1;
    }
    m->connected = 1;
    return 0;
}

int bench_mqtt_subscribe(struct bench_mqtt *m, const char *topic, char *err, size_t errlen)
{
    int rc = MQTTClient_subscribe(m->client, topic, BENCH_QOS);
    if (rc != MQTTCLIENT_SUCCESS) {
        snprintf(err, errlen, "cannot subscribe to %s (Paho code %d: %s)", topic, rc,
                 MQTTClient_strerror(rc));
        return -1;
    }
    return 0;
}

void bench_mqtt_close(struct bench_mqtt *m)
{
    if (!m->client)
        return;
    if (m->connected)
        MQTTClient_disconnect(m->client, (int)BENCH_MS_PER_S);
    MQTTClient_destroy(&m->client);
    m->client = NULL;
    m->connected = 0;
}
