/*
 * test_poller_tcp.c - the Modbus TCP poller against real libmodbus slaves on 127.0.0.1.
 *
 * Covers: MBAP framing; values decoded into samples with one request per planned
 * block per cycle; a block refused with exception 2 split until it is read, and a
 * point refused alone reported as comm_fail; dead, silent, garbage-sending and
 * wrong-transaction-id devices beside a live one that keeps its schedule; a
 * dropped connection reconnected; a reply that arrives in pieces; back-off ended by a good probe; unit ids
 * sharing one connection.
 */
#include "check.h"
#include "decode.h"
#include "log.h"
#include "poller_fixture.h"
#include "poller_slave.h"
#include "transport/mbap.h"

#define RUN_MS 1000
#define LONG_RUN_MS 2000

static void test_mbap(void)
{
    uint8_t pdu[PDU_MAX_BYTES], frame[MBAP_FRAME_MAX];
    struct mbap_header h;
    size_t len = 0, plen = pdu_build_read(pdu, AREA_HOLDING, 7, 3);
    size_t flen = mbap_build(frame, 0x1234, 17, pdu, plen);

    CHECK_INT(flen, MBAP_HEADER_BYTES + plen);
    CHECK_INT(mbap_scan(frame, flen - 1, &h, &len), MBAP_PARTIAL);
    CHECK_INT(mbap_scan(frame, flen, &h, &len), MBAP_FRAME);
    CHECK_INT(len, flen);
    CHECK_INT(h.transaction, 0x1234);
    CHECK_INT(h.unit, 17);
    CHECK_INT(h.length, plen + 1);
    frame[2] = 1;                                   /* protocol id 256: not Modbus */
    CHECK_INT(mbap_scan(frame, flen, &h, &len), MBAP_GARBAGE);
    frame[2] = 0;
    frame[5] = 0;                                   /* length 0: impossible */
    CHECK_INT(mbap_scan(frame, flen, &h, &len), MBAP_GARBAGE);
}

/* Poll the fixture's one device on slave s for RUN_MS, then stop both; every sample
 * pushed is collected and the device's counters are in *st. */
static void poll_one_device(struct fixture *f, struct slave *s, struct device_stats *st)
{
    CHECK(slave_start(s) == 0);
    struct pollers *p = fx_start(f);
    CHECK(p != NULL);
    fx_collect(f, RUN_MS);
    pollers_device_stats(p, 0, st);
    pollers_stop(p);
    slave_stop(s);
    fx_collect(f, 0);
}

/* Values of every area and a few types arrive; requests per cycle = blocks. */
static void test_values_and_request_count(void)
{
    struct fixture f;
    struct slave s;
    fx_init(&f, 4, 8);
    slave_init(&s);
    CHECK(slave_listen_tcp(&s) == 0);

    fx_device(&f, "meter", BUS_TCP, s.port, 1);
    size_t u16 = fx_point(&f, AREA_HOLDING, 0, VT_UINT16);
    size_t flt = fx_point(&f, AREA_HOLDING, 1, VT_FLOAT32);
    size_t far = fx_point(&f, AREA_HOLDING, 40, VT_INT16);   /* beyond max_gap: own block */
    size_t coil = fx_point(&f, AREA_COIL, 3, VT_BIT);
    size_t inp = fx_point(&f, AREA_INPUT, 5, VT_UINT16);
    s.map->tab_registers[0] = 1234;
    encode_registers(&config_point_def(&f.cfg, flt)->map, 21.5, &s.map->tab_registers[1]);
    encode_registers(&config_point_def(&f.cfg, far)->map, -5, &s.map->tab_registers[40]);
    s.map->tab_bits[3] = 1;
    s.map->tab_input_registers[5] = 77;

    struct point_map maps[5];
    struct batch_plan plan;
    for (size_t i = 0; i < 5; i++)
        maps[i] = config_point_def(&f.cfg, i)->map;
    CHECK(batch_plan_build(&plan, maps, 5, &f.cfg.devices[0].limits) == 0);
    size_t nblocks = plan.nblocks;
    batch_plan_free(&plan);
    CHECK_INT(nblocks, 4);

    struct device_stats st;
    poll_one_device(&f, &s, &st);
    int requests = atomic_load(&s.requests);

    /* A cycle pushes its samples when its last block is read, so the good samples
     * of one point count the cycles done; only the one cut short by the stop adds
     * requests, at most one per block. */
    size_t cycles = fx_count(&f, u16, QUALITY_GOOD);
    CHECK(cycles >= 8);
    CHECK_INT(st.polls_failed, 0);
    CHECK(st.last_ok_ms > 0);
    CHECK(requests >= (int)(cycles * nblocks));
    CHECK(requests <= (int)((cycles + 1) * nblocks));
    const struct sample *last = fx_last(&f, u16);
    CHECK(last && last->value == 1234);
    CHECK(last && last->ts_ms > 0 && last->mono_ms >= f.t0);
    CHECK_NEAR(fx_last(&f, flt)->value, 21.5, 1e-9);
    CHECK_NEAR(fx_last(&f, far)->value, -5, 1e-9);
    CHECK_NEAR(fx_last(&f, coil)->value, 1, 1e-9);
    CHECK_NEAR(fx_last(&f, inp)->value, 77, 1e-9);
    fx_free(&f);
}

