/*
 * sink_mqtt.c - the MQTT sink's life and its sink_ops (see sink_mqtt.h).
 *
 * Creation copies the settings, builds the Paho client (persistence off: the
 * outbox in SQLite is the only store) and starts the reconnect thread. Sending
 * takes a free in-flight slot, so at most base.window QoS 1 messages are
 * outstanding and each PUBACK names its (cls, seq). Destruction leaves the
 * broker's retained status "offline" and guarantees silence afterwards.
 */
#include "sink_mqtt_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "dynlib.h"
#include "log.h"

#define MS_PER_S 1000
#define NS_PER_MS 1000000L

static const struct sink_ops sink_mqtt_ops;

void sink_mqtt_deadline(struct timespec *ts, int64_t at_ms)
{
    ts->tv_sec = (time_t)(at_ms / MS_PER_S);
    ts->tv_nsec = (long)(at_ms % MS_PER_S) * NS_PER_MS;
}

int sink_mqtt_ratelog_due(struct sink_mqtt_ratelog *r, unsigned long *suppressed)
{
    int64_t now = clock_mono_ms();
    if (r->last_ms && now - r->last_ms < SINK_MQTT_LOG_EVERY_MS) {
        r->suppressed++;
        return 0;
    }
    *suppressed = r->suppressed;
    r->suppressed = 0;
    r->last_ms = now;
    return 1;
}

void sink_mqtt_report_waking_locked(struct sink_mqtt *s, enum ctl_kind kind, enum outbox_class cls,
                                    int64_t seq, char *text, size_t text_len, int wake)
{
    unsigned long skipped;
    struct ctl_msg m = { .kind = kind, .sink = s->base.index, .cls = cls, .seq = seq,
                         .text = text, .text_len = text_len };
    if (!s->closing && (wake ? queue_push(s->ctl, &m) : queue_push_quiet(s->ctl, &m)) == 0)
        return;
    if (!s->closing && sink_mqtt_ratelog_due(&s->log_queue, &skipped))
        log_error("The core's control queue is full, so a report from MQTT broker %s was lost "
                  "(%lu similar not logged); the core loop is stalled or the queue is too small",
                  s->uri, skipped);
    free(text);
}

void sink_mqtt_report_locked(struct sink_mqtt *s, enum ctl_kind kind, enum outbox_class cls,
                             int64_t seq, char *text, size_t text_len)
{
    sink_mqtt_report_waking_locked(s, kind, cls, seq, text, text_len, 1);
}

int sink_mqtt_put(struct sink_mqtt *s, const char *topic, const void *payload, size_t len,
                  int retained, MQTTAsync_responseOptions *ro)
{
    MQTTAsync_responseOptions none = MQTTAsync_responseOptions_initializer;
    MQTTAsync_message msg = MQTTAsync_message_initializer;
    if (len > SINK_MQTT_PAYLOAD_MAX)
        return MQTTASYNC_BAD_STRUCTURE;
    msg.payload = (void *)payload;      /* Paho copies it before returning */
    msg.payloadlen = (int)len;
    msg.qos = SINK_MQTT_QOS;
    msg.retained = retained ? 1 : 0;
    return s->paho->send_message(s->client, topic, &msg, ro ? ro : &none);
}

static int sink_mqtt_connected(struct sink *base)
{
    struct sink_mqtt *s = base->impl;
    pthread_mutex_lock(&s->lock);
    int up = s->connected && !s->closing;
    pthread_mutex_unlock(&s->lock);
    return up;
}

/* A free in-flight slot marked busy with (cls, seq), or NULL when the window is full. */
static struct sink_mqtt_slot *sink_mqtt_claim(struct sink_mqtt *s, const struct outbox_msg *m)
{
    struct sink_mqtt_slot *slot = NULL;
    pthread_mutex_lock(&s->lock);
    for (int i = 0; i < s->base.window && s->connected && !s->closing; i++) {
        int at = (s->slot_hint + i) % s->base.window;
        if (!s->slots[at].busy) {
            slot = &s->slots[at];
            slot->busy = 1;
            slot->cls = m->cls;
            slot->seq = m->seq;
            slot->link_gen = s->link_gen;
            s->slot_hint = (at + 1) % s->base.window;
            break;
        }
    }
    pthread_mutex_unlock(&s->lock);
    return slot;
}

