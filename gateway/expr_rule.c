/*
 * expr_rule.c - combined rules: parse one, and step it through the single-point engine.
 *
 * Nothing of the alarm lifecycle is written again here. The rule's options that mean
 * the same as a point alarm's (on_delay_s, off_delay_s, latch) are handed to
 * rules_parse itself, inside an alarm object built for the purpose, so they are checked
 * by the same code with the same limits and messages; the condition's answer is fed to
 * rules_eval as a reading (expr_rule.h).
 */
#include <stdio.h>
#include <string.h>
#include "expr_rule.h"

#define EXPR_RULE_TRUE_SETPOINT 1.0   /* the virtual reading is 1 when the condition holds */
#define EXPR_RULE_DEFAULT_LEVEL "alarm"

static const char *const rule_keys[] = {"id", "name", "when", "level", "severity",
                                        "on_delay_s", "off_delay_s", "latch",
                                        "outputs", NULL};  /* outputs: config_outputs.c */
static const char *const lifecycle_keys[] = {"on_delay_s", "off_delay_s", "latch", NULL};

/* {"levels":[{"name":level,"above":1,"severity":sev}], plus the lifecycle keys of obj}. */
static cJSON *expr_rule_alarm(const cJSON *obj, const char *level, long severity)
{
    cJSON *alarm = cJSON_CreateObject();
    cJSON *levels = cJSON_AddArrayToObject(alarm, "levels");
    cJSON *l = cJSON_CreateObject();
    if (!levels || !l || !cJSON_AddItemToArray(levels, l)) {
        cJSON_Delete(l);
        cJSON_Delete(alarm);
        return NULL;
    }
    int ok = cJSON_AddStringToObject(l, "name", level) &&
             cJSON_AddNumberToObject(l, "above", EXPR_RULE_TRUE_SETPOINT) &&
             cJSON_AddNumberToObject(l, "severity", (double)severity);
    for (int i = 0; ok && lifecycle_keys[i]; i++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, lifecycle_keys[i]);
        cJSON *copy = it ? cJSON_Duplicate(it, 1) : NULL;
        if (it && (!copy || !cJSON_AddItemToObject(alarm, lifecycle_keys[i], copy))) {
            cJSON_Delete(copy);
            ok = 0;
        }
    }
    if (!ok) {
        cJSON_Delete(alarm);
        return NULL;
    }
    return alarm;
}

static int expr_rule_lifecycle(const cJSON *obj, const char *path, struct expr_rule *out,
                               struct cfg_err *err)
{
    char level[EVENT_LEVEL_NAME_MAX] = EXPR_RULE_DEFAULT_LEVEL;
    long severity = 1;
    if (jf_string(obj, "level", path, JF_OPTIONAL, level, sizeof level, err) < 0 ||
        jf_int(obj, "severity", path, JF_OPTIONAL, 1, RULE_MAX_LEVELS, &severity, err) < 0)
        return -1;
    if (!*level)
        return cfg_fail(err, path, "\"level\" is empty; name the level its events carry, "
                        "e.g. \"alarm\"");
    cJSON *alarm = expr_rule_alarm(obj, level, severity);
    if (!alarm)
        return cfg_fail(err, path, "out of memory reading the rule");
    int rc = rules_parse(alarm, path, &out->rule, err);
    cJSON_Delete(alarm);
    return rc;
}

static int expr_rule_when(const cJSON *obj, const char *path, const struct expr_scope *scope,
                          struct expr_rule *out, struct cfg_err *err)
{
    char text[EXPR_TEXT_MAX + 1], p[CFG_PATH_MAX];
    struct expr_err xe;
    if (jf_string(obj, "when", path, JF_REQUIRED, text, sizeof text, err) < 0)
        return -1;
    out->when = expr_compile(text, scope, &xe);
    if (out->when)
        return 0;
    jf_path_key(p, sizeof p, path, "when");
    snprintf(err->msg, sizeof err->msg, "%s:%s", p, xe.msg);
    return -1;
}

int expr_rule_parse(const cJSON *obj, const char *path, const struct expr_scope *scope,
                    struct expr_rule *out, struct cfg_err *err)
{
    memset(out, 0, sizeof *out);
    if (!cJSON_IsObject(obj))
        return cfg_fail(err, path, "expected a rule like {\"id\": \"cooling_loss\", "
                        "\"when\": \"cast.casting == 1 and cast.cool_p < 0.15\"}");
    if (jf_known_keys(obj, path, rule_keys, err) < 0 ||
        jf_string(obj, "id", path, JF_REQUIRED, out->id, sizeof out->id, err) < 0 ||
        jf_string(obj, "name", path, JF_OPTIONAL, out->name, sizeof out->name, err) < 0 ||
        expr_rule_lifecycle(obj, path, out, err) < 0 ||
        expr_rule_when(obj, path, scope, out, err) < 0) {
        memset(out, 0, sizeof *out);
        return -1;
    }
    if (!*out->name)
        snprintf(out->name, sizeof out->name, "%s", out->id);
    return 0;
}

void expr_rule_free(struct expr_rule *r)
{
    expr_free(r->when);
    r->when = NULL;
}

/* The quality an undecidable condition carries in the rule's state: that of the first
 * point it reads that is in fault, or OUT_OF_RANGE when no reading is (a window with
 * too few samples, a calendar without local time). */
static enum quality expr_rule_unknown_quality(const struct expr_rule *r,
                                              const struct expr_env *env)
{
    const uint32_t *points;
    size_t n = expr_points(r->when, &points);
    for (size_t i = 0; i < n; i++) {
        if (points[i] >= env->npoints)
            return QUALITY_COMM_FAIL;
        if (!quality_has_value(env->latest[points[i]].quality))
            return env->latest[points[i]].quality;
    }
    return QUALITY_OUT_OF_RANGE;
}

int expr_rule_step(struct expr_rule *r, struct rule_state *st, struct expr_env *env,
                   uint32_t point, struct event *out)
{
    enum expr_truth t = expr_eval(r->when, env);
    struct sample s = {
        .point = point, .value = t == EXPR_TRUE ? EXPR_RULE_TRUE_SETPOINT : 0.0,
        .quality = t == EXPR_UNKNOWN ? expr_rule_unknown_quality(r, env) : QUALITY_GOOD,
        .ts_ms = env->wall_ms, .mono_ms = env->mono_ms,
    };
    struct event ev[RULE_MAX_EVENTS];
    int n = rules_eval(&r->rule, st, &s, env->mono_ms, ev), kept = 0;
    for (int i = 0; i < n; i++)
        if (ev[i].kind != EV_FAULT && ev[i].kind != EV_FAULT_CLEARED)
            out[kept++] = ev[i];
    return kept;
}
