/*
 * test_poller_fds.c - the TCP poller past FD_SETSIZE: 1,100 connections on one thread.
 *
 * libmodbus waits with select(), which aborts the process for a descriptor >= 1024;
 * the TCP poller must not. The test opens 1,100 listeners first (so every socket
 * the poller opens afterwards is numbered above 1024), serves them from one epoll
 * responder thread that answers any holding-register read with the listener's
 * index, and checks that every one of the 1,100 devices delivers its own value.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/select.h>
#include <sys/socket.h>

#include "check.h"
#include "log.h"
#include "poller_fixture.h"
#include "transport/mbap.h"

#define NCONN 1100
#define FDS_NEEDED (4 * NCONN)          /* listeners, accepted, poller sockets, slack */
#define FD_TABLE (FDS_NEEDED + 64)
#define RUN_MS 1500
#define EVENTS_MAX 128
#define LISTENER_TAG (1ull << 32)       /* epoll data: listener index | tag, else a fd */
#define STOP_TAG (2ull << 32)

struct responder {
    int listen_fd[NCONN];
    uint16_t port[NCONN];
    int index_of_fd[FD_TABLE];          /* accepted fd -> listener index */
    int epfd, stop_fd;
    pthread_t thread;
};

/* Answer one read-holding-registers request with `value` in every register. */
static void respond(int fd, const uint8_t *buf, size_t len, uint16_t value)
{
    struct mbap_header h;
    size_t flen;
    uint8_t pdu[PDU_MAX_BYTES], frame[MBAP_FRAME_MAX];

    if (mbap_scan(buf, len, &h, &flen) != MBAP_FRAME)
        return;
    const uint8_t *req = buf + MBAP_HEADER_BYTES;
    uint16_t count = (uint16_t)(req[3] << 8 | req[4]);
    pdu[0] = req[0];
    pdu[1] = (uint8_t)(2 * count);
    for (uint16_t i = 0; i < count; i++) {
        pdu[2 + 2 * i] = (uint8_t)(value >> 8);
        pdu[3 + 2 * i] = (uint8_t)value;
    }
    size_t n = mbap_build(frame, h.transaction, h.unit, pdu, 2 + 2u * count);
    ssize_t w = write(fd, frame, n);
    (void)w;
}

static void *responder_thread(void *arg)
{
    struct responder *r = arg;
    struct epoll_event ev[EVENTS_MAX];
    uint8_t buf[MBAP_FRAME_MAX];

    for (;;) {
        int n = epoll_wait(r->epfd, ev, EVENTS_MAX, -1);
        for (int i = 0; i < n; i++) {
            uint64_t tag = ev[i].data.u64;
            if (tag == STOP_TAG)
                return NULL;
            if (tag & LISTENER_TAG) {
                int idx = (int)(tag & (LISTENER_TAG - 1));
                int c = accept4(r->listen_fd[idx], NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
                if (c < 0 || c >= FD_TABLE)
                    continue;
                r->index_of_fd[c] = idx;
                struct epoll_event e = { .events = EPOLLIN, .data.u64 = (uint64_t)c };
                epoll_ctl(r->epfd, EPOLL_CTL_ADD, c, &e);
                continue;
            }
            int fd = (int)tag;
            ssize_t got = read(fd, buf, sizeof buf);
            if (got <= 0 && errno != EAGAIN) {
                close(fd);
                continue;
            }
            if (got > 0)
                respond(fd, buf, (size_t)got, (uint16_t)r->index_of_fd[fd]);
        }
    }
}

static int responder_start(struct responder *r)
{
    r->epfd = epoll_create1(EPOLL_CLOEXEC);
    r->stop_fd = eventfd(0, EFD_CLOEXEC);
    struct epoll_event stop = { .events = EPOLLIN, .data.u64 = STOP_TAG };
    epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->stop_fd, &stop);
    for (int i = 0; i < NCONN; i++) {
        struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
        socklen_t alen = sizeof a;
        r->listen_fd[i] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (r->listen_fd[i] < 0 || bind(r->listen_fd[i], (struct sockaddr *)&a, sizeof a) < 0 ||
            listen(r->listen_fd[i], 4) < 0 ||
            getsockname(r->listen_fd[i], (struct sockaddr *)&a, &alen) < 0) {
            fprintf(stderr, "listener %d: %s\n", i, strerror(errno));
            return -1;
        }
        r->port[i] = ntohs(a.sin_port);
        struct epoll_event e = { .events = EPOLLIN, .data.u64 = LISTENER_TAG | (uint64_t)i };
        epoll_ctl(r->epfd, EPOLL_CTL_ADD, r->listen_fd[i], &e);
    }
    return pthread_create(&r->thread, NULL, responder_thread, r) == 0 ? 0 : -1;
}

static void responder_stop(struct responder *r)
{
    uint64_t one = 1;
    ssize_t w = write(r->stop_fd, &one, sizeof one);
    (void)w;
    pthread_join(r->thread, NULL);
    for (int fd = 0; fd < FD_TABLE; fd++)
        if (r->index_of_fd[fd] >= 0)
            close(fd);
    for (int i = 0; i < NCONN; i++)
        close(r->listen_fd[i]);
    close(r->epfd);
    close(r->stop_fd);
}

static int raise_fd_limit(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return -1;
    if (rl.rlim_cur >= FDS_NEEDED)
        return 0;
    rl.rlim_cur = rl.rlim_max < FDS_NEEDED ? rl.rlim_max : FDS_NEEDED;
    if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur < FDS_NEEDED) {
        fprintf(stderr, "test_poller_fds needs %d open files; the hard limit is %llu. "
                "Raise it (ulimit -Hn) to run this test.\n", FDS_NEEDED,
                (unsigned long long)rl.rlim_max);
        return -1;
    }
    return 0;
}

int main(void)
{
    static struct responder r;
    struct fixture f;

    log_set_level(LOG_LVL_WARN);
    CHECK(raise_fd_limit() == 0);
    for (int fd = 0; fd < FD_TABLE; fd++)
        r.index_of_fd[fd] = -1;
    CHECK(responder_start(&r) == 0);
    CHECK(r.listen_fd[NCONN - 1] >= FD_SETSIZE);    /* the poller's sockets come above */

    fx_init(&f, NCONN, NCONN);
    for (int i = 0; i < NCONN; i++) {
        char id[ID_MAX];
        snprintf(id, sizeof id, "meter%d", i);
        struct device_cfg *d = fx_device(&f, id, BUS_TCP, r.port[i], 1);
        d->interval_ms = 500;
        d->timeout_ms = 1000;
        d->comm_fail_ms = 5000;
        fx_point(&f, AREA_HOLDING, 0, VT_UINT16);
    }
    struct pollers *p = fx_start(&f);
    CHECK(p != NULL);
    fx_collect(&f, RUN_MS);
    pollers_stop(p);
    responder_stop(&r);

    int all_served = 1;
    for (size_t i = 0; i < NCONN; i++) {
        const struct sample *s = fx_first(&f, i, QUALITY_GOOD);
        if (!s || s->value != (double)i) {
            fprintf(stderr, "device %zu: %s\n", i, s ? "wrong value" : "no good sample");
            all_served = 0;
        }
    }
    CHECK(all_served);
    CHECK(fx_count(&f, 0, QUALITY_GOOD) >= 2);
    fx_free(&f);
    return check_summary();
}
