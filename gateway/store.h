/*
 * store.h - the one truth on the box: samples, events and the outbox, in SQLite (WAL).
 *
 * Single writer: only the core thread calls these. Writes gather in one open
 * transaction; store_commit() ends it. Samples are staged in memory and written by
 * routine commits, on the core's timer (once a second by default) or once
 * STORE_STAGE_ROWS wait; an event and its outbox row are committed before
 * anything is published, so an alarm decided is an alarm on disk. A commit that
 * holds an event (or an OUTBOX_EVENTS row) also syncs the WAL, so it survives a
 * power cut; other commits survive a crash (kill -9) but may lose the last second
 * on power loss (synchronous=NORMAL; see docs/store.md).
 *
 * The outbox is one ordered log per class (events ahead of telemetry). Each class
 * has its own sequence, which is the "seq" the platform sees: gap-free, except that
 * telemetry skips ahead once after an unclean stop rather than reuse a seq a power
 * cut may have taken after it was sent (store_seq.c). Telemetry is held in memory,
 * not written, until every sink confirmed it (store_outbox_retire), and spilled to
 * the table only when the sinks fall behind or at close (store_outbox_mem.c). Each sink
 * keeps a cursor per class: everything at or below it was confirmed delivered.
 *
 * A failed write (disk full, read-only, I/O error) returns -1, rolls back the whole
 * open transaction (every write since the last successful commit is gone, the
 * in-memory seqs with it) and leaves the store usable: the caller re-adds what it
 * still needs, e.g. the event it was recording. store_last_error() says why.
 */
#ifndef RISKGW_STORE_H
#define RISKGW_STORE_H

#include <stddef.h>
#include <stdint.h>
#include "durations.h"
#include "sample.h"

enum outbox_class { OUTBOX_EVENTS = 0, OUTBOX_TELEMETRY = 1, OUTBOX_CLASS_COUNT };

struct outbox_msg {
    enum outbox_class cls;
    int64_t seq;
    char *topic;            /* owned by the message */
    char *payload;          /* owned by the message, NUL-terminated JSON */
    size_t payload_len;
    int borrowed;           /* topic and payload are the store's (telemetry held in memory):
                               valid until the next store call, and never freed by the message */
};

struct store;

/* Open (creating or migrating) the database. A file that is not a database is moved
 * aside to PATH.corrupt-<UTC time> and a new one is started. NULL and a sentence in
 * err on failure. */
struct store *store_open(const char *path, char *err, size_t errlen);
/* Commits what is pending and records the clean stop (the next start goes on with
 * the very next telemetry seq). */
void store_close(struct store *st);

/* Stable integer key for "device/point", created on first use. Creating a key
 * commits the open transaction, so a key handed out is always on disk. */
int store_point_key(struct store *st, const char *device, const char *point, int64_t *key);
/* The same without the commit: 1 when the key is new and only in the open
 * transaction (commit before anything uses it), 0 when it was there, -1. For a
 * whole site at once: a first start with 15,000 points commits once, not 15,000
 * times (1.5 s of a 500-device first start on the bench machine, more on flash). */
int store_point_key_staged(struct store *st, const char *device, const char *point, int64_t *key);

/* Stage a sample in memory (no allocation, no SQLite). Staged samples are written by
 * the next routine commit: a store_commit() whose transaction holds no event, so an
 * alarm's synced commit never carries them. A failed commit keeps them staged; a
 * clean close writes them; kill -9 or a power cut loses them (store_stage.c). */
int store_add_sample(struct store *st, int64_t point_key, const struct sample *s);
/* Routine commits are due once this many samples are staged (store_samples_due). */
#define STORE_STAGE_ROWS 2048
int store_samples_due(const struct store *st);
int store_samples_staged(const struct store *st);

/* Insert the event; sets ev->id (stable, never reused). Part of the open
 * transaction. device/point may be NULL for an event about the gateway itself. */
int store_add_event(struct store *st, struct event *ev, const char *device, const char *point);
/* 1 when the database holds the event ev->id names, as ev describes it (time, kind,
 * level, severity): a commit whose sync failed did reach the medium, and must not be stored
 * twice. 0 when it does not, -1 with store_last_error(). */
int store_event_held(struct store *st, const struct event *ev);

