/*
 * test_poller_rtu.c - an RTU bus thread against a libmodbus RTU slave over a real pty.
 *
 * openpty() gives a line: the poller opens the slave end by its path, the test
 * slave serves on the master end. Covers: values, RS-485 mode refused by the line
 * (a warning, not a failure), a dead unit beside a live one (the live one keeps
 * its schedule once the dead one is backed off), a late reply flushed instead of
 * being read as the next answer, the standard's silence (t3.5) between a reply
 * and the next request even when the schedule asks for more than the line can
 * carry, and a port that cannot be opened.
 */
#include <pty.h>
#include <termios.h>

#include "check.h"
#include "decode.h"
#include "log.h"
#include "poller_fixture.h"
#include "poller_slave.h"
#include "rtu_timing.h"

#define RUN_MS 1500
#define LONG_RUN_MS 2000
#define STOP_PROMPT_MS 500   /* well under the 10 s device back-off it must not wait out */
#define GREEDY_INTERVAL_MS 1            /* always due: only the line's silence paces it */
#define GREEDY_POLLS_MIN 20

struct line {
    int master, slave;
    char path[64];
};

static int line_open(struct line *l)
{
    struct termios raw;
    cfmakeraw(&raw);
    return openpty(&l->master, &l->slave, l->path, &raw, NULL);
}

static void line_close(struct line *l)
{
    close(l->master);
    close(l->slave);
}

static size_t count_between(const struct fixture *f, size_t point, int64_t from, int64_t to)
{
    size_t n = 0;
    for (size_t i = 0; i < f->ngot; i++)
        n += f->got[i].point == point && f->got[i].quality == QUALITY_GOOD &&
             f->got[i].mono_ms >= from && f->got[i].mono_ms < to;
    return n;
}

static void test_live_and_dead_unit(void)
{
    struct fixture f;
    struct slave s;
    struct line l;
    CHECK(line_open(&l) == 0);
    fx_init(&f, 2, 3);
    fx_rtu_bus(&f, l.path, 20);
    f.bus.rs485 = 1;                    /* a pty refuses RS-485 mode: only a warning */
    slave_init(&s);
    slave_use_rtu(&s, l.master, 1);

    struct device_cfg *live = fx_device(&f, "live", BUS_RTU, 0, 1);
    live->timeout_ms = 100;
    size_t temp = fx_point(&f, AREA_HOLDING, 2, VT_FLOAT32);
    size_t run = fx_point(&f, AREA_DISCRETE, 4, VT_BIT);
    struct device_cfg *dead = fx_device(&f, "dead", BUS_RTU, 0, 7);
    dead->timeout_ms = 100;
    size_t gone = fx_point(&f, AREA_HOLDING, 0, VT_UINT16);
    encode_registers(&config_point_def(&f.cfg, temp)->map, 36.25, &s.map->tab_registers[2]);
    s.map->tab_input_bits[4] = 1;

    CHECK(slave_start(&s) == 0);
    struct pollers *p = fx_start(&f);
    CHECK(p != NULL);
    fx_collect(&f, LONG_RUN_MS);
    struct device_stats st_live, st_dead;
    pollers_device_stats(p, 0, &st_live);
    pollers_device_stats(p, 1, &st_dead);
    pollers_stop(p);
    slave_stop(&s);
    line_close(&l);

    CHECK_INT(st_live.polls_failed, 0);
    CHECK(st_live.polls_ok >= 15);
    CHECK_NEAR(fx_last(&f, temp)->value, 36.25, 1e-9);
    CHECK_NEAR(fx_last(&f, run)->value, 1, 1e-9);
    /* Once the dead unit is backed off (after ~0.6 s), every 100 ms slot is kept. */
    CHECK(count_between(&f, temp, f.t0 + 1000, f.t0 + 2000) >= 9);
    CHECK_INT(st_dead.backed_off, 1);
    CHECK_INT(st_dead.polls_failed, 2);
    CHECK_INT(atomic_load(&s.per_unit[7]), 4);          /* 2 cycles x (1 + 1 retry) */
    CHECK(fx_first(&f, gone, QUALITY_COMM_FAIL) != NULL);
    CHECK_INT(fx_count_valued(&f, gone), 0);
    fx_free(&f);
}

