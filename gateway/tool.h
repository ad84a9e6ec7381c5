/*
 * tool.h - the technician's tools, subcommands of riskgw: scan, check, test-alarm, report.
 *
 * A technician commissions a box with them (docs/commissioning.md): `scan` finds
 * which unit ids answer on a bus and at what settings, `check` proves a site config
 * against the live bus, `test-alarm` drives points through their alarms and proves
 * each event went out on MQTT and was stored, and `report` writes the one HTML page
 * the technician signs and leaves on site. They reuse the daemon's own parts (config
 * loader, batch planner, decoder, control socket, MQTT options, store) so that what
 * a tool says is what the gateway will do.
 *
 * Exit status of every tool: 0 everything passed, 1 something failed (the table
 * says what and why), 2 a usage error.
 */
#ifndef RISKGW_TOOL_H
#define RISKGW_TOOL_H

#include <stddef.h>
#include <stdint.h>
#include "config.h"

#define TOOL_OK 0
#define TOOL_FAILED 1
#define TOOL_USAGE 2

#define TOOL_ADDR_MAX 160           /* "/dev/ttyUSB0 9600 8N1 unit 12", "host:port unit 1" */
#define TOOL_WHY_MAX 768            /* a reason in a table cell (room for a path or two) */

/* What main.c knows that the tools need too. */
struct tool_env {
    const char *config_default;         /* /etc/riskgw/riskgw.json */
    const char *profile_dir_default;    /* installed profiles, or the source tree's */
};

/* 1 when verb names a tool. */
int tool_is(const char *verb);

/* Run the tool argv[0] with its options argv[1..argc-1]. Returns the exit status. */
int tool_run(int argc, char **argv, const struct tool_env *env);

/* The tools themselves (same arguments as tool_run). */
int tool_scan_main(int argc, char **argv, const struct tool_env *env);
int tool_check_main(int argc, char **argv, const struct tool_env *env);
int tool_test_alarm_main(int argc, char **argv, const struct tool_env *env);
int tool_report_main(int argc, char **argv, const struct tool_env *env);
/* console/console_passwd.c: `riskgw passwd NAME`, a console operator's hash. */
int console_passwd_main(int argc, char **argv, const struct tool_env *env);

/* ---- shared by the tools (tool.c) ---- */

/* Load the site config as the daemon would; NULL after printing why on stderr. */
struct config *tool_config_load(const char *tool, const char *path, const char *profile_dir,
                                const struct tool_env *env);

/* Where a point lives: "holding 0", "holding 1 bit 0", "discrete 3". */
void tool_point_address(const struct point_map *m, char *out, size_t cap);

/* How a device is reached: "127.0.0.1:502 unit 1", "/dev/ttyS1 9600 8N1 unit 3". */
void tool_device_address(const struct config *cfg, const struct device_cfg *d, char *out,
                         size_t cap);

/* A number as a technician reads it: up to 6 significant digits ("37.5", "0.025"). */
void tool_format_value(double v, char *out, size_t cap);

/* Local time with its offset, "2026-11-23 19:30:05 +0800" (full) or "19:30:05.123". */
void tool_format_time(int64_t wall_ms, int full, char *out, size_t cap);

/* 1 when the gateway running with this config answers on its control socket. */
int tool_gateway_running(const struct config *cfg);

#endif