/* A block across a hole the device refuses is split; a point refused alone faults. */
static void test_refused_block_split(void)
{
    struct fixture f;
    struct slave s;
    fx_init(&f, 2, 4);
    slave_init(&s);
    CHECK(slave_listen_tcp(&s) == 0);
    s.refuse_lo = 10;
    s.refuse_hi = 11;
    fx_device(&f, "picky", BUS_TCP, s.port, 1);
    size_t a = fx_point(&f, AREA_HOLDING, 6, VT_UINT16);
    size_t b = fx_point(&f, AREA_HOLDING, 14, VT_UINT16);
    s.map->tab_registers[6] = 66;
    s.map->tab_registers[14] = 1414;

    CHECK(slave_start(&s) == 0);
    struct pollers *p = fx_start(&f);
    fx_collect(&f, RUN_MS);
    struct device_stats st;
    pollers_device_stats(p, 0, &st);
    pollers_stop(p);
    slave_stop(&s);

    CHECK_INT(atomic_load(&s.exceptions), 1);        /* refused once, then split */
    CHECK_INT(st.polls_failed, 0);
    CHECK(fx_count(&f, a, QUALITY_GOOD) >= 5);
    CHECK(fx_count(&f, b, QUALITY_GOOD) >= 5);
    CHECK(fx_saw_value(&f, a, 66) && fx_saw_value(&f, b, 1414));
    fx_free(&f);

    /* Now the refused range holds a point of its own. */
    fx_init(&f, 2, 4);
    slave_init(&s);
    CHECK(slave_listen_tcp(&s) == 0);
    s.refuse_lo = 10;
    s.refuse_hi = 10;
    fx_device(&f, "picky", BUS_TCP, s.port, 1);
    a = fx_point(&f, AREA_HOLDING, 8, VT_UINT16);
    size_t bad = fx_point(&f, AREA_HOLDING, 10, VT_UINT16);
    b = fx_point(&f, AREA_HOLDING, 12, VT_UINT16);
    CHECK(slave_start(&s) == 0);
    p = fx_start(&f);
    fx_collect(&f, RUN_MS);
    pollers_stop(p);
    slave_stop(&s);
    CHECK(fx_count(&f, a, QUALITY_GOOD) >= 5);
    CHECK(fx_count(&f, b, QUALITY_GOOD) >= 5);
    CHECK(fx_count(&f, bad, QUALITY_COMM_FAIL) >= 5);
    CHECK_INT(fx_count_valued(&f, bad), 0);
    fx_free(&f);
}

/* Two devices with the same definitions share one plan until one of them refuses a
 * block: it splits its own copy, and the other keeps reading the block whole. */
