/*
 * sim_loop.h - the simulator's one event loop: epoll for descriptors, one timerfd for timers.
 *
 * A whole site (2,000 listening ports and their connections, a serial line,
 * stdin, a control socket) runs on one thread. Descriptors are watched with
 * epoll, never select(), so numbers above FD_SETSIZE (1024) are fine. Timers
 * (a late reply, the end of a reset, the next byte time on a serial line, the
 * scenario tick) sit in one list ordered by due time and share a timerfd with
 * nanosecond resolution, because a reply at 115200 baud is due within a
 * fraction of a millisecond. The loop also keeps the scenario clock: elapsed
 * seconds since start, times the --speed factor.
 */
#ifndef RISKGW_SIM_LOOP_H
#define RISKGW_SIM_LOOP_H

#include <stddef.h>
#include <stdint.h>
#include "json_field.h"

/* The struct that embeds member at ptr (a watch or a timer). */
#define SIM_CONTAINER_OF(ptr, type, member) ((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct sim_watch;
typedef void sim_ready_fn(struct sim_watch *w, uint32_t events);

/* Embed in whatever owns a descriptor; the callback gets it back. */
struct sim_watch {
    int fd;
    sim_ready_fn *ready;
};

struct sim_timer;
typedef void sim_fire_fn(struct sim_timer *t);

/* Embed in whatever needs waking; zero-initialise, then sim_timer_start. */
struct sim_timer {
    int64_t due_ns;
    sim_fire_fn *fire;
    struct sim_timer *prev, *next;
    int armed;
};

struct sim_loop {
    int epfd;
    void **graveyard;               /* freed once the current batch of events is done */
    size_t ngrave, capgrave;
    struct sim_watch clock;         /* the timerfd */
    struct sim_timer *head, *tail;  /* armed timers, earliest first */
    int64_t start_ns;
    double speed;
};

#define SIM_NS_PER_MS INT64_C(1000000)
#define SIM_NS_PER_S INT64_C(1000000000)

int64_t sim_now_ns(void);

int sim_loop_init(struct sim_loop *l, double speed, struct cfg_err *err);
void sim_loop_close(struct sim_loop *l);

/* Watch fd for events (EPOLLIN, EPOLLOUT); -1 with errno. */
int sim_loop_add(struct sim_loop *l, struct sim_watch *w, int fd, uint32_t events, sim_ready_fn *ready);
int sim_loop_modify(struct sim_loop *l, struct sim_watch *w, uint32_t events);
/* Stop watching w (w->fd becomes -1); events already fetched for it in this
 * batch are skipped. drop also closes the descriptor, remove leaves it open. */
void sim_loop_drop(struct sim_loop *l, struct sim_watch *w);
void sim_loop_remove(struct sim_loop *l, struct sim_watch *w);
/* free(p) once the events fetched with it are dispatched: an owner dropped by
 * another's callback must stay readable until then. */
void sim_loop_release(struct sim_loop *l, void *p);

/* Fire t at monotonic due_ns (re-arming an armed timer moves it). */
void sim_timer_start(struct sim_loop *l, struct sim_timer *t, int64_t due_ns, sim_fire_fn *fire);
void sim_timer_cancel(struct sim_loop *l, struct sim_timer *t);

/* Wait up to max_ms for events and due timers, and dispatch them. 0, or -1 on
 * EINTR (a signal: the caller checks its flags) or a failed wait (errno). */
int sim_loop_run_once(struct sim_loop *l, int max_ms);

/* Scenario seconds since the loop started, at the --speed factor. */
double sim_loop_elapsed_s(const struct sim_loop *l);

#endif
