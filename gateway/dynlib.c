/*
 * dynlib.c - binding a function table to a library opened at run time (see dynlib.h).
 */
#include "dynlib.h"

#include <dlfcn.h>
#include <stdio.h>

int dynlib_bind(const char *soname, const char *package, const struct dynlib_symbol *syms,
                size_t nsyms, char *why, size_t whylen)
{
    void *h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(why, whylen, "cannot load %s (%s); install the Debian package %s", soname,
                 dlerror(), package);
        return -1;
    }
    for (size_t i = 0; i < nsyms; i++) {
        void *sym = dlsym(h, syms[i].name);
        if (!sym) {
            snprintf(why, whylen, "%s has no %s; install a newer %s", soname, syms[i].name, package);
            dlclose(h);
            return -1;
        }
        /* POSIX: a function's address round-trips through dlsym's void *. */
        *(void **)syms[i].slot = sym;
    }
    return 0;           /* the handle stays open for the life of the process */
}
