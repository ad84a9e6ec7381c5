/*
 * test_queue.c - the bounded hand-over between threads (gateway/queue.c).
 *
 * Order across the ring's wrap, refusals counted on a full ring, batches that
 * fit only in part, the doorbell ringing once per empty-to-non-empty change
 * (read back from the real eventfd, whose counter sums the rings), quiet pushes
 * that do not ring but never silence a ringing one behind them, the rewind
 * of a drained ring to its first slot, a deep backlog's pages given back once
 * drained, and producers on other threads.
 */
#include <pthread.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "queue.h"

#define CAP 8
#define THREADS 4
#define PER_THREAD 20000

/* How many times the bell rang since the last call (eventfd counters add up). */
static uint64_t rings(struct doorbell *b)
{
    uint64_t v = 0;
    return read(b->fd, &v, sizeof v) == sizeof v ? v : 0;
}

static void test_order_and_wrap(void)
{
    struct queue q;
    CHECK_INT(queue_init(&q, sizeof(int), CAP, NULL), 0);
    int out[CAP], next_in = 0, next_out = 0;
    for (int round = 0; round < 5; round++) {       /* push 5, pop 5: wraps the ring */
        for (int i = 0; i < 5; i++, next_in++)
            CHECK_INT(queue_push(&q, &next_in), 0);
        size_t n = queue_pop(&q, out, 3);
        CHECK_INT(n, 3);
        for (size_t i = 0; i < n; i++)
            CHECK_INT(out[i], next_out++);
        n = queue_pop(&q, out, CAP);
        CHECK_INT(n, 2);
        for (size_t i = 0; i < n; i++)
            CHECK_INT(out[i], next_out++);
    }
    queue_destroy(&q);
}

static void test_full_and_batches(void)
{
    struct queue q;
    struct queue_stats st;
    int items[CAP + 3];
    for (int i = 0; i < CAP + 3; i++)
        items[i] = 100 + i;
    CHECK_INT(queue_init(&q, sizeof(int), CAP, NULL), 0);
    CHECK_INT(queue_push_many(&q, items, 5), 5);
    CHECK_INT(queue_push_many(&q, items + 5, 6), 3);    /* only 3 fit */
    CHECK_INT(queue_push(&q, &items[0]), -1);
    queue_stats(&q, &st);
    CHECK_INT(st.depth, CAP);
    CHECK_INT(st.pushed, CAP);
    CHECK_INT(st.overflowed, 4);
    int out[CAP];
    CHECK_INT(queue_pop(&q, out, CAP), CAP);
    for (int i = 0; i < CAP; i++)
        CHECK_INT(out[i], 100 + i);
    queue_destroy(&q);
}

static void test_doorbell_and_rewind(void)
{
    struct doorbell bell;
    struct queue q;
    CHECK_INT(doorbell_open(&bell), 0);
    CHECK_INT(queue_init(&q, sizeof(int), CAP, &bell), 0);
    int v[3] = {1, 2, 3}, out[CAP];
    CHECK_INT(queue_push(&q, &v[0]), 0);
    CHECK_INT(queue_push(&q, &v[1]), 0);
    CHECK_INT(queue_push_many(&q, v, 3), 3);
    CHECK_INT(rings(&bell), 1);                 /* five items, one wake-up */
    CHECK_INT(queue_pop(&q, out, 2), 2);
    CHECK_INT(queue_push(&q, &v[2]), 0);        /* not empty: no ring */
    CHECK_INT(rings(&bell), 0);
    CHECK_INT(queue_pop(&q, out, CAP), 4);
    CHECK_INT(q.head, 0);                       /* drained: back to the first slot */
    CHECK_INT(queue_push_many(&q, v, 0), 0);    /* nothing pushed: no ring */
    CHECK_INT(rings(&bell), 0);
    CHECK_INT(queue_push(&q, &v[0]), 0);
    CHECK_INT(rings(&bell), 1);
    queue_destroy(&q);
    doorbell_close(&bell);
}

/* Resident pages of the ring, read from the kernel (mincore). */
static size_t resident_pages(const struct queue *q)
{
    long page = sysconf(_SC_PAGESIZE);
    size_t bytes = q->capacity * q->item_size, npages = (bytes + (size_t)page - 1) / (size_t)page, n = 0;
    unsigned char vec[4096];
    CHECK(npages <= sizeof vec);
    if (npages > sizeof vec || mincore(q->items, bytes, vec) < 0)
        return 0;
    for (size_t i = 0; i < npages; i++)
        n += vec[i] & 1;
    return n;
}

/* A backlog of 4 MiB drained: only the first QUEUE_KEEP_BYTES stay resident; a
 * shallow one keeps its pages (no advice per drain); a deep backlog reused after the
 * pages went back reads what was pushed, not zeros. */
