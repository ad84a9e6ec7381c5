/*
 * sim_loop.c - epoll and an ordered timer list behind one timerfd (see sim_loop.h).
 *
 * Timers are a doubly linked list sorted by due time. Most timers join near the
 * end (a late reply, a reset, a reply on the serial line all fall due after the
 * ones already waiting), so insertion walks from the tail. The timerfd is
 * always armed for the head, with an absolute CLOCK_MONOTONIC time.
 */
#include "sim_loop.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define LOOP_EVENTS_MAX 256
#define GRAVEYARD_FIRST 16

int64_t sim_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * SIM_NS_PER_S + ts.tv_nsec;
}

/* Arm the timerfd for the earliest timer, or disarm it. */
static void rearm(struct sim_loop *l)
{
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (l->head) {
        int64_t due = l->head->due_ns > 0 ? l->head->due_ns : 1;   /* 0 would disarm */
        its.it_value.tv_sec = due / SIM_NS_PER_S;
        its.it_value.tv_nsec = due % SIM_NS_PER_S;
    }
    timerfd_settime(l->clock.fd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void unlink_timer(struct sim_loop *l, struct sim_timer *t)
{
    if (t->prev)
        t->prev->next = t->next;
    else
        l->head = t->next;
    if (t->next)
        t->next->prev = t->prev;
    else
        l->tail = t->prev;
    t->prev = t->next = NULL;
    t->armed = 0;
}

void sim_timer_cancel(struct sim_loop *l, struct sim_timer *t)
{
    if (!t->armed)
        return;
    int was_head = l->head == t;
    unlink_timer(l, t);
    if (was_head)
        rearm(l);
}

void sim_timer_start(struct sim_loop *l, struct sim_timer *t, int64_t due_ns, sim_fire_fn *fire)
{
    if (t->armed)
        unlink_timer(l, t);
    t->due_ns = due_ns;
    t->fire = fire;
    t->armed = 1;
    struct sim_timer *after = l->tail;
    while (after && after->due_ns > due_ns)
        after = after->prev;
    t->prev = after;
    t->next = after ? after->next : l->head;
    if (t->next)
        t->next->prev = t;
    else
        l->tail = t;
    if (after)
        after->next = t;
    else
        l->head = t;
    if (l->head == t)
        rearm(l);
}

/* The timerfd went off: fire every timer that is due, in order. */
static void fire_due(struct sim_watch *w, uint32_t events)
{
    struct sim_loop *l = SIM_CONTAINER_OF(w, struct sim_loop, clock);
    uint64_t expirations;
    (void)events;
    if (read(w->fd, &expirations, sizeof expirations) < 0 && errno != EAGAIN)
        return;
    int64_t now = sim_now_ns();
    while (l->head && l->head->due_ns <= now) {
        struct sim_timer *t = l->head;
        unlink_timer(l, t);
        t->fire(t);                 /* may start or cancel timers, this one too */
    }
    rearm(l);
}

int sim_loop_init(struct sim_loop *l, double speed, struct cfg_err *err)
{
    memset(l, 0, sizeof *l);
    l->speed = speed;
    l->start_ns = sim_now_ns();
    l->clock.fd = -1;
    if ((l->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0 ||
        (l->clock.fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC)) < 0 ||
        sim_loop_add(l, &l->clock, l->clock.fd, EPOLLIN, fire_due) < 0) {
        cfg_fail(err, NULL, "cannot set up the event loop (epoll, timerfd): %s", strerror(errno));
        sim_loop_close(l);
        return -1;
    }
    return 0;
}

static void empty_graveyard(struct sim_loop *l)
{
    for (size_t i = 0; i < l->ngrave; i++)
        free(l->graveyard[i]);
    l->ngrave = 0;
}

void sim_loop_release(struct sim_loop *l, void *p)
{
    if (l->ngrave == l->capgrave) {
        size_t cap = l->capgrave ? 2 * l->capgrave : GRAVEYARD_FIRST;
        void **g = realloc(l->graveyard, cap * sizeof *g);
        if (!g)
            return;                 /* a small leak beats a use after free */
        l->graveyard = g;
        l->capgrave = cap;
    }
    l->graveyard[l->ngrave++] = p;
}

void sim_loop_close(struct sim_loop *l)
{
    empty_graveyard(l);
    free(l->graveyard);
    l->graveyard = NULL;
    l->capgrave = 0;
    if (l->clock.fd >= 0)
        close(l->clock.fd);
    if (l->epfd >= 0)
        close(l->epfd);
    l->clock.fd = l->epfd = -1;
}

int sim_loop_add(struct sim_loop *l, struct sim_watch *w, int fd, uint32_t events, sim_ready_fn *ready)
{
    struct epoll_event ev = {.events = events, .data.ptr = w};
    w->fd = fd;
    w->ready = ready;
    return epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev);
}

int sim_loop_modify(struct sim_loop *l, struct sim_watch *w, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.ptr = w};
    return epoll_ctl(l->epfd, EPOLL_CTL_MOD, w->fd, &ev);
}

void sim_loop_remove(struct sim_loop *l, struct sim_watch *w)
{
    if (w->fd < 0)
        return;
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, w->fd, NULL);
    w->fd = -1;
}

void sim_loop_drop(struct sim_loop *l, struct sim_watch *w)
{
    int fd = w->fd;
    sim_loop_remove(l, w);
    if (fd >= 0)
        close(fd);
}

int sim_loop_run_once(struct sim_loop *l, int max_ms)
{
    struct epoll_event ev[LOOP_EVENTS_MAX];
    int n = epoll_wait(l->epfd, ev, LOOP_EVENTS_MAX, max_ms);
    if (n < 0)
        return -1;
    for (int i = 0; i < n; i++) {
        struct sim_watch *w = ev[i].data.ptr;
        if (w->fd >= 0)
            w->ready(w, ev[i].events);
    }
    empty_graveyard(l);
    return 0;
}

double sim_loop_elapsed_s(const struct sim_loop *l)
{
    return (double)(sim_now_ns() - l->start_ns) / (double)SIM_NS_PER_S * l->speed;
}
