/*
 * store.c - opening the database, the one open transaction, and what a failure says.
 *
 * The PRAGMAs are chosen for a small board on flash (docs/store.md gives the
 * reasons): WAL, synchronous=NORMAL, plus an explicit WAL sync for any commit that
 * holds an event, so alarms survive a power cut while a second of samples may not
 * (store_wal.c keeps that sync short).
 * Every write goes through store_writer()/store_run(); a failure anywhere rolls the
 * whole transaction back and resets the in-memory seqs to what is really committed,
 * so the store stays usable once the disk has room again.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "clock.h"
#include "log.h"
#include "store_internal.h"

#define STORE_BUSY_TIMEOUT_MS 5000          /* a sqlite3 shell reading beside us */
#define STORE_CACHE_KIB 512                 /* page cache: appends touch only the last pages (docs/store.md) */
#define STORE_WAL_LIMIT_BYTES 8388608      /* WAL file kept after a restart: 8 MiB, see store.md */
#define STORE_STAMP_MAX 32

static const char *const store_pragmas =
    "PRAGMA synchronous = NORMAL;"
    "PRAGMA cache_size = -" STORE_STR(STORE_CACHE_KIB) ";"
    "PRAGMA journal_size_limit = " STORE_STR(STORE_WAL_LIMIT_BYTES) ";"
    "PRAGMA temp_store = MEMORY;";

static const char *const store_sql[STMT_COUNT] = {
    [STMT_BEGIN] = "BEGIN",
    [STMT_COMMIT] = "COMMIT",
    [STMT_ROLLBACK] = "ROLLBACK",
    [STMT_POINT_FIND] = "SELECT point_key FROM points WHERE device = ?1 AND point = ?2",
    [STMT_POINT_ADD] = "INSERT INTO points (device, point) VALUES (?1, ?2)",
    [STMT_SAMPLE_ADD] = "INSERT INTO samples (point_key, ts_ms, value, quality) VALUES (?1, ?2, ?3, ?4)",
    [STMT_EVENT_ADD] = "INSERT INTO events (ts_ms, point_key, kind, level, severity, value, quality,"
                       " actor, detail) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    [STMT_EVENT_HELD] = "SELECT 1 FROM events WHERE id = ?1 AND ts_ms = ?2 AND kind = ?3 AND level = ?4"
                        " AND severity = ?5",
    [STMT_OUTBOX_ADD] = "INSERT INTO outbox (cls, seq, topic, payload) VALUES (?1, ?2, ?3, ?4)",
    [STMT_OUTBOX_FETCH] = "SELECT seq, topic, payload FROM outbox"
                          " WHERE cls = ?1 AND seq > ?2 AND seq <= ?3 ORDER BY seq LIMIT ?4",
    [STMT_OUTBOX_LAST] = "SELECT MAX(seq) FROM outbox WHERE cls = ?1",
    /* Confirmed rows, the oldest ?3 seqs at most, never the newest row (seqs go on from it). */
    [STMT_OUTBOX_RETIRE] = "DELETE FROM outbox WHERE cls = ?1 AND seq <= MIN(?2,"
                           " (SELECT MAX(seq) FROM outbox WHERE cls = ?1) - 1,"
                           " (SELECT MIN(seq) FROM outbox WHERE cls = ?1) + ?3 - 1)",
    [STMT_CURSOR_GET] = "SELECT seq FROM cursors WHERE sink = ?1 AND cls = ?2",
    [STMT_CURSOR_SET] = "INSERT INTO cursors (sink, cls, seq) VALUES (?1, ?2, ?3)"
                        " ON CONFLICT (sink, cls) DO UPDATE SET seq = excluded.seq",
    [STMT_RULE_SAVE] = "INSERT INTO rule_state (point_key, state) VALUES (?1, ?2)"
                       " ON CONFLICT (point_key) DO UPDATE SET state = excluded.state",
    [STMT_RULE_LOAD] = "SELECT point_key, state FROM rule_state",
    /* A minute written in parts (a stop or reload inside it) adds up; SET reads the old row. */
    [STMT_AGGREGATE_ADD] = "INSERT INTO aggregates (point_key, minute_ms, n, min, avg, max)"
                           " VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (minute_ms, point_key) DO UPDATE"
                           " SET n = n + excluded.n, min = MIN(min, excluded.min),"
                           " avg = (avg * n + excluded.avg * excluded.n) / (n + excluded.n),"
                           " max = MAX(max, excluded.max)",
    [STMT_MARK_GET] = "SELECT reserved, clean_next FROM seq_marks WHERE cls = ?1",
    [STMT_MARK_SET] = "INSERT INTO seq_marks (cls, reserved, clean_next) VALUES (?1, ?2, ?3)"
                      " ON CONFLICT (cls) DO UPDATE SET reserved = excluded.reserved,"
                      " clean_next = excluded.clean_next",
};