static void test_deep_pages_released(void)
{
    enum { ITEM = 64, DEEP = 4 * 1024 * 1024 / ITEM };
    static unsigned char in[DEEP][ITEM], out[DEEP][ITEM];
    struct queue q;
    long page = sysconf(_SC_PAGESIZE);
    size_t keep_pages = QUEUE_KEEP_BYTES / (size_t)page;
    CHECK_INT(queue_init(&q, ITEM, DEEP, NULL), 0);
    CHECK_INT(resident_pages(&q), 0);
    for (int round = 0; round < 2; round++) {
        for (size_t i = 0; i < DEEP; i++)
            memset(in[i], (int)(i + (size_t)round) & 0xff, ITEM);
        CHECK_INT(queue_push_many(&q, in, DEEP), DEEP);
        CHECK(resident_pages(&q) >= DEEP * ITEM / (size_t)page);
        CHECK_INT(queue_pop(&q, out, DEEP), DEEP);
        CHECK(memcmp(in, out, sizeof in) == 0);
        CHECK(resident_pages(&q) <= keep_pages);
    }
    CHECK_INT(queue_push_many(&q, in, 100), 100);    /* shallow: nothing to give back */
    CHECK_INT(queue_pop(&q, out, DEEP), 100);
    CHECK(resident_pages(&q) >= 100 * ITEM / (size_t)page);
    queue_destroy(&q);
}

/* A quiet push (a telemetry PUBACK) must not wake the core, but it must not swallow
 * the ring of a command or an alarm's confirmation pushed behind it either. */
static void test_quiet_push(void)
{
    struct doorbell bell;
    struct queue q;
    CHECK_INT(doorbell_open(&bell), 0);
    CHECK_INT(queue_init(&q, sizeof(int), CAP, &bell), 0);
    int v = 7, out[CAP];
    CHECK_INT(queue_push_quiet(&q, &v), 0);
    CHECK_INT(rings(&bell), 0);                 /* quiet: the consumer sleeps on */
    CHECK_INT(queue_push(&q, &v), 0);           /* not empty, but nothing rang yet */
    CHECK_INT(rings(&bell), 1);
    CHECK_INT(queue_push(&q, &v), 0);           /* rang already: once is enough */
    CHECK_INT(rings(&bell), 0);
    CHECK_INT(queue_pop(&q, out, CAP), 3);
    CHECK_INT(queue_push_quiet(&q, &v), 0);     /* CAP / 4 = 2: the second quiet push rings */
    CHECK_INT(rings(&bell), 0);
    CHECK_INT(queue_push_quiet(&q, &v), 0);
    CHECK_INT(rings(&bell), 1);
    CHECK_INT(queue_push_quiet(&q, &v), 0);
    CHECK_INT(rings(&bell), 0);
    CHECK_INT(queue_pop(&q, out, 1), 1);        /* not drained: a push still need not ring */
    CHECK_INT(queue_push(&q, &v), 0);
    CHECK_INT(rings(&bell), 0);
    CHECK_INT(queue_pop(&q, out, CAP), 3);
    CHECK_INT(queue_push(&q, &v), 0);           /* drained: the next push rings again */
    CHECK_INT(rings(&bell), 1);
    queue_destroy(&q);
    doorbell_close(&bell);
}

struct producer { struct queue *q; int id; };

static void *produce(void *arg)
{
    struct producer *p = arg;
    for (int i = 0; i < PER_THREAD; i++) {
        int item = p->id * PER_THREAD + i;
        while (queue_push(p->q, &item) < 0)
            ;                                   /* full: the consumer is behind */
    }
    return NULL;
}

/* Several producers, one consumer that sleeps on the bell: nothing lost, each
 * producer's items in its own order, and the consumer never sleeps on a
 * non-empty queue (it would hang here). */
static void test_threads(void)
{
    struct doorbell bell;
    struct queue q;
    CHECK_INT(doorbell_open(&bell), 0);
    CHECK_INT(queue_init(&q, sizeof(int), 64, &bell), 0);
    pthread_t t[THREADS];
    struct producer p[THREADS];
    for (int i = 0; i < THREADS; i++) {
        p[i] = (struct producer){ .q = &q, .id = i };
        pthread_create(&t[i], NULL, produce, &p[i]);
    }
    int last[THREADS], got = 0, in_order = 1, out[64];
    for (int i = 0; i < THREADS; i++)
        last[i] = -1;
    while (got < THREADS * PER_THREAD) {
        uint64_t v;
        if (read(bell.fd, &v, sizeof v) < 0)
            usleep(100);                        /* nonblocking eventfd: not rung yet */
        size_t n;
        while ((n = queue_pop(&q, out, 64)) > 0)
            for (size_t i = 0; i < n; i++, got++) {
                int who = out[i] / PER_THREAD, seq = out[i] % PER_THREAD;
                in_order &= seq == last[who] + 1;
                last[who] = seq;
            }
    }
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    CHECK_INT(got, THREADS * PER_THREAD);
    CHECK(in_order);
    queue_destroy(&q);
    doorbell_close(&bell);
}

int main(void)
{
    test_order_and_wrap();
    test_full_and_batches();
    test_doorbell_and_rewind();
    test_quiet_push();
    test_deep_pages_released();
    test_threads();
    return check_summary();
}
