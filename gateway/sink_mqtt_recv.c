/*
 * sink_mqtt_recv.c - what the broker sends back: PUBACKs and commands.
 *
 * These run on Paho's threads. A delivery callback gets its slot as context, so
 * (cls, seq) is known without a lookup that could race with the next send. A
 * command is copied into malloc'd text for the core (which frees it); anything
 * that is not a usable command - another topic, an empty or oversize payload -
 * is dropped with a rate-limited warning, because it comes from the network.
 */
#include "sink_mqtt_internal.h"

#include <stdlib.h>
#include <string.h>
#include "log.h"

/*
 * Does this settlement need the core awake now? A failure, an event's confirmation
 * or a small window: yes. A telemetry confirmation only while the outbox has a
 * backlog waiting for room (after an outage: sink.wants_room), so that the backlog
 * drains at full speed (waking at half a window instead halved the drain rate,
 * bench_drain). Otherwise - the plant's telemetry paced over the second, nothing
 * waiting - it waits for the core's next wake-up (a sample, or its 100 ms tick):
 * all a late confirmation holds up is freeing the message's memory. At 500 devices
 * that was most of the core's wake-ups.
 */
static int recv_settle_wakes(const struct sink_mqtt *s, enum ctl_kind kind, enum outbox_class cls)
{
    return kind != CTL_DELIVERED || cls != OUTBOX_TELEMETRY || s->base.window < SINK_MQTT_QUIET_WINDOW_MIN ||
           atomic_load(&s->base.wants_room);
}

/*
 * Hand the slot's (cls, seq) to the core as kind, and free the slot. A failure of a
 * message sent before the last CTL_LINK_DOWN is not reported: that report already
 * made the outbox take every message in flight as failed and send it again. Paho
 * discards the old session's messages when the next connect starts, so with a
 * quick reconnect (another broker of a cluster) their failures come after the new
 * link is up and the same seqs are in flight again: reported, they would fail
 * the new copies and the outbox would send everything once more.
 */
static void recv_settle(struct sink_mqtt_slot *slot, enum ctl_kind kind, int code)
{
    struct sink_mqtt *s = slot->owner;
    unsigned long skipped;
    pthread_mutex_lock(&s->lock);
    if (slot->busy && kind == CTL_FAILED && slot->link_gen != s->link_gen) {
        slot->busy = 0;                 /* settled by the CTL_LINK_DOWN */
    } else if (slot->busy) {
        slot->busy = 0;
        if (kind == CTL_FAILED && !s->closing && sink_mqtt_ratelog_due(&s->log_send, &skipped))
            log_warn("MQTT broker %s did not confirm outbox message %d/%lld (%s); it stays in "
                     "the outbox and is sent again (%lu similar not logged)", s->uri,
                     (int)slot->cls, (long long)slot->seq, s->paho->strerror(code), skipped);
        sink_mqtt_report_waking_locked(s, kind, slot->cls, slot->seq, NULL, 0,
                                       recv_settle_wakes(s, kind, slot->cls));
    }
    pthread_mutex_unlock(&s->lock);
}

void sink_mqtt_on_delivered(void *ctx, MQTTAsync_successData *resp)
{
    (void)resp;
    recv_settle(ctx, CTL_DELIVERED, MQTTASYNC_SUCCESS);
}

void sink_mqtt_on_send_failed(void *ctx, MQTTAsync_failureData *resp)
{
    recv_settle(ctx, CTL_FAILED, resp ? resp->code : MQTTASYNC_FAILURE);
}

static int recv_is_command_topic(const struct sink_mqtt *s, const char *topic, int topic_len)
{
    size_t len = topic_len > 0 ? (size_t)topic_len : strlen(topic);
    return len == strlen(s->command_topic) && memcmp(topic, s->command_topic, len) == 0;
}

/* Caller holds s->lock. Copies and queues the command, or says why not. */
static void recv_command_locked(struct sink_mqtt *s, const char *topic,
                                const MQTTAsync_message *msg)
{
    unsigned long skipped;
    size_t len = msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0;
    const char *why = NULL;
    char *text = NULL;

    if (len == 0)
        why = "it is empty";
    else if (len > SINK_MQTT_COMMAND_MAX)
        why = "it is larger than the command limit";
    else if (!(text = malloc(len + 1)))
        why = "the gateway is out of memory";
    if (why) {
        if (sink_mqtt_ratelog_due(&s->log_command, &skipped))
            log_warn("Dropped a %zu-byte command on \"%s\" from MQTT broker %s because %s "
                     "(%d bytes at most; %lu similar not logged); the platform should send "
                     "one JSON command per message", len, topic, s->uri, why,
                     SINK_MQTT_COMMAND_MAX, skipped);
        return;
    }
    memcpy(text, msg->payload, len);
    text[len] = '\0';
    sink_mqtt_report_locked(s, CTL_COMMAND, OUTBOX_EVENTS, 0, text, len);
}

int sink_mqtt_on_arrived(void *ctx, char *topic, int topic_len, MQTTAsync_message *msg)
{
    struct sink_mqtt *s = ctx;
    unsigned long skipped;
    pthread_mutex_lock(&s->lock);
    if (s->closing) {
        /* nothing may reach the core any more */
    } else if (recv_is_command_topic(s, topic, topic_len)) {
        recv_command_locked(s, topic, msg);
    } else if (sink_mqtt_ratelog_due(&s->log_foreign, &skipped)) {
        log_warn("Ignored a message on \"%.*s\" from MQTT broker %s: the gateway only takes "
                 "commands on \"%s\" (%lu similar not logged); check the broker's ACL and "
                 "the platform's topics", topic_len > 0 ? topic_len : (int)strlen(topic), topic,
                 s->uri, s->command_topic, skipped);
    }
    pthread_mutex_unlock(&s->lock);
    s->paho->free_message(&msg);
    s->paho->free(topic);
    return 1;                           /* taken: Paho must not offer it again */
}
