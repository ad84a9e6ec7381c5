/*
 * profile.c - the point syntax, and device profiles built from it.
 *
 * A point object is the same in a profile file and in a site config, so one
 * parser serves both: a profile gives the instrument's defaults, and a site
 * config may name the same point id again to change only what it states.
 */
#include "profile.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pdu.h"
#include "point.h"

#define PROFILE_MAX_POINTS 4096

static const char *const point_keys[] = {
    "id", "name", "unit", "area", "address", "bit", "type", "order", "scale", "offset",
    "signal", "range", "plausible", "alarm", "writable", "measures", "fault_flag", "deadband",
    "outputs", NULL};
static const char *const order_names[] = {"ABCD", "BADC", "CDAB", "DCBA"};
static const char *const signal_names[] = {"direct", "loop_ma"};

static void point_defaults(struct point_cfg *pc)
{
    memset(pc, 0, sizeof *pc);
    pc->map.area = AREA_HOLDING;
    pc->map.type = VT_UINT16;
    pc->map.order = ORDER_ABCD;
    pc->map.bit = -1;
    pc->map.scale = 1.0;
    pc->map.signal = SIGNAL_DIRECT;
    pc->map.plausible_lo = 1.0;     /* lo > hi: no plausibility check */
    pc->map.plausible_hi = 0.0;
}

/* "key": [lo, hi] with lo < hi. */
static int parse_pair(const cJSON *obj, const char *key, const char *path, double *lo,
                      double *hi, struct cfg_err *err)
{
    const cJSON *arr;
    char p[CFG_PATH_MAX];
    if (jf_array(obj, key, path, JF_OPTIONAL, &arr, err) < 0)
        return -1;
    if (!arr)
        return 0;
    jf_path_key(p, sizeof p, path, key);
    const cJSON *a = cJSON_GetArrayItem(arr, 0), *b = cJSON_GetArrayItem(arr, 1);
    if (cJSON_GetArraySize(arr) != 2 || !cJSON_IsNumber(a) || !cJSON_IsNumber(b))
        return cfg_fail(err, p, "expected [low, high], two numbers");
    if (a->valuedouble >= b->valuedouble)
        return cfg_fail(err, p, "low (%g) must be below high (%g)", a->valuedouble, b->valuedouble);
    *lo = a->valuedouble;
    *hi = b->valuedouble;
    return 0;
}

/* "measures": what the point measures. A site may say it of a point that has none (a
 * 4-20 mA channel, a device without a profile), never change what a profile says. */
static int parse_measures(const cJSON *obj, const char *path, int from_profile,
                          struct point_cfg *pc, struct cfg_err *err)
{
    char p[CFG_PATH_MAX];
    int v = -1;
    enum measure_kind before = pc->measures;
    jf_path_key(p, sizeof p, path, "measures");
    if (jf_enum(obj, "measures", path, JF_OPTIONAL, measure_names, MEASURE_COUNT - 1, &v, err) < 0)
        return -1;
    if (v < 0)
        return 0;
    pc->measures = (enum measure_kind)(v + 1);
    if (!from_profile && before != MEASURE_NONE && pc->measures != before)
        return cfg_fail(err, p, "the profile says point \"%s\" measures %s; a site cannot change "
                        "that (define the device without the profile if it measures something else)",
                        pc->id, measure_of(before)->name);
    return 0;
}

static int parse_address(const cJSON *obj, const char *path, int address_base,
                         struct point_cfg *pc, struct cfg_err *err)
{
    long addr = -1;
    char p[CFG_PATH_MAX];
    if (jf_int(obj, "address", path, JF_OPTIONAL, 0, UINT16_MAX + (long)address_base, &addr, err) < 0)
        return -1;
    if (addr < 0)
        return 0;
    if (addr < address_base) {
        jf_path_key(p, sizeof p, path, "address");
        return cfg_fail(err, p, "%ld is below the address base %d", addr, address_base);
    }
    pc->map.address = (uint16_t)(addr - address_base);
    return 0;
}