/* What to do about a failure, by SQLite's primary result code. */
static const char *store_hint(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_FULL:
        return "free space on the filesystem that holds the database";
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_CANTOPEN:
        return "make sure the directory exists and the file and directory are writable "
               "(is the filesystem mounted read-only?)";
    case SQLITE_IOERR:
        return "check the storage medium (dmesg shows flash and SD card errors)";
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
        return "the file is damaged; restart riskgw so that it moves the file aside";
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
        return "another process holds the database locked; close it (a sqlite3 shell?)";
    default:
        return "see the SQLite message";
    }
}

void store_say(struct store *st, const char *fmt, ...)
{
    int n = snprintf(st->err, sizeof st->err, "store %s: ", st->path);
    if (n < 0 || (size_t)n >= sizeof st->err)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->err + n, sizeof st->err - (size_t)n, fmt, ap);
    va_end(ap);
}

int store_error(struct store *st, const char *doing, int rc)
{
    st->fail_rc = rc;
    st->fail_errno = st->db ? sqlite3_system_errno(st->db) : 0;
    /* The connection's message when it is about this failure (a sync called on the
     * VFS directly leaves it at "not an error"). */
    const char *msg = st->db && (sqlite3_errcode(st->db) & 0xff) == (rc & 0xff) ? sqlite3_errmsg(st->db)
                                                                                : sqlite3_errstr(rc);
    const char *kind = sqlite3_errstr(rc);
    if (strcmp(msg, kind) == 0)
        store_say(st, "%s failed: %s; %s", doing, msg, store_hint(rc));
    else
        store_say(st, "%s failed: %s (%s); %s", doing, msg, kind, store_hint(rc));
    return -1;
}

/* Forget the open transaction: on disk it never happened, so neither did its seqs. */
void store_rollback(struct store *st)
{
    if (st->db && !sqlite3_get_autocommit(st->db)) {
        sqlite3_stmt *s = st->stmt[STMT_ROLLBACK];
        sqlite3_step(s);
        sqlite3_reset(s);
    }
    if (st->in_txn)
        st->stats.rollbacks++;
    st->in_txn = 0;
    st->txn_writes = 0;
    st->txn_durable = 0;
    st->next_seq[OUTBOX_EVENTS] = st->last_seq[OUTBOX_EVENTS] + 1;
    st->mem_spilling = 0;       /* telemetry is held in memory: its seqs stand (store_outbox_mem.c) */
    store_stage_rolled_back(st);
    store_seq_rolled_back(st);
}

int store_fail(struct store *st, const char *doing, int rc)
{
    store_error(st, doing, rc);
    size_t n = strlen(st->err);
    snprintf(st->err + n, sizeof st->err - n, " (the writes since the last commit were rolled back)");
    store_rollback(st);
    return -1;
}

int store_check_class(struct store *st, enum outbox_class cls)
{
    if ((unsigned)cls < OUTBOX_CLASS_COUNT)
        return 0;
    store_say(st, "outbox class %d does not exist; this is a bug in the caller", (int)cls);
    return -1;
}

sqlite3_stmt *store_writer(struct store *st, enum store_stmt id, const char *doing)
{
    if (!st->db) {
        store_closed(st, doing);
        return NULL;
    }
    if (!st->in_txn) {
        sqlite3_stmt *b = st->stmt[STMT_BEGIN];
        int rc = sqlite3_step(b);
        sqlite3_reset(b);
        if (rc != SQLITE_DONE) {
            store_fail(st, doing, rc);
            return NULL;
        }
        st->in_txn = 1;
    }
    st->txn_writes++;
    return st->stmt[id];
}

sqlite3_stmt *store_reader(struct store *st, enum store_stmt id, const char *doing)
{
    if (st->db)
        return st->stmt[id];
    store_closed(st, doing);
    return NULL;
}

int store_run(struct store *st, sqlite3_stmt *s, const char *doing)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return store_fail(st, doing, rc);
    return 0;
}

int store_txn_writes(const struct store *st)
{
    return st->txn_writes;
}

int store_events_unsynced(const struct store *st)
{
    return st->sync_owed;
}

/*
 * Make committed events (and telemetry past a newly reserved block of seqs) sendable:
 * sync the WAL, then let the outbox see them. An event is announced with its seq only
 * once it would survive a power cut; if the sync fails it stays committed but unsent,
 * every later commit tries again, and the failure is the store's last error: the
 * medium may never hold that commit (store_events_unsynced).
 */
