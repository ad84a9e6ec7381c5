/*
 * store_internal.h - what the store's files share: the struct, its kept statements,
 * and the one way a write fails.
 *
 * store.c opens, commits and reports errors; store_schema.c migrates; store_rows.c
 * writes points, samples, events and rule state; store_outbox.c keeps the outbox
 * log and the sinks' cursors; store_seq.c reserves telemetry seqs on disk;
 * store_retention.c writes aggregates and prunes; store_stage.c keeps samples in
 * memory until a routine commit; store_grow.c grows the file. Nothing outside gateway/store*.c
 * includes this (the store's unit tests do, to look inside).
 */
#ifndef RISKGW_STORE_INTERNAL_H
#define RISKGW_STORE_INTERNAL_H

#include <limits.h>
#include <sqlite3.h>
#include <sys/types.h>
#include "store.h"

#define STORE_ERR_MAX 512
#define STORE_STR_(x) #x
#define STORE_STR(x) STORE_STR_(x)          /* a number macro as a string, for SQL text */

/* Statements prepared once at open and kept for the store's life (store.c holds the SQL). */
enum store_stmt {
    STMT_BEGIN, STMT_COMMIT, STMT_ROLLBACK,
    STMT_POINT_FIND, STMT_POINT_ADD,
    STMT_SAMPLE_ADD, STMT_EVENT_ADD, STMT_EVENT_HELD,
    STMT_OUTBOX_ADD, STMT_OUTBOX_FETCH, STMT_OUTBOX_LAST, STMT_OUTBOX_RETIRE,
    STMT_CURSOR_GET, STMT_CURSOR_SET,
    STMT_RULE_SAVE, STMT_RULE_LOAD,
    STMT_AGGREGATE_ADD,
    STMT_MARK_GET, STMT_MARK_SET,
    STMT_COUNT
};

/* Telemetry seqs reserved on disk per block: one synced write per this many messages. */
#define STORE_SEQ_BLOCK 10000
/* A block with fewer seqs than this left is replaced by the next commit, before it runs
 * out: more than a commit interval of telemetry up to 2,500 devices (store_seq_cover). */
#define STORE_SEQ_AHEAD (STORE_SEQ_BLOCK / 4)

/*
 * Telemetry is sent before its commit is synced, so a power cut can take rows the
 * platform already has. Every telemetry seq handed out lies at or below a mark that
 * was synced first; a start after an unclean stop continues above it (store_seq.c).
 */
struct store_seq_marks {
    int64_t reserved;           /* highest seq reserved, the open transaction included */
    int64_t committed;          /* ... as committed */
    int64_t durable;            /* ... as synced: telemetry up to here may be sent */
    int64_t skipped_from;       /* seqs this run skipped at open (none: from > to) */
    int64_t skipped_to;
    int64_t run_first;          /* this run's first seq: no block is reserved before it is handed out */
    const char *skip_why;       /* why the seqs were skipped, for the log (store_seq_say_skipped) */
};

/* Telemetry held in memory until every uplink has it (store_outbox_mem.c). */
#define STORE_TELEMETRY_MEM_BYTES (512 * 1024)  /* beyond this, commits spill the oldest to the table */
struct store_mem_msg {
    int64_t seq;
    char *text;                 /* the topic, its NUL, the payload, its NUL */
    size_t topic_len, payload_len;
};
struct store_tele_mem {
    struct store_mem_msg *ring; /* seqs [first, next_seq) ascending */
    size_t cap, head, count;
    size_t bytes;
};

/* Samples waiting in memory for the next routine commit (store_stage.c). */
struct store_staged {
    int64_t point_key, ts_ms;
    double value;
    int quality;                /* enum quality */
};
struct store_stage {
    struct store_staged *rows;  /* preallocated at open: oldest first */
    size_t count;
    size_t writing;             /* the oldest this many are in the commit under way */
};

