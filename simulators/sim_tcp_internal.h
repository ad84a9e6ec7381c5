/*
 * sim_tcp_internal.h - what sim_tcp.c (ports) and sim_tcp_conn.c (clients) share.
 *
 * A port owns its clients in a list; a client owns the replies it holds back
 * for a 'late' fault. Nothing outside these two files sees these structs.
 */
#ifndef RISKGW_SIM_TCP_INTERNAL_H
#define RISKGW_SIM_TCP_INTERNAL_H

#include <netinet/in.h>
#include "sim_tcp.h"
#include "transport/mbap.h"

#define SIM_UNIT_IDS 256
#define SIM_CONN_IN_MAX (2 * MBAP_FRAME_MAX)    /* a frame and the start of the next */
#define SIM_CONN_OUT_MAX (8 * MBAP_FRAME_MAX)   /* replies a slow reader may owe */
#define SIM_PEER_MAX (INET_ADDRSTRLEN + sizeof ":65535")

struct sim_conn;

/* A reply held back by a 'late' fault. */
struct sim_late {
    struct sim_timer timer;
    struct sim_conn *conn;
    struct sim_late *next;
    size_t len;
    uint8_t frame[MBAP_FRAME_MAX];
};

struct sim_conn {
    struct sim_watch w;
    struct sim_tcp_port *port;
    struct sim_conn *prev, *next;
    char peer[SIM_PEER_MAX];
    struct sim_late *late;          /* held-back replies, any order */
    uint64_t noise;                 /* the 'garbage' fault's counter */
    size_t inlen, outlen;
    uint8_t in[SIM_CONN_IN_MAX];
    uint8_t out[SIM_CONN_OUT_MAX];
};

struct sim_tcp_port {
    struct sim_watch listen;
    struct sim_loop *loop;
    struct in_addr addr;
    char host[INET_ADDRSTRLEN];
    uint16_t port;
    struct sim_device *by_unit[SIM_UNIT_IDS];
    struct sim_conn *conns;
    struct sim_timer reopen;        /* the end of a reset, or a pause after EMFILE */
};

/* Take over an accepted, non-blocking socket. */
void sim_conn_start(struct sim_tcp_port *p, int fd);
/* Close a client, cancel its held-back replies, log why (NULL: say nothing). */
void sim_conn_close(struct sim_conn *c, const char *why);

#endif
