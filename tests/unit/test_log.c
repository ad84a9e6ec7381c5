/*
 * test_log.c - log lines and their rate limit, read back from a real stderr.
 *
 * stderr is redirected to a temporary file, the rate limiter reads a test
 * clock, and the checks count the lines actually written: the burst passes,
 * the rest of the window is held back, the next window opens with one
 * "suppressed K similar messages" line, keys and call sites have budgets of
 * their own, a filtered level costs nothing, and threads sharing a site never
 * exceed the burst.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "log.h"

#define OUT_MAX 65536
#define THREADS 4
#define THREAD_LINES 1000

static int64_t fake_now = 1000;
static int64_t fake_clock(void) { return fake_now; }

static FILE *capture;
static long capture_pos;

/* Everything written to stderr since the last call. */
static const char *take_output(void)
{
    static char out[OUT_MAX];
    fflush(stderr);
    fseek(capture, capture_pos, SEEK_SET);
    size_t n = fread(out, 1, sizeof out - 1, capture);
    out[n] = '\0';
    capture_pos += (long)n;
    return out;
}

static int count_lines(const char *s, const char *needle)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, needle)); p += strlen(needle))
        n++;
    return n;
}

static void flap(const char *device, int times)
{
    for (int i = 0; i < times; i++)
        log_limited(device, LOG_LVL_WARN, "device %s: no reply to request %d", device, i);
}

static void test_format(void)
{
    log_msg(LOG_LVL_ERROR, "store %s: disk full", "/var/lib/riskgw/riskgw.db");
    const char *out = take_output();
    CHECK(strncmp(out, "<3>20", 5) == 0);
    CHECK_CONTAINS(out, "Z riskgw error: store /var/lib/riskgw/riskgw.db: disk full\n");
}

static void test_burst_then_summary(void)
{
    flap("gas1", 100);
    const char *out = take_output();
    CHECK_INT(count_lines(out, "\n"), LOG_LIMIT_BURST);
    CHECK_CONTAINS(out, "<4>");
    CHECK_CONTAINS(out, "warning: device gas1: no reply to request 4\n");
    CHECK_INT(count_lines(out, "request 5\n"), 0);
    fake_now += LOG_LIMIT_WINDOW_MS - 1;                /* same window: still quiet */
    flap("gas1", 1);
    CHECK_STR(take_output(), "");
    fake_now += 1;                                      /* next window */
    flap("gas1", 1);
    out = take_output();
    CHECK_INT(count_lines(out, "\n"), 2);
    CHECK_CONTAINS(out, "warning: suppressed 96 similar messages about gas1 (at most 5 lines per 60 s)\n");
    CHECK_CONTAINS(out, "device gas1: no reply to request 0\n");
    fake_now += LOG_LIMIT_WINDOW_MS;                    /* a quiet window owes no summary */
    flap("gas1", 1);
    CHECK_INT(count_lines(take_output(), "\n"), 1);
    fake_now += LOG_LIMIT_WINDOW_MS;
}

static void test_keys_and_sites(void)
{
    flap("gas2", 20);
    flap("gas3", 20);                                   /* another key: its own budget */
    const char *out = take_output();
    CHECK_INT(count_lines(out, "device gas2"), LOG_LIMIT_BURST);
    CHECK_INT(count_lines(out, "device gas3"), LOG_LIMIT_BURST);
    for (int i = 0; i < 20; i++)                        /* another call site, same key */
        log_limited("gas2", LOG_LVL_ERROR, "device %s: bad CRC", "gas2");
    CHECK_INT(count_lines(take_output(), "bad CRC"), LOG_LIMIT_BURST);
    fake_now += LOG_LIMIT_WINDOW_MS;
}

static void test_filtered_level(void)
{
    for (int i = 0; i < 20; i++)
        log_limited("gas4", LOG_LVL_DEBUG, "device %s: debug chatter", "gas4");
    CHECK_STR(take_output(), "");
    log_set_level(LOG_LVL_DEBUG);                       /* filtered lines used no budget */
    for (int i = 0; i < 20; i++)
        log_limited("gas4", LOG_LVL_DEBUG, "device %s: debug chatter", "gas4");
    const char *out = take_output();
    CHECK_INT(count_lines(out, "debug chatter"), LOG_LIMIT_BURST);
    CHECK_INT(count_lines(out, "suppressed"), 0);
    log_set_level(LOG_LVL_INFO);
    fake_now += LOG_LIMIT_WINDOW_MS;
}

static void *thread_flap(void *arg)
{
    (void)arg;
    for (int i = 0; i < THREAD_LINES; i++)
        log_limited("shared", LOG_LVL_WARN, "line %d from a thread", i);
    return NULL;
}

static void test_threads(void)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        pthread_create(&t[i], NULL, thread_flap, NULL);
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK_INT(count_lines(take_output(), "from a thread\n"), LOG_LIMIT_BURST);
    fake_now += LOG_LIMIT_WINDOW_MS;
    thread_flap(NULL);
    const char *out = take_output();
    CHECK_CONTAINS(out, "suppressed 3995 similar messages about shared");
}

int main(void)
{
    capture = tmpfile();
    if (!capture || dup2(fileno(capture), STDERR_FILENO) < 0) {
        perror("test_log: cannot capture stderr");
        return 1;
    }
    setvbuf(stderr, NULL, _IONBF, 0);
    log_set_clock(fake_clock);
    test_format();
    test_burst_then_summary();
    test_keys_and_sites();
    test_filtered_level();
    test_threads();
    return check_summary();
}
