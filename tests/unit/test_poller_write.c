/*
 * test_poller_write.c - writes through the real pollers to libmodbus slaves (TCP on
 * 127.0.0.1, RTU on a pty), each ending in exactly one result for the core.
 *
 * Covers: FC 5, 6 and 16 reach the slave's tables and the next poll reads them back;
 * a silent module's write fails after the device's retries, an exception fails it at
 * once, a refused connection fails it; and meanwhile a neighbour (another connection,
 * or another unit on the same serial line) keeps its poll schedule.
 */
#include <pty.h>
#include <termios.h>

#include "check.h"
#include "decode.h"
#include "poller_fixture.h"
#include "poller_slave.h"

#define RESULTS_CAPACITY 64
#define RESULT_WAIT_MS 3000
#define FAR_COIL 150                    /* beyond the slave's table: exception 2 */

struct writer {
    struct fixture f;
    struct queue results;
    struct pollers *p;
    uint32_t next_id;
};

static void writer_init(struct writer *w, size_t max_devices, size_t max_points)
{
    fx_init(&w->f, max_devices, max_points);
    queue_init(&w->results, sizeof(struct write_result), RESULTS_CAPACITY, NULL);
    w->f.results = &w->results;
    w->next_id = 0;
}

static void writer_free(struct writer *w)
{
    queue_destroy(&w->results);
    fx_free(&w->f);
}

/* Hand point's value to the pollers; the request's id. */
static uint32_t writer_send(struct writer *w, size_t point, double value)
{
    const struct point_cfg *pc = config_point_def(&w->f.cfg, point);
    struct write_request req = {.id = ++w->next_id, .point = (uint32_t)point,
                                .device = (uint32_t)w->f.cfg.points[point].device};
    char why[WRITE_WHY_MAX] = "";
    CHECK_INT(pdu_write_encode(&pc->map, value, &req.w), 0);
    int rc = pollers_write(w->p, &req, why, sizeof why);
    if (rc < 0)
        fprintf(stderr, "pollers_write: %s\n", why);
    CHECK_INT(rc, 0);
    return req.id;
}

/* Collect samples until the result of write id arrives (1), or RESULT_WAIT_MS (0). */
static int writer_wait(struct writer *w, uint32_t id, struct write_result *out)
{
    int64_t end = clock_mono_ms() + RESULT_WAIT_MS;
    while (clock_mono_ms() < end) {
        w->f.ngot += queue_pop(&w->f.q, w->f.got + w->f.ngot, w->f.cap - w->f.ngot);
        while (queue_pop(&w->results, out, 1) == 1)
            if (out->id == id)
                return 1;
        usleep(FX_POP_EVERY_MS * US_PER_MS);
    }
    return 0;
}

/* A good sample of point taken after `after` (monotonic) carried value. */
static int read_back_after(const struct fixture *f, size_t point, int64_t after, double value)
{
    for (size_t i = 0; i < f->ngot; i++)
        if (f->got[i].point == point && f->got[i].mono_ms > after &&
            f->got[i].quality == QUALITY_GOOD && f->got[i].value == value)
            return 1;
    return 0;
}

static size_t good_between(const struct fixture *f, size_t point, int64_t from, int64_t to)
{
    size_t n = 0;
    for (size_t i = 0; i < f->ngot; i++)
        n += f->got[i].point == point && f->got[i].quality == QUALITY_GOOD &&
             f->got[i].mono_ms >= from && f->got[i].mono_ms <= to;
    return n;
}

static void test_tcp_writes(void)
{
    struct writer w;
    struct slave siren, meter;
    struct write_result r;
    writer_init(&w, 3, 6);
    slave_init(&siren);
    slave_init(&meter);
    CHECK(slave_listen_tcp(&siren) == 0 && slave_listen_tcp(&meter) == 0);
    fx_device(&w.f, "siren", BUS_TCP, siren.port, 1);
    size_t horn = fx_point(&w.f, AREA_COIL, 0, VT_BIT);
    size_t tone = fx_point(&w.f, AREA_HOLDING, 0, VT_UINT16);
    size_t level = fx_point(&w.f, AREA_HOLDING, 2, VT_FLOAT32);
    size_t far = fx_point(&w.f, AREA_COIL, FAR_COIL, VT_BIT);
    fx_device(&w.f, "meter", BUS_TCP, meter.port, 1);
    size_t kw = fx_point(&w.f, AREA_HOLDING, 0, VT_UINT16);
    meter.map->tab_registers[0] = 7;
    CHECK(slave_start(&siren) == 0 && slave_start(&meter) == 0);
    w.p = fx_start(&w.f);
    CHECK(w.p != NULL);

    CHECK(writer_wait(&w, writer_send(&w, horn, 1), &r) && r.ok);
    CHECK_INT(siren.map->tab_bits[0], 1);
    int64_t done = r.mono_ms;
    CHECK(writer_wait(&w, writer_send(&w, tone, 3), &r) && r.ok);
    CHECK_INT(siren.map->tab_registers[0], 3);
    CHECK(writer_wait(&w, writer_send(&w, level, 12.5), &r) && r.ok);    /* FC 16 */
    double v = 0;
    CHECK_INT(decode_registers(&config_point_def(&w.f.cfg, level)->map, &siren.map->tab_registers[2], &v),
              QUALITY_GOOD);
    CHECK_NEAR(v, 12.5, 0);
    fx_collect(&w.f, 300);                                  /* the next poll reads them back */
    CHECK(read_back_after(&w.f, horn, done, 1));

    CHECK(writer_wait(&w, writer_send(&w, far, 1), &r));    /* refused: no retry */
    CHECK_INT(r.ok, 0);
    CHECK_CONTAINS(r.why, "exception 2 (illegal data address)");
    int64_t end = clock_mono_ms();
    pollers_stop(w.p);
    slave_stop(&siren);
    slave_stop(&meter);
    CHECK(good_between(&w.f, kw, w.f.t0, end) >= (size_t)((end - w.f.t0) / 100) - 1);
    writer_free(&w);
}

