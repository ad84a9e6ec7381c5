/*
 * sim_options.h - riskgw-sim's command line, in its three forms.
 *
 *   one device:   --profile NAME (--port P | --rtu PATH | --rtu-pty) [--unit N] [--scenario F]
 *   a site file:  --site FILE
 *   a benchmark:  --count N --base-port P --profile NAME [--scenario F]
 *
 * Every mistake is refused with a sentence naming the option and what it wants.
 */
#ifndef RISKGW_SIM_OPTIONS_H
#define RISKGW_SIM_OPTIONS_H

#include "sim_rtu.h"

struct sim_options {
    const char *profile, *profile_dir, *listen, *scenario, *site, *control;
    long port, unit, count, base_port;
    double speed;
    int loop_scenarios, check, quiet;
    struct sim_rtu_cfg rtu;         /* path "" and pty 0: no serial line on the command line */
};

/* 0 to run, 1 when --help/--version was answered, -1 after printing a usage error. */
int sim_options_parse(int argc, char **argv, struct sim_options *o);

/* Where profiles are: --profile-dir, the source tree's, or the installed ones. */
const char *sim_options_profile_dir(const struct sim_options *o);
/* Where the shipped scenarios are: the source tree's or the installed ones. */
const char *sim_options_scenario_dir(void);

#endif
