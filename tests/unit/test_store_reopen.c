/*
 * test_store_reopen.c - a store whose medium fails lets go of it, says why, and
 * opens again once it is back, losing nothing it had committed.
 *
 * Writes fail with EIO through a shim VFS (test_vfs_shim.h): a dying card, where
 * the machine has no device-mapper "error" target (tests/integration/
 * test_store_card.sh fails a real ext4 filesystem). The store is released and
 * reopened through the same calls the core makes (core_store.c). Then the file is
 * deleted under the open store (written back from the open connection) and
 * replaced by an older copy of itself (the old file kept aside, the copy given an
 * epoch of its own so that no seq is taken twice).
 */
#include <glob.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "store.h"
#include "test_store_util.h"
#include "test_vfs_shim.h"

static int add_event(struct store *st, const char *payload, int64_t *seq)
{
    struct event ev = {.kind = EV_RAISED, .severity = 2, .value = 55, .ts_ms = 1000, .level = "level2"};
    if (store_add_event(st, &ev, "gas1", "lel") < 0 || store_outbox_append(st, OUTBOX_EVENTS, "t/e", payload, seq) < 0)
        return -1;
    return store_commit(st);
}

static int copy_db(const char *from, const char *to)
{
    sqlite3 *src = NULL, *dst = NULL;
    int rc = sqlite3_open(from, &src) == SQLITE_OK && sqlite3_open(to, &dst) == SQLITE_OK ? SQLITE_OK : SQLITE_ERROR;
    sqlite3_backup *b = rc == SQLITE_OK ? sqlite3_backup_init(dst, "main", src, "main") : NULL;
    if (b) {
        sqlite3_backup_step(b, -1);
        rc = sqlite3_backup_finish(b);
    }
    sqlite3_close(src);
    sqlite3_close(dst);
    return rc == SQLITE_OK ? 0 : -1;
}

int main(void)
{
    shim_install();
    test_dir_make();
    char err[512] = "", path[512];
    snprintf(path, sizeof path, "%s", test_path("card.db"));
    struct store *st = store_open(path, err, sizeof err);
    if (!st)
        test_abort(err);
    int64_t seq = 0, epoch = store_epoch(st);
    CHECK_INT(add_event(st, "1", &seq), 0);
    CHECK_INT(store_trouble(st), STORE_TROUBLE_NONE);

    /* The card fails: the commit is lost and says why, in a technician's words. */
    writes_fail = 1;
    CHECK_INT(add_event(st, "2", &seq), -1);
    CHECK_INT(store_trouble(st), STORE_TROUBLE_IO);
    CHECK_STR(store_trouble_name(store_trouble(st)), "io_error");
    CHECK(strstr(store_trouble_words(store_trouble(st)), "the storage card reports write errors") != NULL);
    CHECK(strstr(store_last_error(st), "disk I/O error") != NULL);

    /* Released: nothing of the medium is held; everything fails and the cause stays. */
    store_release(st);
    CHECK_INT(store_is_open(st), 0);
    CHECK_INT(add_event(st, "2", &seq), -1);
    CHECK_INT(store_outbox_fetch(st, OUTBOX_EVENTS, 0, (struct outbox_msg[1]){{0}}, 1), -1);
    CHECK_INT(store_cursor_get(st, "mqtt", OUTBOX_EVENTS, &seq), -1);
    CHECK_INT(store_trouble(st), STORE_TROUBLE_IO);
    CHECK_INT(store_file_check(st), STORE_TROUBLE_NONE);

    /* Reopened while the card still fails: a write fails again. */
    store_reopen(st);
    CHECK_INT(add_event(st, "2", &seq), -1);
    store_release(st);

    /* The card is back: the same database, seqs go on, nothing committed is lost. */
    writes_fail = 0;
    CHECK_INT(store_reopen(st), 0);
    CHECK_INT(store_is_open(st), 1);
    CHECK_INT(store_epoch(st), epoch);
    CHECK_INT(add_event(st, "2", &seq), 0);
    CHECK_INT(seq, 2);
    CHECK_STR(event_payloads(st), "1 2");

    /* The file is deleted under the open store (WAL too): noticed, written back whole. */
    char wal[600], shm[600];
    snprintf(wal, sizeof wal, "%s-wal", path);
    snprintf(shm, sizeof shm, "%s-shm", path);
    CHECK_INT(add_event(st, "3", &seq), 0);
    unlink(path);
    unlink(wal);
    unlink(shm);
    CHECK_INT(store_file_check(st), STORE_TROUBLE_DELETED);
    CHECK_INT(store_reopen(st), 0);
    CHECK_INT(store_file_check(st), STORE_TROUBLE_NONE);
    CHECK_INT(sql_int(path, "SELECT count(*) FROM events"), 3);
    CHECK_INT(add_event(st, "4", &seq), 0);
    CHECK_INT(seq, 4);
    CHECK_STR(event_payloads(st), "1 2 3 4");

    /* Replaced by an older copy of itself: used, under a new epoch; ours kept aside whole. */
    CHECK_INT(copy_db(path, test_path("copy.db")), 0);
    CHECK_INT(add_event(st, "5", &seq), 0);
    CHECK_INT(rename(test_path("copy.db"), path), 0);
    CHECK_INT(store_file_check(st), STORE_TROUBLE_REPLACED);
    CHECK_INT(store_reopen(st), 1);
    CHECK(store_epoch(st) != epoch);
    CHECK_STR(event_payloads(st), "1 2 3 4");
    glob_t g;
    char pattern[600];
    snprintf(pattern, sizeof pattern, "%s.replaced-*", path);
    CHECK_INT(glob(pattern, 0, NULL, &g), 0);
    if (g.gl_pathc == 1)
        CHECK_INT(sql_int(g.gl_pathv[0], "SELECT count(*) FROM events"), 5);
    else
        CHECK_INT((int)g.gl_pathc, 1);
    globfree(&g);
    CHECK_INT(sql_int(path, "SELECT value FROM meta WHERE name = 'epoch'"), store_epoch(st));

    /* A store closed by a failure closes cleanly. */
    writes_fail = 1;
    CHECK_INT(add_event(st, "6", &seq), -1);
    store_release(st);
    store_close(st);
    writes_fail = 0;
    test_dir_remove();
    return check_summary();
}