/* The seq the next outbox_append of this class will take. */
int64_t store_outbox_next_seq(struct store *st, enum outbox_class cls);
/* The highest seq of this class that may be sent (0 when none): committed, and for
 * events also synced to disk, so nothing announced can be lost to a power cut.
 * Telemetry is sent unsynced, but never past a block of seqs reserved on disk, so a
 * seq lost to a power cut is never handed out again (store_seq.c). */
int64_t store_outbox_last_seq(struct store *st, enum outbox_class cls);
/* How many sendable seqs of cls lie above cursor, leaving out the telemetry seqs
 * skipped at open after an unclean stop (they never carried a message this run). */
int64_t store_outbox_backlog(struct store *st, enum outbox_class cls, int64_t cursor);
int store_outbox_append(struct store *st, enum outbox_class cls, const char *topic,
                        const char *payload, int64_t *seq);

/* Delete the rows every sink has confirmed (seq <= delivered[cls]), up to
 * STORE_RETIRE_BATCH seqs per class and call, but never the newest row of a class
 * (seqs continue from it). Part of the open transaction; 0 or -1. Run every commit
 * interval, it keeps the outbox to what is in flight or waiting, so its pages are
 * reused instead of the file growing by every message ever sent. */
#define STORE_RETIRE_BATCH 5000
int store_outbox_retire(struct store *st, const int64_t delivered[OUTBOX_CLASS_COUNT]);

/* Commit the open transaction (no-op when none), with the staged samples unless it
 * holds an event. Returns 0 or -1. */
int store_commit(struct store *st);
/* 1 when telemetry handed out waits for a block of seqs reserved in the open
 * transaction (a run's first, store_seq.c): commit now, and the uplinks may have it
 * once that commit is synced, instead of holding it in memory until the next tick. */
int store_seq_due(const struct store *st);
/* Rows written into the open transaction so far; 0 when none is open. */
int store_txn_writes(const struct store *st);
/* 1 while events are committed but their WAL sync failed: the medium may never hold
 * them (a card that fails drops what it had not written), so whoever recorded them
 * keeps them, as if the commit had failed, until a later commit's sync succeeds
 * (store_last_error() says why it failed). They are not sendable meanwhile. */
int store_events_unsynced(const struct store *st);

/* Up to max committed messages of cls with seq > after, in seq order (rows of the
 * open transaction are never returned: their seq is not final until commit).
 * Returns count or -1. */
int store_outbox_fetch(struct store *st, enum outbox_class cls, int64_t after,
                       struct outbox_msg *out, int max);
void outbox_msg_free(struct outbox_msg *m);

/* A sink's confirmed cursor; 0 for a sink never seen. set is part of the open transaction. */
int store_cursor_get(struct store *st, const char *sink, enum outbox_class cls, int64_t *seq);
int store_cursor_set(struct store *st, const char *sink, enum outbox_class cls, int64_t seq);

/* Per-point rule state (the core's struct rule_state, as an opaque blob), so latched
 * and silenced alarms survive a restart. save replaces the point's blob inside the
 * open transaction; load calls fn once per saved point. The caller checks len (a
 * blob from another build may not match its struct) and ignores what does not fit. */
typedef void (*store_rule_state_fn)(void *ctx, int64_t point_key, const void *blob, size_t len);
int store_rule_state_save(struct store *st, int64_t point_key, const void *blob, size_t len);
int store_rule_state_load(struct store *st, store_rule_state_fn fn, void *ctx);

/* Wall-clock ms when this database (its seq space) was created. A new database after
 * a corrupt one starts its seqs at 1 again; the epoch tells a receiver so. */
int64_t store_epoch(struct store *st);

struct store_stats {
    uint64_t commits;           /* successful commits */
    uint64_t durable_commits;   /* of which also synced the WAL (held an event or a seq block) */
    uint64_t checkpoints;       /* WAL copied into the database (by the checkpoint thread, or inline) */
    uint64_t rollbacks;         /* transactions lost to a failed write */
    uint64_t samples, events;   /* rows written (committed, pending or staged) */
    uint64_t sample_commits;    /* commits that wrote staged samples */
    uint64_t telemetry_spilled; /* telemetry messages written to flash because the uplinks lagged */
};
const struct store_stats *store_stats(struct store *st);

/* The WAL syncs of the last DURATIONS_RECENT durable commits: each alarm waits for
 * one, so they are its latency floor on this medium (store_sync_times.c). */
