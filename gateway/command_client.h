/*
 * command_client.h - `riskgw silence|reset|read|reload|write`: commands from the box's console.
 */
#ifndef RISKGW_COMMAND_CLIENT_H
#define RISKGW_COMMAND_CLIENT_H

#include <cjson/cJSON.h>
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

/* Who sits at the console: $SUDO_USER, else the login name (the default actor). */
const char *command_client_login_name(void);

/*
 * One command to the running gateway's control socket ("status", "read", "reset", ...):
 * its reply parsed (free with cJSON_Delete; "ok" says whether it was done), or NULL
 * with err saying why there is none. device and point may be NULL; actor (NULL: the
 * login name) is recorded for silence and reset. The technician tools use it too.
 */
cJSON *command_client_ask(const struct config *cfg, const char *name, const char *device,
                          const char *point, const char *actor, char *err, size_t errlen);

/* The same at a control socket's path, with "via" (the site console says "console"):
 * the actor is then recorded as "<via>:<actor>". */
cJSON *command_client_ask_via(const char *socket_path, const char *name, const char *device,
                              const char *point, const char *actor, const char *via, char *err,
                              size_t errlen);

/* command_client_ask for a command whose reply says only whether it was done: 0 done,
 * -1 with why (unreachable, or the gateway's reason for refusing). */
int command_client_do(const struct config *cfg, const char *name, const char *device,
                      const char *point, const char *actor, char *why, size_t cap);

#endif
