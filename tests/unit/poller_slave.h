/*
 * poller_slave.h - an in-process libmodbus slave with fault injection, for the poller tests.
 *
 * One thread answers requests from a modbus_mapping_t the test fills, over Modbus
 * TCP (a listener on 127.0.0.1 and a free port) or Modbus RTU (the master end of a
 * pseudo-terminal). It counts what it receives, and on request misbehaves the way
 * field devices do: stays silent (always, or for the first requests), sends
 * garbage or a reply with the wrong transaction id, drops the connection, answers
 * too late, or refuses a range of addresses with exception 2 (illegal address).
 * On a serial line it also keeps the shortest silence the master left between
 * the slave's answer and its next request.
 */
#ifndef RISKGW_POLLER_SLAVE_H
#define RISKGW_POLLER_SLAVE_H

#include <arpa/inet.h>
#include <errno.h>
#include <modbus/modbus.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define SLAVE_TABLE_SIZE 100            /* bits, input bits, registers, input registers */
#define SLAVE_POLL_MS 20                /* how often the thread looks at its stop flag */
#define SLAVE_UNITS 256
#define SLAVE_LATE_VALUE 9999           /* served only in the late reply */
#define SLAVE_NS_PER_S 1000000000LL

enum slave_mode {
    SLAVE_NORMAL,
    SLAVE_SILENT,                       /* reads requests, never answers */
    SLAVE_GARBAGE,                      /* answers with bytes that are not Modbus */
    SLAVE_WRONG_TID,                    /* a valid reply with another transaction id */
    SLAVE_PIECES,                       /* a register read's reply in 3 writes, 20 ms apart */
};

struct slave {
    int rtu;
    modbus_t *ctx;
    modbus_mapping_t *map;
    int listen_fd, conn;
    uint16_t port;
    pthread_t thread;
    atomic_int stop;
    /* behaviour, set before slave_start */
    enum slave_mode mode;
    int refuse_lo, refuse_hi;           /* exception 2 for a read touching [lo, hi] */
    int silent_first;                   /* leave the first N requests unanswered */
    int close_after;                    /* drop the connection after this many requests */
    int late_request;                   /* answer this request late_ms late, with LATE_VALUE */
    int late_ms;
    /* what happened */
    atomic_int requests, exceptions, connections;
    atomic_int per_unit[SLAVE_UNITS];
    /* From just before an answer was written to just after the next request was
     * read: never longer than the silence the master left on the line. */
    int64_t answered_ns;
    _Atomic int64_t min_silence_ns;
};

static inline int64_t slave_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SLAVE_NS_PER_S + ts.tv_nsec;
}

/* A request was read whole at heard_ns: the silence since the last answer. */
static inline void slave_note_silence(struct slave *s, int64_t heard_ns)
{
    if (s->answered_ns && heard_ns - s->answered_ns < atomic_load(&s->min_silence_ns))
        atomic_store(&s->min_silence_ns, heard_ns - s->answered_ns);
}

static inline int slave_wait_readable(struct slave *s, int fd)
{
    struct pollfd pfd = { .fd = fd, .events = POLLIN };
    while (!atomic_load(&s->stop))
        if (poll(&pfd, 1, SLAVE_POLL_MS) > 0)
            return 1;
    return 0;
}

static inline uint16_t slave_u16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* A send to a connection the poller closed meanwhile (it stopped) fails quietly:
 * no SIGPIPE for the test process. */
static inline void slave_send_raw(struct slave *s, const uint8_t *bytes, size_t n)
{
    ssize_t w = send(s->conn, bytes, n, MSG_NOSIGNAL);
    (void)w;
}

/* A reply to a TCP read of one register, but with the transaction id off by one. */
static inline void slave_reply_wrong_tid(struct slave *s, const uint8_t *req)
{
    uint16_t tid = (uint16_t)(slave_u16(req) + 1);
    uint8_t f[] = { (uint8_t)(tid >> 8), (uint8_t)tid, 0, 0, 0, 5, req[6], req[7], 2,
                    SLAVE_LATE_VALUE >> 8, SLAVE_LATE_VALUE & 0xFF };
    slave_send_raw(s, f, sizeof f);
}

/* A TCP reply to a read of holding registers, written in three pieces (inside the
 * header, the rest of the header, the data), as a slow converter may send it. */