static void test_shared_layout_split(void)
{
    struct fixture f;
    struct slave picky, plain;
    fx_init(&f, 2, 4);
    slave_init(&picky);
    slave_init(&plain);
    CHECK(slave_listen_tcp(&picky) == 0 && slave_listen_tcp(&plain) == 0);
    picky.refuse_lo = 10;
    picky.refuse_hi = 11;
    fx_device(&f, "picky", BUS_TCP, picky.port, 1);
    size_t a = fx_point(&f, AREA_HOLDING, 6, VT_UINT16);
    size_t b = fx_point(&f, AREA_HOLDING, 14, VT_UINT16);
    fx_device(&f, "plain", BUS_TCP, plain.port, 1);
    size_t a2 = fx_point_like(&f, a), b2 = fx_point_like(&f, b);
    picky.map->tab_registers[14] = plain.map->tab_registers[14] = 1414;

    CHECK(slave_start(&picky) == 0 && slave_start(&plain) == 0);
    struct pollers *p = fx_start(&f);
    fx_collect(&f, RUN_MS);
    struct device_stats st_picky, st_plain;
    pollers_device_stats(p, 0, &st_picky);
    pollers_device_stats(p, 1, &st_plain);
    pollers_stop(p);
    slave_stop(&picky);
    slave_stop(&plain);

    CHECK_INT(atomic_load(&picky.exceptions), 1);     /* refused once, then split */
    CHECK(fx_saw_value(&f, b, 1414) && fx_saw_value(&f, b2, 1414));
    CHECK(fx_count(&f, a2, QUALITY_GOOD) >= 5);
    /* the plain device's plan stayed one block: one request per cycle (and perhaps
     * one more in flight when the pollers stopped); a split would make it two */
    CHECK(st_plain.polls_ok >= 5);
    CHECK(atomic_load(&plain.requests) <= (int)st_plain.polls_ok + 1);
    CHECK(atomic_load(&picky.requests) >= 2 * (int)st_picky.polls_ok - 1);
    fx_free(&f);
}

/* A live device keeps its 100 ms schedule beside dead and lying ones. */
static void test_faulty_neighbours(void)
{
    struct fixture f;
    struct slave live, silent, garbage, wrong;
    struct slave *all[] = { &live, &silent, &garbage, &wrong };
    fx_init(&f, 5, 5);
    for (size_t i = 0; i < 4; i++) {
        slave_init(all[i]);
        CHECK(slave_listen_tcp(all[i]) == 0);
        all[i]->map->tab_registers[0] = 4242;
    }
    silent.mode = SLAVE_SILENT;
    garbage.mode = SLAVE_GARBAGE;
    wrong.mode = SLAVE_WRONG_TID;
    struct slave refused;                   /* a port nobody listens on */
    slave_init(&refused);
    CHECK(slave_listen_tcp(&refused) == 0);
    uint16_t dead_port = refused.port;
    close(refused.listen_fd);
    refused.listen_fd = -1;

    fx_device(&f, "live", BUS_TCP, live.port, 1);
    size_t pl = fx_point(&f, AREA_HOLDING, 0, VT_UINT16);
    fx_device(&f, "refused", BUS_TCP, dead_port, 1);
    size_t pr = fx_point(&f, AREA_HOLDING, 0, VT_UINT16);
    fx_device(&f, "silent", BUS_TCP, silent.port, 1);
    size_t ps = fx_point(&f, AREA_HOLDING, 0, VT_UINT16);
    fx_device(&f, "garbage", BUS_TCP, garbage.port, 1);
    size_t pg = fx_point(&f, AREA_HOLDING, 0, VT_UINT16);
    fx_device(&f, "wrong", BUS_TCP, wrong.port, 1);
    size_t pw = fx_point(&f, AREA_HOLDING, 0, VT_UINT16);

    for (size_t i = 0; i < 4; i++)
        CHECK(slave_start(all[i]) == 0);
    struct pollers *p = fx_start(&f);
    fx_collect(&f, LONG_RUN_MS);
    struct device_stats st[5];
    for (size_t d = 0; d < 5; d++)
        pollers_device_stats(p, d, &st[d]);
    pollers_stop(p);
    for (size_t i = 0; i < 4; i++)
        slave_stop(all[i]);
    slave_stop(&refused);

    /* 2 s at 100 ms: about 20 cycles, whatever the neighbours do. */
    CHECK(st[0].polls_ok >= 17);
    CHECK_INT(st[0].polls_failed, 0);
    CHECK_INT(st[0].backed_off, 0);
    CHECK(fx_count(&f, pl, QUALITY_GOOD) >= 17);
    CHECK_INT(fx_count(&f, pl, QUALITY_COMM_FAIL), 0);

    size_t dead_points[] = { pr, ps, pg, pw };
    for (size_t k = 0; k < 4; k++) {
        size_t pt = dead_points[k];
        const struct sample *first = fx_first(&f, pt, QUALITY_COMM_FAIL);
        CHECK_INT(fx_count_valued(&f, pt), 0);          /* never a value */
        CHECK(first != NULL);
        CHECK(first && first->mono_ms - f.t0 >= 500);   /* comm_fail_ms after the start */
        CHECK(first && first->mono_ms - f.t0 < 1000);
        CHECK_INT(st[k + 1].backed_off, 1);
        CHECK_INT(st[k + 1].polls_ok, 0);
        /* Backed off after 2 failed cycles; the next probe is 5 s away. */
        CHECK_INT(st[k + 1].polls_failed, 2);
    }
    /* Each try of the silent device cost one request: 2 cycles x (1 + 1 retry). */
    CHECK_INT(atomic_load(&silent.requests), 4);
    CHECK(st[3].frames_dropped >= 1);                   /* garbage */
    CHECK(st[4].frames_dropped >= 1);                   /* wrong transaction id */
    CHECK(!fx_saw_value(&f, pw, SLAVE_LATE_VALUE));
    fx_free(&f);
}

