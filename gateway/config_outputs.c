/*
 * config_outputs.c - the local outputs each alarm drives, checked against the site's points.
 *
 * "outputs" sits in a device's point (beside its alarm) and in a combined rule:
 *   "outputs": [{"point": "siren1.horn", "on": 1, "off": 0, "severity": 2, "audible": true}]
 * It is read after every device and rule, so an output may be a point of any
 * device, listed before or after its alarm. Refused, with the JSON path and both
 * points named: an output that does not exist or is not marked "writable": true,
 * an `on` or `off` value the point's registers cannot hold, one output named twice
 * by a rule, two rules that disagree on an output's `off`, and outputs on a point
 * that has no alarm levels (nothing would ever drive them). See docs/rules.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "pdu.h"

#define OUTPUTS_MAX 4096
#define OUTPUT_DEFAULT_ON 1.0
#define OUTPUT_REF_MAX (2 * ID_MAX)
#define OUTPUT_NAME_MAX (2 * ID_MAX + 8)

static const char *const output_keys[] = {"point", "on", "off", "severity", "audible", NULL};

/* "gas1.lel" for a point, "rule cooling_loss" for a combined rule. */
static void outputs_name(const struct config *cfg, uint32_t point, char *out, size_t cap)
{
    const struct point_cfg *pc = config_point_def(cfg, point);
    if (cfg->ncrules && point >= cfg->rules_first_point)
        snprintf(out, cap, "rule %s", pc->id);
    else
        snprintf(out, cap, "%s.%s", config_device_of(cfg, point)->id, pc->id);
}

/* The value is one the output's registers can hold. */
static int outputs_check_value(const struct config *cfg, const struct output_cfg *o, double v,
                               const char *key, const char *path, struct cfg_err *err)
{
    struct pdu_write w;
    char p[CFG_PATH_MAX], name[OUTPUT_NAME_MAX];
    if (pdu_write_encode(&config_point_def(cfg, o->target)->map, v, &w) == 0)
        return 0;
    jf_path_key(p, sizeof p, path, key);
    outputs_name(cfg, o->target, name, sizeof name);
    return cfg_fail(err, p, "%g cannot be written to %s: it does not fit the point's type, scale "
                    "and range (a coil takes 0 or 1)", v, name);
}

/* Against the outputs read before: not twice from one rule, one `off` per output. */
static int outputs_check_clash(const struct config *cfg, const struct output_cfg *o,
                               const char *path, struct cfg_err *err)
{
    char src[OUTPUT_NAME_MAX], tgt[OUTPUT_NAME_MAX], other[OUTPUT_NAME_MAX];
    outputs_name(cfg, o->source, src, sizeof src);
    outputs_name(cfg, o->target, tgt, sizeof tgt);
    for (size_t i = 0; i < cfg->noutputs; i++) {
        const struct output_cfg *q = &cfg->outputs[i];
        if (q->target != o->target)
            continue;
        if (q->source == o->source)
            return cfg_fail(err, path, "%s names output %s twice; name it once", src, tgt);
        if (q->off != o->off) {
            outputs_name(cfg, q->source, other, sizeof other);
            return cfg_fail(err, path, "%s gives output %s \"off\": %g, but %s gives it %g; an "
                            "output has one resting value", src, tgt, o->off, other, q->off);
        }
    }
    return 0;
}

static int outputs_parse_one(const cJSON *obj, const char *path, struct config *cfg,
                             uint32_t source, struct output_cfg *o, struct cfg_err *err)
{
    char ref[OUTPUT_REF_MAX] = "", p[CFG_PATH_MAX], src[OUTPUT_NAME_MAX];
    long severity = 1;
    memset(o, 0, sizeof *o);
    o->source = source;
    o->source_slot = cfg->points[source].alarm_slot;
    o->on = OUTPUT_DEFAULT_ON;
    if (!cJSON_IsObject(obj))
        return cfg_fail(err, path, "expected an object like {\"point\": \"siren1.horn\", \"on\": 1, \"off\": 0}");
    if (jf_known_keys(obj, path, output_keys, err) < 0 ||
        jf_string(obj, "point", path, JF_REQUIRED, ref, sizeof ref, err) < 0 ||
        jf_number(obj, "on", path, JF_OPTIONAL, -1e12, 1e12, &o->on, err) < 0 ||
        jf_number(obj, "off", path, JF_OPTIONAL, -1e12, 1e12, &o->off, err) < 0 ||
        jf_int(obj, "severity", path, JF_OPTIONAL, 1, RULE_MAX_LEVELS, &severity, err) < 0 ||
        jf_bool(obj, "audible", path, JF_OPTIONAL, &o->audible, err) < 0)
        return -1;
    o->min_severity = (int)severity;
    jf_path_key(p, sizeof p, path, "point");
    outputs_name(cfg, source, src, sizeof src);
    long t = config_find_point_ref(cfg, ref);
    if (t == -2)
        return cfg_fail(err, p, "\"%s\" (an output of %s) names more than one point; rename a "
                        "device or point so that device.point is unique", ref, src);
    if (t < 0)
        return cfg_fail(err, p, "output \"%s\" of %s is not a point of this site; write it as "
                        "\"device.point\"", ref, src);
    o->target = (uint32_t)t;
    if (!config_point_def(cfg, t)->writable)
        return cfg_fail(err, p, "output %s of %s is not writable; add {\"id\": \"%s\", \"writable\": "
                        "true} to the points of device %s if the gateway may drive it", ref, src,
                        config_point_def(cfg, t)->id, config_device_of(cfg, t)->id);
    if (outputs_check_value(cfg, o, o->on, "on", path, err) < 0 ||
        outputs_check_value(cfg, o, o->off, "off", path, err) < 0)
        return -1;
    return outputs_check_clash(cfg, o, path, err);
}

