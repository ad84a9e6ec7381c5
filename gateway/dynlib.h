/*
 * dynlib.h - a Debian library opened when a feature first needs it, not linked.
 *
 * Some features most boxes never use pull big dependency trees into every process
 * at load time: libcurl (HTTP uplinks) brings some 25 libraries, libmicrohttpd
 * (the metrics endpoint) brings GnuTLS and p11-kit. Their relocation and
 * constructors cost megabytes of RSS on a board that has few. Such a feature keeps
 * a table of the functions it calls, typed with the library's own header
 * (`__typeof__(&fn)`), and binds it here on first use; the package still names
 * the library in its Depends.
 */
#ifndef RISKGW_DYNLIB_H
#define RISKGW_DYNLIB_H

#include <stddef.h>

#include <pthread.h>

#define DYNLIB_ERROR_MAX 256

struct dynlib_symbol {
    const char *name;
    void *slot;                 /* the address of the table's function pointer */
};

/* One library, its table, and whether binding it has been tried (a static of its feature). */
struct dynlib {
    const char *soname;         /* "libcurl.so.4" */
    const char *package;        /* the Debian package to name when it is missing */
    const struct dynlib_symbol *syms;
    size_t nsyms;
    int (*init)(char *why, size_t whylen);  /* after binding, once; NULL for none */
    pthread_mutex_t lock;       /* PTHREAD_MUTEX_INITIALIZER */
    int tried;
    char error[DYNLIB_ERROR_MAX];
};

/*
 * Open d's library and fill every slot on the first call, thread-safe; later calls
 * give the same answer. 0, or -1 with a sentence in why naming the library, what
 * failed and the Debian package that provides it. All or nothing: a library that
 * lacks one function is refused as a whole.
 */
int dynlib_load(struct dynlib *d, char *why, size_t whylen);

#endif