static int sink_mqtt_send(struct sink *base, const struct outbox_msg *m)
{
    struct sink_mqtt *s = base->impl;
    struct sink_mqtt_slot *slot = sink_mqtt_claim(s, m);
    if (!slot)
        return -1;                      /* down, or window full: the outbox retries */
    MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
    ro.onSuccess = sink_mqtt_on_delivered;
    ro.onFailure = sink_mqtt_on_send_failed;
    ro.context = slot;
    int rc = sink_mqtt_put(s, m->topic, m->payload, m->payload_len, 0, &ro);
    if (rc == MQTTASYNC_SUCCESS)
        return 0;
    unsigned long skipped;
    pthread_mutex_lock(&s->lock);
    slot->busy = 0;                     /* refused at once: Paho calls neither callback */
    if (sink_mqtt_ratelog_due(&s->log_send, &skipped))
        log_warn("MQTT client for broker %s refused outbox message %d/%lld of %zu bytes on "
                 "\"%s\" (%s); it stays in the outbox (%lu similar not logged)", s->uri,
                 (int)m->cls, (long long)m->seq, m->payload_len, m->topic,
                 s->paho->strerror(rc), skipped);
    pthread_mutex_unlock(&s->lock);
    return -1;
}

int sink_mqtt_publish(struct sink *base, const char *topic, const char *payload, int retained)
{
    struct sink_mqtt *s = base->impl;
    if (!sink_mqtt_connected(base))
        return -1;
    int rc = sink_mqtt_put(s, topic, payload, strlen(payload), retained, NULL);
    if (rc == MQTTASYNC_SUCCESS)
        return 0;
    log_warn("Could not publish %zu bytes on \"%s\" to MQTT broker %s (%s); the message is "
             "dropped, it is not part of the outbox", strlen(payload), topic, s->uri,
             s->paho->strerror(rc));
    return -1;
}

