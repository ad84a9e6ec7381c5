/*
 * sink_mqtt_opts.c - turn the [mqtt] config into Paho connect options, or say why not.
 *
 * Everything that can be known wrong before touching the network is refused here
 * with a sentence: a TLS file that cannot be read, TLS files given for a plain
 * URI. Paho only notices such things at connect time, once per retry, with a
 * terse code; the installer should see them once, at start, naming the setting.
 */
#include "sink_mqtt_internal.h"
#include "sink_mqtt_opts.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "log.h"

/* An optional file setting: empty is fine, otherwise it must be readable now. */
static int opts_check_file(const char *path, const char *setting, const char *uri,
                           char *err, size_t errlen)
{
    if (!path[0] || access(path, R_OK) == 0)
        return 0;
    snprintf(err, errlen, "cannot read %s \"%s\" for MQTT broker %s (%s); "
             "fix the path or the file's permissions", setting, path, uri, strerror(errno));
    return -1;
}

/* Paho reports OpenSSL's errors here; they say why a handshake failed. */
static int opts_on_tls_error(const char *str, size_t len, void *ctx)
{
    struct sink_mqtt *s = ctx;
    unsigned long skipped;
    while (len > 0 && (str[len - 1] == '\n' || str[len - 1] == '\r'))
        len--;                          /* OpenSSL ends its lines; ours add no break */
    pthread_mutex_lock(&s->lock);
    if (sink_mqtt_ratelog_due(&s->log_tls, &skipped))
        log_warn("TLS with MQTT broker %s failed: %.*s (%lu similar messages skipped); "
                 "check mqtt.ca_file, mqtt.cert_file, mqtt.key_file and the broker's certificate",
                 s->uri, (int)len, str, skipped);
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static int opts_tls(const struct mqtt_cfg *cfg, MQTTAsync_connectOptions *conn,
                    MQTTAsync_SSLOptions *ssl, char *err, size_t errlen)
{
    if (opts_check_file(cfg->ca_file, "mqtt.ca_file", cfg->uris[0], err, errlen) < 0 ||
        opts_check_file(cfg->cert_file, "mqtt.cert_file", cfg->uris[0], err, errlen) < 0 ||
        opts_check_file(cfg->key_file, "mqtt.key_file", cfg->uris[0], err, errlen) < 0)
        return -1;
    if (cfg->key_file[0] && !cfg->cert_file[0]) {
        snprintf(err, errlen, "mqtt.key_file is set but mqtt.cert_file is not, for MQTT broker %s; "
                 "give the client certificate too, or remove the key", cfg->uris[0]);
        return -1;
    }
    MQTTAsync_SSLOptions o = MQTTAsync_SSLOptions_initializer;
    o.trustStore = cfg->ca_file[0] ? cfg->ca_file : NULL;
    o.keyStore = cfg->cert_file[0] ? cfg->cert_file : NULL;
    o.privateKey = cfg->key_file[0] ? cfg->key_file : NULL;
    o.enableServerCertAuth = cfg->verify_server ? 1 : 0;
    o.verify = cfg->verify_server ? 1 : 0;          /* host name check as well */
    *ssl = o;
    conn->ssl = ssl;
    return 0;
}

void sink_mqtt_opts_label(const struct mqtt_cfg *cfg, char *out, size_t outlen)
{
    size_t used = 0;
    out[0] = '\0';
    for (int i = 0; i < cfg->nuris && used < outlen; i++) {
        int n = snprintf(out + used, outlen - used, "%s%s", i ? " or " : "", cfg->uris[i]);
        used += n > 0 ? (size_t)n : 0;
    }
}

/* Several brokers: Paho tries order[0], order[1], ... on each connect until one answers. */
static void opts_cluster(const struct mqtt_cfg *cfg, MQTTAsync_connectOptions *conn, char **order)
{
    for (int i = 0; i < cfg->nuris; i++)
        order[i] = (char *)cfg->uris[i];
    if (cfg->nuris > 1) {
        conn->serverURIs = order;
        conn->serverURIcount = cfg->nuris;
    }
}

int sink_mqtt_opts_connect(const struct mqtt_cfg *cfg, MQTTAsync_connectOptions *conn,
                           MQTTAsync_SSLOptions *ssl, char **order, char *err, size_t errlen)
{
    MQTTAsync_connectOptions c = MQTTAsync_connectOptions_initializer;
    c.keepAliveInterval = cfg->keepalive_s > 0 ? (int)cfg->keepalive_s
                                               : SINK_MQTT_KEEPALIVE_DEFAULT_S;
    c.cleansession = 1;                 /* the outbox resends whatever was not confirmed */
    c.connectTimeout = SINK_MQTT_CONNECT_TIMEOUT_S;
    c.MQTTVersion = MQTTVERSION_3_1_1;
    c.automaticReconnect = 0;           /* ours: ms back-off, and covers the first connect */
    c.username = cfg->username[0] ? cfg->username : NULL;
    c.password = cfg->password[0] ? cfg->password : NULL;
    *conn = c;
    opts_cluster(cfg, conn, order);
    if (paho_uri_is_tls(cfg->uris[0]))      /* the whole list is TLS or not (config_mqtt_uri.c) */
        return opts_tls(cfg, conn, ssl, err, errlen);
    if (cfg->ca_file[0] || cfg->cert_file[0] || cfg->key_file[0])
        log_warn("MQTT broker %s is not a TLS URI, so mqtt.ca_file, mqtt.cert_file and "
                 "mqtt.key_file are ignored; use ssl://host:8883 to encrypt", cfg->uris[0]);
    return 0;
}

int sink_mqtt_opts_init(struct sink_mqtt *s, char *err, size_t errlen)
{
    MQTTAsync_willOptions will = MQTTAsync_willOptions_initializer;

    will.topicName = s->status_topic;
    will.message = s->offline;
    will.retained = 1;
    will.qos = SINK_MQTT_QOS;
    s->will = will;
    if (sink_mqtt_opts_connect(&s->cfg, &s->conn, &s->ssl, s->order, err, errlen) < 0)
        return -1;
    s->conn.will = &s->will;
    s->conn.maxInflight = s->base.window;
    if (!s->conn.ssl)
        return 0;
    s->ssl.ssl_error_cb = opts_on_tls_error;
    s->ssl.ssl_error_context = s;
    if (!s->cfg.verify_server)
        log_warn("MQTT broker %s: the server certificate is not verified (mqtt.verify_server "
                 "is off); anyone on the path can pose as the broker, turn it on in production",
                 s->uri);
    return 0;
}
