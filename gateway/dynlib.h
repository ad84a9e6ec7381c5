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
 *
 * Some libraries Debian ships twice, with the same functions: a lean build and a
 * full one with more features and more dependencies (Paho MQTT without and with
 * TLS; the TLS build links OpenSSL, 2 MiB of RSS). Such a table names both, and
 * the first caller's need picks the one the process binds.
 */
#ifndef RISKGW_DYNLIB_H
#define RISKGW_DYNLIB_H

#include <stddef.h>

#include <pthread.h>

#define DYNLIB_ERROR_MAX 256

/* Which build of a library that comes in two (see above). */
enum dynlib_build { DYNLIB_LEAN = 0, DYNLIB_FULL = 1 };

struct dynlib_symbol {
    const char *name;
    void *slot;                 /* the address of the table's function pointer */
};

/* One library, its table, and whether binding it has been tried (a static of its feature). */
struct dynlib {
    const char *soname;         /* "libcurl.so.4"; the lean build when there are two */
    const char *full_soname;    /* NULL, or the build that can do more: "libpaho-mqtt3as.so.1" */
    const char *package;        /* the Debian package to name when it is missing */
    const struct dynlib_symbol *syms;
    size_t nsyms;
    int (*init)(char *why, size_t whylen);  /* after binding, once; NULL for none */
    pthread_mutex_t lock;       /* PTHREAD_MUTEX_INITIALIZER */
    int tried;
    enum dynlib_build bound;    /* the build tried first, and then for good */
    char error[DYNLIB_ERROR_MAX];
};

/*
 * Open d's library and fill every slot on the first call, thread-safe; later calls
 * give the same answer. 0, or -1 with a sentence in why naming the library, what
 * failed and the Debian package that provides it. All or nothing: a library that
 * lacks one function is refused as a whole.
 */
int dynlib_load(struct dynlib *d, char *why, size_t whylen);

/*
 * dynlib_load for a library with a full_soname: the first call binds the build it
 * asks for, for the life of the process. A later call is served when the bound
 * build does what it asks (the full one does all the lean one does), and refused
 * with a sentence when it asks for the full build after the lean one was bound:
 * the table, and every handle made through it, belongs to the lean build, so it
 * cannot change under the callers; the process must restart.
 */
int dynlib_load_build(struct dynlib *d, enum dynlib_build build, char *why, size_t whylen);

#endif
