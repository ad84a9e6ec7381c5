/*
 * sim_site.c - the devices of a simulated plant, with each profile and scenario loaded once.
 *
 * A benchmark site has 2,000 devices of one profile and one scenario; loading
 * and checking those files once keeps start-up instant and the memory small.
 * Devices borrow profiles and scenarios, so the site frees them last.
 */
#include "sim_site.h"

#include <stdlib.h>
#include <string.h>

#include "sim_control.h"

#define SITE_FIRST_CAP 16

struct sim_site *sim_site_new(const char *profile_dir, int loop, struct cfg_err *err)
{
    struct sim_site *s = calloc(1, sizeof *s);
    if (!s) {
        cfg_fail(err, NULL, "out of memory for the site");
        return NULL;
    }
    snprintf(s->profile_dir, sizeof s->profile_dir, "%s", profile_dir);
    s->loop = loop;
    return s;
}

void sim_site_free(struct sim_site *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->ndevs; i++)
        sim_device_free(s->devs[i].dev);
    for (size_t i = 0; i < s->nscenarios; i++)
        sim_scenario_free(s->scenarios[i]);
    for (size_t i = 0; i < s->nprofiles; i++)
        profile_free(s->profiles[i]);
    free(s->devs);
    free(s->scenarios);
    free(s->profiles);
    free(s);
}

/* Append item to a growing array of pointers. -1 when out of memory. */
static int push(void ***arr, size_t *n, void *item)
{
    void **grown = realloc(*arr, (*n + 1) * sizeof *grown);
    if (!grown)
        return -1;
    grown[(*n)++] = item;
    *arr = grown;
    return 0;
}

static const struct profile *profile_named(struct sim_site *s, const char *name, struct cfg_err *err)
{
    struct cfg_err inner;
    for (size_t i = 0; i < s->nprofiles; i++)
        if (strcmp(s->profiles[i]->name, name) == 0)
            return s->profiles[i];
    struct profile *pf = profile_load(s->profile_dir, name, &inner);
    if (!pf) {
        cfg_fail(err, NULL, "%s (look elsewhere with --profile-dir DIR)", inner.msg);
        return NULL;
    }
    if (push((void ***)&s->profiles, &s->nprofiles, pf) < 0) {
        profile_free(pf);
        cfg_fail(err, NULL, "out of memory for profile %s", name);
        return NULL;
    }
    return pf;
}

static const struct sim_scenario *scenario_at(struct sim_site *s, const char *path, struct cfg_err *err)
{
    for (size_t i = 0; i < s->nscenarios; i++)
        if (strcmp(s->scenarios[i]->origin, path) == 0)
            return s->scenarios[i];
    struct sim_scenario *sc = sim_scenario_load(path, err);
    if (!sc || (s->loop && sim_scenario_set_loop(sc, err) < 0) ||
        push((void ***)&s->scenarios, &s->nscenarios, sc) < 0) {
        if (sc && err->msg[0] == '\0')
            cfg_fail(err, NULL, "out of memory for scenario %s", path);
        sim_scenario_free(sc);
        return NULL;
    }
    return sc;
}

struct sim_site_dev *sim_site_find(struct sim_site *s, const char *id)
{
    for (size_t i = 0; i < s->ndevs; i++)
        if (strcmp(s->devs[i].id, id) == 0)
            return &s->devs[i];
    return NULL;
}

static int check_id(struct sim_site *s, const char *id, struct cfg_err *err)
{
    if (!id[0] || strlen(id) >= ID_MAX || strpbrk(id, " \t"))
        return cfg_fail(err, NULL, "device id \"%.64s\": give 1 to %d characters without blanks",
                        id, ID_MAX - 1);
    if (sim_control_is_verb(id))
        return cfg_fail(err, NULL, "device id \"%s\" is a control command; choose another name", id);
    if (sim_site_find(s, id))
        return cfg_fail(err, NULL, "device id \"%s\" is used twice; control lines need one name per device", id);
    return 0;
}

struct sim_device *sim_site_add(struct sim_site *s, const struct sim_dev_spec *spec, struct cfg_err *err)
{
    const struct profile *pf;
    const struct sim_scenario *sc = NULL;
    struct sim_device *dev;
    err->msg[0] = '\0';
    if (check_id(s, spec->id, err) < 0 || !(pf = profile_named(s, spec->profile, err)) ||
        (spec->scenario && !(sc = scenario_at(s, spec->scenario, err))) ||
        !(dev = sim_device_new(pf, (uint8_t)spec->unit, sc, err)))
        return NULL;
    if (s->ndevs == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : SITE_FIRST_CAP;
        struct sim_site_dev *grown = realloc(s->devs, cap * sizeof *grown);
        if (!grown) {
            sim_device_free(dev);
            cfg_fail(err, NULL, "out of memory for device %s", spec->id);
            return NULL;
        }
        s->devs = grown;
        s->cap = cap;
    }
    struct sim_site_dev *d = &s->devs[s->ndevs++];
    snprintf(d->id, sizeof d->id, "%s", spec->id);
    d->port = spec->port;
    d->dev = dev;
    sim_device_set_id(dev, spec->id);
    return dev;
}
