/*
 * console_snapshot.c - the buffers the core writes its snapshot into, reused.
 *
 * While a page looks the core writes a snapshot a second (370 KB at 500 devices).
 * Into a fresh malloc each time, that was a new mapping (glibc's mmap threshold is
 * fixed at 128 KiB, docs/architecture.md "Memory"): page faults on every page
 * written, then a copy for the console and two munmaps. Instead the core writes
 * straight into one of a few buffers that stay mapped while pages look, and the
 * console publishes that buffer as it is. A buffer is free again once the core's
 * own reference is its only one: no longer the published snapshot and no reply
 * still sending it. If a slow page holds them all, a new one is made and let go
 * once published, so a page never waits for another. All of it runs on the core
 * thread; only the references are touched by the server thread (atomic).
 */
#include <stdio.h>
#include <string.h>

#include "console_internal.h"

/* {"v":N,"now":<snapshot>}: the head is padded with spaces to this width (JSON allows
 * them between tokens), so the snapshot can be written first at a fixed place. */
#define SNAPSHOT_HEAD 40
#define SNAPSHOT_TAIL 1                 /* the closing brace */

static int is_free(const struct console_text *t, size_t need)
{
    return t && t->cap >= need && __atomic_load_n(&t->refs, __ATOMIC_ACQUIRE) == 1;
}

char *console_snapshot_buffer(struct console *k, size_t cap)
{
    size_t need = SNAPSHOT_HEAD + cap + SNAPSHOT_TAIL, i;
    struct console_text **pool = k->snap_pool;
    k->snap_building = NULL;
    k->snap_loose = 0;
    for (i = 0; i < CONSOLE_SNAPSHOT_BUFFERS && !k->snap_building; i++)
        if (is_free(pool[i], need))
            k->snap_building = pool[i];
    for (i = 0; i < CONSOLE_SNAPSHOT_BUFFERS && !k->snap_building; i++)
        if (!pool[i] || __atomic_load_n(&pool[i]->refs, __ATOMIC_ACQUIRE) == 1) {   /* empty, or free but small */
            console_text_drop(pool[i]);
            pool[i] = k->snap_building = console_text_alloc(need);
        }
    if (!k->snap_building) {            /* every one is still being sent */
        k->snap_building = console_text_alloc(need);
        k->snap_loose = 1;
    }
    return k->snap_building ? k->snap_building->text + SNAPSHOT_HEAD : NULL;
}

void console_snapshot_publish(struct console *k, long len)
{
    struct console_text *t = k->snap_building;
    k->snap_building = NULL;
    if (!t)
        return;
    if (len < 0) {
        if (k->snap_loose)
            console_text_drop(t);
        return;
    }
    char head[SNAPSHOT_HEAD + 1];
    int n = snprintf(head, sizeof head, "{\"v\":%llu,", (unsigned long long)k->now_version + 1);
    snprintf(head + n, sizeof head - (size_t)n, "%*s\"now\":", SNAPSHOT_HEAD - n - 6, "");
    memcpy(t->text, head, SNAPSHOT_HEAD);
    memcpy(t->text + SNAPSHOT_HEAD + len, "}", 2);
    t->len = SNAPSHOT_HEAD + (size_t)len + SNAPSHOT_TAIL;
    if (!k->snap_loose)
        console_text_hold(t);           /* the slot's reference; the pool keeps the core's */
    console_publish(k, &k->now, t);     /* only this thread moves now_version: read above unlocked */
}

void console_snapshot_pool_free(struct console *k)
{
    for (size_t i = 0; i < CONSOLE_SNAPSHOT_BUFFERS; i++) {
        console_text_drop(k->snap_pool[i]);     /* one still being sent goes when it is done */
        k->snap_pool[i] = NULL;
    }
}
