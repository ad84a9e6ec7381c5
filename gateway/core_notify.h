/*
 * core_notify.h - tell systemd how the daemon is doing (the sd_notify protocol).
 *
 * Under a Type=notify unit systemd passes a unix datagram socket in $NOTIFY_SOCKET
 * and, with WatchdogSec=, the watchdog period in $WATCHDOG_USEC. The daemon says
 * READY=1 once it is polling, WATCHDOG=1 while it is making progress, STOPPING=1
 * on the way out and STATUS=... for `systemctl status`. Without $NOTIFY_SOCKET
 * (a terminal, a test) every call does nothing and returns 0.
 *
 * The protocol is one datagram per call; it is written here rather than linking
 * libsystemd (see docs/dependencies.md).
 */
#ifndef RISKGW_CORE_NOTIFY_H
#define RISKGW_CORE_NOTIFY_H

#include <stdint.h>

/* 0 when sent or when there is no manager to tell; -1 (logged) when the send failed. */
int notify_ready(void);
int notify_watchdog(void);
int notify_stopping(void);
int notify_status(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The watchdog period systemd expects a WATCHDOG=1 within ($WATCHDOG_USEC), in ms; 0 if none. */
int64_t notify_watchdog_interval_ms(void);

#endif
