/*
 * test_store_unsynced.c - an event whose commit succeeded but whose WAL sync failed
 * is not counted as stored: the store says so (store_events_unsynced), never makes
 * it sendable, and after a reopen it is either held (the card kept the rows: not
 * stored twice) or missing (the card lost them: stored again, with the seq the
 * store gives it then). A reopen never starts a new database in the empty folder of
 * an unmounted card (a tmpfs mounted over the folder plays the root filesystem
 * under the mount point; root needed), and a sync owed is not forgotten by a reopen
 * that failed.
 *
 * The card is a shim VFS (test_vfs_shim.h): its WAL syncs fail while writes succeed,
 * and a card "mounted afresh" keeps only what the WAL's last good sync wrote. The
 * core's side (the events kept in memory and announced "stored": false until a
 * sync proves them) is core_events.c's core_commit(), on these same calls.
 */
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "store.h"
#include "test_store_util.h"
#include "test_vfs_shim.h"

static char path[512], wal[600], shm[600];

/* The card dies after a commit whose sync failed, and is mounted afresh. */
static void card_remounted(struct store *st, int loses_unsynced)
{
    store_release(st);
    if (loses_unsynced)
        CHECK_INT(shim_lose_unsynced(wal, shm), 0);
    wal_sync_fails = 0;
}

int main(void)
{
    shim_install();
    test_dir_make();
    char err[512] = "";
    if (mkdir(test_path("card"), 0700) != 0)
        test_abort("cannot make the card's folder");
    snprintf(path, sizeof path, "%s", test_path("card/card.db"));
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    struct store *st = store_open(path, err, sizeof err);
    if (!st)
        test_abort(err);
    struct event e1, e2, e3, e4;
    CHECK_INT(event_record(st, &e1, 1), 0);
    CHECK_INT(store_events_unsynced(st), 0);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_EVENTS), 1);

    /* The commit holds, its sync fails: not stored as far as anyone may rely on. */
    wal_sync_fails = 1;
    CHECK_INT(event_record(st, &e2, 2), 0);
    CHECK_INT(store_events_unsynced(st), 1);
    CHECK_INT(store_trouble(st), STORE_TROUBLE_IO);
    CHECK(strstr(store_last_error(st), "syncing the WAL failed") != NULL);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_EVENTS), 1);
    CHECK_INT(store_event_held(st, &e2), 1);     /* in this connection, not on the card */

    /* The card lost what it never synced: event 2 is missing and stored again, once. */
    card_remounted(st, 1);
    CHECK_INT(store_reopen(st), 0);
    CHECK_INT(store_events_unsynced(st), 0);
    CHECK_INT(store_event_held(st, &e1), 1);
    CHECK_INT(store_event_held(st, &e2), 0);
    CHECK_STR(event_payloads(st), "1");
    struct event again;
    CHECK_INT(event_record(st, &again, 2), 0);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_EVENTS), 2);
    CHECK_STR(event_payloads(st), "1 2");
    CHECK_INT(sql_int(path, "SELECT count(*) FROM events WHERE ts_ms = 2"), 1);

    /* The card kept the rows of a commit whose sync failed: held, not stored twice. */
    wal_sync_fails = 1;
    CHECK_INT(event_record(st, &e3, 3), 0);
    CHECK_INT(store_events_unsynced(st), 1);
    card_remounted(st, 0);
    CHECK_INT(store_reopen(st), 0);
    CHECK_INT(store_event_held(st, &e3), 1);
    CHECK_INT(store_events_unsynced(st), 0);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_EVENTS), 3);
    CHECK_STR(event_payloads(st), "1 2 3");
    CHECK_INT(sql_int(path, "SELECT count(*) FROM events WHERE ts_ms = 3"), 1);
    struct event other = e3;
    other.ts_ms = 4;                            /* the same id, another event */
    CHECK_INT(store_event_held(st, &other), 0);

    /* While the card is not mounted its folder is empty: no new database there, and
     * the sync owed is still owed once the card is back. */
    wal_sync_fails = 1;
    CHECK_INT(event_record(st, &e4, 4), 0);
    store_release(st);
    const char *folder = test_path("card");
    if (mount("tmpfs", folder, "tmpfs", 0, "size=1m") != 0)     /* the root fs under the mount point */
        test_abort("cannot mount a tmpfs over the card's folder (this test needs root)");
    CHECK_INT(store_reopen(st), -1);
    CHECK_INT(store_trouble(st), STORE_TROUBLE_MISSING);
    CHECK(access(path, F_OK) != 0);
    CHECK_INT(umount(folder), 0);
    wal_sync_fails = 0;
    int syncs = wal_syncs;
    CHECK_INT(store_reopen(st), 0);
    CHECK(wal_syncs > syncs);
    CHECK_INT(store_events_unsynced(st), 0);
    CHECK_STR(event_payloads(st), "1 2 3 4");

    store_close(st);
    test_dir_remove();
    return check_summary();
}
