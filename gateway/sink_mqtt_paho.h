/*
 * sink_mqtt_paho.h - Eclipse Paho's MQTTAsync, opened when the first MQTT client starts.
 *
 * Debian's libpaho-mqtt1.3 ships the async client twice with the same functions:
 * libpaho-mqtt3a without TLS and libpaho-mqtt3as with it. Linking the TLS build
 * maps and relocates libssl and libcrypto in every process, 2 MiB of RSS, while
 * the usual site talks plain tcp:// to a broker on its own network. So riskgw
 * links neither: the first client opens the build its broker URI needs (dynlib.h)
 * and calls Paho through this table. A TLS client in a process that has bound the
 * plain build is refused with a sentence; one riskgw process has one broker URI
 * (changing it is a restart, core_reload.c), so only a test can meet that.
 * Types and initializer macros still come from <MQTTAsync.h>, so every call is
 * checked by the compiler as before.
 */
#ifndef RISKGW_SINK_MQTT_PAHO_H
#define RISKGW_SINK_MQTT_PAHO_H

#include <stddef.h>
#include <MQTTAsync.h>

#define PAHO_LIB_SONAME "libpaho-mqtt3a.so.1"
#define PAHO_LIB_TLS_SONAME "libpaho-mqtt3as.so.1"

struct paho_lib {
    __typeof__(&MQTTAsync_global_init) global_init;
    __typeof__(&MQTTAsync_create) create;
    __typeof__(&MQTTAsync_setCallbacks) set_callbacks;
    __typeof__(&MQTTAsync_connect) connect;
    __typeof__(&MQTTAsync_isConnected) is_connected;
    __typeof__(&MQTTAsync_subscribe) subscribe;
    __typeof__(&MQTTAsync_sendMessage) send_message;
    __typeof__(&MQTTAsync_waitForCompletion) wait_for_completion;
    __typeof__(&MQTTAsync_disconnect) disconnect;
    __typeof__(&MQTTAsync_destroy) destroy;
    __typeof__(&MQTTAsync_freeMessage) free_message;
    __typeof__(&MQTTAsync_free) free;
    __typeof__(&MQTTAsync_strerror) strerror;
};

/* 1 when Paho connects to uri over TLS (ssl://, mqtts://, wss://). */
int paho_uri_is_tls(const char *uri);

/*
 * The Paho build that can talk to uri, opened and initialised once per process
 * (thread-safe); NULL with a sentence in why when it is missing, or when uri needs
 * TLS and this process has already bound the build without it.
 */
const struct paho_lib *paho_lib_load(const char *uri, char *why, size_t whylen);

#endif
