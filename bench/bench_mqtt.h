/*
 * bench_mqtt.h - the MQTT ends of the benchmark's own programs (Paho MQTTClient).
 *
 * The probes that watch the gateway (bench_sub, bench_alarm) and the bare
 * reference loop (bench_bare) all need a broker connection. They share this one
 * shape so that none of them measures a different client setup: Paho's
 * synchronous MQTTClient, clean session, no persistence. Without a message
 * callback the client runs on the caller's thread only (Paho starts no thread),
 * which is what the yardstick's "one thread" bare loop needs; with a callback
 * Paho delivers arrivals on its own receive thread.
 */
#ifndef RISKGW_BENCH_MQTT_H
#define RISKGW_BENCH_MQTT_H

#include <stddef.h>
#include <MQTTClient.h>

#define BENCH_ERR_MAX 256
#define BENCH_CONNECT_TIMEOUT_S 10
#define BENCH_MS_PER_S 1000.0

/* Called on Paho's thread for every arriving message; arrival_ms is the wall clock. */
typedef void (*bench_msg_fn)(void *ctx, const char *topic, const char *payload, size_t len,
                             double arrival_ms);

struct bench_mqtt {
    MQTTClient client;
    bench_msg_fn on_msg;    /* NULL: a publisher that never starts a thread */
    void *ctx;
    int connected;
};

/* Connect to uri as client_id; max_inflight bounds unacknowledged QoS 1 publishes.
 * 0, or -1 with a sentence in err. */
int bench_mqtt_open(struct bench_mqtt *m, const char *uri, const char *client_id, int max_inflight,
                    bench_msg_fn on_msg, void *ctx, char *err, size_t errlen);
/* Subscribe with QoS 1. 0, or -1 with a sentence in err. */
int bench_mqtt_subscribe(struct bench_mqtt *m, const char *topic, char *err, size_t errlen);
void bench_mqtt_close(struct bench_mqtt *m);

/* Wall clock in milliseconds with microsecond resolution. */
double bench_wall_ms(void);
/* Monotonic clock in seconds. */
double bench_mono_s(void);

#endif
