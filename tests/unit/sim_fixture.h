/*
 * sim_fixture.h - run riskgw-sim as a child process and talk to it, for the simulator's tests.
 *
 * The child gets stdin from /dev/null, its stdout through a pipe (the lines that
 * say where it serves) and its stderr in a file of the test's temporary folder.
 * It dies with the test (PR_SET_PDEATHSIG), and sim_child_stop always reaps it.
 * A small Modbus TCP client frames requests with the gateway's own MBAP and PDU
 * code; a control-socket client sends a line and returns the "ok"/"error" answer.
 */
#ifndef RISKGW_SIM_FIXTURE_H
#define RISKGW_SIM_FIXTURE_H

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "unix_addr.h"
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "pdu.h"
#include "transport/mbap.h"

#define FIX_LINE_MAX 4096
#define FIX_START_MS 5000
#define FIX_ARGS_MAX 24

struct sim_child {
    pid_t pid;
    int out;                    /* its stdout */
    char dir[64];               /* the test's temporary folder */
};

static inline double fix_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static inline void fix_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* Start SIM_BINARY with argv (NULL-terminated, without the program name). */
static inline int sim_child_start(struct sim_child *c, const char *const *args)
{
    int p[2];
    const char *argv[FIX_ARGS_MAX] = {SIM_BINARY};
    char log[sizeof c->dir + 16];
    for (int i = 0; args[i] && i + 2 < FIX_ARGS_MAX; i++)
        argv[i + 1] = args[i];
    snprintf(log, sizeof log, "%s/sim.err", c->dir);
    if (pipe(p) < 0)
        return -1;
    c->pid = fork();
    if (c->pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        int in = open("/dev/null", O_RDONLY), err = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
        dup2(in, STDIN_FILENO);
        dup2(p[1], STDOUT_FILENO);
        dup2(err, STDERR_FILENO);
        close(p[0]);
        execv(SIM_BINARY, (char *const *)argv);
        _exit(127);
    }
    close(p[1]);
    c->out = p[0];
    return c->pid > 0 ? 0 : -1;
}

/* The next stdout line of the child, within FIX_START_MS. 0 or -1. Read a byte
 * at a time, so that nothing beyond the line is taken from the pipe. */
static inline int sim_child_line(struct sim_child *c, char *line, size_t len)
{
    struct pollfd pfd = {.fd = c->out, .events = POLLIN};
    size_t n = 0;
    while (n + 1 < len) {
        if (poll(&pfd, 1, FIX_START_MS) <= 0 || read(c->out, line + n, 1) != 1)
            return -1;
        if (line[n] == '\n')
            break;
        n++;
    }
    line[n] = '\0';
    return 0;
}

/* Stop the child with SIGTERM; its exit status (or -1). */
static inline int sim_child_stop(struct sim_child *c)
{
    int status = 0;
    if (c->pid <= 0)
        return -1;
    kill(c->pid, SIGTERM);
    waitpid(c->pid, &status, 0);
    c->pid = 0;
    if (c->out > 0)
        close(c->out);
    c->out = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* Print the child's log, for a failing test. */
static inline void sim_child_dump_log(const struct sim_child *c)
{
    char path[sizeof c->dir + 16], buf[512];
    snprintf(path, sizeof path, "%s/sim.err", c->dir);
    FILE *f = fopen(path, "r");
    while (f && fgets(buf, sizeof buf, f))
        fprintf(stderr, "  sim: %s", buf);
    if (f)
        fclose(f);
}

/* A TCP connection to 127.0.0.1:port, or -1 (errno set). */
static inline int fix_connect(unsigned port)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* A port the kernel says is free right now. */
static inline unsigned fix_free_port(void)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    bind(fd, (struct sockaddr *)&sa, sizeof sa);
    getsockname(fd, (struct sockaddr *)&sa, &len);
    close(fd);
    return ntohs(sa.sin_port);
}

/* Read up to len bytes arriving within ms; how many (0 on timeout, -1 when closed). */
static inline ssize_t fix_recv(int fd, uint8_t *buf, size_t len, int ms)
{
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    if (poll(&pfd, 1, ms) <= 0)
        return 0;
    ssize_t n = read(fd, buf, len);
    return n > 0 ? n : -1;
}

enum fix_result { FIX_TIMEOUT = -3, FIX_CLOSED = -2, FIX_GARBAGE = -1, FIX_VALUES = 0, FIX_EXCEPTION = 1 };

/*
 * Send a read of (area, start, count) to unit over fd and wait up to ms for the
 * whole answer. FIX_VALUES fills words; FIX_EXCEPTION sets *exc; the rest say
 * why nothing was read. The answer must carry the request's transaction id.
 */
static inline int fix_read(int fd, uint8_t unit, enum reg_area area, uint16_t start, uint16_t count,
                           uint16_t *words, uint8_t *exc, int ms)
{
    static uint16_t tid = 1;
    uint8_t pdu[PDU_MAX_BYTES], frame[MBAP_FRAME_MAX], bits[MODBUS_MAX_READ_BITS];
    struct mbap_header h;
    size_t got = 0, frame_len = 0;
    size_t n = mbap_build(frame, ++tid, unit, pdu, pdu_build_read(pdu, area, start, count));
    if (send(fd, frame, n, MSG_NOSIGNAL) != (ssize_t)n)
        return FIX_CLOSED;
    double deadline = fix_now_ms() + ms;
    for (;;) {
        enum mbap_scan s = mbap_scan(frame, got, &h, &frame_len);
        if (s == MBAP_GARBAGE)
            return FIX_GARBAGE;
        if (s == MBAP_FRAME)
            break;
        int left = (int)(deadline - fix_now_ms());
        ssize_t r = left > 0 ? fix_recv(fd, frame + got, sizeof frame - got, left) : 0;
        if (r == 0)
            return FIX_TIMEOUT;
        if (r < 0)
            return FIX_CLOSED;
        got += (size_t)r;
    }
    if (h.transaction != tid || h.unit != unit)
        return FIX_GARBAGE;
    switch (pdu_parse_read(frame + MBAP_HEADER_BYTES, h.length - 1u, area, count, words, bits, exc)) {
    case PDU_OK: return FIX_VALUES;
    case PDU_EXCEPTION: return FIX_EXCEPTION;
    default: return FIX_GARBAGE;
    }
}

/* Send one control line on the socket at path; the answer's last line ("ok" or "error: ..."). */
static inline int fix_control(const char *path, const char *line, char *answer, size_t len)
{
    struct sockaddr_un sa;
    char buf[FIX_LINE_MAX];
    size_t got = 0;
    int fd = unix_addr_set(&sa, path) < 0 ? -1 : socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        dprintf(fd, "%s\n", line) < 0) {
        if (fd >= 0)
            close(fd);
        snprintf(answer, len, "(cannot reach the control socket: %s)", strerror(errno));
        return -1;
    }
    shutdown(fd, SHUT_WR);
    for (ssize_t r; got + 1 < sizeof buf && (r = fix_recv(fd, (uint8_t *)buf + got, sizeof buf - 1 - got, FIX_START_MS)) > 0;)
        got += (size_t)r;
    close(fd);
    buf[got] = '\0';
    if (got && buf[got - 1] == '\n')
        buf[--got] = '\0';
    const char *last = strrchr(buf, '\n');
    snprintf(answer, len, "%s", last ? last + 1 : buf);
    return 0;
}

#endif
