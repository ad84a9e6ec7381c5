/*
 * config_defs.c - one shared copy of each distinct point definition.
 *
 * A park's gateway polls hundreds of detectors of a handful of models. Each model's
 * profile defines its points once, and a site overrides few of them. Storing the
 * definition once and letting every point refer to it by index keeps the parsed
 * config at 12 bytes a point instead of a 600-byte copy (issues 10 and 17: RSS at
 * 500 and 2,000 devices). An index stays valid while the table grows; each copy is
 * allocated on its own, so config_point_def()'s pointers stay valid too.
 *
 * Definitions are found by content. That is sound because every definition starts
 * from point_defaults() (zeroed, padding included) or a copy of one, and parsing
 * sets fields one by one: equal content means equal bytes. Unequal tails of a
 * string can only make two equal definitions stay apart, never merge two others.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "hash.h"

#define DEFS_MIN_SLOTS 64

static uint64_t def_hash(const struct point_cfg *pc)
{
    return hash_fnv1a(pc, sizeof *pc);
}

/* The slot holding pc's equal, or the empty slot where it belongs. */
static size_t find_slot(const struct point_defs *d, const struct point_cfg *pc)
{
    size_t mask = d->nslots - 1, i = (size_t)def_hash(pc) & mask;
    /* NOLINTNEXTLINE(bugprone-suspicious-memory-comparison,cert-exp42-c,cert-flp37-c): see top */
    while (d->slot[i] && memcmp(d->def[d->slot[i] - 1], pc, sizeof *pc) != 0)
        i = (i + 1) & mask;
    return i;
}

static int grow_slots(struct point_defs *d)
{
    size_t n = d->nslots ? d->nslots * 2 : DEFS_MIN_SLOTS;
    uint32_t *old = d->slot;
    if (!(d->slot = calloc(n, sizeof *d->slot))) {
        d->slot = old;
        return -1;
    }
    d->nslots = n;
    for (size_t k = 0; k < d->n; k++)
        d->slot[find_slot(d, d->def[k])] = (uint32_t)(k + 1);
    free(old);
    return 0;
}

static int grow_defs(struct point_defs *d)
{
    size_t cap = d->cap ? d->cap * 2 : DEFS_MIN_SLOTS / 2;
    struct point_cfg **grown = realloc(d->def, cap * sizeof *grown);
    if (!grown)
        return -1;
    d->def = grown;
    d->cap = cap;
    return 0;
}

int config_intern_def(struct config *cfg, const struct point_cfg *pc, uint32_t *index,
                      struct cfg_err *err)
{
    struct point_defs *d = &cfg->defs;
    if ((d->n + 1) * 2 > d->nslots && grow_slots(d) < 0)
        goto oom;
    size_t i = find_slot(d, pc);
    if (d->slot[i]) {
        *index = d->slot[i] - 1;
        return 0;
    }
    struct point_cfg *copy = malloc(sizeof *copy);
    if (!copy || (d->n == d->cap && grow_defs(d) < 0)) {
        free(copy);
        goto oom;
    }
    memcpy(copy, pc, sizeof *copy);    /* bytes, padding included: find_slot compares them */
    *index = (uint32_t)d->n;
    d->def[d->n++] = copy;
    d->slot[i] = (uint32_t)d->n;
    return 0;
oom:
    return cfg_fail(err, NULL, "out of memory for point definitions (%zu so far)", d->n);
}

void config_free_defs(struct config *cfg)
{
    for (size_t k = 0; k < cfg->defs.n; k++)
        free(cfg->defs.def[k]);
    free(cfg->defs.def);
    free(cfg->defs.slot);
    memset(&cfg->defs, 0, sizeof cfg->defs);
}
