/*
 * test_watchdog.c - the progress test behind WATCHDOG=1: each of its three
 * conditions (core loop, polling, store) withholds the pet on its own, the
 * exceptions (no devices, a failing store) hold, and the poll period bounds a
 * healthy poller's longest silence, RTU lines adding up their devices.
 */
#include "check.h"
#include "core_watchdog.h"

#define INTERVAL_MS 30000
#define COMMIT_MS 1000
#define NOW_MS 1000000

/* A gateway where everything just happened. */
static struct watchdog_inputs healthy(void)
{
    struct watchdog_inputs in = {.now_ms = NOW_MS, .interval_ms = INTERVAL_MS, .loop_ms = NOW_MS,
                                 .ndevices = 3, .poll_progress_ms = NOW_MS, .poll_period_ms = 5000,
                                 .commit_interval_ms = COMMIT_MS, .commit_ms = NOW_MS};
    return in;
}

static void test_healthy_pets(void)
{
    struct watchdog_inputs in = healthy();
    char why[128];
    CHECK_INT(watchdog_should_pet(&in), 1);
    CHECK(watchdog_stall_reason(&in, why, sizeof why) == NULL);
    in.loop_ms = NOW_MS - INTERVAL_MS;                  /* at the edge, still fine */
    in.poll_progress_ms = NOW_MS - INTERVAL_MS;
    in.commit_ms = NOW_MS - 2 * COMMIT_MS;
    CHECK_INT(watchdog_should_pet(&in), 1);
}

static void test_stalled_loop(void)
{
    struct watchdog_inputs in = healthy();
    char why[128];
    in.loop_ms = NOW_MS - INTERVAL_MS - 1;
    CHECK_INT(watchdog_should_pet(&in), 0);
    CHECK_CONTAINS(watchdog_stall_reason(&in, why, sizeof why), "core loop has not run for 30 s");
}

static void test_stalled_polling(void)
{
    struct watchdog_inputs in = healthy();
    char why[128];
    in.poll_progress_ms = NOW_MS - INTERVAL_MS - 1;
    CHECK_INT(watchdog_should_pet(&in), 0);
    CHECK_CONTAINS(watchdog_stall_reason(&in, why, sizeof why), "no sample and no poll cycle for 30 s");
    in.poll_period_ms = 2 * INTERVAL_MS;                 /* a slow schedule (or back-off) allows more */
    CHECK_INT(watchdog_should_pet(&in), 1);
    in.poll_progress_ms = NOW_MS - 2 * INTERVAL_MS - 1;
    CHECK_INT(watchdog_should_pet(&in), 0);
    CHECK_CONTAINS(watchdog_stall_reason(&in, why, sizeof why), "a poller allows 60 s");
    in.ndevices = 0;                                     /* nothing to poll: nothing to wait for */
    CHECK_INT(watchdog_should_pet(&in), 1);
}

static void test_stalled_store(void)
{
    struct watchdog_inputs in = healthy();
    char why[128];
    in.commit_ms = NOW_MS - 2 * COMMIT_MS - 1;
    CHECK_INT(watchdog_should_pet(&in), 0);
    CHECK_CONTAINS(watchdog_stall_reason(&in, why, sizeof why), "store has not committed for 2 s");
    in.store_failing = 1;                                /* reported failure: a restart would not help */
    CHECK_INT(watchdog_should_pet(&in), 1);
    in.loop_ms = 0;                                      /* but a dead loop still is a dead loop */
    CHECK_INT(watchdog_should_pet(&in), 0);
}

static void test_poll_period(void)
{
    struct device_cfg dev[3] = {
        {.kind = BUS_TCP, .interval_ms = 1000, .backoff_ms = 10000, .timeout_ms = 500, .retries = 1,
         .npoints = 2},
        {.kind = BUS_RTU, .bus = 0, .interval_ms = 2000, .backoff_ms = 1000, .timeout_ms = 300,
         .retries = 2, .pause_ms = 20, .npoints = 1},
        {.kind = BUS_RTU, .bus = 0, .interval_ms = 2000, .backoff_ms = 1000, .timeout_ms = 300,
         .retries = 0, .npoints = 4},
    };
    struct config cfg = {.devices = dev, .ndevices = 1};
    CHECK_INT(watchdog_poll_period_ms(&cfg), 10000 + 2 * 2 * 500);        /* back-off dominates */
    cfg.ndevices = 3;
    /* device 0 in back-off still outlasts the serial line (2000 + 1*3*320 + 4*1*300) */
    CHECK_INT(watchdog_poll_period_ms(&cfg), 12000);
    dev[0].backoff_ms = 0;
    CHECK_INT(watchdog_poll_period_ms(&cfg), 2000 + 960 + 1200);
    cfg.ndevices = 0;
    CHECK_INT(watchdog_poll_period_ms(&cfg), 0);
}

int main(void)
{
    test_healthy_pets();
    test_stalled_loop();
    test_stalled_polling();
    test_stalled_store();
    test_poll_period();
    return check_summary();
}
