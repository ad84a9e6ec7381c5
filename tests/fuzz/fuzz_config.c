/*
 * fuzz_config.c - the site config parser against arbitrary text.
 *
 * A config file is edited by hand on site and reloaded into a running daemon
 * (SIGHUP, the reload command), so config_parse must refuse any text with a
 * sentence and never crash, leak or read out of bounds. Profiles come from the
 * real profile directory, so a fuzzed device may name gas_lel and have its
 * overrides merged into a real register map.
 */
#include "config.h"
#include "fuzz_util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_quiet();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct cfg_err err = {""};
    char *text = fuzz_text(data, size);
    if (!text)
        return 0;
    struct config *cfg = config_parse(text, "fuzz.json", FUZZ_PROFILE_DIR, &err);
    if (cfg) {
        /* Lookups walk the flattened arrays a parse built: check they agree. */
        for (size_t i = 0; i < cfg->npoints; i++) {
            const struct site_point *sp = &cfg->points[i];
            if (sp->device >= cfg->ndevices ||
                sp->def_index >= cfg->defs.n ||
                config_find_point(cfg, cfg->devices[sp->device].id, config_point_def(cfg, i)->id) < 0)
                abort();
        }
        config_free(cfg);
    } else if (err.msg[0] == '\0') {
        abort();                        /* a refusal must say why */
    }
    free(text);
    return 0;
}
