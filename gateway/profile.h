/*
 * profile.h - device profiles: register maps as data, shared by gateway and simulator.
 *
 * A profile file (drivers/profiles/NAME.json) lists an instrument's points: where
 * each lives, how to decode it, its unit and its default alarm rule. The gateway
 * reads it for every device that names it; riskgw-sim reads the same file to serve
 * exactly that map, so the two can never disagree about an address.
 */
#ifndef RISKGW_PROFILE_H
#define RISKGW_PROFILE_H

#include <cjson/cJSON.h>
#include "config.h"

#define PROFILE_DESCRIPTION_MAX 512

struct profile {
    char name[ID_MAX];
    char description[PROFILE_DESCRIPTION_MAX];
    struct point_cfg *points;       /* device index left 0 */
    size_t npoints;
};

/* Read dir/NAME.json. NULL and err on failure (the error names the file). */
struct profile *profile_load(const char *dir, const char *name, struct cfg_err *err);
void profile_free(struct profile *p);

/*
 * Parse one point object (profile or site config syntax) into pc, starting from
 * whatever pc holds (so a site override changes only the keys it names).
 * address_base is 0 or 1 (the config's "base": addresses written 1-based are
 * shifted down). path names the object for errors.
 */
int profile_parse_point(const cJSON *obj, const char *path, int address_base,
                        struct point_cfg *pc, struct cfg_err *err);

/* Resolve each point's "fault_flag" to the index of the flag point among pts[]; refuse
 * an unknown id, a point that flags itself, and a flag that has a flag of its own. */
int profile_resolve_fault_flags(struct point_cfg *pts, size_t npts, const char *path,
                                struct cfg_err *err);

/*
 * Parse a "points" array: an id already in *pts is overridden key by key, a new
 * id is appended with the point defaults (holding, uint16, ABCD, scale 1).
 */
int profile_parse_points(const cJSON *arr, const char *path, int address_base, int from_profile,
                         struct point_cfg **pts, size_t *npts, struct cfg_err *err);

#endif
