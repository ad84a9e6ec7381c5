/*
 * dynlib.c - binding a function table to a library opened at run time (see dynlib.h).
 */
#include "dynlib.h"

#include <dlfcn.h>
#include <stdio.h>

/* The file of one build of d's library. */
static const char *dynlib_soname(const struct dynlib *d, enum dynlib_build build)
{
    return build == DYNLIB_FULL && d->full_soname ? d->full_soname : d->soname;
}

/* Open d's library as soname and fill every slot; 0, or -1 with d->error set. */
static int dynlib_bind(struct dynlib *d, const char *soname)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(d->error, sizeof d->error, "cannot load %s (%s); install the Debian package %s",
                 soname, dlerror(), d->package);
        return -1;
    }
    for (size_t i = 0; i < d->nsyms; i++) {
        void *sym = dlsym(h, d->syms[i].name);
        if (!sym) {
            snprintf(d->error, sizeof d->error, "%s has no %s; install a newer %s", soname,
                     d->syms[i].name, d->package);
            dlclose(h);
            return -1;
        }
        /* POSIX: a function's address round-trips through dlsym's void *. */
        *(void **)d->syms[i].slot = sym;
    }
    return 0;           /* the handle stays open for the life of the process */
}

int dynlib_load_build(struct dynlib *d, enum dynlib_build build, char *why, size_t whylen)
{
    pthread_mutex_lock(&d->lock);
    if (!d->tried) {
        const char *soname = dynlib_soname(d, build);
        d->tried = 1;
        d->bound = build;
        if (dynlib_bind(d, soname) == 0 && d->init && d->init(d->error, sizeof d->error) < 0 &&
            !d->error[0])
            snprintf(d->error, sizeof d->error, "%s could not initialise", soname);
    }
    int ok = d->error[0] == '\0';
    if (!ok)
        snprintf(why, whylen, "%s", d->error);
    else if (build > d->bound && d->full_soname) {
        snprintf(why, whylen, "%s was loaded first in this process and lacks what %s adds; "
                 "restart the process so that it loads %s from the start", d->soname,
                 d->full_soname, d->full_soname);
        ok = 0;
    }
    pthread_mutex_unlock(&d->lock);
    return ok ? 0 : -1;
}

int dynlib_load(struct dynlib *d, char *why, size_t whylen)
{
    return dynlib_load_build(d, DYNLIB_LEAN, why, whylen);
}