static inline void slave_reply_in_pieces(struct slave *s, const uint8_t *req, int start, int count)
{
    enum { PIECE_GAP_US = 20000 };
    uint8_t f[MODBUS_TCP_MAX_ADU_LENGTH] = { req[0], req[1], 0, 0, 0, (uint8_t)(3 + 2 * count),
                                             req[6], req[7], (uint8_t)(2 * count) };
    for (int i = 0; i < count; i++) {
        f[9 + 2 * i] = (uint8_t)(s->map->tab_registers[start + i] >> 8);
        f[10 + 2 * i] = (uint8_t)s->map->tab_registers[start + i];
    }
    int one = 1;
    setsockopt(s->conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    slave_send_raw(s, f, 3);
    usleep(PIECE_GAP_US);
    slave_send_raw(s, f + 3, 6);
    usleep(PIECE_GAP_US);
    slave_send_raw(s, f + 9, (size_t)(2 * count));
}

static inline void slave_answer(struct slave *s, uint8_t *req, int len)
{
    int hl = modbus_get_header_length(s->ctx);
    int n = atomic_fetch_add(&s->requests, 1) + 1;
    int start = slave_u16(req + hl + 1), count = slave_u16(req + hl + 3);
    static const uint8_t garbage[] = { 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04, 0x05 };

    switch (s->mode) {
    case SLAVE_SILENT:
        return;
    case SLAVE_GARBAGE:
        slave_send_raw(s, garbage, sizeof garbage);
        return;
    case SLAVE_WRONG_TID:
        slave_reply_wrong_tid(s, req);
        return;
    case SLAVE_PIECES:
        slave_reply_in_pieces(s, req, start, count);
        return;
    case SLAVE_NORMAL:
        break;
    }
    if (n <= s->silent_first)
        return;
    if (s->close_after && n == s->close_after) {
        close(s->conn);
        s->conn = -1;
        return;
    }
    if (s->refuse_hi && start <= s->refuse_hi && start + count - 1 >= s->refuse_lo) {
        atomic_fetch_add(&s->exceptions, 1);
        modbus_reply_exception(s->ctx, req, MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
        return;
    }
    if (n == s->late_request) {
        uint16_t keep = s->map->tab_registers[0];
        usleep((useconds_t)s->late_ms * 1000);
        s->map->tab_registers[0] = SLAVE_LATE_VALUE;
        modbus_reply(s->ctx, req, len, s->map);
        s->map->tab_registers[0] = keep;
        return;
    }
    modbus_reply(s->ctx, req, len, s->map);
}

/* An RTU context that serves `unit` on an open fd; it never opens a device. */
static inline modbus_t *slave_rtu_ctx(int fd, int unit)
{
    modbus_t *ctx = modbus_new_rtu("/dev/null", 9600, 'N', 8, 1);
    modbus_set_slave(ctx, unit);
    modbus_set_socket(ctx, fd);
    return ctx;
}

/* After a request for another unit, a libmodbus RTU slave takes the next frame for
 * that unit's answer and ignores it. Here the other unit is dead and never answers,
 * so start afresh to hear the next request. */
static inline void slave_forget_other_unit(struct slave *s)
{
    int unit = modbus_get_slave(s->ctx);
    modbus_free(s->ctx);
    s->ctx = slave_rtu_ctx(s->conn, unit);
}

static inline void *slave_thread(void *arg)
{
    struct slave *s = arg;
    uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];

    for (;;) {
        if (s->conn < 0) {
            if (!slave_wait_readable(s, s->listen_fd))
                return NULL;
            s->conn = accept(s->listen_fd, NULL, NULL);
            atomic_fetch_add(&s->connections, 1);
            modbus_set_socket(s->ctx, s->conn);
        }
        if (!slave_wait_readable(s, s->conn))
            return NULL;
        int rc = modbus_receive(s->ctx, req);
        if (rc > 0 && s->rtu)
            slave_note_silence(s, slave_now_ns());
        if (rc < 0 && !s->rtu) {                /* the poller closed the connection */
            close(s->conn);
            s->conn = -1;
            continue;
        }
        int hl = modbus_get_header_length(s->ctx);
        if (rc >= 0)
            atomic_fetch_add(&s->per_unit[req[hl - 1]], 1);
        if (rc > 0) {
            s->answered_ns = slave_now_ns();
            slave_answer(s, req, rc);
        }
        else if (rc == 0 && s->rtu)
            slave_forget_other_unit(s);
    }
}

static inline void slave_init(struct slave *s)
{
    memset(s, 0, sizeof *s);
    s->listen_fd = s->conn = -1;
    atomic_store(&s->min_silence_ns, INT64_MAX);
    s->map = modbus_mapping_new(SLAVE_TABLE_SIZE, SLAVE_TABLE_SIZE, SLAVE_TABLE_SIZE,
                                SLAVE_TABLE_SIZE);
}

/* Listen on 127.0.0.1 at a free port (s->port). 0, or -1. */
static inline int slave_listen_tcp(struct slave *s)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof a;

    s->ctx = modbus_new_tcp("127.0.0.1", 0);
    s->listen_fd = modbus_tcp_listen(s->ctx, 1);
    if (s->listen_fd < 0 || getsockname(s->listen_fd, (struct sockaddr *)&a, &alen) < 0)
        return -1;
    s->port = ntohs(a.sin_port);
    return 0;
}

/* Serve RTU unit `unit` on an already open pty master. */
static inline void slave_use_rtu(struct slave *s, int master_fd, int unit)
{
    s->rtu = 1;
    s->conn = master_fd;
    s->ctx = slave_rtu_ctx(master_fd, unit);
}

static inline int slave_start(struct slave *s)
{
    return pthread_create(&s->thread, NULL, slave_thread, s) == 0 ? 0 : -1;
}

static inline void slave_stop(struct slave *s)
{
    atomic_store(&s->stop, 1);
    pthread_join(s->thread, NULL);
    if (!s->rtu && s->conn >= 0)
        close(s->conn);
    if (s->listen_fd >= 0)
        close(s->listen_fd);
    modbus_free(s->ctx);
    modbus_mapping_free(s->map);
}

#endif
