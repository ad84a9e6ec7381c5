/*
 * test_notify.c - the sd_notify messages as a service manager receives them: the
 * test binds a real unix datagram socket (a path, then an abstract '@' name),
 * points $NOTIFY_SOCKET at it and reads what each notify_* call sent. Also:
 * nothing is sent and 0 returned without $NOTIFY_SOCKET, a dead socket is an
 * error return, and $WATCHDOG_USEC/$WATCHDOG_PID become the interval.
 */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "check.h"
#include "core_notify.h"

#define MSG_MAX 1024

/* Bind a datagram socket at name ('@' = abstract). -1 on failure. */
static int bind_manager(const char *name)
{
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    size_t n = strlen(name);
    memcpy(a.sun_path, name, n);
    if (name[0] == '@')
        a.sun_path[0] = '\0';
    socklen_t len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, len) < 0) {
        perror("bind_manager");
        return -1;
    }
    struct timeval tv = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

static const char *received(int fd)
{
    static char buf[MSG_MAX];
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0);
    buf[n < 0 ? 0 : n] = '\0';
    return buf;
}

static void check_messages(int fd)
{
    CHECK_INT(notify_ready(), 0);
    CHECK_STR(received(fd), "READY=1");
    CHECK_INT(notify_watchdog(), 0);
    CHECK_STR(received(fd), "WATCHDOG=1");
    CHECK_INT(notify_status("polling %d devices", 3), 0);
    CHECK_STR(received(fd), "STATUS=polling 3 devices");
    CHECK_INT(notify_stopping(), 0);
    CHECK_STR(received(fd), "STOPPING=1");
}

static void test_path_socket(void)
{
    char dir[] = "/tmp/riskgw-notify.XXXXXX", path[sizeof dir + 16];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(path, sizeof path, "%s/notify", dir);
    int fd = bind_manager(path);
    CHECK(fd >= 0);
    setenv("NOTIFY_SOCKET", path, 1);
    check_messages(fd);
    close(fd);
    unlink(path);
    CHECK_INT(notify_ready(), -1);                  /* nobody listens any more */
    rmdir(dir);
}

static void test_abstract_socket(void)
{
    char name[64];
    snprintf(name, sizeof name, "@riskgw-test-notify-%ld", (long)getpid());
    int fd = bind_manager(name);
    CHECK(fd >= 0);
    setenv("NOTIFY_SOCKET", name, 1);
    check_messages(fd);
    close(fd);
}

static void test_no_manager(void)
{
    unsetenv("NOTIFY_SOCKET");
    CHECK_INT(notify_ready(), 0);
    CHECK_INT(notify_status("idle"), 0);
    setenv("NOTIFY_SOCKET", "relative/path", 1);
    CHECK_INT(notify_watchdog(), -1);
    unsetenv("NOTIFY_SOCKET");
}

static void test_interval(void)
{
    char pid[32];
    unsetenv("WATCHDOG_USEC");
    unsetenv("WATCHDOG_PID");
    CHECK_INT(notify_watchdog_interval_ms(), 0);
    setenv("WATCHDOG_USEC", "30000000", 1);
    CHECK_INT(notify_watchdog_interval_ms(), 30000);
    snprintf(pid, sizeof pid, "%ld", (long)getpid());
    setenv("WATCHDOG_PID", pid, 1);
    CHECK_INT(notify_watchdog_interval_ms(), 30000);
    setenv("WATCHDOG_PID", "1", 1);                 /* meant for another process */
    CHECK_INT(notify_watchdog_interval_ms(), 0);
    unsetenv("WATCHDOG_PID");
    setenv("WATCHDOG_USEC", "soon", 1);
    CHECK_INT(notify_watchdog_interval_ms(), 0);
    unsetenv("WATCHDOG_USEC");
}

int main(void)
{
    test_path_socket();
    test_abstract_socket();
    test_no_manager();
    test_interval();
    return check_summary();
}
