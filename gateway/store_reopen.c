/*
 * store_reopen.c - when the card fails: what the failure means, letting go of the
 * medium, and opening the database again once it is back.
 *
 * A dying SD or eMMC card ends in write errors (EIO), after which the kernel
 * remounts it read-only, or in a filesystem shut down. A connection kept open on
 * it never heals: its files belong to the dead mount, and they keep the card from
 * being unmounted, checked and mounted afresh. So the core releases the store
 * (every file closed, what is in memory kept) and reopens PATH with a back-off
 * until a commit holds (core_store.c).
 *
 * A file deleted or replaced under the gateway raises no error at all: writes go
 * on into a file no one will ever open again. store_file_check() notices; the
 * reopen then copies what the open connection still reads (SQLite's backup API)
 * back to PATH, or aside when another file took PATH, so nothing stored is lost.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "store_internal.h"

static const char *const trouble_names[STORE_TROUBLE_COUNT] = {
    [STORE_TROUBLE_NONE] = "none",           [STORE_TROUBLE_FULL] = "full",
    [STORE_TROUBLE_READ_ONLY] = "read_only", [STORE_TROUBLE_IO] = "io_error",
    [STORE_TROUBLE_MISSING] = "missing",     [STORE_TROUBLE_DELETED] = "deleted",
    [STORE_TROUBLE_REPLACED] = "replaced",   [STORE_TROUBLE_LOCKED] = "locked",
    [STORE_TROUBLE_OTHER] = "other",
};

/* Each begins with what happened, up to the first ';' (an event's detail), then what to do. */
static const char *const trouble_words[STORE_TROUBLE_COUNT] = {
    [STORE_TROUBLE_NONE] = "the store writes normally",
    [STORE_TROUBLE_FULL] = "the storage card is full; free space on it (old files, logs) or fit a larger card",
    [STORE_TROUBLE_READ_ONLY] = "the storage card became read-only; the system does this after write errors, so "
                                "the card is likely failing. Alarms are still sent, but not recorded: check it "
                                "(dmesg), copy the record off and replace the card (docs/operations.md)",
    [STORE_TROUBLE_IO] = "the storage card reports write errors; it is likely failing. Alarms are still sent, "
                         "but not recorded: check it (dmesg), copy the record off and replace the card "
                         "(docs/operations.md)",
    [STORE_TROUBLE_MISSING] = "the storage card or the database's folder is not there; mount the card. Alarms "
                              "are still sent, but not recorded",
    [STORE_TROUBLE_DELETED] = "the database file was deleted while riskgw ran; it is written back from "
                              "riskgw's open copy",
    [STORE_TROUBLE_REPLACED] = "the database file was replaced while riskgw ran; the old one is kept beside "
                               "it (.replaced-<time>) and the new one is used",
    [STORE_TROUBLE_LOCKED] = "another program holds the database locked; close it (a sqlite3 shell?)",
    [STORE_TROUBLE_OTHER] = "the store cannot write; see the store error",
};

enum store_trouble store_trouble(const struct store *st)
{
    int rc = st->fail_rc & 0xff, e = st->fail_errno;
    if (e == EROFS || rc == SQLITE_READONLY)
        return STORE_TROUBLE_READ_ONLY;
    if (e == ENOSPC || e == EDQUOT || rc == SQLITE_FULL)
        return STORE_TROUBLE_FULL;
    if (e == EIO || rc == SQLITE_IOERR || rc == SQLITE_CORRUPT)
        return STORE_TROUBLE_IO;
    if (rc == SQLITE_CANTOPEN)
        return STORE_TROUBLE_MISSING;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return STORE_TROUBLE_LOCKED;
    return rc == SQLITE_OK ? STORE_TROUBLE_NONE : STORE_TROUBLE_OTHER;
}

const char *store_trouble_name(enum store_trouble t)
{
    return (unsigned)t < STORE_TROUBLE_COUNT ? trouble_names[t] : "other";
}

const char *store_trouble_words(enum store_trouble t)
{
    return (unsigned)t < STORE_TROUBLE_COUNT ? trouble_words[t] : trouble_words[STORE_TROUBLE_OTHER];
}