static void store_sync_held(struct store *st)
{
    int64_t start = clock_mono_ns();
    int rc = store_wal_sync(st);
    store_sync_timed(st, clock_mono_ns() - start);
    if (rc != SQLITE_OK) {
        if (!st->sync_owed)
            log_error("store %s: syncing the WAL failed: %s; new events (and telemetry past seq %lld) "
                      "are committed but held back until a sync succeeds, since a power cut could "
                      "lose what they rely on; check the storage medium", st->path,
                      sqlite3_errstr(rc), (long long)st->tele.durable);
        store_error(st, "syncing the WAL", rc);
        st->sync_owed = 1;
        return;
    }
    st->sync_owed = 0;
    st->stats.durable_commits++;
    st->sendable_seq[OUTBOX_EVENTS] = st->last_seq[OUTBOX_EVENTS];
    store_seq_synced(st);
}

/* Commit, spilling held telemetry into the transaction first when all or over budget;
 * staged samples too, unless the transaction holds an event (its sync stays short). */
static int store_commit_spilling(struct store *st, int all)
{
    if (!st->db)
        return store_closed(st, "committing");
    if (store_seq_cover(st) < 0 || store_mem_spill(st, all) < 0)
        return -1;
    if ((all || !st->txn_durable) && store_stage_write(st) < 0)
        return -1;
    if (!st->in_txn) {
        store_seq_committed(st);
        if (st->sync_owed)
            store_sync_held(st);
        return 0;
    }
    int rc = sqlite3_step(st->stmt[STMT_COMMIT]);
    sqlite3_reset(st->stmt[STMT_COMMIT]);
    if (rc != SQLITE_DONE)
        return store_fail(st, "committing", rc);
    st->in_txn = 0;
    st->txn_writes = 0;
    st->stats.commits++;
    st->last_seq[OUTBOX_EVENTS] = st->next_seq[OUTBOX_EVENTS] - 1;
    store_mem_spilled(st);
    store_stage_committed(st);
    store_seq_committed(st);    /* telemetry is sent unsynced, within its reserved seqs */
    int durable = st->txn_durable || st->sync_owed;
    st->txn_durable = 0;
    if (durable) {
        store_sync_held(st);
    } else {
        store_wal_writeback(st);
    }
    store_wal_checkpoint(st, durable);
    return 0;
}

int store_commit(struct store *st) { return store_commit_spilling(st, 0); }

/* The newest committed seq of each class, the database's epoch, where telemetry's
 * seqs go on. */
static int store_load_state(struct store *st, int *rc)
{
    for (int c = 0; c < OUTBOX_CLASS_COUNT; c++) {
        sqlite3_stmt *s = st->stmt[STMT_OUTBOX_LAST];
        sqlite3_bind_int(s, 1, c);
        *rc = sqlite3_step(s);
        st->last_seq[c] = *rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
        sqlite3_reset(s);
        if (*rc != SQLITE_ROW)
            return store_error(st, "reading the outbox's last seq", *rc);
        st->next_seq[c] = st->last_seq[c] + 1;
        st->sendable_seq[c] = st->last_seq[c];
    }
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO meta (name, value) VALUES ('epoch', %lld)",
             (long long)clock_wall_ms());
    sqlite3_stmt *s = NULL;
    *rc = sqlite3_exec(st->db, sql, NULL, NULL, NULL);
    if (*rc == SQLITE_OK)
        *rc = sqlite3_prepare_v2(st->db, "SELECT value FROM meta WHERE name = 'epoch'", -1, &s, NULL);
    if (*rc == SQLITE_OK && (*rc = sqlite3_step(s)) == SQLITE_ROW) {
        st->epoch_ms = sqlite3_column_int64(s, 0);
        *rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (*rc != SQLITE_OK)
        return store_error(st, "reading the database epoch", *rc);
    return store_seq_load(st, rc);
}

void store_disconnect(struct store *st)
{
    store_checkpointer_stop(st->checkpointer);  /* first: the last connection to close checkpoints */
    st->checkpointer = NULL;
    for (int i = 0; i < STMT_COUNT; i++) {
        sqlite3_finalize(st->stmt[i]);
        st->stmt[i] = NULL;
    }
    sqlite3_close_v2(st->db);
    st->db = NULL;
    store_grow_close(st);
    store_wal_forget(st);
}

