/*
 * sink_mqtt_link.c - keep the broker connection up: connect, notice loss, retry.
 *
 * Paho's automaticReconnect counts in whole seconds and does not cover a broker
 * that is down when the gateway starts, so the sink runs its own small reconnect
 * thread. It sleeps on a condition variable until the back-off deadline, calls
 * MQTTAsync_connect once, and sleeps again; the outcome arrives in a callback that
 * either announces the link (online status, command subscription, CTL_LINK_UP) or
 * doubles the delay up to reconnect_max_ms. While the broker is down nothing
 * spins: the only work is one refused TCP connect per back-off period.
 *
 * A cluster (several mqtt.uri) is one connect over Paho's serverURIs: Paho tries
 * each in turn until one answers. The first connect tries them in the config's
 * order; after a loss the list starts with the node after the one that went
 * away, so a node that died without a word (no TCP reset: a whole connect
 * timeout) is tried last, not first. The outbox does not care which node took a
 * message: a loss rewinds it to the oldest unconfirmed seq (outbox.c), which is
 * sent again, with the same seq, to whichever node answers next.
 */
#include "sink_mqtt_internal.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "log.h"

/* Caller holds s->lock. */
static void link_schedule_retry_locked(struct sink_mqtt *s)
{
    s->need_connect = 1;
    s->retry_at_ms = clock_mono_ms() + s->retry_ms;
    s->retry_ms = s->retry_ms * 2 > s->retry_max_ms ? s->retry_max_ms : s->retry_ms * 2;
    pthread_cond_signal(&s->wake);
}

static void link_on_subscribe_failed(void *ctx, MQTTAsync_failureData *resp)
{
    struct sink_mqtt *s = ctx;
    log_error("MQTT broker %s refused the subscription to command topic \"%s\" (code %d); "
              "commands will not reach this gateway until the broker's ACL allows it to "
              "subscribe there", s->uri, s->command_topic, resp ? resp->code : MQTTASYNC_FAILURE);
}

/* The cfg.uris index of uri, or -1 (Paho names the node it connected to). */
static int link_uri_index(const struct sink_mqtt *s, const char *uri)
{
    for (int i = 0; uri && i < s->cfg.nuris; i++)
        if (strcmp(s->cfg.uris[i], uri) == 0)
            return i;
    return -1;
}

/* Caller holds s->lock: the next connect starts with the node after the current one. */
static void link_order_locked(struct sink_mqtt *s)
{
    int n = s->cfg.nuris, first = s->current < 0 ? 0 : (s->current + 1) % n;
    for (int i = 0; i < n; i++)
        s->order[i] = s->cfg.uris[(first + i) % n];
}

static void link_on_connected(void *ctx, MQTTAsync_successData *resp)
{
    struct sink_mqtt *s = ctx;
    const char *node = resp && resp->alt.connect.serverURI ? resp->alt.connect.serverURI
                                                           : s->cfg.uris[0];
    pthread_mutex_lock(&s->lock);
    int closing = s->closing;
    if (!closing) {
        int at = link_uri_index(s, node);
        s->current = at < 0 ? 0 : at;
        node = s->cfg.uris[s->current];
        s->connected = 1;
        s->retry_ms = s->retry_min_ms;
        s->log_connect.last_ms = 0;     /* the next outage is reported at once */
    }
    pthread_mutex_unlock(&s->lock);
    if (closing)
        return;

    log_info("Connected to MQTT broker %s as \"%s\".", node, s->cfg.client_id);
    int rc = sink_mqtt_put(s, s->status_topic, s->online, strlen(s->online), 1, NULL);
    if (rc != MQTTASYNC_SUCCESS)
        log_warn("Could not publish the online status to \"%s\" on MQTT broker %s (%s); "
                 "it will be published again on the next connect",
                 s->status_topic, s->uri, s->paho->strerror(rc));
    MQTTAsync_responseOptions ro = MQTTAsync_responseOptions_initializer;
    ro.onFailure = link_on_subscribe_failed;
    ro.context = s;
    rc = s->paho->subscribe(s->client, s->command_topic, SINK_MQTT_QOS, &ro);
    if (rc != MQTTASYNC_SUCCESS)
        link_on_subscribe_failed(s, NULL);

    pthread_mutex_lock(&s->lock);
    sink_mqtt_report_locked(s, CTL_LINK_UP, OUTBOX_EVENTS, 0, NULL, 0);
    pthread_mutex_unlock(&s->lock);
}

