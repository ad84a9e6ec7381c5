/*
 * queue.h - the bounded hand-over between threads and the core loop.
 *
 * Poller threads push samples; MQTT callbacks push acks and commands. The core
 * thread pops. A push never blocks: when the ring is full the item is refused and
 * counted, so a slow core can never stall a bus. The first push since the queue
 * was last emptied rings a doorbell (an eventfd) that the core loop poll()s beside
 * its other descriptors, so the consumer must drain the doorbell first and then
 * pop until the queue is empty (as the core loop does). A quiet push does not
 * ring: its item waits for the consumer's next wake-up for any other reason (the
 * core's 100 ms tick at the latest), and a later ringing push still rings.
 */
#ifndef RISKGW_QUEUE_H
#define RISKGW_QUEUE_H

/* A drained ring gives the pages of a burst deeper than this back to the kernel
 * (queue.c), so one stall of the consumer does not leave its backlog resident. */
#define QUEUE_KEEP_BYTES (256u * 1024u)

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

struct doorbell {
    int fd;                 /* eventfd; readable when something was pushed */
};

int doorbell_open(struct doorbell *d);
void doorbell_ring(struct doorbell *d);
void doorbell_drain(struct doorbell *d);   /* reset after waking */
void doorbell_close(struct doorbell *d);

struct queue {
    pthread_mutex_t lock;
    unsigned char *items;
    size_t item_size, capacity, head, count;
    int rung;                      /* the bell rang since the queue was last emptied */
    size_t deepest;                /* slots written since the pages past QUEUE_KEEP_BYTES went back */
    uint64_t pushed, overflowed;   /* totals since start, for status */
    struct doorbell *bell;
};

/* Returns 0, or -1 with errno set. */
int queue_init(struct queue *q, size_t item_size, size_t capacity, struct doorbell *bell);
void queue_destroy(struct queue *q);

/* Copy item in. Returns 0, or -1 (errno=ENOSPC) when full; the refusal is counted. */
int queue_push(struct queue *q, const void *item);
/* Copy up to n items in, oldest first, under one lock and at most one doorbell.
 * Returns how many went in; the rest are refused and counted (errno=ENOSPC). */
size_t queue_push_many(struct queue *q, const void *items, size_t n);
/* As queue_push, but without ringing: for news the consumer need not wake for
 * (a delivery confirmed while the uplink's window has room). Rings anyway once
 * the queue is a quarter full, so quiet items never fill it. */
int queue_push_quiet(struct queue *q, const void *item);
/* Copy up to max items out, oldest first. Returns how many. */
size_t queue_pop(struct queue *q, void *items, size_t max);

struct queue_stats { size_t depth, capacity; uint64_t pushed, overflowed; };
void queue_stats(struct queue *q, struct queue_stats *out);

#endif
