/*
 * sink_http_curl.h - libcurl, loaded only when an HTTP uplink starts.
 *
 * Linking libcurl pulls in some 25 libraries (GnuTLS, Kerberos, LDAP, SSH, RTMP,
 * IDN...) whose relocation and constructors cost about 4 MiB of RSS in every
 * process, on every box, before a single request is made. Most boxes deliver over
 * MQTT only, so the daemon does not link libcurl: the first HTTP sink opens
 * Debian's libcurl.so.4 (the SONAME libcurl has kept since 2006) with dlopen()
 * and takes the functions the HTTP sink uses from this table. The types are the
 * ones <curl/curl.h> declares, so every call is checked by the compiler as before.
 */
#ifndef RISKGW_SINK_HTTP_CURL_H
#define RISKGW_SINK_HTTP_CURL_H

#include <stddef.h>
#include <curl/curl.h>

#define CURL_LIB_SONAME "libcurl.so.4"

struct curl_lib {
    __typeof__(&curl_global_init) global_init;
    __typeof__(&curl_easy_init) easy_init;
    __typeof__(&curl_easy_setopt) easy_setopt;
    __typeof__(&curl_easy_getinfo) easy_getinfo;
    __typeof__(&curl_easy_cleanup) easy_cleanup;
    __typeof__(&curl_easy_strerror) easy_strerror;
    __typeof__(&curl_multi_init) multi_init;
    __typeof__(&curl_multi_add_handle) multi_add_handle;
    __typeof__(&curl_multi_remove_handle) multi_remove_handle;
    __typeof__(&curl_multi_perform) multi_perform;
    __typeof__(&curl_multi_info_read) multi_info_read;
    __typeof__(&curl_multi_poll) multi_poll;
    __typeof__(&curl_multi_wakeup) multi_wakeup;
    __typeof__(&curl_multi_cleanup) multi_cleanup;
    __typeof__(&curl_slist_append) slist_append;
    __typeof__(&curl_slist_free_all) slist_free_all;
    __typeof__(&curl_url) url;
    __typeof__(&curl_url_set) url_set;
    __typeof__(&curl_url_get) url_get;
    __typeof__(&curl_url_strerror) url_strerror;
    __typeof__(&curl_url_cleanup) url_cleanup;
    __typeof__(&curl_free) free;
};

/* libcurl, opened and globally initialised once per process (thread-safe); NULL
 * with a sentence in why when it is missing, too old or fails to initialise. */
const struct curl_lib *curl_lib_load(char *why, size_t whylen);

#endif
