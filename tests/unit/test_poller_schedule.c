/*
 * test_poller_schedule.c - when a device's next cycle is due, with time passed in by hand.
 *
 * The schedule takes `now` as an argument, so these checks set the clock
 * themselves: a cycle that ends inside its slot waits for the next one; a cycle
 * that overruns the next slot starts again at once (that slot, served late); one
 * that overruns several slots skips all but the last (no burst); failed cycles
 * follow the same grid, and the phase survives.
 */
#include "check.h"
#include "poller_device.h"
#include "poller_fixture.h"
#include "poller_layout.h"

#define INTERVAL 10
#define PHASE 3

static const uint16_t WORDS[1] = {42};

/* Start a cycle at now (it must be due) and end it well at end. */
static void cycle_ok(struct poll_device *d, struct queue *q, int64_t now, int64_t end)
{
    struct poll_request req;
    CHECK_INT(poll_device_request(d, now, &req), 1);
    poll_device_reply(d, q, end, WORDS, NULL);
}

static void test_next_due(void)
{
    struct fixture f;
    struct poll_device d;
    struct poll_request req;
    char err[POLL_WHY_MAX] = "";
    fx_init(&f, 1, 1);
    struct device_cfg *dc = fx_device(&f, "sched", BUS_TCP, 1502, 1);
    dc->interval_ms = INTERVAL;
    dc->phase_ms = PHASE;
    dc->retries = 0;
    dc->backoff_after = 100;
    fx_point(&f, AREA_HOLDING, 0, VT_UINT16);
    struct poll_layouts layouts = {0};
    const struct poll_layout *layout = poll_layouts_get(&layouts, &f.cfg, 0, err, sizeof err);
    CHECK(layout != NULL);
    CHECK_INT(poll_device_init(&d, &f.cfg, 0, layout, 0, dc->phase_ms, err, sizeof err), 0);

    CHECK_INT(poll_device_due_at(&d), 3);               /* t0 + phase */
    CHECK_INT(poll_device_request(&d, 2, &req), 0);
    cycle_ok(&d, &f.q, 3, 7);                                 /* inside its slot */
    CHECK_INT(poll_device_due_at(&d), 13);
    cycle_ok(&d, &f.q, 13, 25);                               /* overran slot 23 */
    CHECK_INT(poll_device_due_at(&d), 23);              /* at once */
    cycle_ok(&d, &f.q, 25, 27);                               /* serves slot 23 */
    CHECK_INT(poll_device_due_at(&d), 33);
    cycle_ok(&d, &f.q, 33, 61);                               /* overran 43 and 53 */
    CHECK_INT(poll_device_due_at(&d), 53);              /* 43 skipped */
    cycle_ok(&d, &f.q, 61, 62);
    CHECK_INT(poll_device_due_at(&d), 63);

    CHECK_INT(poll_device_request(&d, 63, &req), 1);    /* a failed cycle: the same grid */
    poll_device_failure(&d, &f.q, 74, "timeout");
    CHECK_INT(poll_device_due_at(&d), 73);
    CHECK_INT(poll_device_request(&d, 74, &req), 1);
    poll_device_failure(&d, &f.q, 75, "timeout");
    CHECK_INT(poll_device_due_at(&d), 83);

    poll_device_free(&d);
    poll_layouts_free(&layouts);
    fx_free(&f);
}

int main(void)
{
    test_next_due();
    return check_summary();
}
