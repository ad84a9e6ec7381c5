/*
 * sink_mqtt.h - the MQTT uplink: a struct sink over Eclipse Paho's MQTTAsync.
 *
 * The sink keeps one broker connection alive on its own (connect in the
 * background, reconnect with a capped back-off) and tells the core what happens
 * through the control queue: CTL_LINK_UP / CTL_LINK_DOWN, CTL_DELIVERED or
 * CTL_FAILED for every outbox message it accepted, CTL_COMMAND for every command
 * that arrives on the command topic. The broker holds a retained status message:
 * "online" while the gateway is connected, "offline" as the last will and after
 * a clean shutdown. Paho's persistence is off: SQLite is the only store.
 *
 * Every message send() accepted is settled at most once, by CTL_DELIVERED or
 * CTL_FAILED, until destroy; one still in flight when the link drops is settled
 * by that CTL_LINK_DOWN (the outbox sends it again) unless it fails before it, or
 * Paho, which had not yet written it, keeps it and delivers it after the
 * reconnect: then CTL_DELIVERED comes after CTL_LINK_DOWN and CTL_LINK_UP, and
 * the platform may see a QoS 1 duplicate. Its failure is never reported after
 * the CTL_LINK_DOWN (sink_mqtt_recv.c says why).
 */
#ifndef RISKGW_SINK_MQTT_H
#define RISKGW_SINK_MQTT_H

#include <stddef.h>
#include "config.h"
#include "queue.h"
#include "sink.h"

/* The topics and fixed payloads the sink needs beyond what it is asked to send. */
struct sink_mqtt_topics {
    const char *status;     /* retained gateway status topic */
    const char *online;     /* payload published there on every connect */
    const char *offline;    /* payload of the last will and of a clean shutdown */
    const char *command;    /* subscribed with QoS 1; one exact topic, no wildcards */
};

/* Largest command payload accepted; bigger ones are logged and dropped. */
#define SINK_MQTT_COMMAND_MAX (64 * 1024)

/*
 * Create the sink and start connecting in the background; it never blocks on the
 * network. ctl receives struct ctl_msg items tagged with index. Strings are copied.
 * Returns NULL with a sentence in err when the settings cannot work (bad URI,
 * unreadable certificate file, ...).
 */
struct sink *sink_mqtt_create(const struct mqtt_cfg *cfg, const struct sink_mqtt_topics *topics,
                              struct queue *ctl, int index, char *err, size_t errlen);

/*
 * Publish outside the outbox (command replies, periodic status): QoS 1,
 * fire-and-forget, nothing is reported back. 0, or -1 when not connected or the
 * client refused it (logged).
 */
int sink_mqtt_publish(struct sink *s, const char *topic, const char *payload, int retained);

#endif
