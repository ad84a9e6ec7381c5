/*
 * store_seq.c - telemetry seqs are reserved on disk before use, so a power cut can
 * never make the store hand out a seq the platform already has.
 *
 * Telemetry commits are not synced (synchronous=NORMAL) and are sent at once, so a
 * power cut may take rows that were already delivered. Were seqs reloaded from
 * MAX(seq), the next run would send new readings under those seqs and a subscriber
 * would drop them as duplicates. So, as databases do for sequences, the store keeps
 * a mark per class in seq_marks: every telemetry seq handed out is at or below a
 * mark that was synced before that seq could be sent. The mark is raised by
 * STORE_SEQ_BLOCK inside the transaction that first needs it, and that commit is
 * synced like an event's (one fsync per block). A clean close records the exact
 * next seq (clean_next), so a clean restart has no gap; the first reservation of a
 * run clears it again. A start that finds no clean_next continues above the mark:
 * the seqs skipped show as one gap (docs/interface.md). Events need none of this:
 * they are synced before they are sent.
 */
#include "log.h"
#include "store_internal.h"

static int64_t seq_max(int64_t a, int64_t b) { return a > b ? a : b; }

/* Write the class's marks into the open transaction. 0, or store_fail(). */
static int seq_write(struct store *st, enum outbox_class cls, int64_t reserved, int64_t clean_next,
                     const char *doing)
{
    sqlite3_stmt *s = store_writer(st, STMT_MARK_SET, doing);
    if (!s)
        return -1;
    sqlite3_bind_int(s, 1, (int)cls);
    sqlite3_bind_int64(s, 2, reserved);
    if (clean_next > 0)
        sqlite3_bind_int64(s, 3, clean_next);
    else
        sqlite3_bind_null(s, 3);
    if (store_run(st, s, doing) < 0)
        return -1;
    st->txn_durable = 1;        /* nothing it covers is sent before this is on disk */
    return 0;
}

/*
 * Where the class's seqs go on after the last run: *next, from the marks and
 * MAX(seq) (last), and *why when that skips seqs.
 */
static int seq_read_next(struct store *st, enum outbox_class cls, int64_t last, int64_t *next,
                         const char **why, int *rc)
{
    sqlite3_stmt *s = st->stmt[STMT_MARK_GET];
    sqlite3_bind_int(s, 1, (int)cls);
    *rc = sqlite3_step(s);
    if (*rc == SQLITE_ROW && sqlite3_column_type(s, 1) != SQLITE_NULL) {
        *next = seq_max(sqlite3_column_int64(s, 1), last + 1);             /* a clean stop */
    } else if (*rc == SQLITE_ROW) {
        *next = seq_max(sqlite3_column_int64(s, 0), last) + 1;
        *why = "the last run did not stop cleanly";
    } else if (*rc == SQLITE_DONE) {
        *next = last > 0 ? last + STORE_SEQ_BLOCK + 1 : 1;
        *why = "an older riskgw, which did not record its stops, wrote the file";
    }
    sqlite3_reset(s);
    if (*rc != SQLITE_ROW && *rc != SQLITE_DONE)
        return store_error(st, "reading the reserved telemetry seqs", *rc);
    *rc = SQLITE_OK;
    return 0;
}

int store_seq_load(struct store *st, int *rc)
{
    const enum outbox_class cls = OUTBOX_TELEMETRY;
    int64_t last = st->last_seq[cls], next = last + 1;
    const char *why = "";
    st->tele_table_max = last;      /* rows the last run left (spilled, or from an older build) */
    if (seq_read_next(st, cls, last, &next, &why, rc) < 0)
        return -1;
    if (!why[0])
        last = next - 1;        /* a clean stop: what lies between was delivered and retired */
    st->tele.skip_why = why;
    st->tele.skipped_from = last + 1;
    st->tele.skipped_to = next - 1;
    st->tele.run_first = next;
    /* Nothing is reserved for this run yet: its first telemetry reserves a block. */
    st->tele.reserved = st->tele.committed = st->tele.durable = next - 1;
    st->last_seq[cls] = st->sendable_seq[cls] = next - 1;
    st->next_seq[cls] = next;
    return 0;
}

void store_seq_say_skipped(const struct store *st)
{
    if (st->tele.skipped_to >= st->tele.skipped_from)
        log_warn("store %s: %s, so telemetry seqs %lld to %lld are skipped: a power cut may have "
                 "lost telemetry that was already sent with them. Subscribers see a gap; no seq is "
                 "used twice", st->path, st->tele.skip_why, (long long)st->tele.skipped_from,
                 (long long)st->tele.skipped_to);
}

