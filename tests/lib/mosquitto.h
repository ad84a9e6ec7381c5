/*
 * mosquitto.h - a real mosquitto broker for C tests, on a free loopback port.
 *
 * The broker runs as a child process with a generated config (127.0.0.1 only,
 * anonymous, no persistence) and dies with the test even if the test crashes
 * (PR_SET_PDEATHSIG). The mosquitto_pub / mosquitto_sub clients are used to look
 * at the broker from outside, so the code under test is never its own witness.
 */
#ifndef RISKGW_TEST_MOSQUITTO_H
#define RISKGW_TEST_MOSQUITTO_H

#include <stddef.h>
#include <sys/types.h>

#define TEST_PATH_MAX 512

struct test_broker {
    pid_t pid;                  /* 0 when not running */
    int port;
    char conf[TEST_PATH_MAX];   /* config file, kept for restarts */
    char log[TEST_PATH_MAX];    /* broker's stdout and stderr */
};

/* A TCP port on 127.0.0.1 that was free a moment ago, or -1. */
int test_free_port(void);

/* Run `argv` (searched in PATH; stderr silenced), wait at most timeout_ms; stdout into out
 * (NUL-terminated, may be NULL). The exit status, or -1 if it could not run or timed out. */
int test_run(char *const argv[], char *out, size_t outlen, int timeout_ms);

/* Start on a free port with config files in dir; extra_conf (may be NULL) is appended.
 * Returns 0 once the broker accepts connections, -1 with a message on stderr. */
int test_broker_start(struct test_broker *b, const char *dir, const char *extra_conf);
/* Start again on the same port with the same config (after stop or kill). */
int test_broker_restart(struct test_broker *b);
void test_broker_stop(struct test_broker *b);   /* SIGTERM, reaped */
void test_broker_kill(struct test_broker *b);   /* SIGKILL, reaped: the broker vanishes */

/* The retained message on topic as text (waits up to timeout_ms). 0, or -1 if none. */
int test_broker_retained(const struct test_broker *b, const char *topic, char *out,
                         size_t outlen, int timeout_ms);
/* Publish len bytes (any content, also empty) with QoS 1 through mosquitto_pub. */
int test_broker_publish(const struct test_broker *b, const char *dir, const char *topic,
                        const void *payload, size_t len, int retained);

#endif