/* Open, tune, migrate, prepare. 0, or -1 with *rc and a sentence in st->err. */
static int store_connect(struct store *st, int create, int *rc)
{
    *rc = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX |
                          (create ? SQLITE_OPEN_CREATE : 0), NULL);
    if (*rc != SQLITE_OK)
        return store_error(st, "opening", *rc);
    sqlite3_extended_result_codes(st->db, 1);
    sqlite3_busy_timeout(st->db, STORE_BUSY_TIMEOUT_MS);
    sqlite3_stmt *s = NULL;
    *rc = sqlite3_prepare_v2(st->db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
    if (*rc == SQLITE_OK && (*rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (strcmp((const char *)sqlite3_column_text(s, 0), "wal") != 0)
            log_warn("store %s: the filesystem refused WAL mode (journal_mode is %s); writes "
                     "will be slower; put the database on a local filesystem",
                     st->path, sqlite3_column_text(s, 0));
        *rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (*rc != SQLITE_OK)
        return store_error(st, "switching to WAL mode", *rc);
    if ((*rc = sqlite3_exec(st->db, store_pragmas, NULL, NULL, NULL)) != SQLITE_OK)
        return store_error(st, "setting the PRAGMAs", *rc);
    store_wal_watch(st);
    store_db_grow_in_chunks(st->db);
    if (store_schema_migrate(st, rc) < 0)
        return -1;
    for (int i = 0; i < STMT_COUNT; i++) {
        *rc = sqlite3_prepare_v3(st->db, store_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                 &st->stmt[i], NULL);
        if (*rc != SQLITE_OK)
            return store_error(st, "preparing a statement", *rc);
    }
    return store_load_state(st, rc);
}

void store_stamped_path(const struct store *st, const char *what, char *out, size_t len)
{
    char stamp[STORE_STAMP_MAX];
    time_t now = (time_t)(clock_wall_ms() / 1000);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(out, len, "%s.%s-%s", st->path, what, stamp);
}

/* Rename PATH (and its WAL) to PATH.corrupt-<UTC time>; the shared-memory index goes. */
static int store_move_aside(struct store *st, char *aside, size_t len)
{
    char from[PATH_MAX + 16], to[PATH_MAX + 64];
    store_stamped_path(st, "corrupt", aside, len);
    if (rename(st->path, aside) != 0)
        return -1;
    static const char *const companions[] = {"-wal", "-journal"};
    for (size_t i = 0; i < sizeof companions / sizeof companions[0]; i++) {
        snprintf(from, sizeof from, "%s%s", st->path, companions[i]);
        snprintf(to, sizeof to, "%s%s", aside, companions[i]);
        if (rename(from, to) != 0 && errno != ENOENT)
            log_warn("store %s: could not move %s aside: %s", st->path, from, strerror(errno));
    }
    snprintf(from, sizeof from, "%s-shm", st->path);
    unlink(from);
    return 0;
}

static int store_is_corrupt(int rc)
{
    return (rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT;
}

int store_attach(struct store *st, int create)
{
    int rc = SQLITE_OK;
    if (store_connect(st, create, &rc) < 0 && store_is_corrupt(rc)) {
        char aside[PATH_MAX + 64];
        store_disconnect(st);
        if (store_move_aside(st, aside, sizeof aside) == 0) {
            log_error("store %s: the file is not a usable database (%s); moved it aside to %s "
                      "and started a new one; unsent data stays in that file", st->path,
                      sqlite3_errstr(rc), aside);
            store_connect(st, 1, &rc);     /* where the damaged file was */
        } else {
            store_say(st, "the file is not a usable database and moving it aside failed: %s; "
                      "move or delete it by hand", strerror(errno));
        }
    }
    if (rc != SQLITE_OK) {
        store_disconnect(st);
        return -1;
    }
    store_remember_file(st);
    store_grow_open(st);
    st->checkpointer = store_checkpointer_start(st->path, st->db_fd);
    return 0;
}

struct store *store_open(const char *path, char *err, size_t errlen)
{
    struct store *st = calloc(1, sizeof *st);
    if (!st) {
        snprintf(err, errlen, "store %s: out of memory opening the database", path);
        return NULL;
    }
    st->wal_fd = -1;
    st->db_fd = -1;
    if (snprintf(st->path, sizeof st->path, "%s", path) >= (int)sizeof st->path) {
        snprintf(err, errlen, "store %.64s...: the path is longer than %d bytes; choose a "
                 "shorter store.path", path, PATH_MAX - 1);
        free(st);
        return NULL;
    }
    if (store_stage_alloc(st) < 0) {
        snprintf(err, errlen, "store %s: out of memory for the staged samples", path);
        free(st);
        return NULL;
    }
    if (store_attach(st, 1) < 0) {
        snprintf(err, errlen, "%s", st->err);
        store_stage_free(st);
        free(st);
        return NULL;
    }
    store_seq_say_skipped(st);
    return st;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    /* What no uplink has confirmed yet goes to the table: the next start sends it. */
    if (st->db && (store_commit_spilling(st, 1) < 0 || store_seq_mark_clean(st) < 0))
        log_error("%s; the next start skips a block of telemetry seqs", st->err);
    store_disconnect(st);
    store_mem_free(st);
    store_stage_free(st);
    free(st);
}

int64_t store_epoch(struct store *st) { return st->epoch_ms; }

const struct store_stats *store_stats(struct store *st)
{
    st->stats.checkpoints = st->checkpoints_inline +
                            (st->checkpointer ? store_checkpointer_done(st->checkpointer) : 0);
    return &st->stats;
}

const char *store_last_error(struct store *st) { return st->err; }
