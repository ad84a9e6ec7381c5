/*
 * fuzz_rules.c - a point's "alarm" object against arbitrary JSON, then the rule it yields.
 *
 * Alarm rules come from profiles and from hand-edited site configs. rules_parse
 * must refuse any object with a sentence naming the path; an object it accepts
 * must be a rule the engine can run. So each accepted rule is driven through a
 * walk that crosses every setpoint up and down (past the hysteresis band), waits
 * out the delays, loses the reading to a fault and gets it back, and takes a
 * silence and a reset; every evaluation must stay within RULE_MAX_EVENTS events
 * whose severity is one the rule defines.
 */
#include "fuzz_util.h"
#include "rules.h"

#define FUZZ_RULES_POINT 3u
#define FUZZ_RULES_WALL0 1700000000000LL
#define FUZZ_RULES_STEP_MS 1000
#define FUZZ_RULES_HOLD_MS (2LL * 24 * 3600 * 1000)   /* past any on/off delay */

struct fuzz_rule_run {
    const struct rule_cfg *cfg;
    struct rule_state st;
    int64_t now;
    int max_severity;
};

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

/* What one call decided must be a legal answer. */
static void fuzz_rules_check(const struct fuzz_rule_run *r, int n, const struct event *ev)
{
    if (n < 0 || n > RULE_MAX_EVENTS)
        abort();
    for (int i = 0; i < n; i++)
        if (ev[i].severity < 0 || ev[i].severity > r->max_severity ||
            (unsigned)ev[i].kind >= EV_KIND_COUNT ||
            strnlen(ev[i].level, sizeof ev[i].level) == sizeof ev[i].level)
            abort();
}

/* Feed one reading, then let time pass by `wait_ms` with a timer tick. */
static void fuzz_rules_feed(struct fuzz_rule_run *r, double value, enum quality q, int64_t wait_ms)
{
    struct event ev[RULE_MAX_EVENTS];
    struct sample s = {.point = FUZZ_RULES_POINT, .quality = q, .value = value,
                       .ts_ms = FUZZ_RULES_WALL0 + r->now, .mono_ms = r->now};
    fuzz_rules_check(r, rules_eval(r->cfg, &r->st, &s, r->now, ev), ev);
    r->now += wait_ms;
    fuzz_rules_check(r, rules_tick(r->cfg, &r->st, FUZZ_RULES_POINT, r->now,
                                   FUZZ_RULES_WALL0 + r->now, ev), ev);
}

/* Operator acts: refused or one event, never anything else. */
static void fuzz_rules_acts(struct fuzz_rule_run *r)
{
    struct event ev[RULE_MAX_EVENTS];
    const char *why = NULL;
    int n = rules_silence(r->cfg, &r->st, FUZZ_RULES_POINT, FUZZ_RULES_WALL0 + r->now, "fuzz", ev, &why);
    if (n != 1 && !(n == -1 && why))
        abort();
    n = rules_reset(r->cfg, &r->st, FUZZ_RULES_POINT, FUZZ_RULES_WALL0 + r->now, "fuzz", ev, &why);
    if (n != 1 && !(n == -1 && why))
        abort();
}

/* Cross every setpoint from the quiet side, hold, and come back, with a fault between. */
static void fuzz_rules_walk(struct fuzz_rule_run *r)
{
    const struct rule_cfg *cfg = r->cfg;
    for (int i = 0; i < cfg->nlevels; i++) {
        double sp = cfg->levels[i].setpoint;
        double away = cfg->levels[i].dir == LEVEL_HIGH ? -1.0 : 1.0;
        double quiet = sp + away * (cfg->hysteresis + 1.0);
        fuzz_rules_feed(r, sp, QUALITY_GOOD, FUZZ_RULES_STEP_MS);
        fuzz_rules_feed(r, sp - away, QUALITY_GOOD, FUZZ_RULES_HOLD_MS);
        fuzz_rules_feed(r, sp - away, QUALITY_UNCERTAIN, FUZZ_RULES_STEP_MS);
        fuzz_rules_acts(r);
        fuzz_rules_feed(r, 0.0, QUALITY_SENSOR_FAULT, FUZZ_RULES_STEP_MS);
        fuzz_rules_feed(r, sp, QUALITY_GOOD, FUZZ_RULES_HOLD_MS);
        fuzz_rules_feed(r, quiet, QUALITY_GOOD, FUZZ_RULES_HOLD_MS);
        fuzz_rules_feed(r, quiet, QUALITY_GOOD, FUZZ_RULES_HOLD_MS);
        fuzz_rules_acts(r);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cfg_err err = {""};
    struct rule_cfg cfg;
    cJSON *root = cJSON_ParseWithLength((const char *)data, size);
    if (!root)
        return 0;
    if (rules_parse(root, "alarm", &cfg, &err) == 0) {
        struct fuzz_rule_run r = {.cfg = &cfg};
        if (cfg.nlevels < 0 || cfg.nlevels > RULE_MAX_LEVELS)
            abort();
        for (int i = 0; i < cfg.nlevels; i++)
            if (cfg.levels[i].severity > r.max_severity)
                r.max_severity = cfg.levels[i].severity;
        rules_state_init(&r.st);
        fuzz_rules_walk(&r);
    } else if (err.msg[0] == '\0') {
        abort();
    }
    cJSON_Delete(root);
    return 0;
}
