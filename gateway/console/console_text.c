/*
 * console_text.c - the texts the core publishes for the console (layout, snapshot,
 * health), shared without copies.
 *
 * Every page asks for the snapshot twice a second; at 500 devices it is 370 KB.
 * A copy per request was a fresh mapping each time (glibc's mmap threshold is
 * fixed at 128 KiB, docs/architecture.md "Memory"): page faults, zeroing and a
 * memmove for every page, which took the gateway's CPU to x1.9 of console off with
 * five pages. Now a text is made once when published, and each response sends it
 * from where it is, holding a reference that libmicrohttpd gives back when the
 * response is done. The core and the server thread both let go of texts, hence
 * the atomic count.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "console_internal.h"

struct console_text *console_text_alloc(size_t cap)
{
    struct console_text *t = malloc(sizeof *t + cap);
    if (t) {
        t->refs = 1;
        t->len = 0;
        t->cap = cap;
    }
    return t;
}

struct console_text *console_text_new(const char *json)
{
    size_t len = strlen(json);
    struct console_text *text = console_text_alloc(len + 1);
    if (!text)
        return NULL;
    text->len = len;
    memcpy(text->text, json, len + 1);
    return text;
}

void console_text_hold(struct console_text *t)
{
    __atomic_add_fetch(&t->refs, 1, __ATOMIC_RELAXED);
}

void console_text_drop(struct console_text *t)
{
    if (t && __atomic_sub_fetch(&t->refs, 1, __ATOMIC_ACQ_REL) == 0)
        free(t);
}

struct console_text *console_text_get(struct console *k, struct console_text *const *slot)
{
    pthread_mutex_lock(&k->lock);
    struct console_text *t = *slot;
    if (t)
        console_text_hold(t);
    pthread_mutex_unlock(&k->lock);
    return t;
}

/* libmicrohttpd's free callback gets the buffer: the text around it lets go. */
static void text_sent(void *buffer)
{
    console_text_drop((struct console_text *)((char *)buffer - offsetof(struct console_text, text)));
}

struct MHD_Response *console_text_response(const struct console *k, struct console_text *t)
{
    struct MHD_Response *r = k->mhd->create_response_from_buffer_with_free_callback(t->len, t->text, text_sent);
    if (!r)
        console_text_drop(t);
    return r;
}
