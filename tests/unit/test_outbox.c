/*
 * test_outbox.c - the delivery scheduler against a real store file and a recording sink.
 *
 * The recording sink is a full implementation of struct sink: it can be up or down,
 * refuse sends, and keeps every (cls, seq, payload) it was handed, in order. The tests
 * play the acks a broker would send, in and out of order, and drop links.
 */
#include "check.h"
#include "outbox.h"
#include "test_store_util.h"

#define REC_MAX 256

struct rec_sink {
    struct sink base;
    int up;
    int accept;                 /* sends it still takes; -1 = unlimited */
    int n;
    enum outbox_class cls[REC_MAX];
    int64_t seq[REC_MAX];
    char payload[REC_MAX][32];
};

static int rec_connected(struct sink *s) { return ((struct rec_sink *)s)->up; }

static int rec_send(struct sink *s, const struct outbox_msg *m)
{
    struct rec_sink *r = (struct rec_sink *)s;
    if (r->accept == 0 || r->n == REC_MAX)
        return -1;
    if (r->accept > 0)
        r->accept--;
    r->cls[r->n] = m->cls;
    r->seq[r->n] = m->seq;
    snprintf(r->payload[r->n], sizeof r->payload[0], "%s", m->payload);
    r->n++;
    return 0;
}

static void rec_destroy(struct sink *s) { (void)s; }

static const struct sink_ops rec_ops = {rec_connected, rec_send, rec_destroy};

static void rec_init(struct rec_sink *r, const char *name, int window)
{
    memset(r, 0, sizeof *r);
    snprintf(r->base.name, sizeof r->base.name, "%s", name);
    r->base.window = window;
    r->base.ops = &rec_ops;
    r->up = 1;
    r->accept = -1;
}

struct rig {
    struct store *st;
    struct outbox *ob;
};

static void rig_open(struct rig *g, const char *file, struct rec_sink **sinks, int n)
{
    char err[512] = "";
    g->st = store_open(test_path(file), err, sizeof err);
    if (!g->st || !(g->ob = outbox_open(g->st, err, sizeof err)))
        test_abort(err);
    for (int i = 0; i < n; i++) {
        CHECK_INT(outbox_add_sink(g->ob, &sinks[i]->base), 0);
        CHECK_INT(sinks[i]->base.index, i);
    }
}

static void rig_close(struct rig *g)
{
    outbox_save_cursors(g->ob);
    outbox_free(g->ob);
    store_close(g->st);
}

/* Append n committed rows of cls whose payloads name the class and seq. */
static void add_rows(struct store *st, enum outbox_class cls, int n)
{
    for (int i = 0; i < n; i++) {
        char payload[32];
        int64_t seq;
        snprintf(payload, sizeof payload, "%c%lld", cls == OUTBOX_EVENTS ? 'e' : 't',
                 (long long)store_outbox_next_seq(st, cls));
        CHECK_INT(store_outbox_append(st, cls, "riskgw/x", payload, &seq), 0);
    }
    CHECK_INT(store_commit(st), 0);
}

static struct outbox_lane_status lane_of(struct outbox *ob, int sink, enum outbox_class cls)
{
    struct outbox_lane_status s = {-1, -1, -1, -1};
    CHECK_INT(outbox_status(ob, sink, cls, &s), 0);
    return s;
}