/* Cross-field rules a point must obey once all its keys are read. */
static int point_check(const char *path, struct point_cfg *pc, struct cfg_err *err)
{
    struct point_map *m = &pc->map;
    int bit_area = m->area == AREA_COIL || m->area == AREA_DISCRETE;
    if (bit_area && m->type != VT_BIT)
        return cfg_fail(err, path, "a %s point must have type \"bit\"", point_area_names[m->area]);
    if (!bit_area && m->type == VT_BIT && (m->bit < 0 || m->bit > 15))
        return cfg_fail(err, path, "type \"bit\" in a register needs \"bit\": 0 to 15");
    if (m->type != VT_BIT && m->bit >= 0)
        return cfg_fail(err, path, "\"bit\" applies only to type \"bit\"");
    if (m->address + point_type_registers(m->type) - 1 > UINT16_MAX)
        return cfg_fail(err, path, "a %s at address %u runs past the last register 65535",
                        point_type_names[m->type], m->address);
    if (m->scale == 0.0)
        return cfg_fail(err, path, "scale must not be 0");
    if (m->signal == SIGNAL_LOOP_MA && !(m->range_lo < m->range_hi))
        return cfg_fail(err, path, "a \"loop_ma\" point needs \"range\": [low, high] in engineering units");
    const char *refusal = pc->writable ? pdu_write_refusal(m) : NULL;
    if (refusal)
        return cfg_fail(err, path, "point \"%s\" cannot be \"writable\": %s", pc->id, refusal);
    return 0;
}

static int point_parse(const cJSON *obj, const char *path, int address_base, int from_profile,
                       struct point_cfg *pc, struct cfg_err *err);

/* What only the site may decide: which points the gateway writes, and what its alarms drive. */
static int profile_site_only(const cJSON *obj, const char *path, struct cfg_err *err)
{
    char p[CFG_PATH_MAX];
    if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(obj, "writable"))) {
        jf_path_key(p, sizeof p, path, "writable");
        return cfg_fail(err, p, "a profile cannot make a point writable; the site config must say "
                        "so for each device it lets the gateway write");
    }
    if (cJSON_GetObjectItemCaseSensitive(obj, "outputs")) {
        jf_path_key(p, sizeof p, path, "outputs");
        return cfg_fail(err, p, "only a site config may name outputs: a profile does not know the "
                        "site's sirens and beacons");
    }
    return 0;
}

int profile_parse_point(const cJSON *obj, const char *path, int address_base,
                        struct point_cfg *pc, struct cfg_err *err)
{
    return point_parse(obj, path, address_base, 0, pc, err);
}

