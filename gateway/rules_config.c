/*
 * rules_config.c - read a point's "alarm" object into a rule_cfg, or say what is wrong.
 *
 *   {"levels":[{"name":"level1","above":25},{"name":"level2","above":50}],
 *    "hysteresis":2,"on_delay_s":0,"off_delay_s":0,"latch":false,
 *    "confirm":{"n":2,"m":3},"stale":{"for_s":600,"band":0.1}}
 *
 * The engine trusts what this file accepts, so every rule that would make the
 * engine's answer ambiguous is refused here: levels whose severity order and
 * setpoint order disagree, two levels of one direction with the same severity,
 * a hysteresis wide enough for a reading to be too low and too high at once.
 * Every message names the JSON path and says what to change (docs/rules.md).
 */
#include <float.h>
#include <math.h>
#include <string.h>
#include "rules_internal.h"

#define RULE_MAX_DELAY_S 86400.0    /* a day; a longer delay is a typo, not a site choice */
#define MS_PER_S 1000.0
#define RULE_MIN_STALE_S 1.0        /* shorter than a second is a poll interval, not a frozen sensor */

static const char *const alarm_keys[] = {
    "levels", "hysteresis", "on_delay_s", "off_delay_s", "latch", "confirm", "stale", NULL};
static const char *const level_keys[] = {"name", "above", "below", "severity", NULL};
static const char *const confirm_keys[] = {"n", "m", NULL};
static const char *const stale_keys[] = {"for_s", "band", NULL};

static const char *dir_word(enum level_dir d)
{
    return d == LEVEL_HIGH ? "above" : "below";
}

/* One level: a name, exactly one of above/below, and an optional severity.
 * next_severity[dir] numbers the levels of each direction in order of appearance. */
static int rules_parse_level(const cJSON *obj, const char *path, struct level_cfg *l,
                             int next_severity[2], struct cfg_err *err)
{
    if (!cJSON_IsObject(obj))
        return cfg_fail(err, path, "expected an object like {\"name\":\"level1\",\"above\":25}");
    if (jf_known_keys(obj, path, level_keys, err) < 0 ||
        jf_string(obj, "name", path, JF_REQUIRED, l->name, sizeof l->name, err) < 0)
        return -1;
    int has_above = cJSON_GetObjectItemCaseSensitive(obj, "above") != NULL;
    int has_below = cJSON_GetObjectItemCaseSensitive(obj, "below") != NULL;
    if (has_above == has_below)
        return cfg_fail(err, path, "give exactly one of \"above\" (a high alarm) or \"below\" "
                                   "(a low alarm), found %s", has_above ? "both" : "neither");
    l->dir = has_above ? LEVEL_HIGH : LEVEL_LOW;
    if (jf_number(obj, dir_word(l->dir), path, JF_REQUIRED, -DBL_MAX, DBL_MAX, &l->setpoint,
                  err) < 0)
        return -1;
    long severity = next_severity[l->dir]++;
    if (jf_int(obj, "severity", path, JF_OPTIONAL, 1, RULE_MAX_LEVELS, &severity, err) < 0)
        return -1;
    l->severity = (int)severity;
    return 0;
}

/* Two levels of one direction: distinct severities, and the more severe one further out. */
static int rules_check_pair(const struct level_cfg *a, const struct level_cfg *b,
                            const char *bpath, struct cfg_err *err)
{
    if (a->severity == b->severity)
        return cfg_fail(err, bpath, "\"%s\" and \"%s\" are both %s levels of severity %d; "
                        "give each a different \"severity\"", a->name, b->name,
                        a->dir == LEVEL_HIGH ? "high" : "low", a->severity);
    const struct level_cfg *more = a->severity > b->severity ? a : b;
    const struct level_cfg *less = more == a ? b : a;
    int further = more->dir == LEVEL_HIGH ? more->setpoint > less->setpoint
                                          : more->setpoint < less->setpoint;
    if (further)
        return 0;
    return cfg_fail(err, bpath, "\"%s\" (severity %d, %s %g) is more severe than \"%s\" "
                    "(severity %d, %s %g) but its setpoint is not %s; list levels from the "
                    "mildest, or set \"severity\" to match the setpoints",
                    more->name, more->severity, dir_word(more->dir), more->setpoint,
                    less->name, less->severity, dir_word(less->dir), less->setpoint,
                    more->dir == LEVEL_HIGH ? "higher" : "lower");
}

