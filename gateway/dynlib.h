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

struct dynlib_symbol {
    const char *name;
    void *slot;                 /* the address of the table's function pointer */
};

/*
 * dlopen soname and fill every slot. 0, or -1 with a sentence in why naming the
 * library, what failed and the Debian package that provides it. All or nothing:
 * a library that lacks one function is refused as a whole.
 */
int dynlib_bind(const char *soname, const char *package, const struct dynlib_symbol *syms,
                size_t nsyms, char *why, size_t whylen);

#endif
