/*
 * sink_mqtt_opts.h - the Paho connect options every riskgw client of the park's broker uses.
 *
 * The MQTT uplink and the technician's `riskgw test-alarm` (which subscribes to the
 * gateway's own events to prove they went out) connect with the same settings from
 * the config's mqtt section: credentials, TLS files, keep-alive, MQTT 3.1.1.
 */
#ifndef RISKGW_SINK_MQTT_OPTS_H
#define RISKGW_SINK_MQTT_OPTS_H

#include <stddef.h>
#include <MQTTAsync.h>
#include "config.h"

/*
 * Fill conn from cfg (which must outlive it: Paho keeps its pointers). For a TLS
 * URI ssl is filled and conn->ssl points at it; the TLS files are checked now.
 * With several brokers (a cluster), order (MQTT_URIS_MAX entries, owned by the
 * caller and outliving conn) gets them in the config's order and conn->serverURIs
 * points at it: each connect tries them in turn until one answers.
 * Returns 0, or -1 with a sentence in err naming the setting.
 */
int sink_mqtt_opts_connect(const struct mqtt_cfg *cfg, MQTTAsync_connectOptions *conn,
                           MQTTAsync_SSLOptions *ssl, char **order, char *err, size_t errlen);

/* The brokers as logs name them: "tcp://a:1883", or "tcp://a:1883 or tcp://b:1883". */
#define SINK_MQTT_LABEL_MAX (MQTT_URIS_MAX * (PATH_MAX_LEN + sizeof " or "))
void sink_mqtt_opts_label(const struct mqtt_cfg *cfg, char *out, size_t outlen);

#endif
