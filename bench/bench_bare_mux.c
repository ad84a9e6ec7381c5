/*
 * bench_bare_mux.c - the multiplexed bare loop: the cheapest way to do riskgw's work.
 *
 * bench_bare reads its N devices one after the other, as a libmodbus loop does.
 * riskgw's TCP poller keeps a request in flight on every connection at once and
 * waits on them all with epoll, which costs less per reading; so riskgw is also
 * compared with a bare loop built the same way (issue 17). One thread, no rules,
 * no store, no outbox: N Modbus TCP connections (ports BASE..BASE+N-1, unit 1),
 * and once a second a Read Holding Registers request (MBAP framed here, 7 bytes
 * and a 5-byte PDU) sent on every connection, the replies taken as they come from
 * one epoll_wait, each published at QoS 1 as one JSON message per device in the
 * same shape as bench_bare's (bench_sub counts both the same way). After a sweep
 * it waits for the PUBACK of the sweep's last message, then sleeps to the next
 * second. A reply that has not come within the second counts as a read error.
 *
 *   bench_bare_mux -p BASE_PORT -n N -u URI -s SECONDS [-H HOST] [-r REGS]
 *
 * Prints `cycles C reads R read_errors E publish_errors P` at the end.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bench_bare_common.h"
#include "bench_mqtt.h"

#define MUX_DEFAULT_REGS 30
#define MUX_MAX_REGS 125                /* Modbus: at most 125 registers per read */
#define MUX_PERIOD_S 1.0
#define MUX_PAYLOAD_MAX (128 + MUX_MAX_REGS * BARE_POINT_JSON_MAX)
#define MUX_REPLY_MAX (9 + 2 * MUX_MAX_REGS)    /* MBAP 7 + FC + byte count + data */
#define MUX_INFLIGHT_MAX 65535
#define MUX_INFLIGHT_SPARE 16
#define MUX_ACK_TIMEOUT_MS 1000
#define MUX_EVENTS 256
#define MUX_FC_READ_HOLDING 3

struct conn {
    int fd;
    uint16_t tid;               /* transaction id of the request in flight */
    int waiting;                /* a request is in flight */
    size_t got;                 /* bytes of the reply so far */
    uint8_t buf[MUX_REPLY_MAX];
};

struct mux {
    const char *host;
    int base_port, n, regs, ep;
    struct conn *conns;
    struct bench_mqtt mqtt;
    MQTTClient_deliveryToken last;
    long long cycles, reads, read_errors, publish_errors;
};

