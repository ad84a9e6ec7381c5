/*
 * store_stage.c - samples wait in memory for the next routine commit, outside
 * SQLite's open transaction, so that an alarm's synced commit never carries them.
 *
 * Each commit rewrites the part-filled last page of the samples table and the
 * pages above it, whatever it adds: committing samples in batches of 512 rows
 * wrote about 2.4 KiB per device a second at 500 busy devices, larger batches
 * less (docs/store.md gives the figures). But rows in the open transaction ride along with whichever commit comes
 * next, and an alarm's commit is synced: 4,096 rows there were up to 85 KiB in
 * its fsync (docs/store.md). So store_add_sample() only copies the reading into
 * a preallocated array (no allocation, no SQLite), and store_commit() writes the
 * staged rows into the transaction only when it is a routine one (no event in
 * it) - the core's timer once a commit interval, or the core once
 * store_samples_due() says STORE_STAGE_ROWS are waiting. A commit that holds an
 * event leaves them staged for the next routine commit.
 *
 * Staged rows leave memory only once the commit that holds them succeeded: a
 * failed commit or a released store (the card failed) keeps them, and the first
 * routine commit after the store writes again stores them, in their order. A
 * clean close writes them. kill -9 and a power cut lose what is staged (at most
 * a commit interval, or twice STORE_STAGE_ROWS rows), as they lost the open transaction.
 */
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "store_internal.h"

#define STAGE_CAPACITY (2 * STORE_STAGE_ROWS)   /* room past the due mark for one more batch of the core's */

int store_stage_alloc(struct store *st)
{
    st->stage.rows = calloc(STAGE_CAPACITY, sizeof *st->stage.rows);
    return st->stage.rows ? 0 : -1;
}

void store_stage_free(struct store *st)
{
    free(st->stage.rows);
    st->stage.rows = NULL;
}

int store_samples_due(const struct store *st)
{
    return st->stage.count >= STORE_STAGE_ROWS;
}

int store_samples_staged(const struct store *st)
{
    return (int)st->stage.count;
}

int store_add_sample(struct store *st, int64_t point_key, const struct sample *smp)
{
    /* Full only when nobody committed for a whole batch: make room the routine way
     * (a first commit may hold an event, and so leave the samples staged). */
    for (int tries = 0; st->stage.count == STAGE_CAPACITY && tries < 2; tries++)
        if (store_commit(st) < 0)
            return -1;
    if (st->stage.count == STAGE_CAPACITY) {
        store_say(st, "adding a sample failed: %d samples wait to be written and the commit did not "
                  "take them; this is a bug", STAGE_CAPACITY);
        return -1;
    }
    st->stage.rows[st->stage.count++] = (struct store_staged){
        .point_key = point_key, .ts_ms = smp->ts_ms, .value = smp->value, .quality = smp->quality};
    st->stats.samples++;
    return 0;
}

int store_stage_write(struct store *st)
{
    static const char doing[] = "adding a sample";
    st->stage.writing = 0;
    for (size_t i = 0; i < st->stage.count; i++) {
        const struct store_staged *r = &st->stage.rows[i];
        sqlite3_stmt *s = store_writer(st, STMT_SAMPLE_ADD, doing);
        if (!s)
            return -1;
        sqlite3_bind_int64(s, 1, r->point_key);
        sqlite3_bind_int64(s, 2, r->ts_ms);
        store_bind_value(s, 3, r->value, (enum quality)r->quality);
        sqlite3_bind_int(s, 4, r->quality);
        if (store_run(st, s, doing) < 0)
            return -1;
    }
    st->stage.writing = st->stage.count;
    return 0;
}

void store_stage_committed(struct store *st)
{
    struct store_stage *g = &st->stage;
    if (!g->writing)
        return;
    memmove(g->rows, g->rows + g->writing, (g->count - g->writing) * sizeof *g->rows);
    g->count -= g->writing;
    g->writing = 0;
    st->stats.sample_commits++;
}

void store_stage_rolled_back(struct store *st)
{
    st->stage.writing = 0;      /* still staged: the next routine commit tries again */
}

void store_stage_forget(struct store *st, const char *why)
{
    if (st->stage.count)
        log_warn("store %s: %zu samples read before the store failed are not stored: %s", st->path,
                 st->stage.count, why);
    st->stage.count = 0;
    st->stage.writing = 0;
}
