/*
 * config_strings.c - the devices' ids, hosts and profile names, packed.
 *
 * A park's gateway polls hundreds of devices of a handful of models, often behind
 * a few converters: the same few profile names and hosts, over and over, and an
 * id each of a dozen characters. Kept in fixed arrays they cost 256 bytes a device
 * (0.5 MiB at 2,000 devices, issue 17). Here each host and profile name is stored
 * once and pointed at, and the copies are packed into blocks of a few KiB instead
 * of a malloc'd string each (whose chunk would cost 32 bytes and more for "d0001").
 * The strings live until config_free.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define STRINGS_MIN 16
#define STRING_BLOCK_BYTES 4096

struct string_block {
    struct string_block *next;
    size_t used, cap;
    char text[];
};

const char *config_keep_str(struct config *cfg, const char *s)
{
    struct config_strings *t = &cfg->strings;
    size_t len = strlen(s) + 1;
    struct string_block *b = t->blocks;
    if (!b || b->cap - b->used < len) {
        size_t cap = STRING_BLOCK_BYTES - sizeof *b;
        if (cap < len)
            cap = len;
        if (!(b = malloc(sizeof *b + cap)))
            return NULL;
        *b = (struct string_block){.next = t->blocks, .cap = cap};
        t->blocks = b;
    }
    char *copy = memcpy(b->text + b->used, s, len);
    b->used += len;
    return copy;
}

const char *config_intern_str(struct config *cfg, const char *s)
{
    struct config_strings *t = &cfg->strings;
    if (!s[0])
        return "";
    for (size_t i = t->n; i-- > 0;)       /* the latest first: devices come in runs */
        if (strcmp(t->s[i], s) == 0)
            return t->s[i];
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : STRINGS_MIN;
        const char **grown = realloc(t->s, cap * sizeof *grown);
        if (!grown)
            return NULL;
        t->s = grown;
        t->cap = cap;
    }
    const char *copy = config_keep_str(cfg, s);
    if (copy)
        t->s[t->n++] = copy;
    return copy;
}

void config_free_strings(struct config *cfg)
{
    struct config_strings *t = &cfg->strings;
    while (t->blocks) {
        struct string_block *next = t->blocks->next;
        free(t->blocks);
        t->blocks = next;
    }
    free((void *)t->s);
    memset(t, 0, sizeof *t);
}
