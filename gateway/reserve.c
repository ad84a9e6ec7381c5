/*
 * reserve.c - zeroed memory of its own mapping, resident only where written (reserve.h).
 */
#include "reserve.h"

#include <errno.h>
#include <sys/mman.h>

void *reserve_zeroed(size_t bytes)
{
    if (bytes == 0) {
        errno = EINVAL;
        return NULL;
    }
    void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

void reserve_release(void *p, size_t bytes)
{
    if (p)
        munmap(p, bytes);
}

void reserve_forget(void *p, size_t bytes)
{
    madvise(p, bytes, MADV_DONTNEED);   /* advice only: a refusal leaves the pages resident */
}
