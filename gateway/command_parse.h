/*
 * command_parse.h - a platform command, checked field by field before anything runs.
 *
 * Parsing is pure (no core, no I/O) so it can be fuzzed on its own: whatever bytes
 * arrive on the command topic, the result is either a complete struct command or
 * a sentence saying what is wrong with it.
 */
#ifndef RISKGW_COMMAND_PARSE_H
#define RISKGW_COMMAND_PARSE_H

#include <stddef.h>
#include "config.h"
#include "json_field.h"
#include "sample.h"

#define COMMAND_ID_MAX 64
#define HISTORY_POINTS_MAX 32       /* points one history request may name */

enum command_kind { CMD_STATUS, CMD_READ, CMD_SILENCE, CMD_RESET, CMD_RELOAD, CMD_WRITE, CMD_HISTORY,
                    CMD_KIND_COUNT };

/* What a history command asks for (docs/interface.md, "History on request"). */
struct history_ask {
    char points[HISTORY_POINTS_MAX][ID_MAX];    /* none: every point of the device */
    int npoints;
    int64_t from_ms, to_ms;         /* wall clock; to_ms 0: until now */
    int minute;                     /* 1: minute aggregates, 0: raw samples */
};

struct command {
    enum command_kind kind;
    char id[COMMAND_ID_MAX];        /* the caller's correlation id, echoed in the reply */
    char name[ID_MAX];              /* the "cmd" text as given ("?" when unreadable) */
    char device[ID_MAX];            /* read, silence, reset, write */
    char point[ID_MAX];
    double value;                   /* write: in the point's engineering unit */
    char actor[EVENT_ACTOR_MAX];    /* silence, reset, write: "mqtt:<who>", "cli:<who>", "console:<who>" */
    struct history_ask history;     /* history */
};

/* Where a command came from; it prefixes the recorded actor ("mqtt:duty", "cli:root").
 * A local command with "via": "console" is the site console's: "console:wang". */
enum command_origin { ORIGIN_MQTT, ORIGIN_LOCAL };

/* 0 and cmd filled, or -1 with err set (cmd->id and cmd->name filled as far as read). */
int command_parse(const char *text, size_t len, enum command_origin origin, struct command *cmd,
                  struct cfg_err *err);

#endif
