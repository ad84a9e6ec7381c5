/*
 * command_client.h - `riskgw silence|reset|read|reload|write`: commands from the box's console.
 */
#ifndef RISKGW_COMMAND_CLIENT_H
#define RISKGW_COMMAND_CLIENT_H

#include "config.h"

/* 1 when name is one of the console commands. */
int command_client_is(const char *name);

/*
 * Send the command to the running gateway's control socket and print its reply.
 * args: DEVICE POINT for silence/reset/read, DEVICE POINT VALUE or DEVICE.POINT VALUE
 * for write, nothing for reload. actor may be NULL
 * (then the login name). Returns the exit code: 0 done, 1 refused or unreachable, 2 usage.
 */
int command_client_run(const struct config *cfg, const char *name, int nargs, char **args,
                       const char *actor);

#endif
