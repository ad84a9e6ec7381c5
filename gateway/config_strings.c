/*
 * config_strings.c - one shared copy of each device's host and profile name.
 *
 * A park's gateway polls hundreds of devices of a handful of models, often behind
 * a few converters: the same few profile names and hosts, over and over. Kept in
 * fixed arrays they cost 192 bytes a device (0.4 MiB at 2,000 devices, issue 17);
 * kept once and pointed at, a few bytes. The strings live until config_free.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define STRINGS_MIN 16

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
        char **grown = realloc(t->s, cap * sizeof *grown);
        if (!grown)
            return NULL;
        t->s = grown;
        t->cap = cap;
    }
    char *copy = strdup(s);
    if (copy)
        t->s[t->n++] = copy;
    return copy;
}

void config_free_strings(struct config *cfg)
{
    struct config_strings *t = &cfg->strings;
    for (size_t i = 0; i < t->n; i++)
        free(t->s[i]);
    free(t->s);
    memset(t, 0, sizeof *t);
}
