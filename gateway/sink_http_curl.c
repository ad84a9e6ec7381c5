/*
 * sink_http_curl.c - opens libcurl on first use (see sink_http_curl.h for why).
 *
 * Every symbol is resolved before the table is handed out (dynlib_bind), so a
 * libcurl that lacks one (older than 7.68, which brought curl_multi_poll) is
 * refused as a whole with the missing name, not in the middle of a POST.
 */
#include "sink_http_curl.h"

#include "dynlib.h"

#include <stdio.h>

static struct curl_lib lib;

#define CURL_SYM(field, name) {(name), &lib.field}

static const struct dynlib_symbol curl_syms[] = {
    CURL_SYM(global_init, "curl_global_init"),
    CURL_SYM(easy_init, "curl_easy_init"),
    CURL_SYM(easy_setopt, "curl_easy_setopt"),
    CURL_SYM(easy_getinfo, "curl_easy_getinfo"),
    CURL_SYM(easy_cleanup, "curl_easy_cleanup"),
    CURL_SYM(easy_strerror, "curl_easy_strerror"),
    CURL_SYM(multi_init, "curl_multi_init"),
    CURL_SYM(multi_add_handle, "curl_multi_add_handle"),
    CURL_SYM(multi_remove_handle, "curl_multi_remove_handle"),
    CURL_SYM(multi_perform, "curl_multi_perform"),
    CURL_SYM(multi_info_read, "curl_multi_info_read"),
    CURL_SYM(multi_poll, "curl_multi_poll"),
    CURL_SYM(multi_wakeup, "curl_multi_wakeup"),
    CURL_SYM(multi_cleanup, "curl_multi_cleanup"),
    CURL_SYM(slist_append, "curl_slist_append"),
    CURL_SYM(slist_free_all, "curl_slist_free_all"),
    CURL_SYM(url, "curl_url"),
    CURL_SYM(url_set, "curl_url_set"),
    CURL_SYM(url_get, "curl_url_get"),
    CURL_SYM(url_strerror, "curl_url_strerror"),
    CURL_SYM(url_cleanup, "curl_url_cleanup"),
    CURL_SYM(free, "curl_free"),
};

/* libcurl's process-wide set-up, once, right after binding. */
static int curl_lib_init(char *why, size_t whylen)
{
    CURLcode rc = lib.global_init(CURL_GLOBAL_DEFAULT);
    if (rc == CURLE_OK)
        return 0;
    snprintf(why, whylen, "libcurl could not initialise (%s)", lib.easy_strerror(rc));
    return -1;
}

static struct dynlib curl_dynlib = {
    .soname = CURL_LIB_SONAME, .package = "libcurl4 (7.68 or later)",
    .syms = curl_syms, .nsyms = sizeof curl_syms / sizeof curl_syms[0],
    .init = curl_lib_init, .lock = PTHREAD_MUTEX_INITIALIZER,
};

const struct curl_lib *curl_lib_load(char *why, size_t whylen)
{
    return dynlib_load(&curl_dynlib, why, whylen) == 0 ? &lib : NULL;
}
