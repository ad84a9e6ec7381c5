/*
 * sink_http_curl.c - opens libcurl on first use (see sink_http_curl.h for why).
 *
 * Every symbol is resolved before the table is handed out (dynlib_bind), so a
 * libcurl that lacks one (older than 7.68, which brought curl_multi_poll) is
 * refused as a whole with the missing name, not in the middle of a POST.
 */
#include "sink_http_curl.h"

#include "dynlib.h"

#include <pthread.h>
#include <stdio.h>

static struct curl_lib lib;
static char load_error[256];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

#define CURL_SYM(field, name) {(name), (void *)&lib.field}

static void curl_lib_open(void)
{
    const struct dynlib_symbol syms[] = {
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
    if (dynlib_bind(CURL_LIB_SONAME, "libcurl4 (7.68 or later)", syms, sizeof syms / sizeof syms[0],
                    load_error, sizeof load_error) < 0)
        return;
    CURLcode rc = lib.global_init(CURL_GLOBAL_DEFAULT);
    if (rc != CURLE_OK)
        snprintf(load_error, sizeof load_error, "libcurl could not initialise (%s)",
                 lib.easy_strerror(rc));
}

const struct curl_lib *curl_lib_load(char *why, size_t whylen)
{
    pthread_once(&load_once, curl_lib_open);
    if (load_error[0]) {
        snprintf(why, whylen, "%s", load_error);
        return NULL;
    }
    return &lib;
}