int store_is_open(const struct store *st)
{
    return st->db != NULL;
}

int store_closed(struct store *st, const char *doing)
{
    (void)st;       /* st->err and fail_rc stay: the failure that closed it says what is wrong */
    (void)doing;
    return -1;
}

/* The (dev, inode) of PATH plus suffix; 0s when it is not there. */
static void file_id(const struct store *st, const char *suffix, dev_t *dev, ino_t *ino)
{
    char p[PATH_MAX + 8];
    struct stat sb;
    snprintf(p, sizeof p, "%s%s", st->path, suffix);
    *dev = 0;
    *ino = 0;
    if (stat(p, &sb) == 0) {
        *dev = sb.st_dev;
        *ino = sb.st_ino;
    }
}

void store_remember_file(struct store *st)
{
    file_id(st, "", &st->file_dev, &st->file_ino);
    file_id(st, "-wal", &st->wal_dev, &st->wal_ino);
}

enum store_trouble store_file_check(struct store *st)
{
    struct stat sb;
    if (!st->db || st->file_ino == 0)
        return STORE_TROUBLE_NONE;
    if (stat(st->path, &sb) != 0)
        return errno == ENOENT ? STORE_TROUBLE_DELETED : STORE_TROUBLE_NONE;
    if (sb.st_dev != st->file_dev || sb.st_ino != st->file_ino)
        return STORE_TROUBLE_REPLACED;
    return STORE_TROUBLE_NONE;
}

void store_release(struct store *st)
{
    if (!st->db)
        return;
    store_rollback(st);
    store_disconnect(st);
}

/* Everything the open connection reads (the WAL's frames included) into a new file at to. */
static int copy_out(struct store *st, const char *to)
{
    sqlite3 *dst = NULL;
    unlink(to);
    int rc = sqlite3_open_v2(to, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_backup *b = sqlite3_backup_init(dst, "main", st->db, "main");
        rc = b ? sqlite3_backup_step(b, -1) : sqlite3_errcode(dst);
        int finished = b ? sqlite3_backup_finish(b) : SQLITE_OK;
        rc = rc == SQLITE_DONE ? finished : rc;
    }
    sqlite3_close_v2(dst);
    if (rc != SQLITE_OK) {
        unlink(to);
        return store_error(st, "copying the open database out", rc);
    }
    return 0;
}

/*
 * The WAL and its index at PATH, when they are the closed file's (deleted: always;
 * replaced: when PATH-wal is still our WAL): SQLite would apply our WAL's frames to
 * whatever file is at PATH next. Its content is in the copy already.
 */
static void unlink_companions(const struct store *st, enum store_trouble why)
{
    static const char *const companions[] = {"-wal", "-shm"};
    char p[PATH_MAX + 8];
    dev_t dev;
    ino_t ino;
    file_id(st, "-wal", &dev, &ino);
    if (why == STORE_TROUBLE_REPLACED && (ino == 0 || dev != st->wal_dev || ino != st->wal_ino))
        return;                     /* the new file's own, or none */
    for (size_t i = 0; i < sizeof companions / sizeof companions[0]; i++) {
        snprintf(p, sizeof p, "%s%s", st->path, companions[i]);
        unlink(p);
    }
}

/*
 * PATH no longer names the open file. Copy the open database out (back to PATH, or
 * aside when another file took its place) and close it, keeping SQLite from deleting
 * "PATH-wal" on the way out: that name may be another database's WAL now.
 */
static int rescue_open_file(struct store *st, enum store_trouble why)
{
    char copy[PATH_MAX + 64];
    if (why == STORE_TROUBLE_DELETED)
        snprintf(copy, sizeof copy, "%s.restoring", st->path);
    else
        store_stamped_path(st, "replaced", copy, sizeof copy);
    store_rollback(st);
    if (copy_out(st, copy) < 0)
        return -1;
    int persist = 1;
    sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
    store_disconnect(st);
    unlink_companions(st, why);
    if (why == STORE_TROUBLE_REPLACED) {
        log_warn("store %s: another file was put in place of the database while riskgw ran; what "
                 "riskgw had stored is kept in %s, and the new file is used from now on", st->path, copy);
        return 0;
    }
    if (rename(copy, st->path) != 0) {
        store_say(st, "writing the deleted database back failed: rename %s: %s", copy, strerror(errno));
        st->fail_rc = SQLITE_CANTOPEN;
        st->fail_errno = errno;
        return -1;
    }
    log_warn("store %s: the database file was deleted while riskgw ran; it was written back from "
             "riskgw's open copy, nothing stored is lost", st->path);
    return 0;
}

