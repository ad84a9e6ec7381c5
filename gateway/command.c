/*
 * command.c - commands from the platform on {prefix}/{enterprise}/{gateway}/cmd.
 *
 * A command is untrusted text. It is parsed, checked field by field, executed on
 * the core thread, and always answered on .../reply with the caller's "id", so the
 * monitoring centre knows whether its silence or reset took effect and why not.
 * A bad command changes nothing. Who may publish here is the broker's ACL's job
 * (docs/security.md); every silence and reset is recorded with its actor.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "clock.h"
#include "core_internal.h"
#include "json_field.h"
#include "log.h"
#include "payload.h"
#include "sink_mqtt.h"

#define REPLY_MAX 2048
#define COMMAND_ID_MAX 64
#define ACTOR_PREFIX "mqtt:"

struct reply {
    char id[COMMAND_ID_MAX];
    char cmd[ID_MAX];
    char error[CFG_ERR_MAX];
    const struct sample *reading;   /* "read": the sample to return */
};

static void send_reply(struct core *c, const struct reply *r)
{
    char topic[TOPIC_MAX], out[REPLY_MAX];
    struct jw w;
    jw_init(&w, out, sizeof out);
    jw_open(&w, '{');
    jw_key(&w, "v");
    jw_int(&w, INTERFACE_VERSION);
    jw_key(&w, "id");
    jw_str(&w, r->id);
    jw_key(&w, "cmd");
    jw_str(&w, r->cmd);
    jw_key(&w, "ok");
    jw_bool(&w, r->error[0] == '\0');
    if (r->error[0]) {
        jw_key(&w, "error");
        jw_str(&w, r->error);
    }
    if (r->reading) {
        jw_key(&w, "value");
        jw_num(&w, quality_has_value(r->reading->quality) ? r->reading->value : NAN);
        jw_key(&w, "quality");
        jw_str(&w, r->reading->ts_ms ? quality_name(r->reading->quality) : "none");
        jw_key(&w, "ts");
        jw_int(&w, r->reading->ts_ms);
    }
    jw_close(&w, '}');
    if (jw_end(&w) < 0 || topic_gateway(topic, sizeof topic, c->cfg, "reply") < 0 || !c->mqtt)
        return;
    sink_mqtt_publish(c->mqtt, topic, out, 0);
}

/* The point a command names by "device" and "point"; -1 with r->error set. */
static long command_point(struct core *c, const cJSON *root, struct reply *r)
{
    char dev[ID_MAX] = "", pt[ID_MAX] = "";
    struct cfg_err err;
    if (jf_string(root, "device", "", JF_REQUIRED, dev, sizeof dev, &err) < 0 ||
        jf_string(root, "point", "", JF_REQUIRED, pt, sizeof pt, &err) < 0) {
        snprintf(r->error, sizeof r->error, "%s", err.msg);
        return -1;
    }
    long p = config_find_point(c->cfg, dev, pt);
    if (p < 0)
        snprintf(r->error, sizeof r->error, "no point %s/%s on this gateway", dev, pt);
    return p;
}

/* silence or reset one point's alarm, recording who asked. */
static void operator_act(struct core *c, const cJSON *root, struct reply *r, int reset)
{
    char who[EVENT_ACTOR_MAX - sizeof ACTOR_PREFIX] = "platform", actor[EVENT_ACTOR_MAX];
    struct cfg_err err;
    struct event ev;
    const char *why = NULL;
    long p = command_point(c, root, r);
    if (p < 0)
        return;
    if (jf_string(root, "actor", "", JF_OPTIONAL, who, sizeof who, &err) < 0) {
        snprintf(r->error, sizeof r->error, "%s", err.msg);
        return;
    }
    snprintf(actor, sizeof actor, ACTOR_PREFIX "%s", who);
    const struct rule_cfg *rule = &c->cfg->points[p].rule;
    memset(&ev, 0, sizeof ev);
    int n = reset ? rules_reset(rule, &c->rule_state[p], (uint32_t)p, clock_wall_ms(), actor, &ev, &why)
                  : rules_silence(rule, &c->rule_state[p], (uint32_t)p, clock_wall_ms(), actor, &ev, &why);
    if (n < 0) {
        snprintf(r->error, sizeof r->error, "%s", why ? why : "refused");
        return;
    }
    if (n > 0) {
        core_record_event(c, &ev);
        core_commit(c);
    }
}

void command_handle(struct core *c, const char *text, size_t len)
{
    struct reply r;
    struct cfg_err err;
    memset(&r, 0, sizeof r);
    snprintf(r.cmd, sizeof r.cmd, "?");
    cJSON *root = (text && len && strlen(text) == len) ? jf_parse_text(text, "command", &err) : NULL;
    if (!root) {
        snprintf(r.error, sizeof r.error, "%s", (text && len) ? err.msg : "empty command");
    } else if (!cJSON_IsObject(root)) {
        snprintf(r.error, sizeof r.error, "a command is a JSON object like {\"cmd\":\"status\"}");
    } else if (jf_string(root, "id", "", JF_OPTIONAL, r.id, sizeof r.id, &err) < 0 ||
               jf_string(root, "cmd", "", JF_REQUIRED, r.cmd, sizeof r.cmd, &err) < 0) {
        snprintf(r.error, sizeof r.error, "%s", err.msg);
    } else if (strcmp(r.cmd, "silence") == 0 || strcmp(r.cmd, "reset") == 0) {
        operator_act(c, root, &r, r.cmd[0] == 'r');
    } else if (strcmp(r.cmd, "read") == 0) {
        long p = command_point(c, root, &r);
        if (p >= 0)
            r.reading = &c->latest[p];
    } else if (strcmp(r.cmd, "reload") == 0) {
        core_reload(c, r.error, sizeof r.error);
    } else if (strcmp(r.cmd, "status") != 0) {
        snprintf(r.error, sizeof r.error,
                 "unknown command \"%s\" (known: status, read, silence, reset, reload)", r.cmd);
    }
    if (r.error[0])
        log_warn("command %s refused: %s", r.cmd, r.error);
    else
        log_info("command %s done", r.cmd);
    send_reply(c, &r);
    cJSON_Delete(root);
}
