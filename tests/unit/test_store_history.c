/*
 * test_store_history.c - history read back beside the writer, on real SQLite files:
 * the rowid window of a time range (by binary search over samples that have no
 * index) holds every row of the range and estimates its size; a step looks at no
 * more rows than it is allowed and keeps only the points and times asked for; a fault
 * reads back as NAN with its quality; minute aggregates come per point in time order,
 * in steps; only committed rows are seen.
 */
#include <math.h>
#include <stdint.h>

#include "check.h"
#include "store.h"
#include "store_history.h"
#include "test_store_util.h"

#define NOW_MS (1795420800000LL)
#define ERR_MAX 512
#define ROWS 1000
#define STEP_MS 1000

/* A new store at path with gas1's two points, lel (*a) and status (*b). */
static struct store *two_points(const char *path, int64_t *a, int64_t *b)
{
    struct store *st = test_store_open(path);
    CHECK_INT(store_point_key(st, "gas1", "lel", a), 0);
    CHECK_INT(store_point_key(st, "gas1", "status", b), 0);
    return st;
}

/* ROWS samples, one a second from NOW_MS, alternating between two points; every 100th a fault. */
static void fill(struct store *st, int64_t a, int64_t b)
{
    for (int i = 0; i < ROWS; i++) {
        struct sample s = {.quality = i % 100 == 7 ? QUALITY_COMM_FAIL : QUALITY_GOOD, .value = i,
                           .ts_ms = NOW_MS + (int64_t)i * STEP_MS};
        CHECK_INT(store_add_sample(st, i % 2 ? b : a, &s), 0);
    }
    CHECK_INT(store_commit(st), 0);
}

static void test_raw(void)
{
    const char *path = test_path("raw.db");
    char err[ERR_MAX] = "";
    int64_t a, b;
    struct store *st = two_points(path, &a, &b);
    fill(st, a, b);
    struct sample uncommitted = {.quality = QUALITY_GOOD, .value = 1, .ts_ms = NOW_MS + 500 * STEP_MS + 1};
    CHECK_INT(store_add_sample(st, a, &uncommitted), 0);    /* in the writer's open transaction */
    CHECK_INT(sql_int(path, "SELECT count(*) FROM samples"), ROWS);

    struct history_reader *r = history_reader_open(path, err, sizeof err);
    CHECK(r != NULL);
    int64_t first, last;
    /* Seconds 200..299: the window holds them, and the margin on either side only. */
    int64_t from = NOW_MS + 200 * STEP_MS, to = NOW_MS + 300 * STEP_MS;
    CHECK_INT(history_raw_window(r, from, to, &first, &last, err, sizeof err), 0);
    CHECK(last - first + 1 >= 100 && last - first + 1 <= 100 + 2 * 60 + 2);
    int64_t cursor = first - 1, keys[] = {a};
    struct history_row rows[300];
    int n = 0, done = 0, steps = 0;
    while (!done && steps < 100) {
        int got = history_raw_step(r, keys, 1, from, to, &cursor, last, 16, rows + n, 300 - n, &done, err,
                                   sizeof err);
        CHECK(got >= 0 && got <= 16);
        n += got;
        steps++;
    }
    CHECK_INT(n, 50);                                       /* the even seconds: point a only */
    CHECK(steps >= (int)((last - first + 1) / 16));         /* no step looked at more than 16 rows */
    CHECK(rows[0].ts_ms == from && rows[0].point_key == a && rows[0].value == 200);
    CHECK(rows[49].ts_ms == to - 2 * STEP_MS);
    for (int i = 1; i < n; i++)
        CHECK(rows[i].ts_ms > rows[i - 1].ts_ms);
    /* A fault reads back as no value, with its quality (second 207 is point b's: take 307). */
    CHECK_INT(history_raw_window(r, NOW_MS + 307 * STEP_MS, NOW_MS + 308 * STEP_MS, &first, &last, err,
                                 sizeof err), 0);
    int64_t both[] = {a, b};
    cursor = first - 1;
    n = history_raw_step(r, both, 2, NOW_MS + 307 * STEP_MS, NOW_MS + 308 * STEP_MS, &cursor, last, 1000, rows,
                         10, &done, err, sizeof err);
    CHECK_INT(n, 1);
    CHECK(isnan(rows[0].value) && rows[0].quality == QUALITY_COMM_FAIL && done);
    /* The writer's open transaction is not seen; a range after every row is empty. */
    CHECK_INT(history_raw_window(r, NOW_MS + 500 * STEP_MS + 1, NOW_MS + 500 * STEP_MS + 2, &first, &last, err,
                                 sizeof err), 0);
    cursor = first - 1;
    CHECK_INT(history_raw_step(r, keys, 1, NOW_MS + 500 * STEP_MS + 1, NOW_MS + 500 * STEP_MS + 2, &cursor,
                               last, 1000, rows, 10, &done, err, sizeof err), 0);
    CHECK_INT(history_raw_window(r, NOW_MS + 2000 * STEP_MS, NOW_MS + 3000 * STEP_MS, &first, &last, err,
                                 sizeof err), 0);
    CHECK(first > last);
    history_reader_close(r);
    store_close(st);
}

static void test_minute(void)
{
    const char *path = test_path("minute.db");
    char err[ERR_MAX] = "";
    int64_t a, b;
    struct store *st = two_points(path, &a, &b);
    for (int i = 0; i < 10; i++) {
        struct store_aggregate m = {.minute_ms = NOW_MS + i * 60000LL, .n = 4, .min = i, .sum = 4.0 * i + 2,
                                    .max = i + 1};
        CHECK_INT(store_add_aggregate(st, i % 2 ? b : a, &m), 0);
    }
    CHECK_INT(store_commit(st), 0);
    struct history_reader *r = history_reader_open(path, err, sizeof err);
    CHECK(r != NULL);
    struct history_row rows[8];
    int n = history_minute_step(r, a, NOW_MS + 60000, NOW_MS + 8 * 60000, rows, 2, err, sizeof err);
    CHECK_INT(n, 2);                                        /* minutes 2 and 4 of a; 6 is next */
    CHECK(rows[0].ts_ms == NOW_MS + 2 * 60000 && rows[0].n == 4 && rows[0].min == 2 && rows[0].max == 3);
    CHECK_NEAR(rows[0].avg, 2.5, 1e-12);
    n = history_minute_step(r, a, rows[1].ts_ms + 1, NOW_MS + 8 * 60000, rows, 2, err, sizeof err);
    CHECK_INT(n, 1);                                        /* minute 6; 8 is outside [from, to) */
    CHECK(rows[0].ts_ms == NOW_MS + 6 * 60000);
    history_reader_close(r);
    store_close(st);
    CHECK(history_reader_open(test_path("missing-dir/none.db"), err, sizeof err) == NULL);
    CHECK_CONTAINS(err, "opening the store read-only");
}

int main(void)
{
    test_dir_make();
    test_raw();
    test_minute();
    test_dir_remove();
    return check_summary();
}