/* A block above the seqs handed out so far (the one about to be, too). */
static int seq_reserve(struct store *st)
{
    int64_t reserved = st->next_seq[OUTBOX_TELEMETRY] - 1 + STORE_SEQ_BLOCK;
    if (seq_write(st, OUTBOX_TELEMETRY, reserved, 0, "reserving telemetry seqs") < 0)
        return -1;
    st->tele.reserved = reserved;
    return 0;
}

int store_seq_take(struct store *st, enum outbox_class cls)
{
    if (cls != OUTBOX_TELEMETRY || st->next_seq[cls] <= st->tele.reserved)
        return 0;
    return seq_reserve(st);
}

/*
 * At each commit. Telemetry held in memory keeps its seqs through a rollback; its
 * reservation may not, so it is written again. And a block of this run with fewer
 * than STORE_SEQ_AHEAD seqs left is replaced now by a block above the seqs handed
 * out, ahead of need: were it refilled only by the append that finds it used up,
 * every message after that one would wait for the next commit to be synced (up to a
 * commit interval: 500 messages, 740 KB at 500 devices), outgrow the memory budget
 * and be spilled to the card while the uplinks keep up (issue 17). One synced commit
 * per 7,500 messages instead of 10,000; the gap after an unclean stop stays at most
 * a block.
 */
int store_seq_cover(struct store *st)
{
    int64_t used = st->next_seq[OUTBOX_TELEMETRY] - 1;
    if (used < st->tele.run_first)
        return 0;               /* this run has handed out no seq: it has no block yet */
    if (used <= st->tele.reserved - STORE_SEQ_AHEAD)
        return 0;
    return seq_reserve(st);
}

int store_seq_due(const struct store *st)
{
    return st->next_seq[OUTBOX_TELEMETRY] - 1 > st->tele.durable && st->tele.reserved > st->tele.committed;
}

/* Telemetry may be sent up to the last commit, but never past the synced mark. */
static void seq_release(struct store *st)
{
    int64_t last = st->last_seq[OUTBOX_TELEMETRY];
    st->sendable_seq[OUTBOX_TELEMETRY] = last < st->tele.durable ? last : st->tele.durable;
}

void store_seq_held(struct store *st)
{
    st->last_seq[OUTBOX_TELEMETRY] = st->next_seq[OUTBOX_TELEMETRY] - 1;
    seq_release(st);
}

void store_seq_committed(struct store *st)
{
    st->tele.committed = st->tele.reserved;
    seq_release(st);
}

void store_seq_synced(struct store *st)
{
    st->tele.durable = st->tele.committed;
    seq_release(st);
}

void store_seq_rolled_back(struct store *st)
{
    st->tele.reserved = st->tele.committed;
}

/*
 * The card let go and came back with the same database (store_reopen.c) while this
 * run had handed out telemetry seqs, some maybe still held in memory unconfirmed.
 * store_seq_load read the file as after an unclean stop (the run clears clean_next)
 * and skipped a block: the held messages and the next ones would no longer be one
 * run of seqs, and the skip would swallow seqs that do carry messages. So the run
 * goes on as it was; what the file holds synced is its mark, which store_seq_load
 * read: seqs handed out above it wait for the next reservation (store_seq_cover).
 */
void store_seq_resume(struct store *st, const struct store_seq_marks *run, int64_t next)
{
    const enum outbox_class cls = OUTBOX_TELEMETRY;
    int64_t on_file = st->tele.durable;
    st->tele = *run;
    st->tele.reserved = st->tele.committed = st->tele.durable = on_file;
    st->next_seq[cls] = next;
    st->last_seq[cls] = next - 1;
    seq_release(st);
}

int store_seq_mark_clean(struct store *st)
{
    const enum outbox_class cls = OUTBOX_TELEMETRY;
    if (seq_write(st, cls, st->tele.committed, st->next_seq[cls], "recording the clean stop") < 0)
        return -1;
    return store_commit(st);
}

int64_t store_outbox_backlog(struct store *st, enum outbox_class cls, int64_t cursor)
{
    int64_t last = store_outbox_last_seq(st, cls);
    if (last < 0 || cursor >= last)
        return 0;
    int64_t backlog = last - cursor;
    if (cls == OUTBOX_TELEMETRY) {          /* seqs skipped at open were never used */
        int64_t from = seq_max(st->tele.skipped_from, cursor + 1);
        int64_t to = st->tele.skipped_to < last ? st->tele.skipped_to : last;
        if (to >= from)
            backlog -= to - from + 1;
    }
    return backlog;
}