/* One point; from_profile: the object may state the standard's "limits". */
static int point_parse(const cJSON *obj, const char *path, int address_base, int from_profile,
                       struct point_cfg *pc, struct cfg_err *err)
{
    int v;
    long bit = pc->map.bit;
    if (cJSON_GetObjectItemCaseSensitive(obj, "limits"))
        return cfg_fail(err, path, "\"limits\" is no longer read: say what the point measures "
                        "with \"measures\" and the standard's limits follow (docs/configuration.md)");
    if (jf_known_keys(obj, path, point_keys, err) < 0)
        return -1;
    if (from_profile && profile_site_only(obj, path, err) < 0)
        return -1;
    if (jf_string(obj, "id", path, pc->id[0] ? JF_OPTIONAL : JF_REQUIRED, pc->id, sizeof pc->id, err) < 0 ||
        jf_string(obj, "name", path, JF_OPTIONAL, pc->name, sizeof pc->name, err) < 0 ||
        jf_string(obj, "unit", path, JF_OPTIONAL, pc->unit, sizeof pc->unit, err) < 0 ||
        parse_measures(obj, path, from_profile, pc, err) < 0 ||
        jf_string(obj, "fault_flag", path, JF_OPTIONAL, pc->fault_flag_id, sizeof pc->fault_flag_id, err) < 0)
        return -1;
    v = (int)pc->map.area;
    if (jf_enum(obj, "area", path, JF_OPTIONAL, point_area_names, POINT_AREA_COUNT, &v, err) < 0)
        return -1;
    pc->map.area = (enum reg_area)v;
    if (cJSON_GetObjectItemCaseSensitive(obj, "area") && !cJSON_GetObjectItemCaseSensitive(obj, "type"))
        pc->map.type = (pc->map.area == AREA_COIL || pc->map.area == AREA_DISCRETE) ? VT_BIT : pc->map.type;
    v = (int)pc->map.type;
    if (jf_enum(obj, "type", path, JF_OPTIONAL, point_type_names, POINT_TYPE_COUNT, &v, err) < 0)
        return -1;
    pc->map.type = (enum value_type)v;
    v = (int)pc->map.order;
    if (jf_enum(obj, "order", path, JF_OPTIONAL, order_names, 4, &v, err) < 0)
        return -1;
    pc->map.order = (enum word_order)v;
    v = (int)pc->map.signal;
    if (jf_enum(obj, "signal", path, JF_OPTIONAL, signal_names, 2, &v, err) < 0)
        return -1;
    pc->map.signal = (enum signal_kind)v;
    if (parse_address(obj, path, address_base, pc, err) < 0 ||
        jf_int(obj, "bit", path, JF_OPTIONAL, 0, 15, &bit, err) < 0 ||
        jf_number(obj, "scale", path, JF_OPTIONAL, -1e12, 1e12, &pc->map.scale, err) < 0 ||
        jf_number(obj, "offset", path, JF_OPTIONAL, -1e12, 1e12, &pc->map.offset, err) < 0 ||
        parse_pair(obj, "range", path, &pc->map.range_lo, &pc->map.range_hi, err) < 0 ||
        parse_pair(obj, "plausible", path, &pc->map.plausible_lo, &pc->map.plausible_hi, err) < 0 ||
        jf_number(obj, "deadband", path, JF_OPTIONAL, 0, 1e12, &pc->deadband, err) < 0 ||
        jf_bool(obj, "writable", path, JF_OPTIONAL, &pc->writable, err) < 0)
        return -1;
    pc->map.bit = (int8_t)bit;
    const cJSON *alarm;
    char p[CFG_PATH_MAX];
    if (jf_object(obj, "alarm", path, JF_OPTIONAL, &alarm, err) < 0)
        return -1;
    if (alarm) {
        /* A site's alarm changes only the keys it states: {"latch": false} keeps the levels. */
        jf_path_key(p, sizeof p, path, "alarm");
        if (rules_parse_over(alarm, p, &pc->rule, err) < 0)
            return -1;
    }
    if (point_check(path, pc, err) < 0)
        return -1;
    return from_profile ? measure_check(pc, 0, path, err) : 0;
}

/* Parse a "points" array, appending to (or overriding by id in) *pts. */
int profile_parse_points(const cJSON *arr, const char *path, int address_base, int from_profile,
                         struct point_cfg **pts, size_t *npts, struct cfg_err *err)
{
    char p[CFG_PATH_MAX];
    int i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr) {
        jf_path_index(p, sizeof p, path, i++);
        char id[ID_MAX] = "";
        if (!cJSON_IsObject(it))
            return cfg_fail(err, p, "expected a point object");
        if (jf_string(it, "id", p, JF_REQUIRED, id, sizeof id, err) < 0)
            return -1;
        for (const cJSON *prev = arr->child; prev != it; prev = prev->next) {
            const cJSON *pid = cJSON_GetObjectItemCaseSensitive(prev, "id");
            if (cJSON_IsString(pid) && strcmp(pid->valuestring, id) == 0)
                return cfg_fail(err, p, "point id \"%s\" appears twice", id);
        }
        size_t k = 0;
        while (k < *npts && strcmp((*pts)[k].id, id) != 0)
            k++;
        if (k == *npts) {
            if (*npts >= PROFILE_MAX_POINTS)
                return cfg_fail(err, p, "too many points (at most %d per device)", PROFILE_MAX_POINTS);
            struct point_cfg *grown = realloc(*pts, (*npts + 1) * sizeof **pts);
            if (!grown)
                return cfg_fail(err, p, "out of memory");
            *pts = grown;
            point_defaults(&grown[k]);
            (*npts)++;
        }
        if (point_parse(it, p, address_base, from_profile, &(*pts)[k], err) < 0)
            return -1;
    }
    return 0;
}

