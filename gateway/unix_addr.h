/*
 * unix_addr.h - fill a unix socket address from a path, refusing one that does not fit.
 * (sun_path is about 108 bytes; a longer path would be cut silently by snprintf.)
 */
#ifndef RISKGW_UNIX_ADDR_H
#define RISKGW_UNIX_ADDR_H

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

/* 0, or -1 with errno = ENAMETOOLONG. */
static inline int unix_addr_set(struct sockaddr_un *sa, const char *path)
{
    size_t n = strlen(path);
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    if (n >= sizeof sa->sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(sa->sun_path, path, n + 1);
    return 0;
}

#endif
