/*
 * store_sync_times.c - how long the medium takes to keep an event.
 *
 * Every alarm waits for one fdatasync of the WAL before it is sent (store_wal.c),
 * so that sync is the floor of the gateway's alarm latency on its medium, and a
 * flash card wearing out shows here first: its syncs slow down long before its
 * writes fail. The store keeps the durations of the last DURATIONS_RECENT syncs;
 * the health report gives their median, 99th percentile and maximum.
 */
#include "store_internal.h"

void store_sync_timed(struct store *st, int64_t ns)
{
    durations_add(&st->sync_times, ns);
}

void store_sync_times(const struct store *st, struct durations_summary *out)
{
    durations_summarise(&st->sync_times, out);
}
