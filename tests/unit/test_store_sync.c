/*
 * test_store_sync.c - an event is sent only once its WAL sync succeeded.
 *
 * A power cut loses what the WAL holds but has not synced. The store syncs the
 * WAL after every commit holding an event, and the outbox may fetch an event
 * only after that sync succeeded, so that nothing announced with a seq can be
 * lost. Here SQLite runs on a shim VFS (the default one underneath) whose WAL
 * sync can be made to fail, as it does when the disk goes away: the event stays
 * committed but unsendable, and so does telemetry past its seqs reserved on disk
 * (store_seq.c) while telemetry within them is not held back; later commits (empty
 * ones too) keep retrying, and the first sync that succeeds releases it.
 * tests/integration/test_power_cut.sh cuts a real filesystem.
 */
#include <stdio.h>

#include "check.h"
#include "store.h"
#include "test_store_util.h"
#include "test_vfs_shim.h"

/* ---- the test ---- */

#define SLOW_SYNCS 3
#define FAST_SYNCS 20
#define SLOW_SYNC_MS 20

static int64_t sendable_events(struct store *st) { return store_outbox_last_seq(st, OUTBOX_EVENTS); }

int main(void)
{
    shim_install();
    test_dir_make();
    char err[512] = "";
    struct store *st = store_open(test_path("sync.db"), err, sizeof err);
    if (!st)
        test_abort(err);
    struct event ev = {.kind = EV_RAISED, .severity = 1, .value = 30.5, .ts_ms = 1000, .level = "level1"};
    int64_t seq = 0;
    struct outbox_msg m[2];

    /* A healthy disk: the event is synced and sendable at once. */
    CHECK_INT(store_add_event(st, &ev, "det1", "gas"), 0);
    CHECK_INT(store_outbox_append(st, OUTBOX_EVENTS, "t/e", "{\"e\":1}", &seq), 0);
    CHECK_INT(store_commit(st), 0);
    CHECK(wal_syncs > 0);
    CHECK_INT(sendable_events(st), 1);

    /* The disk stops syncing: the next event is committed, but held back. */
    wal_sync_fails = 1;
    CHECK_INT(store_add_event(st, &ev, "det1", "gas"), 0);
    CHECK_INT(store_outbox_append(st, OUTBOX_EVENTS, "t/e", "{\"e\":2}", &seq), 0);
    CHECK_INT(seq, 2);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(sendable_events(st), 1);
    CHECK_INT(store_outbox_fetch(st, OUTBOX_EVENTS, 1, m, 2), 0);
    CHECK_INT(sql_int(test_path("sync.db"), "SELECT count(*) FROM events"), 2);     /* committed all the same */

    /* Telemetry is not synced per commit (docs/store.md), but the block of seqs it
     * draws from is reserved on disk first: the run's first telemetry waits too. */
    CHECK_INT(store_outbox_append(st, OUTBOX_TELEMETRY, "t/t", "{\"t\":1}", &seq), 0);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_TELEMETRY), 0);
    CHECK_INT(sendable_events(st), 1);

    /* Empty commits keep trying; the first sync that succeeds releases both. */
    int tries = wal_syncs;
    CHECK_INT(store_commit(st), 0);
    CHECK(wal_syncs > tries);
    CHECK_INT(sendable_events(st), 1);
    wal_sync_fails = 0;
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(sendable_events(st), 2);
    CHECK_INT(store_outbox_fetch(st, OUTBOX_EVENTS, 1, m, 2), 1);
    CHECK_INT(m[0].seq, 2);
    outbox_msg_free(&m[0]);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_TELEMETRY), 1);

    /* Within a block already on disk, a failing sync holds no telemetry back. */
    wal_sync_fails = 1;
    tries = wal_syncs;
    CHECK_INT(store_outbox_append(st, OUTBOX_TELEMETRY, "t/t", "{\"t\":2}", &seq), 0);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(wal_syncs, tries);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_TELEMETRY), 2);
    wal_sync_fails = 0;

    /* Nothing owed any more: an empty commit does not sync. */
    tries = wal_syncs;
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(wal_syncs, tries);

    /* Each sync's time is kept: a medium slow for a few of them shows in p99 and max. */
    struct durations_summary t;
    store_sync_times(st, &t);
    uint32_t before = t.recent;
    CHECK(before >= 1);
    for (int i = 0; i < SLOW_SYNCS + FAST_SYNCS; i++) {
        wal_sync_delay_us = i < SLOW_SYNCS ? SLOW_SYNC_MS * 1000 : 0;
        CHECK_INT(store_add_event(st, &ev, "det1", "gas"), 0);
        CHECK_INT(store_commit(st), 0);
    }
    store_sync_times(st, &t);
    CHECK_INT(t.recent, before + SLOW_SYNCS + FAST_SYNCS);
    CHECK(t.p50_ms < SLOW_SYNC_MS);
    CHECK(t.p99_ms >= SLOW_SYNC_MS && t.max_ms >= t.p99_ms);
    printf("sync times over %u syncs: p50 %.3f p99 %.3f max %.3f ms\n", t.recent, t.p50_ms, t.p99_ms, t.max_ms);
    store_close(st);
    test_dir_remove();
    return check_summary();
}
