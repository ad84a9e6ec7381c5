/*
 * test_poller_phase.c - the phases the pollers give devices that state none.
 *
 * TCP devices without phase_ms are spread evenly over their interval, or over its
 * first second when it is longer, each interval on its own; a stated phase_ms is
 * kept and takes no share of the spread; a serial device starts at 0.
 */
#include "check.h"
#include "poller_fixture.h"
#include "poller_phase.h"

static void device(struct fixture *f, enum bus_kind kind, long interval_ms, long phase_ms)
{
    struct device_cfg *d = fx_device(f, "d", kind, 1502, 1);
    d->interval_ms = interval_ms;
    d->phase_ms = phase_ms;
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

/* 2,000 devices at 1 s: every phase inside the interval, and no 50 ms step of the
 * TCP poller's grid asks for more than its share (1/20 of them, rounded up). */
static void test_even(void)
{
    enum { N = 2000, STEP_MS = 50, STEPS = 1000 / STEP_MS };
    struct fixture f;
    size_t per_step[STEPS] = {0};
    fx_init(&f, N, 1);
    for (int i = 0; i < N; i++)
        device(&f, BUS_TCP, 1000, PHASE_AUTO);
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
    test_even();
    return check_summary();
}
