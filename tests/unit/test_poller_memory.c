/*
 * test_poller_memory.c - what the pollers keep per Modbus TCP device, in heap bytes.
 *
 * A site of 2,000 devices keeps its pollers' per-device state for as long as it
 * runs, so that state is held to a budget here, where it can be counted exactly:
 * the real pollers are started on SMALL and then LARGE devices of 30 holding
 * registers each (one connection each, as `make bench` polls them; their first
 * poll is an hour away, so nothing is sent and the count depends on no reply), and
 * the slope of the heap in use (mallinfo2, every arena) right after pollers_start
 * is what one more device costs.
 *
 * Why 320 bytes: a device's schedule (struct poll_device, 128), its connection
 * (struct tcp_conn, 112), its slot in the connection table (8) and its refused
 * flags (30 bytes) measure 280 here. Before issue 17's cut of the pollers' structs
 * the same device measured 491 (208 + 240 + ...), so a field that belongs to the
 * thread or a per-device buffer put back fails here. The structs' own sizes are
 * also held by _Static_assert where they are defined.
 */
#include <malloc.h>

#include "check.h"
#include "log.h"
#include "poller_fixture.h"

#define SMALL 100
#define LARGE 400
#define POINTS 30
#define MAX_BYTES_PER_DEVICE 320
#define FIRST_PORT 20000                /* never connected to: see FIRST_POLL_MS */
#define FIRST_POLL_MS 3600000L          /* each device's phase: no poll while the test runs */
#define INTERVAL_MS 86400000L

static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;     /* small blocks and blocks mapped on their own */
}

/* Heap bytes the pollers hold, just started on n devices. */
static size_t pollers_heap(size_t n)
{
    struct fixture f;
    size_t first = 0;

    fx_init(&f, n, n * POINTS);
    for (size_t d = 0; d < n; d++) {
        char id[32];
        snprintf(id, sizeof id, "mem%zu", d);
        struct device_cfg *dc = fx_device(&f, id, BUS_TCP, (uint16_t)(FIRST_PORT + d), 1);
        dc->interval_ms = INTERVAL_MS;
        dc->phase_ms = FIRST_POLL_MS;
        for (uint16_t r = 0; r < POINTS; r++) {
            if (d == 0)
                fx_point(&f, AREA_HOLDING, r, VT_UINT16);
            else
                fx_point_like(&f, first + r);       /* one profile: one shared layout */
        }
    }
    size_t before = heap_in_use();
    struct pollers *p = fx_start(&f);
    size_t after = heap_in_use();
    CHECK(p != NULL);
    pollers_stop(p);
    fx_free(&f);
    return after > before ? after - before : 0;
}

int main(void)
{
    log_set_level(LOG_LVL_WARN);
    size_t small = pollers_heap(SMALL), large = pollers_heap(LARGE);
    double per_device = (double)(large - small) / (LARGE - SMALL);
    printf("pollers' heap: %zu bytes at %d devices, %zu at %d: %.1f bytes a device (at most %d)\n",
           small, SMALL, large, LARGE, per_device, MAX_BYTES_PER_DEVICE);
    CHECK(small > 0 && large > small);
    CHECK(per_device <= MAX_BYTES_PER_DEVICE);
    return check_summary();
}
