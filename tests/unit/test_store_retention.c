/*
 * test_store_retention.c - what the store keeps and what goes first, on real SQLite files:
 * raw samples and aggregates age out, delivered outbox rows go in bounded batches
 * (the newest of each class stays so seqs continue), and under the size cap telemetry
 * goes before events, with every drop counted and the count surviving a reopen.
 */
#include <stdint.h>

#include "check.h"
#include "store.h"
#include "test_store_util.h"

#define DAY_MS (24LL * 3600 * 1000)
#define NOW_MS (1795420800000LL)

static void add_samples(struct store *st, int64_t key, int64_t ts, int n)
{
    for (int i = 0; i < n; i++) {
        struct sample s = {.point = 0, .quality = QUALITY_GOOD, .value = i, .ts_ms = ts + i};
        CHECK_INT(store_add_sample(st, key, &s), 0);
    }
}

static void test_ages(void)
{
    const char *path = test_path("ages.db");
    struct store *st = test_store_open(path);
    int64_t key;
    CHECK_INT(store_point_key(st, "gas1", "lel", &key), 0);
    add_samples(st, key, NOW_MS - 31 * DAY_MS, 100);        /* past 30 days */
    add_samples(st, key, NOW_MS - 29 * DAY_MS, 50);         /* inside */
    struct store_aggregate old = {.minute_ms = NOW_MS - 100 * DAY_MS, .n = 2, .min = 1, .sum = 3, .max = 2};
    struct store_aggregate recent = {.minute_ms = NOW_MS - DAY_MS, .n = 4, .min = 1, .sum = 10, .max = 4};
    CHECK_INT(store_add_aggregate(st, key, &old), 0);
    CHECK_INT(store_add_aggregate(st, key, &recent), 0);
    CHECK_INT(store_commit(st), 0);

    struct store_retention policy = {.raw_days = 30, .aggregate_days = 90, .max_bytes = 0};
    CHECK_INT(store_prune(st, &policy, NOW_MS), 0);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(sql_int(path, "SELECT count(*) FROM samples"), 50);
    CHECK_INT(sql_int(path, "SELECT count(*) FROM aggregates"), 1);
    CHECK_INT(sql_int(path, "SELECT avg FROM aggregates"), 2);           /* 10 / 4, as stored */
    store_close(st);
}

/* A minute written in two parts (a stop inside it, then the rest) is one row of both. */
static void test_minute_in_parts(void)
{
    const char *path = test_path("parts.db");
    struct store *st = test_store_open(path);
    int64_t key;
    CHECK_INT(store_point_key(st, "gas1", "lel", &key), 0);
    struct store_aggregate before = {.minute_ms = NOW_MS, .n = 2, .min = 1, .sum = 3, .max = 2};
    struct store_aggregate after = {.minute_ms = NOW_MS, .n = 4, .min = 0.5, .sum = 21, .max = 9};
    CHECK_INT(store_add_aggregate(st, key, &before), 0);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(store_add_aggregate(st, key, &after), 0);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(sql_int(path, "SELECT count(*) FROM aggregates"), 1);
    CHECK_INT(sql_int(path, "SELECT n FROM aggregates"), 6);
    CHECK_INT(sql_int(path, "SELECT min * 10 FROM aggregates"), 5);
    CHECK_INT(sql_int(path, "SELECT max FROM aggregates"), 9);
    CHECK_INT(sql_int(path, "SELECT avg FROM aggregates"), 4);          /* (3 + 21) / 6 */
    store_close(st);
}

