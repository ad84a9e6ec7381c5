/*
 * tool_sim_link.h - one control line to riskgw-sim, answered "ok" or "error: WHY".
 *
 * `riskgw test-alarm --sim SOCKET` drives simulated instruments through the
 * simulator's control socket (docs/simulators.md, "Control lines"): `DEV set POINT
 * VALUE` to put a reading into an alarm band, `DEV recover POINT` to hand it back.
 */
#ifndef RISKGW_TOOL_SIM_LINK_H
#define RISKGW_TOOL_SIM_LINK_H

#include <stddef.h>

/* Send line (no newline) to the control socket at path. 0 when the simulator
 * answered ok; -1 with its error, or why it could not be reached, in err. */
int tool_sim_say(const char *path, const char *line, char *err, size_t errlen);

#endif