static void link_on_connect_failed(void *ctx, MQTTAsync_failureData *resp)
{
    struct sink_mqtt *s = ctx;
    unsigned long skipped;
    pthread_mutex_lock(&s->lock);
    if (!s->closing) {
        long delay = s->retry_ms;
        link_schedule_retry_locked(s);
        if (sink_mqtt_ratelog_due(&s->log_connect, &skipped))
            log_warn("Cannot connect to MQTT broker %s: %s (code %d); retrying in %ld ms "
                     "(%lu failed attempts not logged). Check that the broker runs and is "
                     "reachable, and the mqtt section's credentials and certificates",
                     s->uri, resp && resp->message ? resp->message
                                                   : s->paho->strerror(resp ? resp->code : 0),
                     resp ? resp->code : 0, delay, skipped);
    }
    pthread_mutex_unlock(&s->lock);
}

void sink_mqtt_on_lost(void *ctx, char *cause)
{
    struct sink_mqtt *s = ctx;
    pthread_mutex_lock(&s->lock);
    s->connected = 0;
    if (!s->closing) {
        log_warn("Lost the connection to MQTT broker %s (%s); reconnecting within %ld ms%s, "
                 "and unconfirmed messages will be sent again",
                 s->cfg.uris[s->current < 0 ? 0 : s->current], cause ? cause : "no reason given",
                 s->retry_ms, s->cfg.nuris > 1 ? " to the next broker that answers" : "");
        link_schedule_retry_locked(s);
        s->link_gen++;                  /* what is in flight now is settled by this report */
        sink_mqtt_report_locked(s, CTL_LINK_DOWN, OUTBOX_EVENTS, 0, NULL, 0);
    }
    pthread_mutex_unlock(&s->lock);
}

/* Sleep until a connect is due, start it, repeat; leaves when closing. */
static void *link_reconnect_main(void *arg)
{
    struct sink_mqtt *s = arg;
    pthread_mutex_lock(&s->lock);
    while (!s->closing) {
        if (!s->need_connect) {
            pthread_cond_wait(&s->wake, &s->lock);
            continue;
        }
        if (clock_mono_ms() < s->retry_at_ms) {
            struct timespec ts;
            sink_mqtt_deadline(&ts, s->retry_at_ms);
            pthread_cond_timedwait(&s->wake, &s->lock, &ts);
            continue;
        }
        s->need_connect = 0;
        link_order_locked(s);           /* Paho copies the list in connect() */
        pthread_mutex_unlock(&s->lock);
        int rc = s->paho->connect(s->client, &s->conn);
        pthread_mutex_lock(&s->lock);
        if (rc != MQTTASYNC_SUCCESS && !s->closing) {
            MQTTAsync_failureData fail = { .token = 0, .code = rc,
                                           .message = s->paho->strerror(rc) };
            pthread_mutex_unlock(&s->lock);
            link_on_connect_failed(s, &fail);
            pthread_mutex_lock(&s->lock);
        }
    }
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int sink_mqtt_link_start(struct sink_mqtt *s, char *err, size_t errlen)
{
    s->conn.onSuccess = link_on_connected;
    s->conn.onFailure = link_on_connect_failed;
    s->conn.context = s;
    s->need_connect = 1;
    s->retry_at_ms = clock_mono_ms();   /* first attempt at once */
    int rc = pthread_create(&s->reconnect_thread, NULL, link_reconnect_main, s);
    if (rc != 0) {
        snprintf(err, errlen, "cannot start the reconnect thread for MQTT broker %s (%s); "
                 "the system is out of threads or memory", s->uri, strerror(rc));
        return -1;
    }
    s->thread_started = 1;
    return 0;
}

void sink_mqtt_link_stop(struct sink_mqtt *s)
{
    pthread_mutex_lock(&s->lock);
    s->closing = 1;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
    if (s->thread_started)
        pthread_join(s->reconnect_thread, NULL);
    s->thread_started = 0;
}
