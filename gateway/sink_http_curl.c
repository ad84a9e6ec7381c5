/*
 * sink_http_curl.c - opens libcurl on first use (see sink_http_curl.h for why).
 *
 * Every symbol is resolved before the table is handed out, so a libcurl that
 * lacks one (older than 7.68, which brought curl_multi_poll) is refused as a
 * whole with the missing name, instead of failing later in the middle of a POST.
 */
#include "sink_http_curl.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

static struct curl_lib lib;
static char load_error[256];
static pthread_once_t load_once = PTHREAD_ONCE_INIT;

/* One symbol into *slot; 0, or -1 with load_error set. */
static int curl_lib_symbol(void *handle, const char *name, void *slot)
{
    void *sym = dlsym(handle, name);
    if (!sym) {
        snprintf(load_error, sizeof load_error, "%s has no %s; install a libcurl of 7.68 or "
                 "later (Debian package libcurl4)", CURL_LIB_SONAME, name);
        return -1;
    }
    /* POSIX guarantees a function pointer round-trips through dlsym's void *. */
    *(void **)slot = sym;
    return 0;
}

#define CURL_LIB_BIND(h, field, name) curl_lib_symbol((h), (name), (void *)&lib.field)

static void curl_lib_open(void)
{
    void *h = dlopen(CURL_LIB_SONAME, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(load_error, sizeof load_error, "cannot load %s (%s); HTTP uplinks need the "
                 "Debian package libcurl4", CURL_LIB_SONAME, dlerror());
        return;
    }
    if (CURL_LIB_BIND(h, global_init, "curl_global_init") < 0 ||
        CURL_LIB_BIND(h, easy_init, "curl_easy_init") < 0 ||
        CURL_LIB_BIND(h, easy_setopt, "curl_easy_setopt") < 0 ||
        CURL_LIB_BIND(h, easy_getinfo, "curl_easy_getinfo") < 0 ||
        CURL_LIB_BIND(h, easy_cleanup, "curl_easy_cleanup") < 0 ||
        CURL_LIB_BIND(h, easy_strerror, "curl_easy_strerror") < 0 ||
        CURL_LIB_BIND(h, multi_init, "curl_multi_init") < 0 ||
        CURL_LIB_BIND(h, multi_add_handle, "curl_multi_add_handle") < 0 ||
        CURL_LIB_BIND(h, multi_remove_handle, "curl_multi_remove_handle") < 0 ||
        CURL_LIB_BIND(h, multi_perform, "curl_multi_perform") < 0 ||
        CURL_LIB_BIND(h, multi_info_read, "curl_multi_info_read") < 0 ||
        CURL_LIB_BIND(h, multi_poll, "curl_multi_poll") < 0 ||
        CURL_LIB_BIND(h, multi_wakeup, "curl_multi_wakeup") < 0 ||
        CURL_LIB_BIND(h, multi_cleanup, "curl_multi_cleanup") < 0 ||
        CURL_LIB_BIND(h, slist_append, "curl_slist_append") < 0 ||
        CURL_LIB_BIND(h, slist_free_all, "curl_slist_free_all") < 0 ||
        CURL_LIB_BIND(h, url, "curl_url") < 0 ||
        CURL_LIB_BIND(h, url_set, "curl_url_set") < 0 ||
        CURL_LIB_BIND(h, url_get, "curl_url_get") < 0 ||
        CURL_LIB_BIND(h, url_strerror, "curl_url_strerror") < 0 ||
        CURL_LIB_BIND(h, url_cleanup, "curl_url_cleanup") < 0 ||
        CURL_LIB_BIND(h, free, "curl_free") < 0)
        return;                     /* the handle stays open: harmless, and rare */
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
