/*
 * test_clock_step.c - steps of the wall clock and which stamps they make unbelievable.
 *
 * Readings are fed to clock_step_observe() by hand (wall, monotonic), as a
 * clock stepped by NTP or an operator would give them: a step forward is only
 * logged; after a step back every time up to the latest already shown is
 * "replaying" (payloads flag it) and the flag ends once the clock has caught
 * up; jitter below a second is not a step. The end-to-end form, with
 * libfaketime and the real daemon, is tests/integration/test_clock_jump.sh.
 */
#include "check.h"
#include "clock_step.h"

#define T0 1795420800000LL          /* 2026-11-21, a believable wall time */
#define HOUR_MS 3600000LL

int main(void)
{
    int64_t mono = 5000;
    clock_step_observe(T0, mono);
    CHECK_INT(clock_step_replaying(T0), 0);

    /* 10 s of steady time with a little jitter: no step. */
    mono += 10000;
    clock_step_observe(T0 + 10000 + 300, mono);
    CHECK_INT(clock_step_replaying(T0 + 10300), 0);

    /* Stepped forward by an hour: believed, nothing is replayed. */
    mono += 1000;
    int64_t wall = T0 + 11300 + HOUR_MS;
    clock_step_observe(wall, mono);
    CHECK_INT(clock_step_replaying(wall), 0);

    /* Stepped back by two hours: every stamp before the latest shown is replayed. */
    mono += 1000;
    int64_t latest = wall;
    wall = latest + 1000 - 2 * HOUR_MS;
    clock_step_observe(wall, mono);
    CHECK_INT(clock_step_replaying(wall), 1);
    CHECK_INT(clock_step_replaying(latest - 1), 1);
    CHECK_INT(clock_step_replaying(latest), 0);

    /* Time runs on normally: still replaying until the clock passes `latest`. */
    mono += HOUR_MS;
    wall += HOUR_MS;
    clock_step_observe(wall, mono);
    CHECK_INT(clock_step_replaying(wall), 1);
    mono += 2 * HOUR_MS;
    wall += 2 * HOUR_MS;
    clock_step_observe(wall, mono);
    CHECK_INT(clock_step_replaying(wall), 0);

    /* A second step back, smaller: flagged again only up to the new high-water mark. */
    mono += 1000;
    latest = wall;
    wall = latest + 1000 - 5000;
    clock_step_observe(wall, mono);
    CHECK_INT(clock_step_replaying(wall), 1);
    CHECK_INT(clock_step_replaying(latest + 1), 0);
    return check_summary();
}