/*
 * The file that replaced ours has our epoch: an older copy of it (a backup put back).
 * Its seqs stop short of what was sent, and a receiver would drop the next ones as
 * duplicates of messages it has, so it gets an epoch of its own: a new seq space.
 */
static int new_epoch(struct store *st)
{
    char sql[128];
    int64_t now = clock_wall_ms();
    snprintf(sql, sizeof sql, "UPDATE meta SET value = %lld WHERE name = 'epoch'", (long long)now);
    int rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = store_wal_sync(st);    /* a power cut must not take it back */
    if (rc != SQLITE_OK)
        return store_error(st, "giving the replacing file an epoch of its own", rc);
    st->epoch_ms = now;
    log_warn("store %s: the file put in place is a copy of this gateway's own database; its seqs "
             "start a new epoch (%lld) so that none is taken for one already sent", st->path,
             (long long)st->epoch_ms);
    return 0;
}

/* A copy written back whose rename failed is put in place before PATH is opened afresh. */
static void finish_restoring(const struct store *st)
{
    char copy[PATH_MAX + 64];
    struct stat sb;
    snprintf(copy, sizeof copy, "%s.restoring", st->path);
    if (stat(st->path, &sb) != 0 && errno == ENOENT && stat(copy, &sb) == 0 && rename(copy, st->path) == 0)
        log_warn("store %s: the database written back earlier is in place now", st->path);
}

/*
 * Whether PATH's folder is on the filesystem the database was on. A card mounted
 * afresh (the same device) may be a new, empty one: it gets a new database. While
 * the card is not mounted its folder is an empty directory of the root filesystem,
 * and a database started there would take alarms the card, once mounted over it,
 * hides for good.
 */
static int folder_on_database_device(const struct store *st)
{
    char dir[PATH_MAX];
    struct stat sb;
    snprintf(dir, sizeof dir, "%s", st->path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        slash[slash == dir] = '\0';
    return st->file_dev != 0 && stat(dir, &sb) == 0 && sb.st_dev == st->file_dev;
}

/* sync_owed stays set until a sync after the reopen succeeds: what the failed sync
 * held is sendable only then. */
int store_reopen(struct store *st)
{
    int64_t epoch = st->epoch_ms, tele_next = st->next_seq[OUTBOX_TELEMETRY];
    struct store_seq_marks tele_run = st->tele;
    enum store_trouble moved = store_file_check(st);
    if (moved != STORE_TROUBLE_NONE && rescue_open_file(st, moved) < 0)
        return -1;          /* the open connection stays: it holds the only copy */
    store_release(st);
    finish_restoring(st);
    int create = folder_on_database_device(st);
    st->wal_pages = 0;
    st->drops_loaded = 0;
    st->wal_writeback_warned = 0;
    if (store_attach(st, create) < 0)
        return -1;
    if (moved == STORE_TROUBLE_REPLACED && st->epoch_ms == epoch && new_epoch(st) < 0) {
        store_release(st);
        return -1;
    }
    if (st->epoch_ms == epoch)
        store_seq_resume(st, &tele_run, tele_next);     /* the same database: the run goes on */
    else
        store_seq_say_skipped(st);
    int rc = st->sync_owed ? store_wal_sync(st) : SQLITE_OK;
    if (rc != SQLITE_OK) {
        store_error(st, "syncing the WAL after reopening", rc);
        store_release(st);
        return -1;
    }
    st->sync_owed = 0;
    if (st->epoch_ms != epoch)
        store_stage_forget(st, "their point keys belong to the database used before");
    return st->epoch_ms != epoch;
}