/* A dead siren module: its write fails after 1 + retries timeouts; the meter on
 * another connection keeps its 100 ms schedule all the while. */
static void test_tcp_dead_module(void)
{
    struct writer w;
    struct slave siren, meter, gone;
    struct write_result r;
    writer_init(&w, 3, 3);
    slave_init(&siren);
    slave_init(&meter);
    slave_init(&gone);
    CHECK(slave_listen_tcp(&siren) == 0 && slave_listen_tcp(&meter) == 0 && slave_listen_tcp(&gone) == 0);
    uint16_t refused_port = gone.port;
    close(gone.listen_fd);
    gone.listen_fd = -1;
    siren.mode = SLAVE_SILENT;
    struct device_cfg *d = fx_device(&w.f, "siren", BUS_TCP, siren.port, 1);
    d->retries = 2;
    size_t horn = fx_point(&w.f, AREA_COIL, 0, VT_BIT);
    fx_device(&w.f, "meter", BUS_TCP, meter.port, 1);
    size_t kw = fx_point(&w.f, AREA_HOLDING, 0, VT_UINT16);
    fx_device(&w.f, "refused", BUS_TCP, refused_port, 1);
    size_t off = fx_point(&w.f, AREA_COIL, 0, VT_BIT);
    CHECK(slave_start(&siren) == 0 && slave_start(&meter) == 0);
    w.p = fx_start(&w.f);
    fx_collect(&w.f, 200);

    int64_t sent = clock_mono_ms();
    CHECK(writer_wait(&w, writer_send(&w, horn, 1), &r));
    CHECK_INT(r.ok, 0);
    CHECK_CONTAINS(r.why, "no reply within 150 ms (3 tries)");
    CHECK(r.mono_ms - sent >= 3 * d->timeout_ms);
    /* 450 ms of timeouts: the meter was still read every 100 ms. */
    CHECK(good_between(&w.f, kw, sent, r.mono_ms) >= (size_t)((r.mono_ms - sent) / 100) - 1);

    CHECK(writer_wait(&w, writer_send(&w, off, 1), &r));
    CHECK_INT(r.ok, 0);
    CHECK_CONTAINS(r.why, "cannot connect to 127.0.0.1:");
    pollers_stop(w.p);
    slave_stop(&siren);
    slave_stop(&meter);
    slave_stop(&gone);
    writer_free(&w);
}

/* On a serial line: a live unit's coil is written; a dead unit's write fails after
 * its retries while the live unit's reads go on between the tries. */
static void test_rtu(void)
{
    struct writer w;
    struct slave s;
    struct write_result r;
    int master, slave_fd;
    char path[64];
    struct termios raw;
    cfmakeraw(&raw);
    CHECK(openpty(&master, &slave_fd, path, &raw, NULL) == 0);
    writer_init(&w, 2, 3);
    fx_rtu_bus(&w.f, path, 10);
    slave_init(&s);
    slave_use_rtu(&s, master, 1);
    struct device_cfg *live = fx_device(&w.f, "siren", BUS_RTU, 0, 1);
    live->timeout_ms = 100;
    size_t horn = fx_point(&w.f, AREA_COIL, 0, VT_BIT);
    size_t tone = fx_point(&w.f, AREA_HOLDING, 1, VT_UINT16);
    struct device_cfg *dead = fx_device(&w.f, "dead", BUS_RTU, 0, 7);
    dead->timeout_ms = 100;
    dead->backoff_after = 100;          /* keep it in the schedule: the line is shared */
    size_t dead_coil = fx_point(&w.f, AREA_COIL, 0, VT_BIT);
    CHECK(slave_start(&s) == 0);
    w.p = fx_start(&w.f);
    CHECK(w.p != NULL);

    CHECK(writer_wait(&w, writer_send(&w, horn, 1), &r) && r.ok);
    CHECK_INT(s.map->tab_bits[0], 1);
    int64_t done = r.mono_ms;
    CHECK(writer_wait(&w, writer_send(&w, tone, 9), &r) && r.ok);
    CHECK_INT(s.map->tab_registers[1], 9);
    int64_t sent = clock_mono_ms();
    CHECK(writer_wait(&w, writer_send(&w, dead_coil, 1), &r));
    CHECK_INT(r.ok, 0);
    CHECK_CONTAINS(r.why, "(2 tries)");
    fx_collect(&w.f, 500);
    pollers_stop(w.p);
    slave_stop(&s);
    close(slave_fd);
    CHECK(read_back_after(&w.f, horn, done, 1));
    CHECK(good_between(&w.f, tone, sent, r.mono_ms) >= 1);     /* reads between the tries */
    writer_free(&w);
}

int main(void)
{
    test_tcp_writes();
    test_tcp_dead_module();
    test_rtu();
    return check_summary();
}