static int connect_one(const char *host, int port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || inet_pton(AF_INET, host, &sa.sin_addr) != 1 ||
        connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int connect_all(struct mux *m)
{
    m->ep = epoll_create1(EPOLL_CLOEXEC);
    m->conns = calloc((size_t)m->n, sizeof *m->conns);
    if (m->ep < 0 || !m->conns) {
        fprintf(stderr, "bench_bare_mux: cannot set up epoll for %d connections: %s\n", m->n, strerror(errno));
        return 1;
    }
    for (int i = 0; i < m->n; i++) {
        struct conn *c = &m->conns[i];
        c->fd = connect_one(m->host, m->base_port + i);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        if (c->fd < 0 || epoll_ctl(m->ep, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
            fprintf(stderr, "bench_bare_mux: device %d (%s:%d): %s\n", i, m->host, m->base_port + i,
                    strerror(errno));
            return 1;
        }
    }
    return 0;
}

static void send_request(struct mux *m, struct conn *c)
{
    c->tid++;
    uint8_t req[12] = {(uint8_t)(c->tid >> 8), (uint8_t)c->tid, 0, 0, 0, 6, 1, MUX_FC_READ_HOLDING, 0, 0,
                       (uint8_t)(m->regs >> 8), (uint8_t)m->regs};
    c->got = 0;
    c->waiting = write(c->fd, req, sizeof req) == (ssize_t)sizeof req;
    if (!c->waiting)
        m->read_errors++;
}

static void publish(struct mux *m, int device, const uint8_t *data)
{
    char topic[BARE_TOPIC_MAX], payload[MUX_PAYLOAD_MAX];
    uint16_t regs[MUX_MAX_REGS];
    for (int i = 0; i < m->regs; i++)
        regs[i] = (uint16_t)(data[2 * i] << 8 | data[2 * i + 1]);
    snprintf(topic, sizeof topic, BARE_TOPIC_FMT, device);
    int len = bare_payload(payload, sizeof payload, device, regs, m->regs, (long long)bench_wall_ms());
    MQTTClient_message msg = MQTTClient_message_initializer;
    msg.payload = payload;
    msg.payloadlen = len;
    msg.qos = 1;
    int rc = len < 0 ? MQTTCLIENT_FAILURE : MQTTClient_publishMessage(m->mqtt.client, topic, &msg, &m->last);
    if (rc == MQTTCLIENT_MAX_MESSAGES_INFLIGHT) {
        MQTTClient_waitForCompletion(m->mqtt.client, m->last, MUX_ACK_TIMEOUT_MS);
        rc = MQTTClient_publishMessage(m->mqtt.client, topic, &msg, &m->last);
    }
    if (rc != MQTTCLIENT_SUCCESS)
        m->publish_errors++;
}

/* Read what connection i has; a whole reply to the request in flight is published. */
/* Read what connection i has; 1 when that completed its request (good reply or not). */
static int on_readable(struct mux *m, int i)
{
    struct conn *c = &m->conns[i];
    ssize_t r = read(c->fd, c->buf + c->got, sizeof c->buf - c->got);
    if (r <= 0 || !c->waiting)
        return 0;
    c->got += (size_t)r;
    size_t want = 9 + 2 * (size_t)m->regs;
    if (c->got < want)
        return 0;
    c->waiting = 0;
    uint16_t tid = (uint16_t)(c->buf[0] << 8 | c->buf[1]);
    if (tid != c->tid || c->buf[7] != MUX_FC_READ_HOLDING || c->buf[8] != 2 * m->regs)
        m->read_errors++;
    else
        publish(m, i, c->buf + 9);
    return 1;
}

static void sweep(struct mux *m, double deadline)
{
    struct epoll_event evs[MUX_EVENTS];
    int pending = 0;
    m->last = 0;
    for (int i = 0; i < m->n; i++) {
        send_request(m, &m->conns[i]);
        pending += m->conns[i].waiting;
        m->reads++;
    }
    while (pending > 0) {
        int wait_ms = (int)((deadline - bench_mono_s()) * 1000);
        if (wait_ms <= 0)
            break;
        int k = epoll_wait(m->ep, evs, MUX_EVENTS, wait_ms);
        for (int e = 0; e < k; e++)
            pending -= on_readable(m, (int)evs[e].data.u32);
    }
    for (int i = 0; i < m->n; i++)
        if (m->conns[i].waiting) {
            m->conns[i].waiting = 0;
            m->read_errors++;
        }
    if (m->last)
        MQTTClient_waitForCompletion(m->mqtt.client, m->last, MUX_ACK_TIMEOUT_MS);
    m->cycles++;
}

static void close_all(struct mux *m)
{
    for (int i = 0; m->conns && i < m->n; i++)
        if (m->conns[i].fd > 0)
            close(m->conns[i].fd);
    free(m->conns);
    if (m->ep >= 0)
        close(m->ep);
    bench_mqtt_close(&m->mqtt);
}

static int usage(void)
{
    fprintf(stderr, "usage: bench_bare_mux -p BASE_PORT -n N -u URI -s SECONDS [-H HOST] [-r REGS]\n");
    return 2;
}

int main(int argc, char **argv)
{
    struct mux m = {.host = "127.0.0.1", .regs = MUX_DEFAULT_REGS, .ep = -1};
    const char *uri = NULL;
    double seconds = 0;
    int opt;
    while ((opt = getopt(argc, argv, "H:p:n:u:s:r:")) != -1) {
        switch (opt) {
        case 'H': m.host = optarg; break;
        case 'p': m.base_port = atoi(optarg); break;
        case 'n': m.n = atoi(optarg); break;
        case 'u': uri = optarg; break;
        case 's': seconds = atof(optarg); break;
        case 'r': m.regs = atoi(optarg); break;
        default: return usage();
        }
    }
    if (!uri || m.base_port <= 0 || m.n <= 0 || seconds <= 0 || m.regs <= 0 || m.regs > MUX_MAX_REGS)
        return usage();

    char err[BENCH_ERR_MAX];
    int inflight = m.n + MUX_INFLIGHT_SPARE < MUX_INFLIGHT_MAX ? m.n + MUX_INFLIGHT_SPARE : MUX_INFLIGHT_MAX;
    int rc = connect_all(&m);
    if (rc == 0 && bench_mqtt_open(&m.mqtt, uri, "bench-bare-mux", inflight, NULL, NULL, err, sizeof err) < 0) {
        fprintf(stderr, "bench_bare_mux: %s\n", err);
        rc = 1;
    }
    if (rc == 0) {
        fprintf(stderr, "bench_bare_mux: %d devices connected, all polled at once every %.0f s\n", m.n,
                MUX_PERIOD_S);
        double start = bench_mono_s(), next = start;
        while (next < start + seconds) {
            next += MUX_PERIOD_S;
            sweep(&m, next);
            bare_sleep_until(next);
        }
        printf("cycles %lld reads %lld read_errors %lld publish_errors %lld\n", m.cycles, m.reads,
               m.read_errors, m.publish_errors);
    }
    close_all(&m);
    return rc;
}