struct store {
    sqlite3 *db;
    char path[PATH_MAX];
    sqlite3_stmt *stmt[STMT_COUNT];
    int in_txn;                                 /* BEGIN ran, COMMIT not yet */
    int txn_durable;                            /* the open transaction holds an event */
    int txn_writes;                             /* rows written into the open transaction */
    int wal_pages;                              /* the WAL's size after the last commit */
    int wal_fd;                                 /* our own read-only fd on PATH-wal, or -1 */
    int db_fd;                                  /* our own fd on PATH, for fallocate (store_grow.c), or -1 */
    int wal_writeback_warned;
    struct store_checkpointer *checkpointer;    /* NULL: checkpoints run inline */
    uint64_t checkpoints_inline;                /* run by store_wal_checkpoint() itself */
    int64_t checkpoint_asked_ms;                /* monotonic: when the thread was last asked */
    int64_t next_seq[OUTBOX_CLASS_COUNT];       /* next seq to hand out (open txn included) */
    int64_t last_seq[OUTBOX_CLASS_COUNT];       /* highest committed seq */
    int64_t sendable_seq[OUTBOX_CLASS_COUNT];   /* highest seq the outbox may send (store_commit) */
    int sync_owed;                              /* a WAL sync failed: sync before sending what it held */
    struct store_seq_marks tele;                /* telemetry's reserved seqs (store_seq.c) */
    struct store_tele_mem mem;                  /* telemetry not yet confirmed everywhere */
    int64_t tele_table_max;                     /* highest telemetry seq written to the table, 0: none to retire */
    size_t mem_spilling;                        /* oldest held messages written into the commit under way */
    struct store_stage stage;                   /* samples not yet in a commit (store_stage.c) */
    int64_t epoch_ms;
    struct store_stats stats;
    struct durations sync_times;                /* the last WAL syncs (store_sync_times.c) */
    struct store_drops drops;                   /* rows dropped for the size cap (persisted) */
    int drops_loaded;
    int fail_rc;                                /* SQLite's code for the last failure */
    int fail_errno;                             /* and the system's errno behind it, 0 unknown */
    dev_t file_dev;                             /* the file PATH named when it was opened */
    ino_t file_ino;
    dev_t wal_dev;                              /* and its WAL, PATH-wal */
    ino_t wal_ino;
    char err[STORE_ERR_MAX];
};

/* The statement id, reset, ready to bind, inside an open transaction (BEGIN on first
 * write). NULL after store_fail() when the transaction cannot be opened. */
