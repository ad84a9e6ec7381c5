/*
 * test_poller_phase.c - the phases the pollers give devices that state none.
 *
 * TCP devices without phase_ms are spread evenly over their interval, or over its
 * first second when it is longer, each interval on its own, in slots of about 750
 * points (at most 20); a stated phase_ms is kept and takes no share of the spread;
 * a serial device starts at 0.
 */
#include "check.h"
#include "poller_fixture.h"
#include "poller_phase.h"

enum { SLOT_POINTS = 750 };     /* gateway/poller_phase.c */

/* A device of npoints points (only counted here: the pollers never run). */
static void device_of(struct fixture *f, enum bus_kind kind, long interval_ms, long phase_ms, size_t npoints)
{
    struct device_cfg *d = fx_device(f, "d", kind, 1502, 1);
    d->interval_ms = interval_ms;
    d->phase_ms = phase_ms;
    d->npoints = npoints;
}

/* A device the size of one slot. */
static void device(struct fixture *f, enum bus_kind kind, long interval_ms, long phase_ms)
{
    device_of(f, kind, interval_ms, phase_ms, SLOT_POINTS);
}

static void test_spread(void)
{
    struct fixture f;
    fx_init(&f, 16, 1);
    device(&f, BUS_TCP, 1000, PHASE_AUTO);      /* 0: the 1 s group, 4 devices */
    device(&f, BUS_TCP, 60000, PHASE_AUTO);     /* 1: the 1 min group, 2 devices */
    device(&f, BUS_TCP, 1000, PHASE_AUTO);      /* 2 */
    device(&f, BUS_TCP, 1000, 123);             /* 3: stated */
    device(&f, BUS_RTU, 1000, PHASE_AUTO);      /* 4: serial */
    device(&f, BUS_TCP, 1000, PHASE_AUTO);      /* 5 */
    device(&f, BUS_TCP, 60000, PHASE_AUTO);     /* 6 */
    device(&f, BUS_TCP, 1000, PHASE_AUTO);      /* 7 */
    device(&f, BUS_TCP, 200, PHASE_AUTO);       /* 8: alone in its group */
    device(&f, BUS_RTU, 500, 40);               /* 9: stated, serial */
    device(&f, BUS_TCP, 1000, 0);               /* 10: stated 0, all at once */

    long *phase = poll_phases(&f.cfg);
    CHECK(phase != NULL);
    if (!phase) {
        fx_free(&f);
        return;
    }
    CHECK_INT(phase[0], 0);
    CHECK_INT(phase[2], 250);
    CHECK_INT(phase[5], 500);
    CHECK_INT(phase[7], 750);
    CHECK_INT(phase[1], 0);
    CHECK_INT(phase[6], POLL_PHASE_SPAN_MAX_MS / 2);    /* a minute: over its first second */
    CHECK_INT(phase[3], 123);
    CHECK_INT(phase[4], 0);
    CHECK_INT(phase[8], 0);
    CHECK_INT(phase[9], 40);
    CHECK_INT(phase[10], 0);
    free(phase);
    fx_free(&f);
}

/* A small site is asked at once; 100 devices of 30 points go in 4 slots of 25 devices;
 * devices of unequal size are placed by the points before them. */
static void test_slots_by_points(void)
{
    struct fixture f;
    fx_init(&f, 120, 1);
    for (int i = 0; i < 10; i++)
        device_of(&f, BUS_TCP, 2000, PHASE_AUTO, 30);     /* 0-9: 300 points, one slot */
    for (int i = 0; i < 100; i++)
        device_of(&f, BUS_TCP, 1000, PHASE_AUTO, 30);     /* 10-109: 3,000 points, 4 slots */
    device_of(&f, BUS_TCP, 500, PHASE_AUTO, 1500);        /* 110: 2,250 points in its group, 3 slots */
    device_of(&f, BUS_TCP, 500, PHASE_AUTO, 250);         /* 111: 1,500 points before it: slot 2 */
    device_of(&f, BUS_TCP, 500, PHASE_AUTO, 500);         /* 112: 1,750 before it: slot 2 */
    device_of(&f, BUS_TCP, 3000, PHASE_AUTO, 0);          /* 113: no points still counts as one */
    long *phase = poll_phases(&f.cfg);
    CHECK(phase != NULL);
    if (!phase) {
        fx_free(&f);
        return;
    }
    for (int i = 0; i < 10; i++)
        CHECK_INT(phase[i], 0);
    for (int i = 0; i < 100; i++)
        CHECK_INT(phase[10 + i], (i / 25) * 250);
    CHECK_INT(phase[110], 0);
    CHECK_INT(phase[111], 333);
    CHECK_INT(phase[112], 333);
    CHECK_INT(phase[113], 0);
    free(phase);
    fx_free(&f);
}

/* 2,000 devices of 30 points at 1 s: every phase inside the interval, and no 50 ms
 * step of the TCP poller's grid asks for more than its share (1/20 of them). */
static void test_even(void)
{
    enum { N = 2000, STEP_MS = 50, STEPS = 1000 / STEP_MS };
    struct fixture f;
    size_t per_step[STEPS] = {0};
    fx_init(&f, N, 1);
    for (int i = 0; i < N; i++)
        device_of(&f, BUS_TCP, 1000, PHASE_AUTO, 30);
    long *phase = poll_phases(&f.cfg);
    CHECK(phase != NULL);
    for (int i = 0; phase && i < N; i++) {
        int inside = phase[i] >= 0 && phase[i] < 1000;
        CHECK(inside);
        if (inside)
            per_step[phase[i] / STEP_MS]++;
    }
    for (int s = 0; s < STEPS; s++)
        CHECK_INT(per_step[s], N / STEPS);
    free(phase);
    fx_free(&f);
}

int main(void)
{
    test_spread();
    test_slots_by_points();
    test_even();
    return check_summary();
}