static void test_window_and_priority(void)
{
    struct rec_sink a;
    struct rec_sink *list[] = {&a};
    struct rig g;
    rec_init(&a, "mqtt", 5);               /* telemetry may fill 4 of the 5 slots */
    rig_open(&g, "prio.db", list, 1);
    add_rows(g.st, OUTBOX_TELEMETRY, 5);
    add_rows(g.st, OUTBOX_EVENTS, 3);
    int64_t pending;        /* appended but not committed: never sent */
    CHECK_INT(store_outbox_append(g.st, OUTBOX_EVENTS, "x", "e-uncommitted", &pending), 0);

    CHECK_INT(outbox_pump(g.ob, 0), 4);
    CHECK_INT(a.n, 4);
    CHECK_STR(a.payload[0], "e1");
    CHECK_STR(a.payload[1], "e2");
    CHECK_STR(a.payload[2], "e3");
    CHECK_STR(a.payload[3], "t1");
    CHECK_INT(outbox_pump(g.ob, 0), 0);                 /* telemetry's share full */
    struct outbox_lane_status t = lane_of(g.ob, 0, OUTBOX_TELEMETRY);
    CHECK_INT(t.in_flight, 1);
    CHECK_INT(t.next, 2);
    CHECK_INT(t.backlog, 5);

    outbox_on_delivered(g.ob, 0, OUTBOX_EVENTS, 1);
    CHECK_INT(outbox_pump(g.ob, 0), 1);                 /* one slot: telemetry 2 */
    CHECK_STR(a.payload[4], "t2");
    CHECK_INT(store_commit(g.st), 0);                   /* now event 4 exists */
    outbox_on_delivered(g.ob, 0, OUTBOX_EVENTS, 2);
    CHECK_INT(outbox_pump(g.ob, 0), 1);
    CHECK_STR(a.payload[5], "e-uncommitted");           /* events overtake telemetry */
    rig_close(&g);
}

/* Telemetry never takes the last quarter of the window: an alarm finds a slot at once. */
static void test_event_reserve(void)
{
    struct rec_sink a;
    struct rec_sink *list[] = {&a};
    struct rig g;
    rec_init(&a, "mqtt", 8);
    rig_open(&g, "reserve.db", list, 1);
    add_rows(g.st, OUTBOX_TELEMETRY, 20);
    CHECK_INT(outbox_pump(g.ob, 0), 6);                 /* 8 less 2 kept for events */
    CHECK_INT(outbox_pump(g.ob, 0), 0);
    add_rows(g.st, OUTBOX_EVENTS, 2);
    CHECK_INT(outbox_pump(g.ob, 0), 2);                 /* the reserve */
    CHECK_STR(a.payload[6], "e1");
    CHECK_STR(a.payload[7], "e2");
    add_rows(g.st, OUTBOX_EVENTS, 1);
    CHECK_INT(outbox_pump(g.ob, 0), 0);                 /* the whole window is in flight */
    outbox_on_delivered(g.ob, 0, OUTBOX_TELEMETRY, 1);
    CHECK_INT(outbox_pump(g.ob, 0), 1);                 /* a freed telemetry slot goes to the event */
    CHECK_STR(a.payload[8], "e3");
    outbox_on_delivered(g.ob, 0, OUTBOX_TELEMETRY, 2);
    CHECK_INT(outbox_pump(g.ob, 0), 0);                 /* 7 in flight: telemetry stays within 6 */
    outbox_on_delivered(g.ob, 0, OUTBOX_EVENTS, 1);
    outbox_on_delivered(g.ob, 0, OUTBOX_EVENTS, 2);
    CHECK_INT(outbox_pump(g.ob, 0), 1);
    CHECK_STR(a.payload[9], "t7");
    rig_close(&g);
}

