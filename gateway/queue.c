/*
 * queue.c - a bounded ring of fixed-size items with a doorbell (see queue.h).
 *
 * One mutex per queue; critical sections are a memcpy. Producers never wait:
 * a full ring refuses the item and counts it, so overflow is visible in status.
 */
#include "queue.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

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
    q->items = calloc(capacity, item_size);
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
    free(q->items);
    q->items = NULL;
}

int queue_push(struct queue *q, const void *item)
{
    pthread_mutex_lock(&q->lock);
    if (q->count == q->capacity) {
        q->overflowed++;
        pthread_mutex_unlock(&q->lock);
        errno = ENOSPC;
        return -1;
    }
    size_t tail = (q->head + q->count) % q->capacity;
    memcpy(q->items + tail * q->item_size, item, q->item_size);
    q->count++;
    q->pushed++;
    pthread_mutex_unlock(&q->lock);
    if (q->bell)
        doorbell_ring(q->bell);
    return 0;
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
