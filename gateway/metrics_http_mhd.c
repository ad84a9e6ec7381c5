/*
 * metrics_http_mhd.c - binds libmicrohttpd on first use (see metrics_http_mhd.h for why).
 */
#include "metrics_http_mhd.h"

#include <pthread.h>
#include <stdio.h>

#include "dynlib.h"

static struct mhd_lib lib;
static char load_error[256];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

#define MHD_SYM(field, name) {(name), (void *)&lib.field}

static void mhd_lib_open(void)
{
    const struct dynlib_symbol syms[] = {
        MHD_SYM(start_daemon, "MHD_start_daemon"),
        MHD_SYM(stop_daemon, "MHD_stop_daemon"),
        MHD_SYM(create_response_from_buffer, "MHD_create_response_from_buffer"),
        MHD_SYM(add_response_header, "MHD_add_response_header"),
        MHD_SYM(queue_response, "MHD_queue_response"),
        MHD_SYM(destroy_response, "MHD_destroy_response"),
    };
    dynlib_bind(MHD_LIB_SONAME, "libmicrohttpd12", syms, sizeof syms / sizeof syms[0],
                load_error, sizeof load_error);
}

const struct mhd_lib *mhd_lib_load(char *why, size_t whylen)
{
    pthread_once(&load_once, mhd_lib_open);
    if (load_error[0]) {
        snprintf(why, whylen, "%s", load_error);
        return NULL;
    }
    return &lib;
}