static void sink_mqtt_on_disconnected(void *ctx, MQTTAsync_successData *resp)
{
    struct sink_mqtt *s = ctx;
    (void)resp;
    pthread_mutex_lock(&s->lock);
    s->disconnect_done = 1;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

static void sink_mqtt_on_disconnect_failed(void *ctx, MQTTAsync_failureData *resp)
{
    (void)resp;
    sink_mqtt_on_disconnected(ctx, NULL);
}

/* Publish the offline status and say goodbye, each bounded by SINK_MQTT_CLOSE_TIMEOUT_MS. */
static void sink_mqtt_goodbye(struct sink_mqtt *s)
{
    MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
    int rc = sink_mqtt_put(s, s->status_topic, s->offline, strlen(s->offline), 1, &ro);
    if (rc == MQTTASYNC_SUCCESS)
        rc = s->paho->wait_for_completion(s->client, ro.token, SINK_MQTT_CLOSE_TIMEOUT_MS);
    if (rc != MQTTASYNC_SUCCESS)
        log_warn("Could not publish the offline status to MQTT broker %s (%s); the broker "
                 "will show the last will instead once it notices the gateway is gone",
                 s->uri, s->paho->strerror(rc));

    MQTTAsync_disconnectOptions dis = MQTTAsync_disconnectOptions_initializer;
    dis.timeout = SINK_MQTT_CLOSE_TIMEOUT_MS;
    dis.onSuccess = sink_mqtt_on_disconnected;
    dis.onFailure = sink_mqtt_on_disconnect_failed;
    dis.context = s;
    if (s->paho->disconnect(s->client, &dis) != MQTTASYNC_SUCCESS)
        return;
    struct timespec deadline;
    sink_mqtt_deadline(&deadline, clock_mono_ms() + SINK_MQTT_CLOSE_TIMEOUT_MS);
    pthread_mutex_lock(&s->lock);
    while (!s->disconnect_done)
        if (pthread_cond_timedwait(&s->wake, &s->lock, &deadline) != 0)
            break;
    pthread_mutex_unlock(&s->lock);
}

static void sink_mqtt_free(struct sink_mqtt *s)
{
    if (s->paho && s->client)
        s->paho->destroy(&s->client);
    /* A Paho callback that got in before destroy finishes inside the lock: wait for it. */
    pthread_mutex_lock(&s->lock);
    pthread_mutex_unlock(&s->lock);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    free(s->slots);
    free(s->status_topic);
    free(s->online);
    free(s->offline);
    free(s->command_topic);
    free(s);
}

static void sink_mqtt_destroy(struct sink *base)
{
    struct sink_mqtt *s = base->impl;
    sink_mqtt_link_stop(s);             /* sets closing: no more reports from here on */
    if (s->paho->is_connected(s->client))
        sink_mqtt_goodbye(s);
    sink_mqtt_free(s);
}

static const struct sink_ops sink_mqtt_ops = {
    .connected = sink_mqtt_connected,
    .send = sink_mqtt_send,
    .destroy = sink_mqtt_destroy,
};

static int sink_mqtt_init_sync(struct sink_mqtt *s)
{
    pthread_condattr_t attr;
    if (pthread_condattr_init(&attr) != 0)
        return -1;
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    int rc = pthread_cond_init(&s->wake, &attr);
    pthread_condattr_destroy(&attr);
    if (rc != 0)
        return -1;
    if (pthread_mutex_init(&s->lock, NULL) != 0) {
        pthread_cond_destroy(&s->wake);
        return -1;
    }
    return 0;
}

/* Allocate s with copies of everything the caller owns; NULL and err on failure. */
static struct sink_mqtt *sink_mqtt_alloc(const struct mqtt_cfg *cfg,
                                         const struct sink_mqtt_topics *t, char *err, size_t errlen)
{
    if (!t || !t->status || !t->online || !t->offline || !t->command ||
        !t->status[0] || !t->command[0]) {
        snprintf(err, errlen, "the MQTT sink for broker %s needs a status topic, online and "
                 "offline payloads and a command topic; this is a bug in the caller", cfg->uris[0]);
        return NULL;
    }
    struct sink_mqtt *s = calloc(1, sizeof *s);
    if (s && sink_mqtt_init_sync(s) < 0) {
        free(s);
        s = NULL;
    }
    if (!s) {
        snprintf(err, errlen, "out of memory or locks creating the MQTT sink for broker %s",
                 cfg->uris[0]);
        return NULL;
    }
    s->cfg = *cfg;
    sink_mqtt_opts_label(&s->cfg, s->label, sizeof s->label);
    s->uri = s->label;
    s->current = -1;
    s->base.window = cfg->window > 0 ? cfg->window : SINK_MQTT_WINDOW_DEFAULT;
    if (s->base.window > SINK_MQTT_WINDOW_MAX)
        s->base.window = SINK_MQTT_WINDOW_MAX;
    s->status_topic = strdup(t->status);
    s->online = strdup(t->online);
    s->offline = strdup(t->offline);
    s->command_topic = strdup(t->command);
    s->slots = calloc((size_t)s->base.window, sizeof *s->slots);
    if (s->status_topic && s->online && s->offline && s->command_topic && s->slots) {
        for (int i = 0; i < s->base.window; i++)
            s->slots[i].owner = s;
        return s;
    }
    snprintf(err, errlen, "out of memory creating the MQTT sink for broker %s", cfg->uris[0]);
    sink_mqtt_free(s);
    return NULL;
}

struct sink *sink_mqtt_create(const struct mqtt_cfg *cfg, const struct sink_mqtt_topics *topics,
                              struct queue *ctl, int index, char *err, size_t errlen)
{
    struct sink_mqtt *s = sink_mqtt_alloc(cfg, topics, err, errlen);
    if (!s)
        return NULL;
    snprintf(s->base.name, sizeof s->base.name, "%s", "mqtt");
    s->base.index = index;
    s->base.ops = &sink_mqtt_ops;
    s->base.impl = s;
    s->ctl = ctl;
    s->retry_min_ms = cfg->reconnect_min_ms > 0 ? cfg->reconnect_min_ms
                                                : SINK_MQTT_RETRY_MIN_DEFAULT_MS;
    s->retry_max_ms = cfg->reconnect_max_ms > 0 ? cfg->reconnect_max_ms
                                                : SINK_MQTT_RETRY_MAX_DEFAULT_MS;
    if (s->retry_max_ms < s->retry_min_ms)
        s->retry_max_ms = s->retry_min_ms;
    s->retry_ms = s->retry_min_ms;

    /* The settings first: a wrong one is named before any library is opened. */
    if (sink_mqtt_opts_init(s, err, errlen) < 0)
        goto fail;
    char why[DYNLIB_ERROR_MAX];
    if (!(s->paho = paho_lib_load(s->cfg.uris[0], why, sizeof why))) {
        snprintf(err, errlen, "cannot start the MQTT client for broker %s: %s", s->uri, why);
        goto fail;
    }
    int rc = s->paho->create(&s->client, s->cfg.uris[0], s->cfg.client_id,
                             MQTTCLIENT_PERSISTENCE_NONE, NULL);
    if (rc != MQTTASYNC_SUCCESS) {
        snprintf(err, errlen, "the MQTT client refused broker URI \"%s\" or client id \"%s\" "
                 "(%s); use tcp://host:1883 or ssl://host:8883 in mqtt.uri",
                 s->uri, s->cfg.client_id, s->paho->strerror(rc));
        s->client = NULL;
        goto fail;
    }
    rc = s->paho->set_callbacks(s->client, s, sink_mqtt_on_lost, sink_mqtt_on_arrived, NULL);
    if (rc != MQTTASYNC_SUCCESS) {
        snprintf(err, errlen, "cannot set the callbacks of the MQTT client for broker %s (%s)",
                 s->uri, s->paho->strerror(rc));
        goto fail;
    }
    if (sink_mqtt_link_start(s, err, errlen) < 0)
        goto fail;
    return &s->base;
fail:
    sink_mqtt_free(s);
    return NULL;
}