static void test_out_of_order_acks(void)
{
    struct rec_sink a;
    struct rec_sink *list[] = {&a};
    struct rig g;
    rec_init(&a, "mqtt", 8);
    rig_open(&g, "ooo.db", list, 1);
    add_rows(g.st, OUTBOX_EVENTS, 6);
    CHECK_INT(outbox_pump(g.ob, 0), 6);
    outbox_on_delivered(g.ob, 0, OUTBOX_EVENTS, 3);
    outbox_on_delivered(g.ob, 0, OUTBOX_EVENTS, 2);
    CHECK_INT(lane_of(g.ob, 0, OUTBOX_EVENTS).cursor, 0);  /* 1 still missing */
    outbox_on_delivered(g.ob, 0, OUTBOX_EVENTS, 1);
    CHECK_INT(lane_of(g.ob, 0, OUTBOX_EVENTS).cursor, 3);
    outbox_on_delivered(g.ob, 0, OUTBOX_EVENTS, 6);
    outbox_on_delivered(g.ob, 0, OUTBOX_EVENTS, 99);       /* never sent: ignored */
    outbox_on_delivered(g.ob, 5, OUTBOX_EVENTS, 4);        /* no such sink: ignored */
    struct outbox_lane_status e = lane_of(g.ob, 0, OUTBOX_EVENTS);
    CHECK_INT(e.cursor, 3);
    CHECK_INT(e.in_flight, 3);
    CHECK_INT(e.backlog, 3);
    struct ctl_msg m4 = {.kind = CTL_DELIVERED, .sink = 0, .cls = OUTBOX_EVENTS, .seq = 4};
    struct ctl_msg m5 = m4, cmd = {.kind = CTL_COMMAND};
    m5.seq = 5;
    CHECK_INT(outbox_handle_ctl(g.ob, &m4, 0), 1);
    CHECK_INT(outbox_handle_ctl(g.ob, &m5, 0), 1);
    CHECK_INT(outbox_handle_ctl(g.ob, &cmd, 0), 0);
    e = lane_of(g.ob, 0, OUTBOX_EVENTS);
    CHECK_INT(e.cursor, 6);
    CHECK_INT(e.backlog, 0);
    CHECK_INT(e.in_flight, 0);
    rig_close(&g);
}

static void test_link_down_and_failure(void)
{
    struct rec_sink a;
    struct rec_sink *list[] = {&a};
    struct rig g;
    rec_init(&a, "mqtt", 4);
    rig_open(&g, "down.db", list, 1);
    add_rows(g.st, OUTBOX_EVENTS, 6);
    CHECK_INT(outbox_pump(g.ob, 0), 4);                  /* 1..4 */
    outbox_on_delivered(g.ob, 0, OUTBOX_EVENTS, 1);
    outbox_on_delivered(g.ob, 0, OUTBOX_EVENTS, 3);
    a.up = 0;
    outbox_on_link_down(g.ob, 0);
    CHECK_INT(lane_of(g.ob, 0, OUTBOX_EVENTS).in_flight, 0);
    CHECK_INT(outbox_pump(g.ob, 0), 0);                  /* down: nothing */
    a.up = 1;
    a.n = 0;
    CHECK_INT(outbox_pump(g.ob, 0), 4);                  /* resent from the cursor: 2..5 */
    CHECK_INT(a.seq[0], 2);
    CHECK_INT(a.seq[3], 5);

    outbox_on_failed(g.ob, 0, OUTBOX_EVENTS, 77, 100);   /* not in flight: ignored */
    CHECK_INT(lane_of(g.ob, 0, OUTBOX_EVENTS).in_flight, 4);
    outbox_on_failed(g.ob, 0, OUTBOX_EVENTS, 3, 100);
    a.n = 0;
    CHECK_INT(outbox_pump(g.ob, 500), 0);                /* backing off */
    CHECK_INT(outbox_pump(g.ob, 1100), 4);               /* again from 2 */
    CHECK_INT(a.seq[0], 2);

    a.accept = 0;                                        /* the sink refuses */
    outbox_on_link_down(g.ob, 0);
    CHECK_INT(outbox_pump(g.ob, 1200), 0);
    CHECK_INT(lane_of(g.ob, 0, OUTBOX_EVENTS).next, 2);
    a.accept = 2;                                        /* takes two, then refuses */
    a.n = 0;
    CHECK_INT(outbox_pump(g.ob, 1300), 2);
    CHECK_INT(lane_of(g.ob, 0, OUTBOX_EVENTS).next, 4);
    a.accept = -1;
    CHECK_INT(outbox_pump(g.ob, 1400), 2);
    CHECK_INT(a.seq[2], 4);                              /* in order, nothing skipped */
    rig_close(&g);
}

