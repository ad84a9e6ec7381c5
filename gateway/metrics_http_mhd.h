/*
 * metrics_http_mhd.h - libmicrohttpd, opened only when a metrics endpoint starts.
 *
 * Debian's libmicrohttpd12 links GnuTLS, whose load and constructor (p11-kit,
 * nettle, gmp, libtasn1...) cost every daemon 1.5 MiB of RSS even with the
 * endpoint off, which is the default. So the daemon uses the header only and
 * binds these functions through dynlib.h when the config asks for metrics.
 */
#ifndef RISKGW_METRICS_HTTP_MHD_H
#define RISKGW_METRICS_HTTP_MHD_H

#include <stdarg.h>
#include <stddef.h>
#include <sys/socket.h>
#include <microhttpd.h>

#define MHD_LIB_SONAME "libmicrohttpd.so.12"

struct mhd_lib {
    __typeof__(&MHD_start_daemon) start_daemon;
    __typeof__(&MHD_stop_daemon) stop_daemon;
    __typeof__(&MHD_create_response_from_buffer) create_response_from_buffer;
    __typeof__(&MHD_create_response_from_buffer_with_free_callback) create_response_from_buffer_with_free_callback;
    __typeof__(&MHD_add_response_header) add_response_header;
    __typeof__(&MHD_queue_response) queue_response;
    __typeof__(&MHD_destroy_response) destroy_response;
    __typeof__(&MHD_lookup_connection_value) lookup_connection_value;   /* the console's */
};

/* The bound table (once per process, thread-safe), or NULL with a sentence in why. */
const struct mhd_lib *mhd_lib_load(char *why, size_t whylen);

/* libmicrohttpd's own complaints (a client that misbehaves, a socket error) as one
 * rate-limited warning line each: MHD_OPTION_EXTERNAL_LOGGER with cls the server's
 * name ("metrics endpoint", "console"), a static string. */
void mhd_log_limited(void *cls, const char *fmt, va_list ap);

#endif
