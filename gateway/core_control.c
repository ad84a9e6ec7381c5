/*
 * core_control.c - the box's own command line reaches the running gateway here.
 *
 * A unix socket beside the store (mode 0660: root and the service's group)
 * accepts one command per connection, in the same JSON as the MQTT command
 * topic, and answers with the same reply. So a technician at the console can
 * silence, reset, read or reload without a broker, and the act is recorded with
 * the actor "cli:<who>". A slow client cannot stall the core: reads time out.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core_internal.h"
#include "log.h"
#include "unix_addr.h"

#define CONTROL_REQUEST_MAX 4096
#define CONTROL_REPLY_MAX 2048
#define CONTROL_READ_TIMEOUT_US 200000
#define CONTROL_MODE 0660

void core_control_socket(const struct config *cfg, char *out, size_t cap)
{
    snprintf(out, cap, "%s.ctl", cfg->store.path);
}

int core_control_open(struct core *c, char *err, size_t errlen)
{
    struct sockaddr_un sa;
    char path[PATH_MAX_LEN + 8];
    core_control_socket(c->cfg, path, sizeof path);
    if (unix_addr_set(&sa, path) < 0) {
        snprintf(err, errlen, "control socket path %s is too long for a unix socket; shorten store.path", path);
        return -1;
    }
    unlink(path);                               /* a socket left by a killed gateway */
    c->ctlfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c->ctlfd < 0 || bind(c->ctlfd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        chmod(path, CONTROL_MODE) < 0 || listen(c->ctlfd, SOMAXCONN) < 0) {
        snprintf(err, errlen, "cannot open the control socket %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Read one request (the client shuts down its side when done). Length, or -1. */
static ssize_t read_request(int fd, char *buf, size_t cap)
{
    size_t len = 0;
    struct timeval tv = {.tv_sec = 0, .tv_usec = CONTROL_READ_TIMEOUT_US};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    while (len < cap - 1) {
        ssize_t n = read(fd, buf + len, cap - 1 - len);
        if (n == 0)
            break;
        if (n < 0)
            return errno == EINTR ? 0 : -1;
        len += (size_t)n;
        if (buf[len - 1] == '\n')
            break;
    }
    buf[len] = '\0';
    return (ssize_t)len;
}

void core_control_serve(struct core *c)
{
    char req[CONTROL_REQUEST_MAX], reply[CONTROL_REPLY_MAX];
    int fd;
    while (c->ctlfd >= 0 && (fd = accept4(c->ctlfd, NULL, NULL, SOCK_CLOEXEC)) >= 0) {
        ssize_t n = read_request(fd, req, sizeof req);
        if (n > 0 && req[n - 1] == '\n')
            req[--n] = '\0';
        int len = n > 0 ? command_run(c, req, (size_t)n, ORIGIN_LOCAL, reply, sizeof reply) : -1;
        if (len > 0 && write(fd, reply, (size_t)len) != len)
            log_warn("control socket: the reply to a local command was not delivered");
        close(fd);
    }
}

void core_control_close(struct core *c)
{
    char path[PATH_MAX_LEN + 8];
    if (c->ctlfd < 0)
        return;
    close(c->ctlfd);
    c->ctlfd = -1;
    core_control_socket(c->cfg, path, sizeof path);
    unlink(path);
}