sqlite3_stmt *store_writer(struct store *st, enum store_stmt id, const char *doing);
/* The statement id for a read; NULL after store_closed() while the database is closed. */
sqlite3_stmt *store_reader(struct store *st, enum store_stmt id, const char *doing);
/* Step a bound write statement and reset it. 0, or store_fail(). */
int store_run(struct store *st, sqlite3_stmt *s, const char *doing);
/* Set the last error to "store PATH: " and the formatted rest. */
void store_say(struct store *st, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Record "doing failed" as a sentence with a hint for rc. Returns -1. */
int store_error(struct store *st, const char *doing, int rc);
/* store_error(), then roll back the open transaction and forget its seqs. Returns -1. */
int store_fail(struct store *st, const char *doing, int rc);
/* -1 with a sentence when cls is not a known outbox class, else 0. */
int store_check_class(struct store *st, enum outbox_class cls);

/* store.c: connecting. attach opens PATH (a file that is not a database is moved
 * aside), remembers which file it is and starts the checkpoint thread: 0, or -1 with
 * a sentence in st->err and nothing open. Only with create does a missing PATH become
 * a new database (a reopen starts one only on the device the old one was on, never in
 * the empty folder of an unmounted card). disconnect closes every file of the store. */
int store_attach(struct store *st, int create);
void store_disconnect(struct store *st);
/* Roll the open transaction back (if any) and forget its seqs. */
void store_rollback(struct store *st);
/* PATH.WHAT-<UTC time>, for a copy put aside. */
void store_stamped_path(const struct store *st, const char *what, char *out, size_t len);

/* store_reopen.c: while the database is closed (its medium failed), every read and
 * write fails, and store_last_error() still gives the failure that closed it. -1. */
int store_closed(struct store *st, const char *doing);
/* After attach: which file PATH names now (dev, inode), to notice it deleted or replaced. */
void store_remember_file(struct store *st);

/* store_sync_times.c: after each WAL sync, how long it took */
void store_sync_timed(struct store *st, int64_t ns);

/* store_wal.c: the WAL's sync, writeback and checkpoints (see there for why) */
void store_wal_watch(struct store *st);         /* after open: SQLite's auto-checkpoint off */
int store_wal_sync(struct store *st);           /* fdatasync the WAL; an SQLite rc */
void store_wal_writeback(struct store *st);     /* after a routine commit: start writing */
void store_wal_checkpoint(struct store *st, int durable);   /* after any commit */
/* store_checkpoint.c: checkpoints on a thread of their own (see there for why). start
 * returns NULL, having said why, when the thread cannot run; stop(NULL) does nothing. */
struct store_checkpointer *store_checkpointer_start(const char *path, int db_fd);
void store_checkpointer_ask(struct store_checkpointer *ck);
uint64_t store_checkpointer_done(struct store_checkpointer *ck);
void store_checkpointer_stop(struct store_checkpointer *ck);
void store_wal_forget(struct store *st);        /* on disconnect */

/* store_grow.c: the database file grows in chunks given by fallocate (see there for why) */
#define STORE_DB_CHUNK_BYTES (1024 * 1024)      /* the database file grows by this much at a time */
void store_db_grow_in_chunks(sqlite3 *db);      /* after open, on every connection that checkpoints */
void store_grow_open(struct store *st);         /* after attach: st->db_fd, -1 when it cannot */
void store_grow_close(struct store *st);        /* after every connection of the store closed */
/* Before a checkpoint on db: the file at least a chunk past its pages. 0, or the errno
 * of a refused fallocate (SQLite then grows the file its own way). */
int store_db_make_room(sqlite3 *db, int fd);

/* store_seq.c: telemetry seqs reserved on disk (see there for why) */
int store_seq_load(struct store *st, int *rc);  /* at open, after last_seq: where seqs go on */
/* After store_seq_load on a reopen of the same database: this run's seqs go on from
 * run (the marks) and next (next_seq) as they were before the card let go. */
void store_seq_resume(struct store *st, const struct store_seq_marks *run, int64_t next);
/* Log the seqs store_seq_load skipped, if any: once the run really starts with them. */
void store_seq_say_skipped(const struct store *st);
int store_seq_take(struct store *st, enum outbox_class cls);    /* before next_seq[cls] is used */
void store_seq_held(struct store *st);          /* a telemetry message is held: sendable within the synced mark */
void store_seq_committed(struct store *st);     /* after a COMMIT */
void store_seq_synced(struct store *st);        /* after the WAL sync that followed it */
void store_seq_rolled_back(struct store *st);
int store_seq_mark_clean(struct store *st);     /* at close, after the last commit */

/* store_outbox_mem.c: telemetry held in memory (see there for why) */
int64_t store_mem_first(const struct store *st);    /* the oldest seq held, next_seq when none */
int store_mem_push(struct store *st, int64_t seq, const char *topic, const char *payload);
/* Held messages with after < seq <= last, at most max, lent (borrowed): the count. */
int store_mem_fetch(struct store *st, int64_t after, int64_t last, struct outbox_msg *out, int max);
void store_mem_retire(struct store *st, int64_t delivered);
/* Before a COMMIT: over budget (or all), write the oldest into the transaction. 0 or -1. */
int store_mem_spill(struct store *st, int all);
void store_mem_spilled(struct store *st);          /* after that COMMIT held: drop them */
void store_mem_free(struct store *st);
/* store_seq.c: after a rollback, held telemetry above the reserved mark is reserved again */
int store_seq_cover(struct store *st);

/* store_rows.c: a value, or NULL when the quality says the reading carries none */
void store_bind_value(sqlite3_stmt *s, int col, double value, enum quality q);

/* store_stage.c: samples wait in memory for a routine commit (see there for why) */
int store_stage_alloc(struct store *st);        /* at open: 0 or -1 (out of memory) */
void store_stage_free(struct store *st);
int store_stage_write(struct store *st);        /* before a routine COMMIT: the staged rows into it */
void store_stage_committed(struct store *st);   /* after that COMMIT held: drop them */
void store_stage_rolled_back(struct store *st); /* they stay staged */
void store_stage_forget(struct store *st, const char *why);    /* their keys mean nothing any more */

/* store_schema.c */
int store_schema_version(void);                 /* the newest version this build knows */
const char *store_schema_step(int version);     /* DDL taking version-1 to version, or NULL */
/* Bring db up to store_schema_version(). 0, or -1 with *rc and a sentence in st->err. */
int store_schema_migrate(struct store *st, int *rc);

#endif
