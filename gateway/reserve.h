/*
 * reserve.h - zeroed memory sized for the worst case and resident only where used.
 *
 * A buffer sized for a burst (the sample ring, the events kept while the store
 * fails) is mostly never touched. calloc gives no such promise: when the heap has
 * room (a big site's config parse leaves megabytes of it free) calloc takes the
 * block from there and clears it, making every page resident. reserve_zeroed maps
 * fresh pages of its own instead, so only the pages written cost memory.
 */
#ifndef RISKGW_RESERVE_H
#define RISKGW_RESERVE_H

#include <stddef.h>

/* bytes of zeroed memory, or NULL (errno set). Free with reserve_release(p, bytes). */
void *reserve_zeroed(size_t bytes);
void reserve_release(void *p, size_t bytes);
/* Give the pages of [p, p + bytes) back: not resident, read as zeros when touched
 * again. p must be page-aligned within a reserve_zeroed block. */
void reserve_forget(void *p, size_t bytes);

#endif
