/*
 * bench_bare.c - the yardstick's "bare libmodbus + Paho loop": what riskgw's CPU is compared with.
 *
 * One thread, no rules, no store, no outbox: it connects to N Modbus TCP devices
 * (ports BASE..BASE+N-1, one connection each), and once a second reads REGS
 * holding registers from each device in turn and publishes one JSON message per
 * device at QoS 1, in the same shape as riskgw's telemetry (a "points" object
 * with "v", "q" and "ts" per point), so bench_sub counts both the same way. After
 * each sweep it waits for the broker's PUBACK of the sweep's last message, so
 * nothing is left unacknowledged, then sleeps until the next second.
 *
 *   bench_bare -p BASE_PORT -n N -u URI -s SECONDS [-H HOST] [-r REGS]
 *
 * Prints `cycles C reads R read_errors E publish_errors P` at the end. Exit status
 * 3 means a connection's descriptor was beyond what libmodbus's select() can wait
 * on (FD_SETSIZE): the loop cannot run at this N, which the benchmark reports.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_bare_common.h"
#include "bench_modbus_open.h"
#include "bench_mqtt.h"

#define BARE_DEFAULT_REGS 30
#define BARE_MAX_REGS MODBUS_MAX_READ_REGISTERS
#define BARE_PERIOD_S 1.0
#define BARE_PAYLOAD_MAX (128 + BARE_MAX_REGS * BARE_POINT_JSON_MAX)
#define BARE_INFLIGHT_MAX 65535
#define BARE_INFLIGHT_SPARE 16
#define BARE_ACK_TIMEOUT_MS 1000
#define EXIT_FD_LIMIT 3

struct bare {
    const char *host;
    int base_port, n, regs;
    modbus_t **ctx;
    struct bench_mqtt mqtt;
    long long cycles, reads, read_errors, publish_errors;
};

/* Publish one message QoS 1; when Paho's in-flight window is full, settle it first. */
static int publish(struct bare *b, const char *topic, char *payload, int len, MQTTClient_deliveryToken *last)
{
    MQTTClient_message msg = MQTTClient_message_initializer;
    msg.payload = payload;
    msg.payloadlen = len;
    msg.qos = 1;
    int rc = MQTTClient_publishMessage(b->mqtt.client, topic, &msg, last);
    if (rc == MQTTCLIENT_MAX_MESSAGES_INFLIGHT) {
        MQTTClient_waitForCompletion(b->mqtt.client, *last, BARE_ACK_TIMEOUT_MS);
        rc = MQTTClient_publishMessage(b->mqtt.client, topic, &msg, last);
    }
    return rc == MQTTCLIENT_SUCCESS ? 0 : -1;
}

static void sweep(struct bare *b)
{
    uint16_t regs[BARE_MAX_REGS];
    char topic[BARE_TOPIC_MAX], payload[BARE_PAYLOAD_MAX];
    MQTTClient_deliveryToken last = 0;
    for (int i = 0; i < b->n; i++) {
        b->reads++;
        if (modbus_read_registers(b->ctx[i], 0, b->regs, regs) != b->regs) {
            if (b->read_errors++ == 0)
                fprintf(stderr, "bench_bare: reading device %d (port %d) failed: %s\n", i,
                        b->base_port + i, modbus_strerror(errno));
            continue;
        }
        snprintf(topic, sizeof topic, BARE_TOPIC_FMT, i);
        int len = bare_payload(payload, sizeof payload, i, regs, b->regs, (long long)bench_wall_ms());
        if (len < 0 || publish(b, topic, payload, len, &last) < 0)
            b->publish_errors++;
    }
    if (last)
        MQTTClient_waitForCompletion(b->mqtt.client, last, BARE_ACK_TIMEOUT_MS);
    b->cycles++;
}

static int connect_all(struct bare *b)
{
    char err[BENCH_ERR_MAX];
    if (!(b->ctx = calloc((size_t)b->n, sizeof *b->ctx))) {
        fprintf(stderr, "bench_bare: out of memory for %d connections\n", b->n);
        return 1;
    }
    for (int i = 0; i < b->n; i++) {
        enum bench_modbus_rc rc = bench_modbus_open(b->host, b->base_port + i, 1, &b->ctx[i], err, sizeof err);
        if (rc != BENCH_MODBUS_OK) {
            fprintf(stderr, "bench_bare: device %d: %s\n", i, err);
            return rc == BENCH_MODBUS_FD_LIMIT ? EXIT_FD_LIMIT : 1;
        }
    }
    return 0;
}

static void close_all(struct bare *b)
{
    for (int i = 0; b->ctx && i < b->n; i++)
        if (b->ctx[i]) {
            modbus_close(b->ctx[i]);
            modbus_free(b->ctx[i]);
        }
    free(b->ctx);
    bench_mqtt_close(&b->mqtt);
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_bare -p BASE_PORT -n N -u URI -s SECONDS [-H HOST] [-r REGS]\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct bare b = {.host = "127.0.0.1", .regs = BARE_DEFAULT_REGS};
    const char *uri = NULL;
    double seconds = 0;
    int opt;
    while ((opt = getopt(argc, argv, "H:p:n:u:s:r:")) != -1) {
        switch (opt) {
        case 'H': b.host = optarg; break;
        case 'p': b.base_port = atoi(optarg); break;
        case 'n': b.n = atoi(optarg); break;
        case 'u': uri = optarg; break;
        case 's': seconds = atof(optarg); break;
        case 'r': b.regs = atoi(optarg); break;
        default: return usage();
        }
    }
    if (!uri || b.base_port <= 0 || b.n <= 0 || seconds <= 0 || b.regs <= 0 || b.regs > BARE_MAX_REGS)
        return usage();

    char err[BENCH_ERR_MAX];
    int inflight = b.n + BARE_INFLIGHT_SPARE < BARE_INFLIGHT_MAX ? b.n + BARE_INFLIGHT_SPARE : BARE_INFLIGHT_MAX;
    int rc = connect_all(&b);
    if (rc == 0 && bench_mqtt_open(&b.mqtt, uri, "bench-bare", inflight, NULL, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "bench_bare: %s\n", err);
        rc = 1;
    }
    if (rc == 0) {
        fprintf(stderr, "bench_bare: %d devices connected, polling every %.0f s\n", b.n, BARE_PERIOD_S);
        double start = bench_mono_s(), next = start;
        while (next < start + seconds) {
            sweep(&b);
            next += BARE_PERIOD_S;
            bare_sleep_until(next);
        }
        printf("cycles %lld reads %lld read_errors %lld publish_errors %lld\n", b.cycles, b.reads,
               b.read_errors, b.publish_errors);
    }
    close_all(&b);
    return rc;
}