/* Append the outputs in arr, all driven by source. */
static int outputs_parse_list(const cJSON *owner, const char *path, struct config *cfg,
                              uint32_t source, struct cfg_err *err)
{
    const cJSON *arr, *it;
    char lp[CFG_PATH_MAX], p[CFG_PATH_MAX], src[OUTPUT_NAME_MAX];
    if (jf_array(owner, "outputs", path, JF_OPTIONAL, &arr, err) < 0)
        return -1;
    if (!arr)
        return 0;
    jf_path_key(lp, sizeof lp, path, "outputs");
    int n = cJSON_GetArraySize(arr);
    if (n > OUTPUTS_PER_RULE_MAX)
        return cfg_fail(err, lp, "names %d outputs; at most %d per rule", n, OUTPUTS_PER_RULE_MAX);
    if (config_point_def(cfg, source)->rule.nlevels == 0) {
        outputs_name(cfg, source, src, sizeof src);
        return cfg_fail(err, lp, "%s has no alarm levels, so nothing would drive its outputs; "
                        "give it an \"alarm\" with \"levels\"", src);
    }
    int i = 0;
    cJSON_ArrayForEach(it, arr) {
        jf_path_index(p, sizeof p, lp, i++);
        if (cfg->noutputs >= OUTPUTS_MAX)
            return cfg_fail(err, p, "more than %d outputs on this site", OUTPUTS_MAX);
        struct output_cfg *grown = realloc(cfg->outputs, (cfg->noutputs + 1) * sizeof *grown);
        if (!grown)
            return cfg_fail(err, p, "out of memory");
        cfg->outputs = grown;
        if (outputs_parse_one(it, p, cfg, source, &grown[cfg->noutputs], err) < 0)
            return -1;
        cfg->noutputs++;
    }
    return 0;
}

/* The devices' points, in the order the config gave them (device i is devices[i]). */
static int outputs_from_devices(const cJSON *root, struct config *cfg, struct cfg_err *err)
{
    const cJSON *devs = cJSON_GetObjectItemCaseSensitive(root, "devices"), *dev, *pt;
    char dp[CFG_PATH_MAX], pp[CFG_PATH_MAX], p[CFG_PATH_MAX];
    int d = 0;
    cJSON_ArrayForEach(dev, devs) {
        const cJSON *pts = cJSON_GetObjectItemCaseSensitive(dev, "points");
        jf_path_index(dp, sizeof dp, "devices", d);
        jf_path_key(pp, sizeof pp, dp, "points");
        int k = 0;
        cJSON_ArrayForEach(pt, pts) {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(pt, "id");
            jf_path_index(p, sizeof p, pp, k++);
            if (!cJSON_GetObjectItemCaseSensitive(pt, "outputs") || !cJSON_IsString(id))
                continue;
            long source = config_find_point(cfg, cfg->devices[d].id, id->valuestring);
            if (source < 0)
                return cfg_fail(err, p, "point \"%s\" was not loaded; the config loader is "
                                "inconsistent", id->valuestring);
            if (outputs_parse_list(pt, p, cfg, (uint32_t)source, err) < 0)
                return -1;
        }
        d++;
    }
    return 0;
}

static int outputs_from_rules(const cJSON *root, struct config *cfg, struct cfg_err *err)
{
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(root, "rules"), *r;
    char p[CFG_PATH_MAX];
    int k = 0;
    cJSON_ArrayForEach(r, rules) {
        jf_path_index(p, sizeof p, "rules", k);
        if (outputs_parse_list(r, p, cfg, (uint32_t)(cfg->rules_first_point + (size_t)k), err) < 0)
            return -1;
        k++;
    }
    return 0;
}

/* Stable by target, so the outputs of one point are one slice in the order listed. */
static void outputs_sort(struct output_cfg *o, size_t n)
{
    for (size_t i = 1; i < n; i++) {
        struct output_cfg key = o[i];
        size_t j = i;
        for (; j > 0 && o[j - 1].target > key.target; j--)
            o[j] = o[j - 1];
        o[j] = key;
    }
}

int config_parse_outputs(const cJSON *root, struct config *cfg, struct cfg_err *err)
{
    if (outputs_from_devices(root, cfg, err) < 0 || outputs_from_rules(root, cfg, err) < 0)
        return -1;
    outputs_sort(cfg->outputs, cfg->noutputs);
    return 0;
}
