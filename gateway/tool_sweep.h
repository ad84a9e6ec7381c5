/*
 * tool_sweep.h - read every point of a site once, straight from the bus, and judge it.
 *
 * `riskgw check` and `riskgw report` (when the daemon is not running) need one
 * reading of every point, with more to say than the daemon's samples carry: the
 * raw registers, the implausible value behind an out_of_range, the exception a
 * device gave for one address, the reason a device is silent. The sweep reads
 * each device as the daemon does - the same batch plan and device limits, the same
 * timeout and retries, a refused block split as the poller splits it - and decodes
 * with the same decoder, so its qualities are the daemon's.
 */
#ifndef RISKGW_TOOL_SWEEP_H
#define RISKGW_TOOL_SWEEP_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"
#include "tool.h"

#define TOOL_RAW_MAX 4              /* registers of the widest type */

struct tool_reading {
    int read;                       /* 1: decoded; quality, value and raw hold it */
    enum quality quality;
    double value;                   /* engineering value; for out_of_range the implausible one */
    uint16_t raw[TOOL_RAW_MAX];     /* the registers as read, or raw[0] = the bit */
    int nraw;
    uint8_t exception;              /* not 0: the device refused this point's address */
};

struct tool_device_result {
    int polled;                     /* 0: the combined rules' device, never on a bus */
    int answered;                   /* every block was answered (values or exceptions 1-3) */
    char why[TOOL_WHY_MAX];         /* why not */
    long took_ms;
};

struct tool_sweep {
    struct tool_reading *points;            /* cfg->npoints */
    struct tool_device_result *devices;     /* cfg->ndevices */
    int64_t ts_ms;                          /* wall clock when the sweep started */
};

/* Read every device of cfg once. Returns 0 (device failures are in the results), or
 * -1 when out of memory (said on stderr). */
int tool_sweep_run(const struct config *cfg, struct tool_sweep *out);
void tool_sweep_free(struct tool_sweep *s);

enum tool_verdict { VERDICT_OK, VERDICT_WARN, VERDICT_FAIL };

/* "ok", "WARN", "FAIL". */
const char *tool_verdict_name(enum tool_verdict v);

/* Judge point p of the sweep: a plausible value is OK; an alarm in force or an
 * uncertain NE43 reading a warning; anything else fails. why says what and why. */
enum tool_verdict tool_sweep_judge(const struct config *cfg, size_t p, const struct tool_sweep *s,
                                   char *why, size_t cap);

/* The raw registers of a reading as a technician reads them: "250", "0x4148 0x0000". */
void tool_sweep_raw(const struct tool_reading *r, char *out, size_t cap);

#endif
