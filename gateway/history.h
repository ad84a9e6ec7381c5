/*
 * history.h - the recent samples of the points that window functions read.
 *
 * rate(p, 10s), avg, min and max look back over a window of one point's samples. The
 * core keeps, for each point some expression reads over a window, a ring of its
 * latest (mono_ms, value, quality) triples, and nothing for any other point. A ring
 * is sized once, at config load, from the longest window that reads the point and the
 * point's poll interval, so memory is bounded by the config and never grows:
 *
 *   slots(p)  = ceil(window / interval) + 1, plus HISTORY_HEADROOM_PERCENT for early polls
 *   bytes     = sizeof(struct history_entry) (24) x sum of slots,
 *               at most HISTORY_MAX_SLOTS per point and HISTORY_MAX_TOTAL_SLOTS in all
 *               (3 MiB); a config that needs more is refused with a sentence.
 */
#ifndef RISKGW_HISTORY_H
#define RISKGW_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include "json_field.h"
#include "sample.h"

#define HISTORY_MAX_SLOTS 8192              /* one point: 2 h 16 min at 1 s */
#define HISTORY_MAX_TOTAL_SLOTS 131072      /* all points together */
#define HISTORY_HEADROOM_PERCENT 25         /* polls that come early still fill the window */

/* What one point needs: the longest window over it (0: no ring) and its poll interval.
 * label ("cast.cool_p") names it in errors; NULL says "point N". */
struct history_spec {
    int64_t window_ms;
    long interval_ms;
    const char *label;
};

struct history_entry {
    int64_t mono_ms;
    double value;
    enum quality quality;
};

/* The good samples of one point inside a window: how many, their sum and extremes,
 * and the oldest and newest of them (for a rate). count 0: the others are unset. */
struct history_window {
    int count;
    double sum, min, max;
    int64_t first_ms, last_ms;
    double first, last;
};

/* Rings for the npoints points of specs. Returns NULL with err set when the rings would
 * exceed the bounds above or a windowed point has no poll interval. */
struct history *history_create(const struct history_spec *specs, size_t npoints,
                               struct cfg_err *err);
void history_free(struct history *h);

/* Record one sample (in time order per point); a point without a ring is ignored. */
void history_push(struct history *h, const struct sample *s);

/* Summarise point's good samples with mono_ms >= since_ms. Returns 0, or -1 when the
 * point has no ring. Samples with a fault quality are skipped, never counted as zero. */
int history_window(const struct history *h, uint32_t point, int64_t since_ms,
                   struct history_window *out);

/* Bytes the rings take (the bound above, for this config). */
size_t history_bytes(const struct history *h);

#endif
