/*
 * command.c - commands from the platform on {prefix}/{enterprise}/{gateway}/cmd.
 * (A history request is checked here and answered in chunks by core_history_ask.c.)
 *
 * A command is untrusted text. It is parsed, checked field by field, executed on
 * the core thread, and always answered on .../reply with the caller's "id", so the
 * monitoring centre knows whether its silence or reset took effect and why not.
 * A bad command changes nothing. Who may publish here is the broker's ACL's job
 * (docs/security.md); every silence and reset is recorded with its actor, and so
 * is every write. A write reaches a field device only for a point the site config
 * marks "writable" and no alarm drives; it is queued for the device's poller and
 * its outcome is recorded as an OUTPUT or OUTPUT_FAILED event with the actor.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "command_parse.h"
#include "core_internal.h"
#include "log.h"
#include "payload.h"
#include "sink_mqtt.h"

#define REPLY_MAX 2048

struct reply {
    const struct command *cmd;
    char error[CFG_ERR_MAX];
    const struct reading *reading;  /* "read": the reading to return */
    int queued;                     /* "write": handed to the device's poller */
    int later;                      /* "history": answered in chunks from now on, no reply here */
};

/* The reply JSON into out; -1 when it does not fit, 0 when the answer comes later. */
static int format_reply(const struct reply *r, char *out, size_t cap)
{
    struct jw w;
    if (r->later)
        return 0;
    jw_init(&w, out, cap);
    jw_open(&w, '{');
    payload_reply_head(&w, r->cmd->id, r->cmd->name, r->error[0] == '\0');
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
    if (r->queued) {
        jw_key(&w, "queued");
        jw_bool(&w, 1);
    }
    jw_close(&w, '}');
    return jw_end(&w);
}

/* The point a command names; -1 with r->error set. */
static long command_point(struct core *c, struct reply *r)
{
    long p = config_find_point(c->cfg, r->cmd->device, r->cmd->point);
    if (p < 0)
        snprintf(r->error, sizeof r->error, "no point %s/%s on this gateway", r->cmd->device, r->cmd->point);
    return p;
}

/* silence or reset one point's alarm, recording who asked. */
static void operator_act(struct core *c, struct reply *r)
{
    struct event ev;
    const char *why = NULL;
    long p = command_point(c, r);
    if (p < 0)
        return;
    const struct rule_cfg *rule = &config_point_def(c->cfg, p)->rule;
    struct rule_state *st = core_alarm_state(c, (size_t)p);
    if (!st) {
        snprintf(r->error, sizeof r->error, "the point has no alarm rule, so it has no alarm to %s",
                 r->cmd->kind == CMD_RESET ? "reset" : "silence");
        return;
    }
    memset(&ev, 0, sizeof ev);
    int n = r->cmd->kind == CMD_RESET
                ? rules_reset(rule, st, (uint32_t)p, clock_wall_ms(), r->cmd->actor, &ev, &why)
                : rules_silence(rule, st, (uint32_t)p, clock_wall_ms(), r->cmd->actor, &ev, &why);
    if (n < 0) {
        snprintf(r->error, sizeof r->error, "%s", why ? why : "refused");
        return;
    }
    if (n > 0) {
        core_record_event(c, &ev);
        core_send_events(c);
    }
}

int command_run(struct core *c, const char *text, size_t len, enum command_origin origin, char *out,
                size_t cap)
{
    struct command cmd;
    struct cfg_err err;
    struct reply r;
    memset(&r, 0, sizeof r);
    r.cmd = &cmd;
    if (command_parse(text, len, origin, &cmd, &err) < 0) {
        snprintf(r.error, sizeof r.error, "%s", err.msg);
    } else if (cmd.kind == CMD_SILENCE || cmd.kind == CMD_RESET) {
        operator_act(c, &r);
    } else if (cmd.kind == CMD_READ) {
        long p = command_point(c, &r);
        if (p >= 0)
            r.reading = &c->latest[p];
    } else if (cmd.kind == CMD_RELOAD) {
        core_reload(c, r.error, sizeof r.error);
    } else if (cmd.kind == CMD_WRITE) {
        long p = command_point(c, &r);
        r.queued = p >= 0 && core_outputs_write(c, (uint32_t)p, cmd.value, cmd.actor, r.error,
                                                sizeof r.error) == 0;
    } else if (cmd.kind == CMD_HISTORY && origin == ORIGIN_LOCAL) {
        snprintf(r.error, sizeof r.error, "history is answered on MQTT (.../reply); on the box, read the "
                 "store with sqlite3");
    } else if (cmd.kind == CMD_HISTORY) {
        r.later = core_history_ask(c, &cmd, r.error, sizeof r.error) == 0;
    }
    const char *from = origin == ORIGIN_LOCAL ? "the box" : "mqtt";
    const char *who = cmd.actor[0] ? cmd.actor : from;
    if (r.error[0])
        log_warn("command %s %s%s%s from %s refused: %s", cmd.name, cmd.device, cmd.point[0] ? "/" : "",
                 cmd.point, who, r.error);
    else
        log_info("command %s %s%s%s from %s done", cmd.name, cmd.device, cmd.point[0] ? "/" : "",
                 cmd.point, who);
    return format_reply(&r, out, cap);
}

void command_handle(struct core *c, const char *text, size_t len)
{
    char topic[TOPIC_MAX], out[REPLY_MAX];
    if (command_run(c, text, len, ORIGIN_MQTT, out, sizeof out) <= 0 || !c->mqtt ||
        topic_gateway(topic, sizeof topic, c->cfg, "reply") < 0)
        return;
    sink_mqtt_publish(c->mqtt, topic, out, 0);
}
