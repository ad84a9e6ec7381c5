/*
 * test_profiles.c - every shipped device profile loads and keeps the promises of docs/drivers.md.
 *
 * The directory drivers/profiles is enumerated, so a new profile file is checked
 * without touching this test: it must load; no two of its points may share a
 * register (bits of one register are fine when they are distinct bits); every
 * alarm setpoint must lie inside its point's plausible range; and a gas profile
 * (gas_*) must say what its gas point measures, ship an alarm that passes the
 * standard's guard, latch, and tie the reading to the detector's fault flag. The profiles documented in drivers.md are
 * then spot-checked against the tables there (point count, addresses, types),
 * and a site config is shown unable to loosen a gas setpoint past its limit.
 * No shipped profile makes a point writable: only a site config may.
 */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "config.h"
#include "profile.h"

#define PROFILE_DIR RISKGW_SOURCE_DIR "/drivers/profiles"
#define PROFILE_EXT ".json"
#define GAS_PREFIX "gas_"
#define MAX_PROFILES 64
#define MAX_SPOTS 6
#define LOOP_DEFAULT_LO 0.0
#define LOOP_DEFAULT_HI 100.0
#define SCALE_TOL 1e-12

static struct profile *loaded[MAX_PROFILES];
static size_t nloaded;

/* A failed check says which profile and point it was about. */
static void expect(int ok, const struct profile *pf, const struct point_cfg *pc, const char *what)
{
    CHECK(ok);
    if (!ok)
        fprintf(stderr, "  profile %s, point %s: %s\n", pf->name, pc ? pc->id : "-", what);
}

static int bit_area(enum reg_area a)
{
    return a == AREA_COIL || a == AREA_DISCRETE;
}

/* Do two points claim the same coil, input or register? */
static int points_overlap(const struct point_map *a, const struct point_map *b)
{
    if (a->area != b->area)
        return 0;
    if (bit_area(a->area))
        return a->address == b->address;
    long a_end = (long)a->address + point_type_registers(a->type);
    long b_end = (long)b->address + point_type_registers(b->type);
    if (a->address >= b_end || b->address >= a_end)
        return 0;
    return !(a->type == VT_BIT && b->type == VT_BIT && a->bit != b->bit);
}

static void check_no_overlap(const struct profile *pf)
{
    for (size_t i = 0; i < pf->npoints; i++)
        for (size_t j = i + 1; j < pf->npoints; j++)
            if (points_overlap(&pf->points[i].map, &pf->points[j].map)) {
                expect(0, pf, &pf->points[j], "shares a register with an earlier point");
                fprintf(stderr, "  (the earlier point is %s)\n", pf->points[i].id);
            }
}

static void check_alarms_plausible(const struct profile *pf)
{
    for (size_t i = 0; i < pf->npoints; i++) {
        const struct point_cfg *pc = &pf->points[i];
        const struct point_map *m = &pc->map;
        if (pc->rule.nlevels == 0)
            continue;
        expect(m->plausible_lo <= m->plausible_hi, pf, pc, "has an alarm but no plausible range");
        for (int k = 0; k < pc->rule.nlevels; k++) {
            double sp = pc->rule.levels[k].setpoint;
            expect(sp >= m->plausible_lo && sp <= m->plausible_hi, pf, pc,
                   "an alarm setpoint lies outside the plausible range");
        }
    }
}

/* A gas profile says what its gas point measures, so the standard's guard applies, and
 * ties the detector's fault flag to it (docs/drivers.md, "Gas detectors"). */
static void check_gas_measures(const struct profile *pf)
{
    int measured = 0;
    for (size_t i = 0; i < pf->npoints; i++) {
        const struct point_cfg *pc = &pf->points[i];
        if (pc->measures == MEASURE_NONE)
            continue;
        measured++;
        struct cfg_err err = {""};
        expect(measure_check(pc, 0, "points", &err) == 0, pf, pc, err.msg);
        expect(pc->rule.latch, pf, pc, "a gas alarm must latch by default (GB 16808)");
        expect(pc->fault_flag_at > 0 && strcmp(pf->points[pc->fault_flag_at - 1].id, "status") == 0, pf, pc,
               "the gas reading is not invalidated by the detector's status flag");
    }
    expect(measured == 1, pf, NULL, "a gas profile must say what its gas point measures");
}

static void check_profile(const struct profile *pf)
{
    for (size_t i = 0; i < pf->npoints; i++)
        expect(!pf->points[i].writable, pf, &pf->points[i], "a profile point is writable");
    check_no_overlap(pf);
    check_alarms_plausible(pf);
    if (strncmp(pf->name, GAS_PREFIX, strlen(GAS_PREFIX)) == 0)
        check_gas_measures(pf);
}

