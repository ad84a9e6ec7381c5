/*
 * tool_sim_link.c - a control line to riskgw-sim (see tool_sim_link.h).
 *
 * The simulator takes one client at a time and answers each line with what it
 * printed and a last line "ok" or "error: WHY"; it closes the connection once
 * the client has shut its side. One connection per line keeps that simple.
 */
#include "tool_sim_link.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "unix_addr.h"

#define SIM_ANSWER_MAX 4096
#define SIM_ANSWER_TIMEOUT_S 5
#define SIM_OK "ok"

int tool_sim_say(const char *path, const char *line, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    char buf[SIM_ANSWER_MAX];
    struct timeval tv = {.tv_sec = SIM_ANSWER_TIMEOUT_S};
    size_t got = 0;
    int fd = unix_addr_set(&sa, path) < 0 ? -1 : socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 || dprintf(fd, "%s\n", line) < 0 ||
        shutdown(fd, SHUT_WR) < 0) {
        snprintf(err, errlen, "cannot reach the simulator's control socket %s: %s (is riskgw-sim "
                 "running with --control %s?)", path, strerror(errno), path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    for (ssize_t n; got + 1 < sizeof buf && (n = read(fd, buf + got, sizeof buf - 1 - got)) > 0;)
        got += (size_t)n;
    close(fd);
    while (got > 0 && buf[got - 1] == '\n')
        got--;
    buf[got] = '\0';
    const char *last = strrchr(buf, '\n');
    last = last ? last + 1 : buf;
    if (strcmp(last, SIM_OK) == 0)
        return 0;
    snprintf(err, errlen, "the simulator refused \"%s\": %s", line, got ? last : "no answer");
    return -1;
}
