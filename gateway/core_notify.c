/*
 * core_notify.c - the sd_notify protocol without libsystemd (see core_notify.h).
 *
 * A message is "KEY=value" lines sent as one datagram to the unix socket named by
 * $NOTIFY_SOCKET. A name starting with '@' is in the abstract namespace: the '@'
 * becomes a NUL byte and the address length counts only the name's bytes. The
 * socket is opened per message, so there is no descriptor to inherit or leak.
 */
#include "core_notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"

#define NOTIFY_MSG_MAX 512          /* a STATUS= line is a sentence, not a report */
#define USEC_PER_MS 1000

/* Fill addr from $NOTIFY_SOCKET. 1 when set, 0 when unset, -1 when unusable. */
static int notify_address(struct sockaddr_un *addr, socklen_t *len)
{
    const char *name = getenv("NOTIFY_SOCKET");
    if (!name || !*name)
        return 0;
    size_t n = strlen(name);
    if ((name[0] != '/' && name[0] != '@') || n >= sizeof addr->sun_path) {
        log_limited("notify-address", LOG_LVL_WARN,
                    "systemd notify: NOTIFY_SOCKET \"%s\" is not a socket path or @abstract name; "
                    "systemd will not hear from riskgw (check the unit's environment)", name);
        return -1;
    }
    memset(addr, 0, sizeof *addr);
    addr->sun_family = AF_UNIX;
    memcpy(addr->sun_path, name, n);
    if (name[0] == '@')
        addr->sun_path[0] = '\0';
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (name[0] == '/'));
    return 1;
}

static int notify_send(const char *msg)
{
    struct sockaddr_un addr;
    socklen_t len;
    int have = notify_address(&addr, &len);
    if (have <= 0)
        return have;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ssize_t sent = -1;
    if (fd >= 0) {
        sent = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&addr, len);
        int saved = errno;
        close(fd);
        errno = saved;
    }
    if (sent < 0) {
        log_limited("notify-send", LOG_LVL_WARN,
                    "systemd notify: cannot send \"%.20s\" to %s: %s; the watchdog may restart riskgw",
                    msg, getenv("NOTIFY_SOCKET"), strerror(errno));
        return -1;
    }
    return 0;
}

int notify_ready(void) { return notify_send("READY=1"); }
int notify_watchdog(void) { return notify_send("WATCHDOG=1"); }
int notify_stopping(void) { return notify_send("STOPPING=1"); }

int notify_status(const char *fmt, ...)
{
    char msg[NOTIFY_MSG_MAX];
    int head = snprintf(msg, sizeof msg, "STATUS=");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + head, sizeof msg - (size_t)head, fmt, ap);
    va_end(ap);
    return notify_send(msg);
}

int64_t notify_watchdog_interval_ms(void)
{
    const char *pid = getenv("WATCHDOG_PID");       /* set when the period is meant for one process */
    if (pid && *pid && strtol(pid, NULL, 10) != (long)getpid())
        return 0;
    const char *usec = getenv("WATCHDOG_USEC");
    if (!usec || !*usec)
        return 0;
    char *end;
    errno = 0;
    long long v = strtoll(usec, &end, 10);
    if (errno || *end || v <= 0) {
        log_limited("notify-usec", LOG_LVL_WARN,
                    "systemd notify: WATCHDOG_USEC \"%s\" is not a positive number of microseconds; "
                    "running without the watchdog", usec);
        return 0;
    }
    return v / USEC_PER_MS;
}
