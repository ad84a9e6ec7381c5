/*
 * sink_mqtt_paho.c - binds Paho's TLS or plain build on first use (see sink_mqtt_paho.h).
 */
#include "sink_mqtt_paho.h"

#include <string.h>
#include "dynlib.h"

/* The schemes Paho's TLS build adds (MQTTAsync_createWithOptions). */
static const char *const paho_tls_schemes[] = { "ssl://", "mqtts://", "wss://" };

static struct paho_lib lib;

#define PAHO_SYM(field, name) {(name), &lib.field}

static const struct dynlib_symbol paho_syms[] = {
    PAHO_SYM(global_init, "MQTTAsync_global_init"),
    PAHO_SYM(create, "MQTTAsync_create"),
    PAHO_SYM(set_callbacks, "MQTTAsync_setCallbacks"),
    PAHO_SYM(connect, "MQTTAsync_connect"),
    PAHO_SYM(is_connected, "MQTTAsync_isConnected"),
    PAHO_SYM(subscribe, "MQTTAsync_subscribe"),
    PAHO_SYM(send_message, "MQTTAsync_sendMessage"),
    PAHO_SYM(wait_for_completion, "MQTTAsync_waitForCompletion"),
    PAHO_SYM(disconnect, "MQTTAsync_disconnect"),
    PAHO_SYM(destroy, "MQTTAsync_destroy"),
    PAHO_SYM(free_message, "MQTTAsync_freeMessage"),
    PAHO_SYM(free, "MQTTAsync_free"),
    PAHO_SYM(strerror, "MQTTAsync_strerror"),
};

/* Paho's own OpenSSL set-up loads every algorithm and error string, about
 * 1.4 MiB of RSS. OpenSSL 1.1 and later initialise themselves on first use,
 * so a TLS link works without it; the plain build ignores the flag. */
static int paho_lib_init(char *why, size_t whylen)
{
    MQTTAsync_init_options init = MQTTAsync_init_options_initializer;
    (void)why;
    (void)whylen;
    init.do_openssl_init = 0;
    lib.global_init(&init);
    return 0;
}

static struct dynlib paho_dynlib = {
    .soname = PAHO_LIB_SONAME, .full_soname = PAHO_LIB_TLS_SONAME,
    .package = "libpaho-mqtt1.3", .syms = paho_syms,
    .nsyms = sizeof paho_syms / sizeof paho_syms[0],
    .init = paho_lib_init, .lock = PTHREAD_MUTEX_INITIALIZER,
};

int paho_uri_is_tls(const char *uri)
{
    for (size_t i = 0; i < sizeof paho_tls_schemes / sizeof paho_tls_schemes[0]; i++)
        if (strncmp(uri, paho_tls_schemes[i], strlen(paho_tls_schemes[i])) == 0)
            return 1;
    return 0;
}

const struct paho_lib *paho_lib_load(const char *uri, char *why, size_t whylen)
{
    enum dynlib_build build = paho_uri_is_tls(uri) ? DYNLIB_FULL : DYNLIB_LEAN;
    return dynlib_load_build(&paho_dynlib, build, why, whylen) == 0 ? &lib : NULL;
}
