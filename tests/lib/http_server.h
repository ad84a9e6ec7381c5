/*
 * http_server.h - a real HTTP server (tests/lib/http_server.py) for C tests, on loopback.
 *
 * The server is a child process that picks its own free port on 127.0.0.1,
 * records every request (and its independent SM4 decryption) as JSON lines,
 * and dies with the test even if the test crashes (PR_SET_PDEATHSIG).
 */
#ifndef RISKGW_TEST_HTTP_SERVER_H
#define RISKGW_TEST_HTTP_SERVER_H

#include <sys/types.h>
#include <cjson/cJSON.h>

#define TEST_HTTP_PATH_MAX 512

struct test_http {
    pid_t pid;                          /* 0 when not running */
    int port;
    char log[TEST_HTTP_PATH_MAX];       /* one JSON object per request */
};

/* Start with files in dir; secret/key_hex/iv_hex may be NULL. 0 once it listens, else -1. */
int test_http_start(struct test_http *s, const char *dir, const char *secret,
                    const char *key_hex, const char *iv_hex);
void test_http_stop(struct test_http *s);      /* SIGTERM, reaped */

/* The requests recorded so far whose path starts with prefix, as a JSON array (caller
 * deletes), after waiting up to ms for at least n of them. Never NULL. */
cJSON *test_http_requests(const struct test_http *s, const char *prefix, int n, int ms);

#endif
