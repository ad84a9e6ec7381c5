/*
 * test_setpoint_guard.c - a site cannot walk around the standard's alarm levels.
 *
 * GB/T 50493-2019 §5.5.2 wants two alarm levels on combustible and toxic gas, each at
 * or below its limit, and a low and a high alarm on oxygen; GB 16808 bounds the
 * alarm delay. Each way a site config could evade that is tried here and must be
 * refused with the JSON path and the clause: a severity renumbered, a level
 * removed, a level renamed, a direction flipped, an on-delay or a confirmation
 * count too long. The same guard applies wherever the gas is read from: a gas_*
 * profile, a 4-20 mA module channel, a device without a profile ("measures").
 * Last, a "fault_flag" must name another point of the device that has none itself.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "config.h"

#define PROFILES RISKGW_SOURCE_DIR "/drivers/profiles"
#define HEAD "{\"enterprise\":\"e\",\"gateway\":\"g\",\"devices\":["
#define LEL_SITE(alarm) HEAD "{\"id\":\"g\",\"profile\":\"gas_lel\",\"host\":\"127.0.0.1\"," \
    "\"points\":[{\"id\":\"lel\",\"alarm\":" alarm "}]}]}"
#define O2_SITE(alarm) HEAD "{\"id\":\"o\",\"profile\":\"gas_o2\",\"host\":\"127.0.0.1\"," \
    "\"points\":[{\"id\":\"o2\",\"alarm\":" alarm "}]}]}"
#define CLAUSE "GB/T 50493-2019 §5.5.2"

static struct config *load(const char *text, struct cfg_err *err)
{
    return config_parse(text, "site.json", PROFILES, err);
}

/* Refused, and the message contains both the path and the words given. */
static void refused(const char *text, const char *path, const char *words)
{
    struct cfg_err err = {""};
    struct config *cfg = load(text, &err);
    CHECK(cfg == NULL);
    CHECK(strncmp(err.msg, path, strlen(path)) == 0);
    CHECK_CONTAINS(err.msg, words);
    if (strncmp(err.msg, path, strlen(path)) != 0)
        fprintf(stderr, "  expected the path %s in: %s\n", path, err.msg);
    config_free(cfg);
}

static const struct point_cfg *accepted(const char *text, struct config **cfg, const char *dev,
                                        const char *pt)
{
    struct cfg_err err = {""};
    *cfg = load(text, &err);
    CHECK(*cfg != NULL);
    if (!*cfg) {
        fprintf(stderr, "  unexpected refusal: %s\n", err.msg);
        return NULL;
    }
    long i = config_find_point(*cfg, dev, pt);
    CHECK(i >= 0);
    return i >= 0 ? config_point_def(*cfg, i) : NULL;
}

/* The hole issue 21 found: the guard matched levels by severity. */
static void test_combustible_evasions(void)
{
    const char *at = "site.json: devices[0].points[0].alarm: point \"lel\" measures combustible_lel: ";
    /* severity renumbered: "level2" as severity 3 had no limit to meet */
    refused(LEL_SITE("{\"levels\":[{\"name\":\"level1\",\"above\":25},{\"name\":\"level2\",\"above\":99,\"severity\":3}]}"),
            at, "its 2nd high level \"level2\" at 99 %LEL is above the " CLAUSE " limit of 50 %LEL");
    /* level removed */
    refused(LEL_SITE("{\"levels\":[{\"name\":\"level1\",\"above\":25}]}"),
            at, CLAUSE " requires 2 high (\"above\") alarm levels, at or below 25 and 50 %LEL; this alarm has 1");
    /* levels renamed and listed the other way round: still matched by setpoint */
    refused(LEL_SITE("{\"levels\":[{\"name\":\"HH\",\"above\":60,\"severity\":2},{\"name\":\"H\",\"above\":20,\"severity\":1}]}"),
            at, "its 2nd high level \"HH\" at 60 %LEL is above");
    refused(LEL_SITE("{\"levels\":[{\"name\":\"warn\",\"above\":30},{\"name\":\"danger\",\"above\":40}]}"),
            at, "its 1st high level \"warn\" at 30 %LEL is above the " CLAUSE " limit of 25 %LEL");
    /* direction flipped: only low levels */
    refused(LEL_SITE("{\"levels\":[{\"name\":\"level1\",\"below\":25},{\"name\":\"level2\",\"below\":10}]}"),
            at, "requires 2 high (\"above\") alarm levels");
    /* a stale check alone drops the levels: a stated "levels" replaces the profile's */
    refused(LEL_SITE("{\"levels\":[{\"name\":\"level1\",\"above\":25}],\"stale\":{\"for_s\":60}}"),
            at, "this alarm has 1");
    /* an extra milder level does not let the other two loosen past 50 */
    refused(LEL_SITE("{\"levels\":[{\"name\":\"pre\",\"above\":10},{\"name\":\"level1\",\"above\":60},{\"name\":\"level2\",\"above\":80}]}"),
            at, "its 2nd high level \"level1\" at 60 %LEL is above");
}