/* A reply that arrives in pieces is put together: nothing dropped, values right. */
static void test_reply_in_pieces(void)
{
    struct fixture f;
    struct slave s;
    fx_init(&f, 1, 2);
    slave_init(&s);
    CHECK(slave_listen_tcp(&s) == 0);
    s.mode = SLAVE_PIECES;
    fx_device(&f, "slow", BUS_TCP, s.port, 1);
    size_t u16 = fx_point(&f, AREA_HOLDING, 0, VT_UINT16);
    size_t flt = fx_point(&f, AREA_HOLDING, 1, VT_FLOAT32);
    s.map->tab_registers[0] = 321;
    encode_registers(&config_point_def(&f.cfg, flt)->map, -7.25, &s.map->tab_registers[1]);

    struct device_stats st;
    poll_one_device(&f, &s, &st);

    /* 1 s at 100 ms, each reply taking 40 ms: about 10 cycles */
    CHECK(st.polls_ok >= 6);
    CHECK_INT(st.polls_failed, 0);
    CHECK_INT(st.frames_dropped, 0);
    CHECK_INT(fx_count(&f, u16, QUALITY_COMM_FAIL), 0);
    CHECK(fx_count(&f, u16, QUALITY_GOOD) >= 6);
    CHECK(fx_last(&f, u16) && fx_last(&f, u16)->value == 321);
    CHECK(fx_last(&f, flt) && fx_last(&f, flt)->value == -7.25);
    fx_free(&f);
}

