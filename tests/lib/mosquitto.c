/*
 * mosquitto.c - start, kill and inspect a real mosquitto from C tests (see mosquitto.h).
 */
#include "mosquitto.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BROKER_START_TIMEOUT_MS 5000
#define BROKER_POLL_MS 20
#define CLIENT_TIMEOUT_MS 5000
#define MS_PER_S 1000
#define NS_PER_MS 1000000
#define US_PER_MS 1000

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * MS_PER_S + ts.tv_nsec / NS_PER_MS;
}

static void loopback(struct sockaddr_in *sa, int port)
{
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((unsigned short)port);
    sa->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
}

int test_free_port(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    loopback(&sa, 0);
    int port = -1;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 &&
        getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
        port = ntohs(sa.sin_port);
    close(fd);
    return port;
}

static int port_accepts(int port)
{
    struct sockaddr_in sa;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return 0;
    loopback(&sa, port);
    int ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

/* In a fresh child: die with the parent, then become argv (stderr to err_fd, or silenced). */
static void child_exec(char *const argv[], int out_fd, int err_fd)
{
    int test_stderr = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);   /* to report exec failure */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (out_fd >= 0)
        dup2(out_fd, STDOUT_FILENO);
    if (err_fd < 0)
        err_fd = open("/dev/null", O_WRONLY);
    if (err_fd >= 0)
        dup2(err_fd, STDERR_FILENO);
    execvp(argv[0], argv);
    if (strcmp(argv[0], "mosquitto") == 0)      /* often outside a test's PATH */
        execv("/usr/sbin/mosquitto", argv);
    dprintf(test_stderr, "test: cannot run %s: %s\n", argv[0], strerror(errno));
    _exit(127);
}

int test_run(char *const argv[], char *out, size_t outlen, int timeout_ms)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        close(fds[0]);
        child_exec(argv, fds[1], -1);
    }
    close(fds[1]);
    size_t used = 0;
    long long deadline = now_ms() + timeout_ms;
    int timed_out = 1;
    while (now_ms() < deadline) {
        struct pollfd p = { .fd = fds[0], .events = POLLIN };
        if (poll(&p, 1, (int)(deadline - now_ms())) <= 0)
            continue;
        char buf[4096];
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n <= 0) {
            timed_out = 0;
            break;
        }
        size_t room = out && outlen > used + 1 ? outlen - used - 1 : 0;
        size_t take = (size_t)n < room ? (size_t)n : room;
        if (take)
            memcpy(out + used, buf, take);
        used += take;
    }
    close(fds[0]);
    if (out && outlen)
        out[used] = '\0';
    if (timed_out)
        kill(pid, SIGKILL);
    int status;
    waitpid(pid, &status, 0);
    if (timed_out || !WIFEXITED(status))
        return -1;
    return WEXITSTATUS(status);
}

int test_broker_restart(struct test_broker *b)
{
    int log_fd = open(b->log, O_WRONLY | O_CREAT | O_APPEND, 0644);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        char *argv[] = { "mosquitto", "-c", b->conf, NULL };
        child_exec(argv, log_fd, log_fd);
    }
    if (log_fd >= 0)
        close(log_fd);
    b->pid = pid;
    for (long long end = now_ms() + BROKER_START_TIMEOUT_MS; now_ms() < end;) {
        if (port_accepts(b->port))
            return 0;
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            fprintf(stderr, "test: mosquitto on port %d exited at start; see %s\n",
                    b->port, b->log);
            b->pid = 0;
            return -1;
        }
        usleep(BROKER_POLL_MS * US_PER_MS);
    }
    fprintf(stderr, "test: mosquitto on port %d did not accept connections; see %s\n",
            b->port, b->log);
    test_broker_kill(b);
    return -1;
}

int test_broker_start(struct test_broker *b, const char *dir, const char *extra_conf)
{
    memset(b, 0, sizeof *b);
    b->port = test_free_port();
    if (b->port < 0)
        return -1;
    snprintf(b->conf, sizeof b->conf, "%s/mosquitto-%d.conf", dir, b->port);
    snprintf(b->log, sizeof b->log, "%s/mosquitto-%d.log", dir, b->port);
    FILE *f = fopen(b->conf, "w");
    if (!f) {
        fprintf(stderr, "test: cannot write %s: %s\n", b->conf, strerror(errno));
        return -1;
    }
    /* "user" = ourselves: a root broker would otherwise switch to user mosquitto, which
     * clears PR_SET_PDEATHSIG and lets it outlive a crashed test. */
    const struct passwd *me = getpwuid(getuid());
    fprintf(f, "listener %d 127.0.0.1\nallow_anonymous true\npersistence false\n"
               "log_dest stderr\nuser %s\n%s\n", b->port, me ? me->pw_name : "root",
            extra_conf ? extra_conf : "");
    fclose(f);
    return test_broker_restart(b);
}

static void broker_signal(struct test_broker *b, int sig)
{
    if (b->pid <= 0)
        return;
    kill(b->pid, sig);
    waitpid(b->pid, NULL, 0);
    b->pid = 0;
}

void test_broker_stop(struct test_broker *b) { broker_signal(b, SIGTERM); }
void test_broker_kill(struct test_broker *b) { broker_signal(b, SIGKILL); }

int test_broker_retained(const struct test_broker *b, const char *topic, char *out,
                         size_t outlen, int timeout_ms)
{
    char port[16], wait_s[16];
    snprintf(port, sizeof port, "%d", b->port);
    snprintf(wait_s, sizeof wait_s, "%d", (timeout_ms + MS_PER_S - 1) / MS_PER_S);
    char *argv[] = { "mosquitto_sub", "-h", "127.0.0.1", "-p", port, "-t", (char *)topic,
                     "-C", "1", "-W", wait_s, "-N", "--retained-only", NULL };
    return test_run(argv, out, outlen, timeout_ms + CLIENT_TIMEOUT_MS) == 0 ? 0 : -1;
}

int test_broker_publish(const struct test_broker *b, const char *dir, const char *topic,
                        const void *payload, size_t len, int retained)
{
    char port[16], file[TEST_PATH_MAX];
    snprintf(port, sizeof port, "%d", b->port);
    snprintf(file, sizeof file, "%s/publish.bin", dir);
    FILE *f = fopen(file, "wb");
    if (!f || fwrite(payload, 1, len, f) != len) {
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f);
    char *argv[] = { "mosquitto_pub", "-h", "127.0.0.1", "-p", port, "-q", "1", "-t",
                     (char *)topic, "-n", NULL, NULL, NULL };
    int n = 9;                          /* at "-n": an empty message unless a file is given */
    if (len) {
        argv[n++] = "-f";
        argv[n++] = file;
    } else {
        n++;
    }
    if (retained)
        argv[n] = "-r";
    return test_run(argv, NULL, 0, CLIENT_TIMEOUT_MS) == 0 ? 0 : -1;
}