/* Names unique, each direction ordered, and no reading both too low and too high. */
static int rules_check_levels(const struct rule_cfg *cfg, const char *path,
                              struct cfg_err *err)
{
    char p[CFG_PATH_MAX], lp[CFG_PATH_MAX];
    int top_low = RULE_LEVEL_NONE, bottom_high = RULE_LEVEL_NONE;
    jf_path_key(lp, sizeof lp, path, "levels");
    for (int j = 0; j < cfg->nlevels; j++) {
        const struct level_cfg *b = &cfg->levels[j];
        jf_path_index(p, sizeof p, lp, j);
        for (int i = 0; i < j; i++) {
            const struct level_cfg *a = &cfg->levels[i];
            if (strcmp(a->name, b->name) == 0)
                return cfg_fail(err, p, "the name \"%s\" is used twice; give each level "
                                "its own name", b->name);
            if (a->dir == b->dir && rules_check_pair(a, b, p, err) < 0)
                return -1;
        }
        if (b->dir == LEVEL_LOW && (top_low < 0 || b->setpoint > cfg->levels[top_low].setpoint))
            top_low = j;
        if (b->dir == LEVEL_HIGH &&
            (bottom_high < 0 || b->setpoint < cfg->levels[bottom_high].setpoint))
            bottom_high = j;
    }
    if (top_low < 0 || bottom_high < 0)
        return 0;
    double lo = cfg->levels[top_low].setpoint, hi = cfg->levels[bottom_high].setpoint;
    if (hi - lo > cfg->hysteresis)
        return 0;
    jf_path_key(p, sizeof p, path, "hysteresis");
    return cfg_fail(err, p, "the low alarm \"%s\" (below %g) and the high alarm \"%s\" "
                    "(above %g) are %g apart, not more than the hysteresis %g, so one reading "
                    "could be in both; lower the hysteresis or move the setpoints apart",
                    cfg->levels[top_low].name, lo, cfg->levels[bottom_high].name, hi, hi - lo,
                    cfg->hysteresis);
}

static int rules_parse_levels(const cJSON *alarm, const char *path, struct rule_cfg *cfg,
                              struct cfg_err *err)
{
    char lp[CFG_PATH_MAX], p[CFG_PATH_MAX];
    const cJSON *levels;
    /* A stale check may stand alone: a point that must move but has no setpoints. A rule
     * parsed over another (a site over its profile) keeps the levels it does not restate. */
    enum jf_presence need = cJSON_GetObjectItemCaseSensitive(alarm, "stale") || cfg->nlevels > 0
                                ? JF_OPTIONAL : JF_REQUIRED;
    if (jf_array(alarm, "levels", path, need, &levels, err) < 0)
        return -1;
    if (!levels)
        return 0;
    memset(cfg->levels, 0, sizeof cfg->levels);
    jf_path_key(lp, sizeof lp, path, "levels");
    int n = cJSON_GetArraySize(levels);
    if (n < 1 || n > RULE_MAX_LEVELS)
        return cfg_fail(err, lp, "expected 1 to %d levels, found %d", RULE_MAX_LEVELS, n);
    int next_severity[2] = {1, 1};
    int i = 0;
    for (const cJSON *it = levels->child; it; it = it->next, i++) {
        jf_path_index(p, sizeof p, lp, i);
        if (rules_parse_level(it, p, &cfg->levels[i], next_severity, err) < 0)
            return -1;
    }
    cfg->nlevels = n;
    return 0;
}

static int rules_parse_hysteresis(const cJSON *alarm, const char *path, double *h,
                                  struct cfg_err *err)
{
    char p[CFG_PATH_MAX];
    if (jf_number(alarm, "hysteresis", path, JF_OPTIONAL, -DBL_MAX, DBL_MAX, h, err) < 0)
        return -1;
    if (*h >= 0.0)
        return 0;
    jf_path_key(p, sizeof p, path, "hysteresis");
    return cfg_fail(err, p, "%g is negative; it is the band (in the point's unit) a value "
                    "must cross back before its level clears, 0 or more", *h);
}

