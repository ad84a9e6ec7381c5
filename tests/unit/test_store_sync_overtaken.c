/*
 * test_store_sync_overtaken.c - a WAL sync that returned 0 while the card died under
 * it does not make an event sendable.
 *
 * On Linux, an fdatasync that is waiting for ext4's journal commit when the
 * filesystem shuts down (a dead card; FS_IOC_SHUTDOWN) can return 0 although the
 * commit never reached the disk (docs/store.md, "A sync the card did not keep"). The
 * power-cut test met it about once in 300 cuts: an event the platform had received
 * with its seq was not in the store after the cut. That race cannot be timed from
 * outside, so here the shim VFS (test_vfs_shim.h) shuts the real filesystem down,
 * an ext4 on a loop device, right after a WAL sync that succeeded and before the
 * store looks at the answer: exactly what the store sees when the shutdown
 * overtakes the sync. The store must count that sync as failed, hold the event
 * back (announced "stored": false by the core) and take it up again once the card
 * is mounted afresh, without storing it twice.
 * Needs root (loop device, mount), as CI runs; fails, never skips, without it.
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

static char loop[64], card[512];

/* Run a shell command; its first output line into out (if given). 0 when it succeeded. */
static int run(const char *cmd, char *out, size_t len)
{
    FILE *p = popen(cmd, "r");
    if (!p)
        return -1;
    char line[256] = "";
    if (!fgets(line, sizeof line, p))
        line[0] = '\0';
    line[strcspn(line, "\n")] = '\0';
    if (out)
        snprintf(out, len, "%s", line);
    return pclose(p) == 0 ? 0 : -1;
}

static void card_free(void)
{
    char cmd[128];
    umount(card);
    snprintf(cmd, sizeof cmd, "losetup -d '%s'", loop);
    if (run(cmd, NULL, 0) < 0)
        fprintf(stderr, "could not detach %s\n", loop);
}

/* A 32 MiB ext4 on a loop device, mounted at card. */
static void card_make(void)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "truncate -s 32M '%s' && losetup --find --show '%s'",
             test_path("card.img"), test_path("card.img"));
    if (getuid() != 0 || run(cmd, loop, sizeof loop) < 0 || !loop[0])
        test_abort("cannot attach a loop device (this test needs root, losetup)");
    snprintf(cmd, sizeof cmd, "mkfs.ext4 -q '%s'", loop);
    snprintf(card, sizeof card, "%s", test_path("card"));
    if (run(cmd, NULL, 0) < 0 || mkdir(card, 0700) != 0 || mount(loop, card, "ext4", 0, NULL) != 0) {
        card_free();
        test_abort("cannot make and mount an ext4 on the loop device (mkfs.ext4, mount)");
    }
}

/* The card dies: every later read and write of the filesystem fails with EIO. The
 * shutdown is tests/lib/disk.sh's (FS_IOC_SHUTDOWN without a journal flush), asked
 * by a native process: qemu-user (make test-cross) does not pass that ioctl on. */
static void card_dies(void)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "bash -c '. \"%s/tests/lib/disk.sh\" && disk_shutdown \"%s\"'",
             RISKGW_SOURCE_DIR, card);
    if (run(cmd, NULL, 0) < 0)
        fprintf(stderr, "the filesystem shutdown failed (tests/lib/disk.sh, /usr/bin/python3)\n");
    wal_sync_then = NULL;
}

int main(void)
{
    shim_install();
    test_dir_make();
    card_make();
    char path[600];
    snprintf(path, sizeof path, "%s/riskgw.db", card);
    struct store *st = test_store_open(path);
    struct event e1, e2;
    CHECK_INT(event_record(st, &e1, 1), 0);
    CHECK_INT(store_events_unsynced(st), 0);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_EVENTS), 1);

    /* The sync returns 0, but the card died while it ran: not sendable, and said. */
    wal_sync_then = card_dies;
    CHECK_INT(event_record(st, &e2, 2), 0);
    CHECK(wal_sync_then == NULL);               /* the shutdown did happen inside the sync */
    CHECK_INT(store_events_unsynced(st), 1);
    CHECK_INT(store_outbox_last_seq(st, OUTBOX_EVENTS), 1);
    CHECK_INT(store_trouble(st), STORE_TROUBLE_IO);
    CHECK(strstr(store_last_error(st), "syncing the WAL failed") != NULL);

    /* Mounted afresh (journal replay): the event is taken up again, once. */
    store_release(st);
    CHECK_INT(umount(card), 0);
    CHECK_INT(mount(loop, card, "ext4", 0, NULL), 0);
    CHECK_INT(store_reopen(st), 0);
    CHECK_INT(store_events_unsynced(st), 0);
    CHECK_INT(store_event_held(st, &e1), 1);
    if (store_event_held(st, &e2) == 0)          /* the card lost it: stored again */
        CHECK_INT(event_record(st, &e2, 2), 0);
    CHECK_STR(event_payloads(st), "1 2");
    CHECK_INT(sql_int(path, "SELECT count(*) FROM events WHERE ts_ms = 2"), 1);

    store_close(st);
    card_free();
    test_dir_remove();
    return check_summary();
}