static void test_dead_sink_never_blocks(void)
{
    struct rec_sink live, dead;
    struct rec_sink *list[] = {&live, &dead};
    struct rig g;
    rec_init(&live, "mqtt", 3);
    rec_init(&dead, "national", 3);
    dead.up = 0;
    rig_open(&g, "two.db", list, 2);
    add_rows(g.st, OUTBOX_EVENTS, 7);
    for (int round = 0; round < 5; round++) {           /* the live one drains everything */
        outbox_pump(g.ob, 0);
        for (int i = 0; i < live.n; i++)
            outbox_on_delivered(g.ob, 0, live.cls[i], live.seq[i]);
    }
    CHECK_INT(live.n, 7);
    CHECK_INT(lane_of(g.ob, 0, OUTBOX_EVENTS).cursor, 7);
    CHECK_INT(dead.n, 0);
    CHECK_INT(lane_of(g.ob, 1, OUTBOX_EVENTS).backlog, 7);

    dead.up = 1;                                        /* it comes back and catches up */
    for (int round = 0; round < 5; round++) {
        outbox_pump(g.ob, 0);
        for (int i = 0; i < dead.n; i++)
            outbox_on_delivered(g.ob, 1, dead.cls[i], dead.seq[i]);
    }
    CHECK_INT(dead.n, 7);
    for (int i = 0; i < dead.n; i++)
        CHECK_INT(dead.seq[i], i + 1);
    CHECK_INT(lane_of(g.ob, 1, OUTBOX_EVENTS).backlog, 0);
    rig_close(&g);
}

static void test_cursor_persisted(void)
{
    struct rec_sink a;
    struct rec_sink *list[] = {&a};
    struct rig g;
    rec_init(&a, "mqtt", 5);
    rig_open(&g, "persist.db", list, 1);
    add_rows(g.st, OUTBOX_EVENTS, 2);
    add_rows(g.st, OUTBOX_TELEMETRY, 6);
    CHECK_INT(outbox_pump(g.ob, 0), 4);                  /* e1 e2 t1 t2 */
    outbox_on_delivered(g.ob, 0, OUTBOX_EVENTS, 1);
    outbox_on_delivered(g.ob, 0, OUTBOX_TELEMETRY, 1);
    outbox_on_delivered(g.ob, 0, OUTBOX_TELEMETRY, 2);
    CHECK_INT(outbox_pump(g.ob, 60000), 3);              /* a minute on: saves cursors, sends t3..t5 */
    CHECK_INT(store_commit(g.st), 0);
    outbox_free(g.ob);                                  /* as if killed: no more saves */
    store_close(g.st);
    CHECK_INT(sql_int(test_path("persist.db"),
                      "SELECT seq FROM cursors WHERE sink = 'mqtt' AND cls = 1"), 2);

    rec_init(&a, "mqtt", 5);
    rig_open(&g, "persist.db", list, 1);
    CHECK_INT(lane_of(g.ob, 0, OUTBOX_EVENTS).cursor, 1);
    CHECK_INT(lane_of(g.ob, 0, OUTBOX_TELEMETRY).cursor, 2);
    CHECK_INT(outbox_pump(g.ob, 0), 4);                  /* e2 again, then t3 t4 t5 */
    CHECK_STR(a.payload[0], "e2");
    CHECK_STR(a.payload[1], "t3");
    CHECK_STR(a.payload[3], "t5");
    rig_close(&g);
}

static void test_bad_sink(void)
{
    struct rec_sink a;
    struct rec_sink *list[] = {&a};
    struct rig g;
    rig_open(&g, "bad.db", list, 0);
    rec_init(&a, "zero", 0);
    CHECK_INT(outbox_add_sink(g.ob, &a.base), -1);
    CHECK_CONTAINS(outbox_last_error(g.ob), "window of 0");
    struct outbox_lane_status s;
    CHECK_INT(outbox_status(g.ob, 3, OUTBOX_EVENTS, &s), -1);
    rig_close(&g);
}

int main(void)
{
    test_dir_make();
    test_window_and_priority();
    test_event_reserve();
    test_out_of_order_acks();
    test_link_down_and_failure();
    test_dead_sink_never_blocks();
    test_cursor_persisted();
    test_bad_sink();
    test_dir_remove();
    return check_summary();
}
