/*
 * metrics_http_mhd.c - binds libmicrohttpd on first use (see metrics_http_mhd.h for why).
 */
#include "metrics_http_mhd.h"

#include <stdio.h>
#include <string.h>

#include "dynlib.h"
#include "log.h"

#define MHD_LOG_MAX 256

static struct mhd_lib lib;

#define MHD_SYM(field, name) {(name), &lib.field}

static const struct dynlib_symbol mhd_syms[] = {
    MHD_SYM(start_daemon, "MHD_start_daemon"),
    MHD_SYM(stop_daemon, "MHD_stop_daemon"),
    MHD_SYM(create_response_from_buffer, "MHD_create_response_from_buffer"),
    MHD_SYM(create_response_from_buffer_with_free_callback, "MHD_create_response_from_buffer_with_free_callback"),
    MHD_SYM(add_response_header, "MHD_add_response_header"),
    MHD_SYM(queue_response, "MHD_queue_response"),
    MHD_SYM(destroy_response, "MHD_destroy_response"),
    MHD_SYM(lookup_connection_value, "MHD_lookup_connection_value"),
};

static struct dynlib mhd_dynlib = {
    .soname = MHD_LIB_SONAME, .package = "libmicrohttpd12",
    .syms = mhd_syms, .nsyms = sizeof mhd_syms / sizeof mhd_syms[0],
    .lock = PTHREAD_MUTEX_INITIALIZER,
};

const struct mhd_lib *mhd_lib_load(char *why, size_t whylen)
{
    return dynlib_load(&mhd_dynlib, why, whylen) == 0 ? &lib : NULL;
}

void mhd_log_limited(void *cls, const char *fmt, va_list ap)
{
    const char *who = cls;
    char line[MHD_LOG_MAX];
    vsnprintf(line, sizeof line, fmt, ap);
    line[strcspn(line, "\n")] = '\0';
    log_limited(who, LOG_LVL_WARN, "%s: %s", who, line);
}