int profile_resolve_fault_flags(struct point_cfg *pts, size_t npts, const char *path,
                                struct cfg_err *err)
{
    for (size_t i = 0; i < npts; i++) {
        pts[i].fault_flag_at = 0;
        pts[i].is_fault_flag = 0;
    }
    for (size_t i = 0; i < npts; i++) {
        struct point_cfg *pc = &pts[i];
        if (!pc->fault_flag_id[0])
            continue;
        size_t k = 0;
        while (k < npts && strcmp(pts[k].id, pc->fault_flag_id) != 0)
            k++;
        if (k == npts)
            return cfg_fail(err, path, "point \"%s\": \"fault_flag\" names \"%s\", which is not a "
                            "point of this device", pc->id, pc->fault_flag_id);
        if (k == i || pts[k].fault_flag_id[0])
            return cfg_fail(err, path, "point \"%s\": \"fault_flag\" must name another point, "
                            "one that is not itself invalidated by a flag", pc->id);
        pc->fault_flag_at = (int)k + 1;
        pts[k].is_fault_flag = 1;
    }
    return 0;
}

static const char *const profile_keys[] = {"profile", "description", "base", "points", NULL};

struct profile *profile_load(const char *dir, const char *name, struct cfg_err *err)
{
    char file[PATH_MAX_LEN * 2];
    for (const char *c = name; *c; c++)
        if (!(*c == '_' || *c == '-' || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9'))) {
            cfg_fail(err, NULL, "profile \"%s\": a profile name uses only a-z, 0-9, _ and -", name);
            return NULL;
        }
    snprintf(file, sizeof file, "%s/%s.json", dir, name);
    cJSON *root = jf_parse_file(file, err);
    if (!root)
        return NULL;
    struct profile *pf = calloc(1, sizeof *pf);
    const cJSON *arr;
    long base = 0;
    struct cfg_err inner;
    if (!pf) {
        cfg_fail(err, NULL, "%s: out of memory", file);
        goto fail;
    }
    if (jf_known_keys(root, "", profile_keys, &inner) < 0 ||
        jf_string(root, "profile", "", JF_REQUIRED, pf->name, sizeof pf->name, &inner) < 0 ||
        jf_string(root, "description", "", JF_OPTIONAL, pf->description, sizeof pf->description, &inner) < 0 ||
        jf_int(root, "base", "", JF_OPTIONAL, 0, 1, &base, &inner) < 0 ||
        jf_array(root, "points", "", JF_REQUIRED, &arr, &inner) < 0 ||
        profile_parse_points(arr, "points", (int)base, 1, &pf->points, &pf->npoints, &inner) < 0 ||
        profile_resolve_fault_flags(pf->points, pf->npoints, "points", &inner) < 0) {
        cfg_fail(err, NULL, "%s: %s", file, inner.msg);
        goto fail;
    }
    if (strcmp(pf->name, name) != 0) {
        cfg_fail(err, NULL, "%s: \"profile\" says \"%s\"; it must match the file name", file, pf->name);
        goto fail;
    }
    cJSON_Delete(root);
    return pf;
fail:
    cJSON_Delete(root);
    profile_free(pf);
    return NULL;
}

void profile_free(struct profile *p)
{
    if (!p)
        return;
    free(p->points);
    free(p);
}
