/*
 * store_history.h - read stored history back for the platform, beside the writer.
 *
 * A history request (docs/interface.md, "History on request") reads the samples and
 * aggregates tables through a read-only connection of its own, so it never touches
 * the writer's transaction, and in bounded steps, each its own short read, so it
 * neither stalls the core's alarm path nor holds a snapshot that would keep the WAL
 * from being checkpointed. Nothing here writes.
 */
#ifndef RISKGW_STORE_HISTORY_H
#define RISKGW_STORE_HISTORY_H

#include <stddef.h>
#include <stdint.h>

struct history_reader;

/* One stored row: a raw sample (value, quality) or a minute aggregate (n, min, avg, max). */
struct history_row {
    int64_t point_key;
    int64_t ts_ms;                  /* the reading's time, or the start of the minute */
    double value;                   /* raw; NAN when the stored value is NULL */
    int quality;                    /* raw: enum quality */
    uint32_t n;                     /* minute */
    double min, avg, max;
};

/* Open the store file at path read-only. NULL with a sentence in err. */
struct history_reader *history_reader_open(const char *path, char *err, size_t errlen);
void history_reader_close(struct history_reader *r);

/*
 * Raw samples have no index (writing them is one B-tree append), but they are
 * appended in the order they were read, so rowid order is time order, give or take
 * the core's queue. raw_window finds by binary search the rowids that hold
 * [from_ms, to_ms) with a margin for that jitter: *first..*last (first > last when
 * none). last - first + 1 estimates the stored samples of every point in the range.
 * 0, or -1 with err.
 */
int history_raw_window(struct history_reader *r, int64_t from_ms, int64_t to_ms, int64_t *first,
                       int64_t *last, char *err, size_t errlen);

/*
 * Scan at most scan_max rows after *cursor (a rowid, up to last) and keep those of
 * keys[0..nkeys-1] stamped in [from_ms, to_ms), at most max of them, into out.
 * *cursor moves past what was looked at; *done is set once it reached last. Returns
 * the rows kept, or -1 with err (0 and nothing moved when the file is busy: try again).
 */
int history_raw_step(struct history_reader *r, const int64_t *keys, int nkeys, int64_t from_ms,
                     int64_t to_ms, int64_t *cursor, int64_t last, int scan_max, struct history_row *out,
                     int max, int *done, char *err, size_t errlen);

/* Up to max minute aggregates of one point with from_ms <= minute < to_ms, in time
 * order. Returns the count (fewer than max: there are no more), or -1 with err. */
int history_minute_step(struct history_reader *r, int64_t key, int64_t from_ms, int64_t to_ms,
                        struct history_row *out, int max, char *err, size_t errlen);

#endif
