/*
 * core.h - the gateway's one decision-making thread.
 *
 * The core owns the store, the rule states, the outbox and the sinks. Pollers and
 * sink threads only talk to it through its two queues. It runs one poll() loop
 * over a doorbell and a signalfd: samples become rule decisions, decisions become
 * committed events, committed rows go out through the outbox, and commands from
 * the platform are answered. SIGTERM/SIGINT stop it cleanly; SIGHUP reloads.
 */
#ifndef RISKGW_CORE_H
#define RISKGW_CORE_H

#include <stddef.h>
#include "config.h"

struct core;

/* Open the store, start sinks and pollers. Takes ownership of cfg. NULL + err on failure. */
struct core *core_open(struct config *cfg, char *err, size_t errlen);
/*
 * core_privilege.c: become `user` (its groups, gid, uid) once everything is open,
 * handing it the store's files first. A no-op when already running as that user;
 * -1 + err when the user is unknown, the process cannot switch, or the switch
 * did not take (the caller must then stop).
 */
int core_drop_privileges(struct core *c, const char *user, char *err, size_t errlen);
/* Run until SIGTERM or SIGINT. Returns 0 on a clean stop. */
int core_run(struct core *c);
/* Stop pollers, flush the store, say offline, free everything. */
void core_close(struct core *c);

/* Where it listens for the console's commands (`riskgw silence|reset|read|reload`). */
void core_control_socket(const struct config *cfg, char *out, size_t cap);

#endif
