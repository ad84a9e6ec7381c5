/*
 * status_file.h - where the health report lives: RAM while the gateway runs, a copy
 * beside the store now and then, the last one there at a clean stop.
 */
#ifndef RISKGW_STATUS_FILE_H
#define RISKGW_STATUS_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Write one report (now_mono: the core's clock). It goes to RAM; it is copied beside
 * the store when *next_on_card (a monotonic deadline the caller keeps, 0 at start)
 * is due, or every time where RAM cannot be written. */
void status_file_write(const struct config *cfg, const char *report, int64_t now_mono, int64_t *next_on_card);

/* The last report, at a clean stop: beside the store, and none left in RAM. */
void status_file_final(const struct config *cfg, const char *report);

/* Before root is dropped: /run/riskgw made and handed to the service user, so its
 * reports go to RAM as under systemd's RuntimeDirectory; failing only logs. */
void status_file_hand_over(unsigned uid, unsigned gid);

/* Where `riskgw status` finds the newest report: in RAM while the gateway runs,
 * beside the store once it stopped (or where RAM cannot be written). */
void status_file_path(const struct config *cfg, char *out, size_t cap);

#endif