void store_sync_times(const struct store *st, struct durations_summary *out);

/* A minute's summary of one point's good readings (store_retention.c). Adding a
 * minute that is already there merges the two: a minute may be written in parts. */
struct store_aggregate {
    int64_t minute_ms;          /* start of the minute, wall clock */
    uint32_t n;
    double min, sum, max;
};
int store_add_aggregate(struct store *st, int64_t point_key, const struct store_aggregate *a);

/*
 * Retention. Raw samples older than raw_days and aggregates older than
 * aggregate_days go (confirmed outbox rows are store_outbox_retire()'s). When the
 * data in the file exceeds max_bytes (0: no cap), the oldest telemetry goes
 * first - raw samples, then unsent telemetry messages, then aggregates - and
 * events only last. Every row dropped for the cap is counted by kind.
 * Works in bounded batches inside the open transaction; commit afterwards.
 */
struct store_retention {
    int raw_days, aggregate_days;
    int64_t max_bytes;
};
struct store_drops {
    int64_t samples, telemetry, aggregates, events;    /* dropped for the size cap */
};
int store_prune(struct store *st, const struct store_retention *policy, int64_t now_ms);
/* Bytes the data takes in the file (pages in use), and the cap drops so far. */
int64_t store_used_bytes(struct store *st);
const struct store_drops *store_drops(struct store *st);

/* Last error as a sentence (for status and logs). */
const char *store_last_error(struct store *st);

/* ---- store_reopen.c: when the medium fails, and when it is back ---- */

/* What the last failure means, from SQLite's code and the system's errno behind it. */
enum store_trouble {
    STORE_TROUBLE_NONE,
    STORE_TROUBLE_FULL,         /* no space left */
    STORE_TROUBLE_READ_ONLY,    /* the filesystem turned read-only (the kernel's answer to write errors) */
    STORE_TROUBLE_IO,           /* the medium reports I/O errors */
    STORE_TROUBLE_MISSING,      /* the file's folder is not there (the card is not mounted?) */
    STORE_TROUBLE_DELETED,      /* the file was deleted under the running gateway */
    STORE_TROUBLE_REPLACED,     /* another file was put in its place */
    STORE_TROUBLE_LOCKED,       /* another process holds the database locked */
    STORE_TROUBLE_OTHER,
    STORE_TROUBLE_COUNT
};
enum store_trouble store_trouble(const struct store *st);
/* "read_only", for the health report; and a sentence for a technician. */
const char *store_trouble_name(enum store_trouble t);
const char *store_trouble_words(enum store_trouble t);
/* Whether PATH still names the file the store has open: NONE, DELETED or REPLACED.
 * One stat(); NONE while the store is closed. */
enum store_trouble store_file_check(struct store *st);
/* The medium failed: close every file the store holds on it, so the card can be
 * unmounted, checked and mounted again. What is in memory stays; every write fails
 * (and says why) until store_reopen() succeeds. */
void store_release(struct store *st);
/* Open PATH again, and 1 when it holds another database than before (its epoch
 * changed: seqs, point keys and cursors are the new file's), 0 when the same, -1 with
 * store_last_error(). When the open file was deleted or replaced, what it holds is
 * first copied out through the open connection: back to PATH (deleted), or aside
 * to PATH.replaced-<UTC time> (replaced, and the new file is used). */
int store_reopen(struct store *st);
int store_is_open(const struct store *st);

/* ---- store_lookup.c: reading the file from another process ---- */

#define STORE_NAME_MAX 64

/* An event as the running gateway committed it. */
struct stored_event {
    int64_t id, ts_ms;
    char device[STORE_NAME_MAX], point[STORE_NAME_MAX];   /* "" for the gateway's own */
    char kind[EVENT_LEVEL_NAME_MAX], level[EVENT_LEVEL_NAME_MAX];
    int severity;
};

/*
 * Look event id up in the database at path through a read-only connection of its
 * own (riskgw test-alarm confirms what the daemon stored while it runs). Returns 1
 * with *out filled, 0 when no event has that id, -1 with a sentence in err.
 */
int store_lookup_event(const char *path, int64_t id, struct stored_event *out, char *err,
                       size_t errlen);

/* SQLite's process-wide settings (store_setup.c): call once, before any store opens. */
void store_setup_process(void);

#endif
