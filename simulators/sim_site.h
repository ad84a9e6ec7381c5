/*
 * sim_site.h - the simulated plant: every device the process serves, and where.
 *
 * A site is a list of named devices, each a profile (loaded once however many
 * devices use it) with a unit id, a scenario (also loaded once) and a place: a
 * TCP port, several devices on one port (a TCP-to-RTU converter), or the serial
 * line. It is built from a site file (sim_site_load), from the single-device
 * command line, or from the benchmark's generator form (--count N), and the
 * transports are then opened from it. Control lines find devices here by id.
 */
#ifndef RISKGW_SIM_SITE_H
#define RISKGW_SIM_SITE_H

#include <stddef.h>
#include "config.h"
#include "json_field.h"
#include "profile.h"
#include "sim_device.h"
#include "sim_rtu.h"

#define SIM_PORT_RTU (-1L)          /* a device on the serial line, not on TCP */

struct sim_site_dev {
    char id[ID_MAX];
    long port;                      /* TCP port (0: a free one of its own), or SIM_PORT_RTU */
    struct sim_device *dev;
};

/* One device to add. scenario is a path (NULL: none); the profile a name. */
struct sim_dev_spec {
    const char *id, *profile, *scenario;
    long port, unit;
};

struct sim_site {
    char profile_dir[PATH_MAX_LEN];
    int loop;                       /* --loop: every scenario starts again at its end */
    struct sim_site_dev *devs;
    size_t ndevs, cap;
    struct profile **profiles;
    size_t nprofiles;
    struct sim_scenario **scenarios;
    size_t nscenarios;
    int has_rtu;                    /* the site file named a serial line */
    struct sim_rtu_cfg rtu;
};

struct sim_site *sim_site_new(const char *profile_dir, int loop, struct cfg_err *err);
void sim_site_free(struct sim_site *s);

/* Add a device: ids are unique and are not control verbs; the scenario must
 * fit the profile. Returns the device, or NULL with err. */
struct sim_device *sim_site_add(struct sim_site *s, const struct sim_dev_spec *spec, struct cfg_err *err);

/* The device with this id, or NULL. */
struct sim_site_dev *sim_site_find(struct sim_site *s, const char *id);

/*
 * Read a site file (docs/simulators.md, "Site files") and add its devices.
 * Scenario paths are taken relative to the site file's folder, then to
 * scenario_dir (the shipped scenarios). -1 with err naming the file and JSON path.
 */
int sim_site_load(struct sim_site *s, const char *file, const char *scenario_dir, struct cfg_err *err);

#endif
