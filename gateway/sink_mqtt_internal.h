/*
 * sink_mqtt_internal.h - what the sink_mqtt*.c files share, and nobody else.
 *
 * Every Paho call goes through s->paho, the table of the build the broker URI
 * needs (sink_mqtt_paho.h); nothing here links Paho.
 *
 * Threads: the core thread calls send/publish/connected/destroy; Paho's own
 * threads run the callbacks; one reconnect thread of ours sleeps out the
 * back-off. Everything mutable below is guarded by `lock`, and Paho functions
 * are never called with `lock` held (Paho may be inside one of our callbacks,
 * waiting for it). Once `closing` is set no callback reports to the core.
 */
#ifndef RISKGW_SINK_MQTT_INTERNAL_H
#define RISKGW_SINK_MQTT_INTERNAL_H

#include <MQTTAsync.h>
#include <pthread.h>
#include <stdint.h>
#include <time.h>
#include "control.h"
#include "sink_mqtt.h"
#include "sink_mqtt_opts.h"
#include "sink_mqtt_paho.h"

/* MQTT 3.1.1 packet identifiers are 16 bits: no more QoS 1 messages in flight. */
#define SINK_MQTT_WINDOW_MAX 65535
#define SINK_MQTT_WINDOW_DEFAULT 32
/* Below this window every confirmation wakes the core (sink_mqtt_recv.c). */
#define SINK_MQTT_QUIET_WINDOW_MIN 8
#define SINK_MQTT_KEEPALIVE_DEFAULT_S 60
#define SINK_MQTT_RETRY_MIN_DEFAULT_MS 1000
#define SINK_MQTT_RETRY_MAX_DEFAULT_MS 60000
/* A connect that gets no CONNACK by then counts as failed (TCP + TLS + CONNACK). */
#define SINK_MQTT_CONNECT_TIMEOUT_S 10
/* How long a clean shutdown waits for the offline status and the DISCONNECT. */
#define SINK_MQTT_CLOSE_TIMEOUT_MS 2000
/* Repeated warnings of one kind are written at most this often. */
#define SINK_MQTT_LOG_EVERY_MS 60000
/* MQTT's largest "remaining length": no payload can be bigger. */
#define SINK_MQTT_PAYLOAD_MAX 268435455u
/* MQTT 3.1.1 QoS 1 */
#define SINK_MQTT_QOS 1

/* One QoS 1 message in flight: Paho's callback context, so (cls, seq) needs no lookup. */
struct sink_mqtt_slot {
    struct sink_mqtt *owner;
    enum outbox_class cls;
    int64_t seq;
    int busy;
    unsigned link_gen;                  /* s->link_gen when sent: which connection carried it */
};

/* Says "write this warning now?" and how many were swallowed since the last one. */
struct sink_mqtt_ratelog {
    int64_t last_ms;
    unsigned long suppressed;
};

struct sink_mqtt {
    struct sink base;                   /* handed out; base.impl points back here */
    const struct paho_lib *paho;        /* the Paho build the URI needs (sink_mqtt_paho.h) */
    MQTTAsync client;
    struct mqtt_cfg cfg;                /* a copy: Paho keeps pointers into it */
    const char *uri;                    /* label: the broker, or "a or b" for a cluster */
    char label[SINK_MQTT_LABEL_MAX];
    char *status_topic, *online, *offline, *command_topic;
    struct queue *ctl;

    /* connect options kept alive for every (re)connect */
    MQTTAsync_connectOptions conn;
    MQTTAsync_willOptions will;
    MQTTAsync_SSLOptions ssl;
    char *order[MQTT_URIS_MAX];         /* cfg.uris as the next connect tries them */

    pthread_mutex_t lock;
    pthread_cond_t wake;                /* CLOCK_MONOTONIC */
    pthread_t reconnect_thread;
    int thread_started;
    int connected, closing, disconnect_done;
    int need_connect;                   /* reconnect thread should try at retry_at_ms */
    int64_t retry_at_ms;
    int current;                        /* cfg.uris index of the broker last connected, -1 none */
    unsigned link_gen;                  /* one more at every CTL_LINK_DOWN */
    long retry_ms, retry_min_ms, retry_max_ms;

    struct sink_mqtt_slot *slots;       /* base.window of them */
    int slot_hint;

    struct sink_mqtt_ratelog log_connect, log_tls, log_send, log_foreign, log_command, log_queue;
};

/* sink_mqtt_opts.c: check s->cfg and fill s->conn / will / ssl. */
int sink_mqtt_opts_init(struct sink_mqtt *s, char *err, size_t errlen);

/* sink_mqtt_link.c: the connection's life. */
int sink_mqtt_link_start(struct sink_mqtt *s, char *err, size_t errlen);
void sink_mqtt_link_stop(struct sink_mqtt *s);
void sink_mqtt_on_lost(void *ctx, char *cause);

/* sink_mqtt_recv.c: what comes back from the broker. */
int sink_mqtt_on_arrived(void *ctx, char *topic, int topic_len, MQTTAsync_message *msg);
void sink_mqtt_on_delivered(void *ctx, MQTTAsync_successData *resp);
void sink_mqtt_on_send_failed(void *ctx, MQTTAsync_failureData *resp);

/* sink_mqtt.c: shared helpers. */
/* Push one report to the core unless closing; caller holds s->lock. Frees text if refused. */
void sink_mqtt_report_locked(struct sink_mqtt *s, enum ctl_kind kind, enum outbox_class cls,
                             int64_t seq, char *text, size_t text_len);
/* The same, without waking the core unless wake (sink_mqtt_recv.c says when). */
void sink_mqtt_report_waking_locked(struct sink_mqtt *s, enum ctl_kind kind, enum outbox_class cls,
                                    int64_t seq, char *text, size_t text_len, int wake);
/* QoS 1 publish through Paho; ro may be NULL. Returns a Paho code. */
int sink_mqtt_put(struct sink_mqtt *s, const char *topic, const void *payload, size_t len,
                  int retained, MQTTAsync_responseOptions *ro);
/* at_ms on the monotonic clock as a deadline for pthread_cond_timedwait on s->wake. */
void sink_mqtt_deadline(struct timespec *ts, int64_t at_ms);
/* 1 when a warning of this kind is due (caller holds s->lock); *suppressed: how many were skipped. */
int sink_mqtt_ratelog_due(struct sink_mqtt_ratelog *r, unsigned long *suppressed);

#endif