/* The slave answers request 2 after the timeout: the answer must be flushed. */
static void test_late_reply_flushed(void)
{
    struct fixture f;
    struct slave s;
    struct line l;
    CHECK(line_open(&l) == 0);
    fx_init(&f, 1, 1);
    fx_rtu_bus(&f, l.path, 250);
    slave_init(&s);
    slave_use_rtu(&s, l.master, 1);
    s.late_request = 2;
    s.late_ms = 350;
    s.map->tab_registers[0] = 11;

    struct device_cfg *d = fx_device(&f, "slowpoke", BUS_RTU, 0, 1);
    d->timeout_ms = 200;
    d->interval_ms = 200;
    d->comm_fail_ms = 2000;             /* this test is about the flush, not about silence */
    size_t pt = fx_point(&f, AREA_HOLDING, 0, VT_UINT16);

    CHECK(slave_start(&s) == 0);
    struct pollers *p = fx_start(&f);
    fx_collect(&f, RUN_MS);
    struct device_stats st;
    pollers_device_stats(p, 0, &st);
    pollers_stop(p);
    slave_stop(&s);
    line_close(&l);

    CHECK(!fx_saw_value(&f, pt, SLAVE_LATE_VALUE));
    CHECK(fx_count(&f, pt, QUALITY_GOOD) >= 4);
    CHECK_INT(fx_count(&f, pt, QUALITY_GOOD), fx_count_valued(&f, pt));
    CHECK_NEAR(fx_last(&f, pt)->value, 11, 0);
    CHECK_INT(st.polls_failed, 0);                      /* the retry got the right answer */
    fx_free(&f);
}

/* A device due every millisecond on a 9600-baud line (t3.5 = 4 ms) whose slave
 * answers at once: the poller must still leave t3.5 of silence before each request. */
static void test_silence_between_frames(void)
{
    struct fixture f;
    struct slave s;
    struct line l;
    CHECK(line_open(&l) == 0);
    fx_init(&f, 1, 1);
    fx_rtu_bus(&f, l.path, 0);
    slave_init(&s);
    slave_use_rtu(&s, l.master, 1);
    struct device_cfg *d = fx_device(&f, "greedy", BUS_RTU, 0, 1);
    d->interval_ms = GREEDY_INTERVAL_MS;
    fx_point(&f, AREA_HOLDING, 0, VT_UINT16);

    CHECK(slave_start(&s) == 0);
    struct pollers *p = fx_start(&f);
    CHECK(p != NULL);
    fx_collect(&f, RUN_MS / 3);
    struct device_stats st;
    pollers_device_stats(p, 0, &st);
    pollers_stop(p);
    slave_stop(&s);
    line_close(&l);

    CHECK(st.polls_ok >= GREEDY_POLLS_MIN);
    int64_t t35 = rtu_t35_ns(f.bus.baud, RTU_BITS_PER_CHAR);
    int64_t least = atomic_load(&s.min_silence_ns);
    if (least < t35)
        fprintf(stderr, "the poller left %lld ns between frames; t3.5 is %lld ns\n",
                (long long)least, (long long)t35);
    CHECK(least >= t35);
    fx_free(&f);
}

/* A port that does not exist: comm_fail, back-off, no crash. */
static void test_missing_port(void)
{
    struct fixture f;
    fx_init(&f, 1, 1);
    fx_rtu_bus(&f, "/dev/riskgw-test-no-such-tty", 0);
    fx_device(&f, "orphan", BUS_RTU, 0, 1);
    size_t pt = fx_point(&f, AREA_HOLDING, 0, VT_UINT16);
    struct pollers *p = fx_start(&f);
    CHECK(p != NULL);
    fx_collect(&f, RUN_MS / 2);
    struct device_stats st;
    pollers_device_stats(p, 0, &st);
    int64_t stop_at = clock_mono_ms();
    pollers_stop(p);
    CHECK(clock_mono_ms() - stop_at < STOP_PROMPT_MS);  /* stops promptly */
    CHECK(fx_first(&f, pt, QUALITY_COMM_FAIL) != NULL);
    CHECK_INT(st.backed_off, 1);
    CHECK_INT(st.polls_ok, 0);
    fx_free(&f);
}

int main(void)
{
    log_set_level(LOG_LVL_WARN);
    test_live_and_dead_unit();
    test_late_reply_flushed();
    test_silence_between_frames();
    test_missing_port();
    return check_summary();
}
