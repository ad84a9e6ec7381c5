/*
 * dynlib.c - binding a function table to a library opened at run time (see dynlib.h).
 */
#include "dynlib.h"

#include <dlfcn.h>
#include <stdio.h>

/* Open and fill every slot; 0, or -1 with d->error set. */
static int dynlib_bind(struct dynlib *d)
{
    void *h = dlopen(d->soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(d->error, sizeof d->error, "cannot load %s (%s); install the Debian package %s",
                 d->soname, dlerror(), d->package);
        return -1;
    }
    for (size_t i = 0; i < d->nsyms; i++) {
        void *sym = dlsym(h, d->syms[i].name);
        if (!sym) {
            snprintf(d->error, sizeof d->error, "%s has no %s; install a newer %s", d->soname,
                     d->syms[i].name, d->package);
            dlclose(h);
            return -1;
        }
        /* POSIX: a function's address round-trips through dlsym's void *. */
        *(void **)d->syms[i].slot = sym;
    }
    return 0;           /* the handle stays open for the life of the process */
}

int dynlib_load(struct dynlib *d, char *why, size_t whylen)
{
    pthread_mutex_lock(&d->lock);
    if (!d->tried) {
        d->tried = 1;
        if (dynlib_bind(d) == 0 && d->init && d->init(d->error, sizeof d->error) < 0 && !d->error[0])
            snprintf(d->error, sizeof d->error, "%s could not initialise", d->soname);
    }
    int ok = d->error[0] == '\0';
    if (!ok)
        snprintf(why, whylen, "%s", d->error);
    pthread_mutex_unlock(&d->lock);
    return ok ? 0 : -1;
}