/* Load every NAME.json in the profile directory. */
static void load_all(void)
{
    DIR *d = opendir(PROFILE_DIR);
    CHECK(d != NULL);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), ext = strlen(PROFILE_EXT);
        if (len <= ext || strcmp(e->d_name + len - ext, PROFILE_EXT) != 0)
            continue;
        char name[ID_MAX] = "";
        CHECK(len - ext < sizeof name);
        if (len - ext >= sizeof name)
            continue;
        memcpy(name, e->d_name, len - ext);
        struct cfg_err err = {""};
        struct profile *pf = profile_load(PROFILE_DIR, name, &err);
        CHECK(pf != NULL);
        if (!pf) {
            fprintf(stderr, "  profile %s does not load: %s\n", name, err.msg);
            continue;
        }
        check_profile(pf);
        CHECK(nloaded < MAX_PROFILES);
        if (nloaded < MAX_PROFILES)
            loaded[nloaded++] = pf;
        else
            profile_free(pf);
    }
    closedir(d);
    CHECK(nloaded > 0);
}

static const struct profile *find_profile(const char *name)
{
    for (size_t i = 0; i < nloaded; i++)
        if (strcmp(loaded[i]->name, name) == 0)
            return loaded[i];
    return NULL;
}

static const struct point_cfg *find_point(const struct profile *pf, const char *id)
{
    for (size_t i = 0; i < pf->npoints; i++)
        if (strcmp(pf->points[i].id, id) == 0)
            return &pf->points[i];
    return NULL;
}

/* One row of a docs/drivers.md register table. bit is -1 unless a register bit. */
struct spot {
    const char *id;
    enum reg_area area;
    uint16_t address;
    enum value_type type;
    enum word_order order;
    int bit;
};

struct documented {
    const char *name;
    size_t npoints;
    struct spot spots[MAX_SPOTS];
};

#define H AREA_HOLDING
#define I AREA_INPUT
#define D AREA_DISCRETE
#define C AREA_COIL

static const struct documented documented[] = {
    {"gas_lel", 2, {{"lel", H, 0, VT_UINT16, ORDER_ABCD, -1}, {"status", H, 1, VT_BIT, ORDER_ABCD, 0}}},
    {"gas_toxic_h2s", 2, {{"h2s", H, 0, VT_UINT16, ORDER_ABCD, -1}, {"status", H, 1, VT_BIT, ORDER_ABCD, 0}}},
    {"gas_toxic_co", 2, {{"co", H, 0, VT_UINT16, ORDER_ABCD, -1}, {"status", H, 1, VT_BIT, ORDER_ABCD, 0}}},
    {"gas_toxic_nh3", 2, {{"nh3", H, 0, VT_UINT16, ORDER_ABCD, -1}, {"status", H, 1, VT_BIT, ORDER_ABCD, 0}}},
    {"gas_toxic_cl2", 2, {{"cl2", H, 0, VT_UINT16, ORDER_ABCD, -1}, {"status", H, 1, VT_BIT, ORDER_ABCD, 0}}},
    {"gas_o2", 2, {{"o2", H, 0, VT_UINT16, ORDER_ABCD, -1}, {"status", H, 1, VT_BIT, ORDER_ABCD, 0}}},
    {"ai_4_20ma", 8, {{"ch1", I, 0, VT_UINT16, ORDER_ABCD, -1}, {"ch8", I, 7, VT_UINT16, ORDER_ABCD, -1}}},
    {"dust_collector", 9, {{"dp", I, 0, VT_INT16, ORDER_ABCD, -1},
                           {"hopper_temp", I, 1, VT_INT16, ORDER_ABCD, -1},
                           {"rotary_valve_fault", D, 0, VT_BIT, ORDER_ABCD, -1},
                           {"spark", D, 3, VT_BIT, ORDER_ABCD, -1},
                           {"vent_open", D, 6, VT_BIT, ORDER_ABCD, -1}}},
    {"casting_plc", 20, {{"cw_pressure", H, 0, VT_FLOAT32, ORDER_CDAB, -1},
                         {"cw_in_temp", H, 4, VT_INT16, ORDER_ABCD, -1},
                         {"cast_length", H, 12, VT_INT32, ORDER_CDAB, -1},
                         {"valve_fault", H, 20, VT_BIT, ORDER_ABCD, 2},
                         {"em_discharge_open", D, 1, VT_BIT, ORDER_ABCD, -1},
                         {"auto_mode", C, 1, VT_BIT, ORDER_ABCD, -1}}},
    {"power_meter_3ph", 13, {{"va", I, 0, VT_FLOAT32, ORDER_ABCD, -1},
                             {"ic", I, 10, VT_FLOAT32, ORDER_ABCD, -1},
                             {"p_total", I, 52, VT_FLOAT32, ORDER_ABCD, -1},
                             {"freq", I, 70, VT_FLOAT32, ORDER_ABCD, -1},
                             {"kwh_total", I, 342, VT_UINT32, ORDER_ABCD, -1}}},
    {"siren_beacon", 4, {{"horn", C, 0, VT_BIT, ORDER_ABCD, -1},
                         {"beacon", C, 1, VT_BIT, ORDER_ABCD, -1},
                         {"tone", H, 0, VT_UINT16, ORDER_ABCD, -1},
                         {"fault", D, 0, VT_BIT, ORDER_ABCD, -1}}},
};

