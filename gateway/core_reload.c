/*
 * core_reload.c - apply a changed site config without dropping an alarm.
 *
 * SIGHUP and the "reload" command land here. The new file is loaded and validated
 * in full first; a bad one is refused with its reason and the running config goes
 * on untouched. A good one replaces the devices, points and rules: the pollers are
 * stopped, everything already read is processed under the old config and
 * committed, every alarm state is saved, the new tables are built, the states are
 * restored by device/point id (where the rule is unchanged), the local outputs are
 * re-asserted from them, and polling restarts.
 * Identity, broker, store, metrics and console settings need a restart; such a reload is refused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core_internal.h"
#include "core_watchdog.h"
#include "log.h"

/* Why cfg cannot replace the running one in place, or NULL when it can. */
static const char *needs_restart(const struct config *old, const struct config *cfg)
{
    if (strcmp(old->enterprise_id, cfg->enterprise_id) != 0 ||
        strcmp(old->gateway_id, cfg->gateway_id) != 0)
        return "the enterprise or gateway id changed";
    /* Whole-struct compares are sound here: config_parse callocs the config (and the
     * HTTP sections are memset) before setting fields one by one, so padding and
     * string tails are alike for alike input.
     * NOLINTBEGIN(bugprone-suspicious-memory-comparison,cert-exp42-c,cert-flp37-c) */
    if (memcmp(&old->mqtt, &cfg->mqtt, sizeof cfg->mqtt) != 0)
        return "the mqtt section changed";
    if (memcmp(&old->store, &cfg->store, sizeof cfg->store) != 0)
        return "the store section changed";
    if (memcmp(&old->metrics, &cfg->metrics, sizeof cfg->metrics) != 0)
        return "the metrics section changed";
    if (memcmp(&old->console, &cfg->console, sizeof cfg->console) != 0)
        return "the console section changed";
    if (old->national_enabled != cfg->national_enabled ||
        memcmp(&old->national, &cfg->national, sizeof cfg->national) != 0)
        return "the national section changed";
    if (old->nwebhooks != cfg->nwebhooks ||
        memcmp(old->webhooks, cfg->webhooks, sizeof cfg->webhooks) != 0)
        return "the webhooks changed";
    /* NOLINTEND(bugprone-suspicious-memory-comparison,cert-exp42-c,cert-flp37-c) */
    return NULL;
}

/* Save every point's alarm state so the new tables can pick it up by id. */
static int save_all_states(struct core *c)
{
    for (size_t k = 0; k < c->cfg->nalarm_points; k++)
        if (core_save_rule_state(c, c->cfg->alarm_points[k]) < 0)
            return -1;
    return 0;
}

int core_reload(struct core *c, char *why, size_t whylen)
{
    struct cfg_err err;
    struct point_tables t;
    struct config *cfg = config_load(c->cfg->source, c->cfg->profile_dir, &err);
    if (!cfg) {
        snprintf(why, whylen, "%s", err.msg);
        return -1;
    }
    const char *restart = needs_restart(c->cfg, cfg);
    if (restart) {
        snprintf(why, whylen, "%s; restart the service to apply it", restart);
        config_free(cfg);
        return -1;
    }
    if (core_tables_alloc(&t, cfg) < 0) {
        snprintf(why, whylen, "out of memory for %zu points", cfg->npoints);
        config_free(cfg);
        return -1;
    }
    pollers_stop(c->pollers);
    c->pollers = NULL;
    core_drain_samples(c);
    core_flush_telemetry(c);
    core_flush_minutes(c);
    int applied = 0;
    char err2[CFG_ERR_MAX] = "";
    if (save_all_states(c) < 0 || (core_commit(c), c->replay)) {
        snprintf(why, whylen, "the store cannot write (%s); the running config stays",
                 store_last_error(c->store));
        core_tables_free(&t);
        config_free(cfg);
    } else {
        core_rules_close(c);
        core_outputs_close(c);
        config_free(c->cfg);
        c->cfg = cfg;
        core_tables_install(c, &t);
        applied = 1;
        if (core_bind_points(c, err2, sizeof err2) < 0 || core_rules_open(c, err2, sizeof err2) < 0 ||
            core_outputs_open(c, err2, sizeof err2) < 0)
            log_error("reload: %s", err2);
    }
    c->pollers = pollers_start(c->cfg, &c->samples, &c->write_results, err2, sizeof err2);
    if (!c->pollers)
        log_error("reload: polling could not restart: %s", err2);
    c->poll_period_ms = watchdog_poll_period_ms(c->cfg);
    if (applied)
        log_info("reloaded %s: %zu devices, %zu points", c->cfg->source, c->cfg->ndevices, c->cfg->npoints);
    return applied ? 0 : -1;
}
