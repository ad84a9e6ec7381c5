/*
 * bench_startup.c - time from exec to the gateway's first Modbus request.
 *
 * It listens where the gateway's only device lives (127.0.0.1:PORT), takes the
 * monotonic time, forks and execs the command, and waits for the first complete
 * MBAP request header on an accepted connection: that is the first poll leaving
 * the gateway, after it has read its config, opened (created) its store, started
 * its uplink and its poller. Then it stops the command with SIGTERM (SIGKILL if
 * it lingers) and prints `startup_ms X`.
 *
 *   bench_startup -p PORT -- riskgw -c site.json
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_mqtt.h"

#define STARTUP_TIMEOUT_MS 10000
#define STOP_GRACE_MS 5000
#define STOP_POLL_US 10000
#define MBAP_HEADER_LEN 7

static int listen_on(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 1) < 0) {
        fprintf(stderr, "bench_startup: cannot listen on 127.0.0.1:%d: %s\n", port, strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Block on fd for input until deadline (monotonic s). 1 ready, 0 timed out. */
static int wait_readable(int fd, double deadline)
{
    int left = (int)((deadline - bench_mono_s()) * BENCH_MS_PER_S);
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return left > 0 && poll(&p, 1, left) == 1;
}

/* Accept the gateway's connection and read one MBAP header. The monotonic time, or -1. */
static double first_request(int lfd, double deadline)
{
    if (!wait_readable(lfd, deadline))
        return -1;
    int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (c < 0)
        return -1;
    unsigned char hdr[MBAP_HEADER_LEN];
    size_t got = 0;
    while (got < sizeof hdr && wait_readable(c, deadline)) {
        ssize_t r = read(c, hdr + got, sizeof hdr - got);
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    double t = bench_mono_s();
    close(c);
    return got == sizeof hdr ? t : -1;
}

static void stop_child(pid_t pid)
{
    kill(pid, SIGTERM);
    for (int waited = 0; waited < STOP_GRACE_MS * 1000; waited += STOP_POLL_US) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        usleep(STOP_POLL_US);
    }
    fprintf(stderr, "bench_startup: the command did not stop on SIGTERM within %d ms; killing it\n",
            STOP_GRACE_MS);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

int main(int argc, char **argv)
{
    int port = 0, opt;
    while ((opt = getopt(argc, argv, "p:")) != -1) {
        if (opt != 'p')
            break;
        port = atoi(optarg);
    }
    if (port <= 0 || optind >= argc) {
        fprintf(stderr, "usage: bench_startup -p PORT -- COMMAND [ARG...]\n");
        return 2;
    }
    int lfd = listen_on(port);
    if (lfd < 0)
        return 1;
    double t0 = bench_mono_s();
    pid_t pid = fork();
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        execvp(argv[optind], argv + optind);
        fprintf(stderr, "bench_startup: cannot run %s: %s\n", argv[optind], strerror(errno));
        _exit(127);
    }
    if (pid < 0) {
        fprintf(stderr, "bench_startup: fork failed: %s\n", strerror(errno));
        return 1;
    }
    double t1 = first_request(lfd, t0 + STARTUP_TIMEOUT_MS / BENCH_MS_PER_S);
    stop_child(pid);
    close(lfd);
    if (t1 < 0) {
        fprintf(stderr, "bench_startup: no Modbus request within %d ms of exec\n", STARTUP_TIMEOUT_MS);
        return 1;
    }
    printf("startup_ms %.1f\n", (t1 - t0) * BENCH_MS_PER_S);
    return 0;
}
