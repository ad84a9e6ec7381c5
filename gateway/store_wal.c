/*
 * store_wal.c - keeping an alarm's fsync short: the WAL's sync, writeback and checkpoints.
 *
 * An event's commit must be on the medium before it is published, so it ends
 * with an fdatasync of the WAL. That fsync writes every dirty page of the file,
 * not only the event's: routine commits (samples, telemetry) are not synced
 * (synchronous=NORMAL), and their pages would wait in the page cache for the
 * kernel's writeback (up to 30 s) or a checkpoint. The first alarm after a quiet
 * hour would then wait for megabytes to reach an SD card. So after each routine
 * commit the store starts writing the WAL out (sync_file_range, which does not
 * wait), and an alarm's fsync finds little but its own pages.
 *
 * Checkpoints (the WAL copied back into the database, which is then fsynced)
 * cost tens of ms on flash. SQLite runs them inside whichever commit crosses its
 * threshold; a WAL hook turns that off, and the store's checkpoint thread runs
 * them instead (store_checkpoint.c). Without that thread they run here, after
 * routine commits only, or in an alarm storm once the WAL is four times the
 * threshold.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <errno.h>
#include <sys/statvfs.h>
#include "clock.h"
#include "log.h"
#include "store_internal.h"

#define STORE_CHECKPOINT_PAGES 1000         /* SQLite's own auto-checkpoint threshold */
#define STORE_CHECKPOINT_FORCE_PAGES 4000   /* even a commit holding an event checkpoints */
#define STORE_CHECKPOINT_ASK_MS 100         /* the checkpoint thread is asked at most this often */

/* SQLite calls this after every commit with the WAL's size in pages. */
static int store_wal_grew(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    ((struct store *)arg)->wal_pages = pages;
    return SQLITE_OK;
}

void store_wal_watch(struct store *st)
{
    sqlite3_wal_hook(st->db, store_wal_grew, st);   /* replaces the auto-checkpoint */
}

/* Our own read-only fd on PATH-wal (page cache is per file, not per fd), or -1 when
 * there is no WAL file (a filesystem that refused WAL mode). */
static int wal_fd(struct store *st)
{
    if (st->wal_fd < 0) {
        char wal[PATH_MAX + 8];
        snprintf(wal, sizeof wal, "%s-wal", st->path);
        st->wal_fd = open(wal, O_RDONLY | O_CLOEXEC);
    }
    return st->wal_fd;
}

/*
 * Whether the medium under the WAL still holds what a sync just said it wrote. A
 * card that fails can answer a sync with 0 and keep nothing, two ways:
 *   - a filesystem the kernel has remounted read-only after an error (ext4_sync_file
 *     returns early for a read-only superblock unless the filesystem is shut down);
 *   - a filesystem shut down (a dead card, FS_IOC_SHUTDOWN) while the sync waited for
 *     its journal commit: Linux returns 0 for such a sync although the commit never
 *     reached the disk (docs/store.md, "A sync the card did not keep").
 * Both refuse what follows: once shut down (or in ext4's emergency read-only state)
 * ext4 fails every read with EIO (EROFS), and a read-only mount says so in statvfs.
 * The shutdown sets its flag before it aborts the journal, so a read that succeeds
 * after the sync shows that the sync was done first. SQLITE_OK when the medium
 * holds, else the code the sync should have returned.
 */
static int wal_medium_refuses(struct store *st)
{
    char byte;
    struct statvfs sv;
    int fd = wal_fd(st);
    int refused = fd < 0 ? errno == EIO || errno == EROFS : pread(fd, &byte, 1, 0) < 0;
    if (refused)
        return errno == EROFS ? SQLITE_READONLY : SQLITE_IOERR_FSYNC;
    /* A read-only mount says so; where statvfs cannot tell, the sync's own answer stands. */
    int rc = fd >= 0 ? fstatvfs(fd, &sv) : statvfs(st->path, &sv);
    return rc == 0 && (sv.f_flag & ST_RDONLY) ? SQLITE_READONLY : SQLITE_OK;
}

/* As synchronous=FULL would have done for this one commit, and refused when the
 * medium does not hold what the sync said it wrote. */
int store_wal_sync(struct store *st)
{
    sqlite3_file *wal = NULL;
    int rc = sqlite3_file_control(st->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal);
    if (rc != SQLITE_OK)
        return rc;
    if (!wal || !wal->pMethods)
        return SQLITE_OK;       /* no WAL open: the commit went through a checkpoint */
    rc = wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL);
    return rc == SQLITE_OK ? wal_medium_refuses(st) : rc;
}

void store_wal_writeback(struct store *st)
{
    if (wal_fd(st) < 0)
        return;
    if (sync_file_range(st->wal_fd, 0, 0, SYNC_FILE_RANGE_WRITE) < 0 && !st->wal_writeback_warned) {
        st->wal_writeback_warned = 1;
        log_warn("store %s: cannot start writing the WAL out (%s); an alarm's commit may "
                 "wait for the samples before it to reach the disk", st->path, strerror(errno));
    }
}

/* A PASSIVE checkpoint on the writer's own connection, between two of its transactions. */
static void checkpoint_inline(struct store *st)
{
    store_db_make_room(st->db, st->db_fd);     /* refused: SQLite grows the file its own way */
    /* PASSIVE: a reader beside us (a sqlite3 shell) is never waited for. */
    int rc = sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
    st->wal_pages = 0;          /* the next commit reports the size again */
    if (rc == SQLITE_OK)
        st->checkpoints_inline++;
    else if ((rc & 0xff) != SQLITE_BUSY)    /* busy: the checkpoint thread is copying right now */
        log_warn("store %s: copying the WAL into the database failed: %s; the WAL grows "
                 "until a later attempt succeeds", st->path, sqlite3_errstr(rc));
}

/*
 * With the checkpoint thread. It copies what was committed when it started, but the
 * WAL starts over only at a write transaction that begins with every frame copied:
 * a copy must end in one of the core's idle moments between a commit and its next
 * write. So while the WAL is past STORE_CHECKPOINT_PAGES the thread is asked again,
 * at most every STORE_CHECKPOINT_ASK_MS; each later copy is small and one soon
 * lands in such a moment. (Asking at every commit made 38 fsyncs a second at 500
 * devices; letting a routine commit copy the last frames itself put two fsyncs on
 * the core thread, and alarms behind them: bench p99 5.1 to 5.9 ms against 4.6 to
 * 4.8.)
 */
static void checkpoint_beside(struct store *st)
{
    int64_t now = clock_mono_ms();
    if (st->checkpoint_asked_ms && now - st->checkpoint_asked_ms < STORE_CHECKPOINT_ASK_MS)
        return;
    store_checkpointer_ask(st->checkpointer);
    st->checkpoint_asked_ms = now;
}

void store_wal_checkpoint(struct store *st, int durable)
{
    if (st->wal_pages < STORE_CHECKPOINT_PAGES)
        return;
    int forced = st->wal_pages >= STORE_CHECKPOINT_FORCE_PAGES;
    if (st->checkpointer && !forced)
        checkpoint_beside(st);
    else if (!durable || forced)
        checkpoint_inline(st);
}

void store_wal_forget(struct store *st)
{
    if (st->wal_fd >= 0)
        close(st->wal_fd);
    st->wal_fd = -1;
}