/* GB 16808: at most a minute between the condition and the alarm. */
static void test_delays(void)
{
    refused(LEL_SITE("{\"on_delay_s\":61}"), "site.json: devices[0].points[0].alarm.on_delay_s: ",
            "an alarm would wait 61 s (on_delay_s 61 + (confirm.n 1 - 1) x poll interval 1 s); "
            "GB 16808 allows an alarm delay of at most 60 s");
    /* 10 of 10 samples at the default 1 s poll is 9 s: fine; at 10 s a poll it is 90 s */
    struct config *cfg;
    const struct point_cfg *pc = accepted(LEL_SITE("{\"confirm\":{\"n\":10,\"m\":10},\"on_delay_s\":50}"),
                                          &cfg, "g", "lel");
    CHECK(pc && pc->rule.confirm_n == 10 && pc->rule.nlevels == 2);
    config_free(cfg);
    refused(HEAD "{\"id\":\"g\",\"profile\":\"gas_lel\",\"host\":\"127.0.0.1\",\"interval_ms\":10000,"
            "\"points\":[{\"id\":\"lel\",\"alarm\":{\"confirm\":{\"n\":10,\"m\":10}}}]}]}",
            "site.json: devices[0].points[0].alarm.confirm: ", "an alarm would wait 90 s");
    refused(O2_SITE("{\"on_delay_s\":120}"), "site.json: devices[0].points[0].alarm.on_delay_s: ",
            "point \"o2\" measures o2: an alarm would wait 120 s");
}

/* Oxygen: the low level at or above 19.5, the high at or below 23.5, both present. */
static void test_oxygen(void)
{
    const char *at = "site.json: devices[0].points[0].alarm: point \"o2\" measures o2: ";
    refused(O2_SITE("{\"levels\":[{\"name\":\"high\",\"above\":23.5}]}"), at,
            CLAUSE " requires 1 low (\"below\") alarm level, at or above 19.5 %VOL; this alarm has 0");
    refused(O2_SITE("{\"levels\":[{\"name\":\"low\",\"below\":19.5}]}"), at,
            CLAUSE " requires 1 high (\"above\") alarm level, at or below 23.5 %VOL; this alarm has 0");
    /* flipped: "low" written as a high level and the other way round */
    refused(O2_SITE("{\"levels\":[{\"name\":\"low\",\"above\":19.5},{\"name\":\"high\",\"below\":23.5}]}"),
            "site.json: devices[0].points[0].alarm", "");
    refused(O2_SITE("{\"levels\":[{\"name\":\"L\",\"below\":18},{\"name\":\"LL\",\"below\":17},"
                    "{\"name\":\"H\",\"above\":23}]}"), at, "its 1st low level \"L\" at 18 %VOL is below the "
            CLAUSE " limit of 19.5 %VOL");
    struct config *cfg;
    const struct point_cfg *pc = accepted(O2_SITE("{\"levels\":[{\"name\":\"low\",\"below\":20},"
                                                  "{\"name\":\"high\",\"above\":23}]}"), &cfg, "o", "o2");
    CHECK(pc && pc->rule.latch);            /* the profile's latch stays: the site did not state it */
    config_free(cfg);
}

