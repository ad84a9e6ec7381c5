/*
 * queue.c - a bounded ring of fixed-size items with a doorbell (see queue.h).
 *
 * One mutex per queue; critical sections are a memcpy. Producers never wait:
 * a full ring refuses the item and counts it, so overflow is visible in status.
 * The doorbell rings only once until the consumer empties the queue: a device's
 * reply of 30 samples costs one wake-up of the core, not 30 eventfd writes. A quiet
 * push (queue_push_quiet) does not ring and does not count as having rung, so
 * a ringing push behind it still wakes the consumer. A drained queue rewinds to
 * its first slot, and its ring is a mapping of its own (reserve.h), so a ring
 * sized for the worst burst keeps resident only the pages its backlog used; once
 * a backlog went past QUEUE_KEEP_BYTES, the drain gives the pages beyond back
 * (reserve_forget), so a consumer's one stall (a slow fsync, a loaded machine:
 * 2,000 devices' round is 1.9 MiB) does not stay resident for good.
 */
#include "queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>
#include "reserve.h"

int doorbell_open(struct doorbell *d)
{
    d->fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return d->fd < 0 ? -1 : 0;
}

void doorbell_ring(struct doorbell *d)
{
    uint64_t one = 1;
    ssize_t n = write(d->fd, &one, sizeof one);
    (void)n;        /* EAGAIN means the counter is already non-zero: the bell rang */
}

void doorbell_drain(struct doorbell *d)
{
    uint64_t v;
    ssize_t n = read(d->fd, &v, sizeof v);
    (void)n;
}

void doorbell_close(struct doorbell *d)
{
    if (d->fd >= 0)
        close(d->fd);
    d->fd = -1;
}

int queue_init(struct queue *q, size_t item_size, size_t capacity, struct doorbell *bell)
{
    memset(q, 0, sizeof *q);
    if (item_size == 0 || capacity == 0) {
        errno = EINVAL;
        return -1;
    }
    if (capacity > SIZE_MAX / item_size) {
        errno = EOVERFLOW;
        return -1;
    }
    q->items = reserve_zeroed(capacity * item_size);
    if (!q->items)
        return -1;
    q->item_size = item_size;
    q->capacity = capacity;
    q->bell = bell;
    pthread_mutex_init(&q->lock, NULL);
    return 0;
}

void queue_destroy(struct queue *q)
{
    if (!q->items)
        return;
    pthread_mutex_destroy(&q->lock);
    reserve_release(q->items, q->capacity * q->item_size);
    q->items = NULL;
}

/* Push under one lock; ring the bell when asked to and it has not rung since the
 * queue was last emptied. */
static size_t queue_push_ringing(struct queue *q, const void *items, size_t n, int ring)
{
    const unsigned char *in = items;
    pthread_mutex_lock(&q->lock);
    size_t room = q->capacity - q->count, take = n < room ? n : room;
    for (size_t i = 0; i < take; i++) {
        size_t tail = (q->head + q->count) % q->capacity;
        memcpy(q->items + tail * q->item_size, in + i * q->item_size, q->item_size);
        q->count++;
    }
    if (q->head + q->count > q->deepest)
        q->deepest = q->head + q->count < q->capacity ? q->head + q->count : q->capacity;
    q->pushed += take;
    q->overflowed += n - take;
    ring = ring || q->count >= q->capacity / 4;
    int must_ring = take > 0 && ring && !q->rung && q->bell;
    if (must_ring)
        q->rung = 1;
    pthread_mutex_unlock(&q->lock);
    if (must_ring)
        doorbell_ring(q->bell);
    if (take < n)
        errno = ENOSPC;
    return take;
}

size_t queue_push_many(struct queue *q, const void *items, size_t n)
{
    return queue_push_ringing(q, items, n, 1);
}

int queue_push(struct queue *q, const void *item)
{
    return queue_push_ringing(q, item, 1, 1) == 1 ? 0 : -1;
}

int queue_push_quiet(struct queue *q, const void *item)
{
    return queue_push_ringing(q, item, 1, 0) == 1 ? 0 : -1;
}

/* Drained, under the lock: no producer writes past the first slot until we let go. */
static void forget_deep_pages(struct queue *q)
{
    size_t used = q->deepest * q->item_size;
    if (used <= QUEUE_KEEP_BYTES)
        return;
    reserve_forget(q->items + QUEUE_KEEP_BYTES, used - QUEUE_KEEP_BYTES);
    q->deepest = QUEUE_KEEP_BYTES / q->item_size;
}

size_t queue_pop(struct queue *q, void *items, size_t max)
{
    unsigned char *out = items;
    pthread_mutex_lock(&q->lock);
    size_t n = q->count < max ? q->count : max;
    for (size_t i = 0; i < n; i++) {
        memcpy(out + i * q->item_size, q->items + q->head * q->item_size, q->item_size);
        q->head = (q->head + 1) % q->capacity;
    }
    q->count -= n;
    if (q->count == 0) {
        q->head = 0;    /* rewind: only the deepest backlog's pages stay resident */
        q->rung = 0;    /* the next push must ring again */
        forget_deep_pages(q);
    }
    pthread_mutex_unlock(&q->lock);
    return n;
}

void queue_stats(struct queue *q, struct queue_stats *out)
{
    pthread_mutex_lock(&q->lock);
    out->depth = q->count;
    out->capacity = q->capacity;
    out->pushed = q->pushed;
    out->overflowed = q->overflowed;
    pthread_mutex_unlock(&q->lock);
}