static int rules_parse_delay(const cJSON *alarm, const char *key, const char *path,
                             int64_t *ms, struct cfg_err *err)
{
    double s = (double)*ms / MS_PER_S;     /* absent: unchanged */
    if (jf_number(alarm, key, path, JF_OPTIONAL, 0.0, RULE_MAX_DELAY_S, &s, err) < 0)
        return -1;
    *ms = (int64_t)llround(s * MS_PER_S);
    return 0;
}

static int rules_parse_confirm(const cJSON *alarm, const char *path, struct rule_cfg *cfg,
                               struct cfg_err *err)
{
    char p[CFG_PATH_MAX];
    const cJSON *c;
    long n, m;
    if (jf_object(alarm, "confirm", path, JF_OPTIONAL, &c, err) < 0)
        return -1;
    if (!c)
        return 0;
    jf_path_key(p, sizeof p, path, "confirm");
    if (jf_known_keys(c, p, confirm_keys, err) < 0 ||
        jf_int(c, "n", p, JF_REQUIRED, 1, RULE_CONFIRM_MAX, &n, err) < 0 ||
        jf_int(c, "m", p, JF_REQUIRED, 1, RULE_CONFIRM_MAX, &m, err) < 0)
        return -1;
    if (n > m) {
        char np[CFG_PATH_MAX];
        jf_path_key(np, sizeof np, p, "n");
        return cfg_fail(err, np, "%ld is more than m (%ld): an alarm needs n of the last m "
                        "samples, so n cannot exceed m", n, m);
    }
    cfg->confirm_n = (int)n;
    cfg->confirm_m = (int)m;
    return 0;
}

/* "stale": {"for_s": 600, "band": 0.1}: STALE after for_s seconds within band. */
static int rules_parse_stale(const cJSON *alarm, const char *path, struct rule_cfg *cfg,
                             struct cfg_err *err)
{
    char p[CFG_PATH_MAX];
    const cJSON *st;
    if (jf_object(alarm, "stale", path, JF_OPTIONAL, &st, err) < 0)
        return -1;
    if (!st)
        return 0;
    jf_path_key(p, sizeof p, path, "stale");
    double s = 0.0;
    cfg->stale_band = 0.0;
    if (jf_known_keys(st, p, stale_keys, err) < 0 ||
        jf_number(st, "for_s", p, JF_REQUIRED, RULE_MIN_STALE_S, RULE_MAX_DELAY_S, &s, err) < 0 ||
        jf_number(st, "band", p, JF_OPTIONAL, 0.0, DBL_MAX, &cfg->stale_band, err) < 0)
        return -1;
    cfg->stale_ms = (int64_t)llround(s * MS_PER_S);
    return 0;
}

int rules_parse(const cJSON *alarm, const char *path, struct rule_cfg *cfg, struct cfg_err *err)
{
    memset(cfg, 0, sizeof *cfg);
    return rules_parse_over(alarm, path, cfg, err);
}

int rules_parse_over(const cJSON *alarm, const char *path, struct rule_cfg *cfg, struct cfg_err *err)
{
    if (!cJSON_IsObject(alarm))
        return cfg_fail(err, path, "expected an object like {\"levels\":[{\"name\":\"level1\","
                                   "\"above\":25}]}");
    if (jf_known_keys(alarm, path, alarm_keys, err) < 0 ||
        rules_parse_levels(alarm, path, cfg, err) < 0 ||
        rules_parse_hysteresis(alarm, path, &cfg->hysteresis, err) < 0 ||
        rules_parse_delay(alarm, "on_delay_s", path, &cfg->on_delay_ms, err) < 0 ||
        rules_parse_delay(alarm, "off_delay_s", path, &cfg->off_delay_ms, err) < 0 ||
        jf_bool(alarm, "latch", path, JF_OPTIONAL, &cfg->latch, err) < 0 ||
        rules_parse_confirm(alarm, path, cfg, err) < 0 ||
        rules_parse_stale(alarm, path, cfg, err) < 0 ||
        rules_check_levels(cfg, path, err) < 0) {
        memset(cfg, 0, sizeof *cfg);
        return -1;
    }
    return 0;
}