static void check_spot(const struct profile *pf, const struct spot *s)
{
    const struct point_cfg *pc = find_point(pf, s->id);
    CHECK(pc != NULL);
    if (!pc) {
        fprintf(stderr, "  profile %s has no point %s\n", pf->name, s->id);
        return;
    }
    expect(pc->map.area == s->area, pf, pc, "area differs from docs/drivers.md");
    expect(pc->map.address == s->address, pf, pc, "address differs from docs/drivers.md");
    expect(pc->map.type == s->type, pf, pc, "type differs from docs/drivers.md");
    expect(pc->map.order == s->order, pf, pc, "order differs from docs/drivers.md");
    expect(pc->map.bit == s->bit, pf, pc, "bit differs from docs/drivers.md");
}

static void test_documented_maps(void)
{
    for (size_t i = 0; i < sizeof documented / sizeof documented[0]; i++) {
        const struct documented *doc = &documented[i];
        const struct profile *pf = find_profile(doc->name);
        CHECK(pf != NULL);
        if (!pf) {
            fprintf(stderr, "  documented profile %s is missing or does not load\n", doc->name);
            continue;
        }
        CHECK_INT(pf->npoints, doc->npoints);
        for (size_t k = 0; k < MAX_SPOTS && doc->spots[k].id; k++)
            check_spot(pf, &doc->spots[k]);
    }
}

/* The analog module's channels are loops mapped onto 0-100 until a site says more. */
static void test_analog_channels(void)
{
    const struct profile *pf = find_profile("ai_4_20ma");
    CHECK(pf != NULL);
    for (size_t i = 0; pf && i < pf->npoints; i++) {
        const struct point_cfg *pc = &pf->points[i];
        expect(pc->map.signal == SIGNAL_LOOP_MA, pf, pc, "is not a loop_ma channel");
        CHECK_NEAR(pc->map.range_lo, LOOP_DEFAULT_LO, SCALE_TOL);
        CHECK_NEAR(pc->map.range_hi, LOOP_DEFAULT_HI, SCALE_TOL);
        CHECK_INT(pc->rule.nlevels, 0);
    }
}

/* A site config naming one gas point with the given alarm. NULL: refused, err filled. */
static struct config *site_with_alarm(const char *profile, const char *point, const char *alarm,
                                      struct cfg_err *err)
{
    char text[1024];
    snprintf(text, sizeof text,
             "{\"enterprise\":\"e\",\"gateway\":\"g\",\"devices\":[{\"id\":\"d\",\"profile\":\"%s\","
             "\"host\":\"127.0.0.1\",\"points\":[{\"id\":\"%s\",\"alarm\":%s}]}]}",
             profile, point, alarm);
    return config_parse(text, "site.json", PROFILE_DIR, err);
}

static void test_site_cannot_loosen(void)
{
    struct cfg_err err = {""};
    struct config *cfg = site_with_alarm("gas_toxic_h2s", "h2s",
        "{\"levels\":[{\"name\":\"pre\",\"above\":3},{\"name\":\"level1\",\"above\":15}]}", &err);
    CHECK(cfg == NULL);
    CHECK_CONTAINS(err.msg, "\"level1\" at 15 ppm is above the GB/T 50493-2019 §5.5.2 (OEL per GBZ 2.1-2019) limit of 14.1 ppm");
    config_free(cfg);

    cfg = site_with_alarm("gas_o2", "o2", "{\"levels\":[{\"name\":\"low\",\"below\":18},"
                          "{\"name\":\"high\",\"above\":23.5}]}", &err);
    CHECK(cfg == NULL);
    CHECK_CONTAINS(err.msg, "\"low\" at 18 %VOL is below the GB/T 50493-2019 §5.5.2 limit of 19.5 %VOL");
    config_free(cfg);

    /* Tightening is the site's right: an earlier low oxygen alarm is accepted. */
    cfg = site_with_alarm("gas_o2", "o2",
        "{\"levels\":[{\"name\":\"low\",\"below\":20},{\"name\":\"high\",\"above\":23}]}", &err);
    CHECK(cfg != NULL);
    if (!cfg)
        fprintf(stderr, "  tightened oxygen alarm refused: %s\n", err.msg);
    config_free(cfg);

    /* Dropping the pre-alarm leaves the two levels GB/T 50493 asks for. */
    cfg = site_with_alarm("gas_toxic_co", "co",
        "{\"levels\":[{\"name\":\"level1\",\"above\":17,\"severity\":2},"
        "{\"name\":\"level2\",\"above\":30,\"severity\":3}]}", &err);
    CHECK(cfg != NULL);
    if (!cfg)
        fprintf(stderr, "  two-level CO alarm refused: %s\n", err.msg);
    config_free(cfg);
}

int main(void)
{
    load_all();
    test_documented_maps();
    test_analog_channels();
    test_site_cannot_loosen();
    for (size_t i = 0; i < nloaded; i++)
        profile_free(loaded[i]);
    return check_summary();
}