/* A 4-20 mA module channel and a device without a profile get the same guard. */
static void test_measures_anywhere(void)
{
#define AI(level2) HEAD "{\"id\":\"ai\",\"profile\":\"ai_4_20ma\",\"host\":\"127.0.0.1\"," \
    "\"points\":[{\"id\":\"ch3\",\"measures\":\"combustible_lel\",\"unit\":\"%LEL\"," \
    "\"range\":[0,100],\"alarm\":{\"levels\":[{\"name\":\"level1\",\"above\":25}," \
    "{\"name\":\"level2\",\"above\":" level2 "}]}}]}]}"
    refused(AI("60"), "site.json: devices[0].points[0].alarm: ",
            "point \"ch3\" measures combustible_lel: its 2nd high level \"level2\" at 60 %LEL is above");
    struct config *cfg;
    const struct point_cfg *pc = accepted(AI("50"), &cfg, "ai", "ch3");
    CHECK(pc && pc->measures == MEASURE_COMBUSTIBLE_LEL);
    config_free(cfg);
    /* the channel's unit must be the gas's: a %-scaled channel is not %LEL by accident */
    refused(HEAD "{\"id\":\"ai\",\"profile\":\"ai_4_20ma\",\"host\":\"127.0.0.1\",\"points\":[{\"id\":\"ch1\","
            "\"measures\":\"h2s\",\"alarm\":{\"levels\":[{\"name\":\"a\",\"above\":5},{\"name\":\"b\",\"above\":10}]}}]}]}",
            "site.json: devices[0].points[0].unit: ", "point \"ch1\" measures h2s in ppm, but its unit is \"%\"");
    /* no alarm at all on a measured point */
    refused(HEAD "{\"id\":\"ai\",\"profile\":\"ai_4_20ma\",\"host\":\"127.0.0.1\",\"points\":[{\"id\":\"ch1\","
            "\"measures\":\"co\",\"unit\":\"ppm\"}]}]}",
            "site.json: devices[0].points[0].alarm: ", "requires 2 high (\"above\") alarm levels, at or below "
            "17.16 and 34.33 ppm; this alarm has 0");
    /* a device without a profile */
    refused(HEAD "{\"id\":\"x\",\"host\":\"127.0.0.1\",\"points\":[{\"id\":\"nh3\",\"measures\":\"nh3\",\"unit\":\"ppm\","
            "\"alarm\":{\"levels\":[{\"name\":\"level1\",\"above\":28},{\"name\":\"level2\",\"above\":100,\"severity\":4}]}}]}]}",
            "site.json: devices[0].points[0].alarm: ", "its 2nd high level \"level2\" at 100 ppm is above");
    refused(HEAD "{\"id\":\"x\",\"host\":\"127.0.0.1\",\"points\":[{\"id\":\"gas\",\"measures\":\"methane\"}]}]}",
            "site.json: devices[0].points[0].measures: ", "\"methane\" is not one of \"combustible_lel\"");
    /* a site cannot unsay or change what a profile's point measures */
    refused(HEAD "{\"id\":\"g\",\"profile\":\"gas_lel\",\"host\":\"127.0.0.1\",\"points\":[{\"id\":\"lel\","
            "\"measures\":\"o2\"}]}]}",
            "site.json: devices[0].points[0].measures: ", "the profile says point \"lel\" measures combustible_lel");
}

/* What a site may do: tighten, add a milder level, and choose not to latch. */
static void test_site_choices(void)
{
    struct config *cfg;
    const struct point_cfg *pc = accepted(LEL_SITE("{\"levels\":[{\"name\":\"pre\",\"above\":10},"
                                                   "{\"name\":\"level1\",\"above\":20},{\"name\":\"level2\",\"above\":40}]}"),
                                          &cfg, "g", "lel");
    CHECK(pc && pc->rule.nlevels == 3 && pc->rule.latch == 1 && pc->rule.hysteresis == 2);
    config_free(cfg);
    pc = accepted(LEL_SITE("{\"latch\":false}"), &cfg, "g", "lel");
    CHECK(pc && pc->rule.latch == 0 && pc->rule.nlevels == 2 && pc->rule.levels[1].setpoint == 50);
    config_free(cfg);
    pc = accepted(HEAD "{\"id\":\"g\",\"profile\":\"gas_lel\",\"host\":\"127.0.0.1\"}]}", &cfg, "g", "lel");
    CHECK(pc && pc->rule.latch == 1 && pc->measures == MEASURE_COMBUSTIBLE_LEL);
    config_free(cfg);
}

/* The detector's fault flag: resolved by id within the device, else refused. */
static void test_fault_flag(void)
{
    struct config *cfg;
    const struct point_cfg *pc = accepted(HEAD "{\"id\":\"g\",\"profile\":\"gas_lel\",\"host\":\"127.0.0.1\"}]}",
                                          &cfg, "g", "lel");
    CHECK(pc && pc->fault_flag_at == 2);        /* status, the 2nd point */
    long st = cfg ? config_find_point(cfg, "g", "status") : -1;
    CHECK(st >= 0 && config_point_def(cfg, st)->is_fault_flag == 1 && config_point_def(cfg, st)->fault_flag_at == 0);
    config_free(cfg);
    refused(HEAD "{\"id\":\"x\",\"host\":\"127.0.0.1\",\"points\":[{\"id\":\"v\",\"fault_flag\":\"sts\"}]}]}",
            "site.json: devices[0]: ", "point \"v\": \"fault_flag\" names \"sts\", which is not a point of this device");
    refused(HEAD "{\"id\":\"x\",\"host\":\"127.0.0.1\",\"points\":[{\"id\":\"v\",\"fault_flag\":\"v\"}]}]}",
            "site.json: devices[0]: ", "\"fault_flag\" must name another point");
    refused(HEAD "{\"id\":\"x\",\"host\":\"127.0.0.1\",\"points\":[{\"id\":\"a\",\"fault_flag\":\"b\"},"
            "{\"id\":\"b\",\"address\":1,\"fault_flag\":\"c\"},{\"id\":\"c\",\"address\":2}]}]}",
            "site.json: devices[0]: ", "one that is not itself invalidated by a flag");
}

int main(void)
{
    test_combustible_evasions();
    test_delays();
    test_oxygen();
    test_measures_anywhere();
    test_site_choices();
    test_fault_flag();
    return check_summary();
}
