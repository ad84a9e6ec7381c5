/*
 * config_mqtt_uri.c - "mqtt.uri": one broker, or the nodes of a broker cluster.
 *
 *   "uri": "tcp://broker:1883"
 *   "uri": ["tcp://node1:1883", "tcp://node2:1883", "tcp://node3:1883"]
 *
 * A park runs its broker as a cluster; the gateway connects to the first node
 * that answers and moves to another when its node goes away (sink_mqtt_link.c).
 * Every node must speak the same transport: the process loads Paho's TLS or
 * plain build once (sink_mqtt_paho.h), so a list mixing ssl:// and tcp:// is
 * refused here with a sentence instead of failing on the first switch.
 */
#include <string.h>
#include "config.h"
#include "json_field.h"

static const struct { const char *prefix; int tls; } uri_schemes[] = {
    {"tcp://", 0}, {"ssl://", 1}, {"mqtt://", 0}, {"mqtts://", 1},
};

/* 0 plain, 1 TLS, -1 a scheme the gateway does not speak. */
static int uri_scheme_tls(const char *uri)
{
    for (size_t i = 0; i < sizeof uri_schemes / sizeof uri_schemes[0]; i++)
        if (strncmp(uri, uri_schemes[i].prefix, strlen(uri_schemes[i].prefix)) == 0)
            return uri_schemes[i].tls;
    return -1;
}

/* One address at path: a string with a known scheme, not given twice. */
static int uri_take(const cJSON *item, const char *path, struct mqtt_cfg *m, struct cfg_err *err)
{
    if (!cJSON_IsString(item))
        return cfg_fail(err, path, "expected a string such as \"tcp://broker:1883\"");
    const char *uri = item->valuestring;
    if (uri_scheme_tls(uri) < 0)
        return cfg_fail(err, path, "\"%s\" must start with tcp://, ssl://, mqtt:// or mqtts://", uri);
    if (strlen(uri) >= sizeof m->uris[0])
        return cfg_fail(err, path, "is longer than %zu characters", sizeof m->uris[0] - 1);
    for (int i = 0; i < m->nuris; i++)
        if (strcmp(m->uris[i], uri) == 0)
            return cfg_fail(err, path, "\"%s\" is already mqtt.uri[%d]", uri, i);
    if (m->nuris > 0 && uri_scheme_tls(uri) != uri_scheme_tls(m->uris[0]))
        return cfg_fail(err, path, "\"%s\" and \"%s\" mix TLS and plain TCP; every broker in "
                        "the list must use the same (all ssl:// or all tcp://)", uri, m->uris[0]);
    strcpy(m->uris[m->nuris++], uri);
    return 0;
}

int config_parse_mqtt_uri(const cJSON *mqtt, struct mqtt_cfg *m, struct cfg_err *err)
{
    const cJSON *uri = cJSON_GetObjectItemCaseSensitive(mqtt, "uri");
    char path[CFG_PATH_MAX];
    m->nuris = 0;
    if (!uri)
        return cfg_fail(err, "mqtt.uri", "is required: the broker's address, or a list of "
                        "the addresses of a broker cluster");
    if (!cJSON_IsArray(uri))
        return uri_take(uri, "mqtt.uri", m, err);
    int n = cJSON_GetArraySize(uri);
    if (n == 0 || n > MQTT_URIS_MAX)
        return cfg_fail(err, "mqtt.uri", "lists %d brokers; give 1 to %d", n, MQTT_URIS_MAX);
    const cJSON *it;
    cJSON_ArrayForEach(it, uri) {
        jf_path_index(path, sizeof path, "mqtt.uri", m->nuris);
        if (uri_take(it, path, m, err) < 0)
            return -1;
    }
    return 0;
}
