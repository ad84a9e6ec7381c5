/*
 * ctl_drain.h - how sink tests take what a sink reports through the control queue.
 *
 * A sink under test reports deliveries, failures, link changes and commands as
 * struct ctl_msg on a queue with a doorbell, exactly as it does to the core.
 * These wait for the doorbell, hand every queued message to the test's own
 * handler, and wait until one of the test's counters reaches a number.
 */
#ifndef RISKGW_TEST_CTL_DRAIN_H
#define RISKGW_TEST_CTL_DRAIN_H

#include <poll.h>
#include <stdint.h>

#include "clock.h"
#include "control.h"
#include "queue.h"

#define CTL_DRAIN_BATCH 64

typedef void (*ctl_take_fn)(const struct ctl_msg *m);

/* Wait up to ms for the doorbell, then hand everything queued to take. */
static inline void ctl_queue_drain(struct queue *q, struct doorbell *bell, int ms, ctl_take_fn take)
{
    struct pollfd p = { .fd = bell->fd, .events = POLLIN };
    if (poll(&p, 1, ms) > 0)
        doorbell_drain(bell);
    struct ctl_msg m[CTL_DRAIN_BATCH];
    size_t n;
    while ((n = queue_pop(q, m, CTL_DRAIN_BATCH)) > 0)
        for (size_t i = 0; i < n; i++)
            take(&m[i]);
}

/* Drain in steps of step_ms until *counter reaches want or ms pass; 1 if reached. */
static inline int ctl_queue_wait(struct queue *q, struct doorbell *bell, ctl_take_fn take,
                                 const int *counter, int want, int ms, int step_ms)
{
    for (int64_t end = clock_mono_ms() + ms; *counter < want && clock_mono_ms() < end;)
        ctl_queue_drain(q, bell, step_ms, take);
    return *counter >= want;
}

#endif
