/*
 * command_parse.c - turn untrusted command text into a struct command (see command_parse.h).
 */
#include "command_parse.h"

#include <stdio.h>
#include <string.h>

#include "payload.h"

#define ACTOR_PREFIX_MAX 8
#define DEFAULT_ACTOR "platform"
#define COMMAND_VALUE_MAX 1e12      /* as a point's scale and offset: beyond it is a typo */
#define TIME_MS_MAX 253402300799999LL   /* 9999-12-31T23:59:59.999Z */

static const char *const kind_names[CMD_KIND_COUNT] = {"status", "read", "silence", "reset", "reload",
                                                       "write", "history"};
static const char *const command_keys[] = {"v", "id", "cmd", "device", "point", "value", "actor", "via", "points",
                                           "from", "to", "resolution", NULL};
static const char *const history_keys[] = {"points", "from", "to", "resolution", NULL};
static const char *const resolutions[] = {"raw", "minute"};
#define VIA_CONSOLE "console"       /* the site console's acts come over the control socket */

/* Does this kind of command name a point? */
static int needs_point(enum command_kind k)
{
    return k == CMD_READ || k == CMD_SILENCE || k == CMD_RESET || k == CMD_WRITE;
}

/* "v" may be left out; when given it must be the version this gateway speaks. */
static int check_version(const cJSON *root, struct cfg_err *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "v");
    if (!v || (cJSON_IsNumber(v) && v->valuedouble == INTERFACE_VERSION))
        return 0;
    if (cJSON_IsNumber(v))
        return cfg_fail(err, "v", "this gateway speaks interface version %d; a command for version %g is "
                        "refused (send \"v\": %d, or leave \"v\" out)", INTERFACE_VERSION, v->valuedouble,
                        INTERFACE_VERSION);
    return cfg_fail(err, "v", "the interface version is a number (%d)", INTERFACE_VERSION);
}

/* The fields of a history command; other commands must not carry them. */
static int parse_history(const cJSON *root, struct command *cmd, struct cfg_err *err)
{
    struct history_ask *h = &cmd->history;
    if (cmd->kind != CMD_HISTORY) {
        for (const char *const *k = history_keys; *k; k++)
            if (cJSON_GetObjectItemCaseSensitive(root, *k))
                return cfg_fail(err, *k, "only the history command takes it");
        return 0;
    }
    const cJSON *points = NULL, *p;
    int minute = 0;
    if (cJSON_GetObjectItemCaseSensitive(root, "point"))
        return cfg_fail(err, "point", "history names its points as \"points\": [\"lel\", ...]");
    if (jf_int64(root, "from", "", JF_REQUIRED, 0, TIME_MS_MAX, &h->from_ms, err) < 0 ||
        jf_int64(root, "to", "", JF_OPTIONAL, 0, TIME_MS_MAX, &h->to_ms, err) < 0 ||
        jf_enum(root, "resolution", "", JF_OPTIONAL, resolutions, 2, &minute, err) < 0 ||
        jf_array(root, "points", "", JF_OPTIONAL, &points, err) < 0)
        return -1;
    h->minute = minute;
    if (h->to_ms && h->to_ms <= h->from_ms)
        return cfg_fail(err, "to", "must be later than from (both in ms since the Unix epoch, UTC)");
    cJSON_ArrayForEach(p, points) {
        char path[CFG_PATH_MAX];
        jf_path_index(path, sizeof path, "points", h->npoints);
        if (h->npoints == HISTORY_POINTS_MAX)
            return cfg_fail(err, "points", "at most %d points per request", HISTORY_POINTS_MAX);
        if (!cJSON_IsString(p) || !p->valuestring[0] || strlen(p->valuestring) >= ID_MAX)
            return cfg_fail(err, path, "expected a point id");
        snprintf(h->points[h->npoints++], ID_MAX, "%s", p->valuestring);
    }
    if (points && h->npoints == 0)
        return cfg_fail(err, "points", "is empty; leave it out for every point of the device");
    return 0;
}

static int parse_fields(const cJSON *root, enum command_origin origin, struct command *cmd,
                        struct cfg_err *err)
{
    char who[EVENT_ACTOR_MAX - ACTOR_PREFIX_MAX] = DEFAULT_ACTOR, via[ACTOR_PREFIX_MAX] = "";
    int kind = -1;
    if (!cJSON_IsObject(root))
        return cfg_fail(err, NULL, "a command is a JSON object like {\"cmd\":\"status\"}");
    if (jf_string(root, "id", "", JF_OPTIONAL, cmd->id, sizeof cmd->id, err) < 0 ||
        jf_string(root, "cmd", "", JF_REQUIRED, cmd->name, sizeof cmd->name, err) < 0)
        return -1;
    for (int k = 0; k < CMD_KIND_COUNT; k++)
        if (strcmp(cmd->name, kind_names[k]) == 0)
            kind = k;
    if (kind < 0)
        return cfg_fail(err, NULL, "unknown command \"%s\" (known: status, read, silence, reset, reload, "
                        "write, history)", cmd->name);
    cmd->kind = (enum command_kind)kind;
    if (jf_known_keys(root, "", command_keys, err) < 0 || check_version(root, err) < 0 ||
        parse_history(root, cmd, err) < 0)
        return -1;
    enum jf_presence need = needs_point(cmd->kind) ? JF_REQUIRED : JF_OPTIONAL;
    if (jf_string(root, "device", "", cmd->kind == CMD_HISTORY ? JF_REQUIRED : need, cmd->device,
                  sizeof cmd->device, err) < 0 ||
        jf_string(root, "point", "", need, cmd->point, sizeof cmd->point, err) < 0 ||
        jf_string(root, "actor", "", JF_OPTIONAL, who, sizeof who, err) < 0 ||
        jf_string(root, "via", "", JF_OPTIONAL, via, sizeof via, err) < 0)
        return -1;
    if (via[0] && (origin != ORIGIN_LOCAL || strcmp(via, VIA_CONSOLE) != 0))
        return cfg_fail(err, "via", "only the box's own control socket may say a command came "
                        "\"via\": \"" VIA_CONSOLE "\"");
    if (cmd->kind != CMD_WRITE && cJSON_GetObjectItemCaseSensitive(root, "value"))
        return cfg_fail(err, "value", "only the write command takes a value");
    if (cmd->kind == CMD_WRITE &&
        jf_number(root, "value", "", JF_REQUIRED, -COMMAND_VALUE_MAX, COMMAND_VALUE_MAX, &cmd->value, err) < 0)
        return -1;
    snprintf(cmd->actor, sizeof cmd->actor, "%s:%s", via[0] ? via : origin == ORIGIN_LOCAL ? "cli" : "mqtt",
             who);
    return 0;
}

int command_parse(const char *text, size_t len, enum command_origin origin, struct command *cmd,
                  struct cfg_err *err)
{
    memset(cmd, 0, sizeof *cmd);
    snprintf(cmd->name, sizeof cmd->name, "?");
    if (!text || len == 0)
        return cfg_fail(err, NULL, "empty command");
    if (memchr(text, '\0', len) || text[len] != '\0')
        return cfg_fail(err, NULL, "a command is JSON text; this one holds a NUL byte");
    cJSON *root = jf_parse_text(text, "command", err);
    if (!root)
        return -1;
    int rc = parse_fields(root, origin, cmd, err);
    cJSON_Delete(root);
    return rc;
}
