/*
 * http_server.c - start, stop and read the recording HTTP test server (see http_server.h).
 */
#include "http_server.h"

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PYTHON "/usr/bin/python3"
#define SERVER_SCRIPT RISKGW_SOURCE_DIR "/tests/lib/http_server.py"
#define START_TIMEOUT_MS 5000
#define POLL_MS 20
#define US_PER_MS 1000
#define MS_PER_S 1000
#define NS_PER_MS 1000000
#define MAX_ARGS 12
#define LINE_MAX_BYTES (256 * 1024)

static long long mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * MS_PER_S + ts.tv_nsec / NS_PER_MS;
}

static int read_port(const char *file)
{
    FILE *f = fopen(file, "r");
    int port = -1;
    if (f) {
        if (fscanf(f, "%d", &port) != 1)
            port = -1;
        fclose(f);
    }
    return port;
}

int test_http_start(struct test_http *s, const char *dir, const char *secret,
                    const char *key_hex, const char *iv_hex)
{
    char port_file[TEST_HTTP_PATH_MAX];
    const char *argv[MAX_ARGS] = { PYTHON, SERVER_SCRIPT, port_file, s->log };
    int argc = 4;
    memset(s, 0, sizeof *s);
    snprintf(port_file, sizeof port_file, "%s/http.port", dir);
    snprintf(s->log, sizeof s->log, "%s/http.log", dir);
    unlink(port_file);
    unlink(s->log);
    if (secret) {
        argv[argc++] = "--secret";
        argv[argc++] = secret;
    }
    if (key_hex && iv_hex) {
        argv[argc++] = "--key";
        argv[argc++] = key_hex;
        argv[argc++] = "--iv";
        argv[argc++] = iv_hex;
    }
    argv[argc] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execv(PYTHON, (char *const *)argv);
        perror("test: cannot run " PYTHON);
        _exit(127);
    }
    s->pid = pid;
    for (long long end = mono_ms() + START_TIMEOUT_MS; mono_ms() < end; usleep(POLL_MS * US_PER_MS)) {
        if ((s->port = read_port(port_file)) > 0)
            return 0;
        if (waitpid(pid, NULL, WNOHANG) == pid) {
            s->pid = 0;
            break;
        }
    }
    fprintf(stderr, "test: the HTTP test server %s did not start\n", SERVER_SCRIPT);
    test_http_stop(s);
    return -1;
}

void test_http_stop(struct test_http *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

static cJSON *read_requests(const struct test_http *s, const char *prefix)
{
    cJSON *all = cJSON_CreateArray();
    FILE *f = fopen(s->log, "r");
    char *line = malloc(LINE_MAX_BYTES);
    while (f && line && fgets(line, LINE_MAX_BYTES, f)) {
        cJSON *r = cJSON_Parse(line);
        const cJSON *path = cJSON_GetObjectItem(r, "path");
        if (cJSON_IsString(path) && strncmp(path->valuestring, prefix, strlen(prefix)) == 0)
            cJSON_AddItemToArray(all, r);
        else
            cJSON_Delete(r);
    }
    free(line);
    if (f)
        fclose(f);
    return all;
}

cJSON *test_http_requests(const struct test_http *s, const char *prefix, int n, int ms)
{
    long long end = mono_ms() + ms;
    for (;;) {
        cJSON *all = read_requests(s, prefix);
        if (cJSON_GetArraySize(all) >= n || mono_ms() >= end)
            return all;
        cJSON_Delete(all);
        usleep(POLL_MS * US_PER_MS);
    }
}