/* The device drops the connection: the poller reconnects and values flow again. */
static void test_reconnect(void)
{
    struct fixture f;
    struct slave s;
    fx_init(&f, 1, 1);
    slave_init(&s);
    CHECK(slave_listen_tcp(&s) == 0);
    s.close_after = 3;
    s.map->tab_registers[0] = 7;
    fx_device(&f, "flaky", BUS_TCP, s.port, 1);
    size_t pt = fx_point(&f, AREA_HOLDING, 0, VT_UINT16);
    CHECK(slave_start(&s) == 0);
    struct pollers *p = fx_start(&f);
    fx_collect(&f, RUN_MS);
    struct device_stats st;
    pollers_device_stats(p, 0, &st);
    pollers_stop(p);
    slave_stop(&s);

    CHECK_INT(atomic_load(&s.connections), 2);
    CHECK_INT(st.polls_failed, 0);                  /* the retry on the new connection worked */
    CHECK(st.polls_ok >= 7);
    CHECK(fx_count(&f, pt, QUALITY_GOOD) >= 7);
    fx_free(&f);
}

/* A device silent at first is backed off, probed after backoff_ms, and recovers. */
static void test_backoff_recovery(void)
{
    struct fixture f;
    struct slave s;
    fx_init(&f, 1, 1);
    slave_init(&s);
    CHECK(slave_listen_tcp(&s) == 0);
    s.silent_first = 2;
    s.map->tab_registers[0] = 3;
    struct device_cfg *d = fx_device(&f, "sleepy", BUS_TCP, s.port, 1);
    d->retries = 0;
    d->comm_fail_ms = 250;
    d->backoff_ms = 400;
    size_t pt = fx_point(&f, AREA_HOLDING, 0, VT_UINT16);
    CHECK(slave_start(&s) == 0);
    struct pollers *p = fx_start(&f);
    fx_collect(&f, RUN_MS + 200);
    struct device_stats st;
    pollers_device_stats(p, 0, &st);
    pollers_stop(p);
    slave_stop(&s);

    /* Cycles at 0 and 100 ms time out (150 ms each): backed off at ~350 ms, so
     * the probe that answers comes ~400 ms later; then the 100 ms grid again. */
    const struct sample *comm_fail = fx_first(&f, pt, QUALITY_COMM_FAIL);
    const struct sample *good = fx_first(&f, pt, QUALITY_GOOD);
    CHECK(comm_fail && comm_fail->mono_ms - f.t0 >= 250);
    CHECK(good && good->mono_ms - f.t0 >= 700);
    CHECK(good && comm_fail && good->mono_ms > comm_fail->mono_ms);
    CHECK_INT(st.polls_failed, 2);
    CHECK_INT(st.backed_off, 0);
    CHECK(fx_count(&f, pt, QUALITY_GOOD) >= 3);
    CHECK(fx_last(&f, pt)->quality == QUALITY_GOOD);
    fx_free(&f);
}

/* Two unit ids behind one converter share one connection and both answer. */
static void test_shared_connection(void)
{
    struct fixture f;
    struct slave s;
    fx_init(&f, 2, 2);
    slave_init(&s);
    CHECK(slave_listen_tcp(&s) == 0);
    s.map->tab_registers[0] = 5;
    fx_device(&f, "unit1", BUS_TCP, s.port, 1);
    size_t p1 = fx_point(&f, AREA_HOLDING, 0, VT_UINT16);
    fx_device(&f, "unit2", BUS_TCP, s.port, 2);
    size_t p2 = fx_point(&f, AREA_HOLDING, 0, VT_UINT16);
    CHECK(slave_start(&s) == 0);
    struct pollers *p = fx_start(&f);
    fx_collect(&f, RUN_MS);
    pollers_stop(p);
    slave_stop(&s);

    CHECK_INT(atomic_load(&s.connections), 1);
    CHECK(atomic_load(&s.per_unit[1]) >= 8);
    CHECK(atomic_load(&s.per_unit[2]) >= 8);
    CHECK(fx_count(&f, p1, QUALITY_GOOD) >= 8);
    CHECK(fx_count(&f, p2, QUALITY_GOOD) >= 8);
    fx_free(&f);
}

int main(void)
{
    log_set_level(LOG_LVL_WARN);
    test_mbap();
    test_values_and_request_count();
    test_refused_block_split();
    test_reply_in_pieces();
    test_shared_layout_split();
    test_faulty_neighbours();
    test_reconnect();
    test_backoff_recovery();
    test_shared_connection();
    return check_summary();
}