/* Confirmed rows go, a batch at a time, unconfirmed ones stay, and so does the newest. */
static void test_retire(void)
{
    const char *path = test_path("retire.db");
    struct store *st = test_store_open(path);
    int64_t seq;
    int total = STORE_RETIRE_BATCH + 100;
    for (int i = 0; i < total; i++)
        CHECK_INT(store_outbox_append(st, OUTBOX_TELEMETRY, "t", "{}", &seq), 0);
    for (int i = 0; i < 3; i++)
        CHECK_INT(store_outbox_append(st, OUTBOX_EVENTS, "e", "{}", &seq), 0);
    store_close(st);            /* telemetry no uplink confirmed is spilled to the table */
    st = test_store_open(path);

    int64_t some[OUTBOX_CLASS_COUNT] = {2, total - 50};         /* the rest is in flight */
    CHECK_INT(store_outbox_retire(st, some), 0);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(sql_int(path, "SELECT MIN(seq) FROM outbox WHERE cls = 1"), STORE_RETIRE_BATCH + 1);
    CHECK_INT(sql_int(path, "SELECT MIN(seq) FROM outbox WHERE cls = 0"), 3);
    CHECK_INT(store_outbox_retire(st, some), 0);                 /* the next batch */
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(sql_int(path, "SELECT MIN(seq) FROM outbox WHERE cls = 1"), total - 49);
    CHECK_INT(sql_int(path, "SELECT count(*) FROM outbox WHERE cls = 1"), 50);

    int64_t all[OUTBOX_CLASS_COUNT] = {3, total};
    CHECK_INT(store_outbox_retire(st, all), 0);
    CHECK_INT(store_commit(st), 0);
    CHECK_INT(sql_int(path, "SELECT count(*) FROM outbox"), 2);          /* the newest of each stays */
    store_close(st);
    st = test_store_open(path);
    CHECK_INT(store_outbox_next_seq(st, OUTBOX_TELEMETRY), total + 1);   /* seqs continue */
    CHECK_INT(store_outbox_next_seq(st, OUTBOX_EVENTS), 4);
    store_close(st);
}

static void test_cap(void)
{
    const char *path = test_path("cap.db");
    struct store *st = test_store_open(path);
    int64_t key, seq;
    CHECK_INT(store_point_key(st, "gas1", "lel", &key), 0);
    for (int i = 0; i < 20; i++) {
        struct event ev = {.point = 0, .kind = EV_RAISED, .severity = 1, .level = "level1",
                           .value = 30, .quality = QUALITY_GOOD, .ts_ms = NOW_MS - DAY_MS + i};
        CHECK_INT(store_add_event(st, &ev, "gas1", "lel"), 0);
    }
    add_samples(st, key, NOW_MS - DAY_MS, 60000);
    for (int i = 0; i < 200; i++)
        CHECK_INT(store_outbox_append(st, OUTBOX_TELEMETRY, "t", "{\"points\":{}}", &seq), 0);
    CHECK_INT(store_commit(st), 0);
    int64_t before = store_used_bytes(st);
    CHECK(before > 0);

    struct store_retention policy = {.raw_days = 30, .aggregate_days = 90, .max_bytes = before / 2};
    for (int i = 0; i < 10 && store_used_bytes(st) > policy.max_bytes; i++) {    /* nothing delivered */
        CHECK_INT(store_prune(st, &policy, NOW_MS), 0);
        CHECK_INT(store_commit(st), 0);
    }
    CHECK(store_used_bytes(st) <= policy.max_bytes);
    const struct store_drops *d = store_drops(st);
    CHECK(d->samples > 0);
    CHECK_INT(d->events, 0);                                 /* alarms are the last to go */
    CHECK_INT(sql_int(path, "SELECT count(*) FROM events"), 20);
    CHECK_INT(sql_int(path, "SELECT count(*) FROM samples") + d->samples, 60000);
    int64_t dropped = d->samples;
    store_close(st);
    st = test_store_open(path);
    CHECK_INT(store_drops(st)->samples, dropped);            /* the count survives a restart */
    store_close(st);
}

int main(void)
{
    test_dir_make();
    test_ages();
    test_minute_in_parts();
    test_retire();
    test_cap();
    test_dir_remove();
    return check_summary();
}
