/*
 * test_config_outputs.c - which points an alarm may drive, and the sentence each mistake gets.
 *
 * An output must exist and be marked writable by the site, and its values must fit it;
 * the messages name the alarm and the output both. A profile cannot make a point
 * writable (checked with a real profile file in a temporary directory).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

#define PROFILES RISKGW_SOURCE_DIR "/drivers/profiles"
#define SITE_TEXT_MAX 2048

/* A site with gas1 (gas_lel) and siren1 (siren_beacon); `siren_points` and `lel_extra` are
 * spliced in: the siren's point overrides and the gas point's keys after its id. */
static void site(char *out, size_t cap, const char *siren_points, const char *lel_extra,
                 const char *rules)
{
    snprintf(out, cap,
             "{\"enterprise\":\"e\",\"gateway\":\"g\",\"devices\":["
             "{\"id\":\"gas1\",\"profile\":\"gas_lel\",\"host\":\"127.0.0.1\",\"port\":1,"
             " \"points\":[{\"id\":\"lel\"%s}]},"
             "{\"id\":\"siren1\",\"profile\":\"siren_beacon\",\"host\":\"127.0.0.1\",\"port\":2,"
             " \"points\":[%s]}]%s}",
             lel_extra, siren_points, rules);
}

static void expect_error(const char *text, const char *message)
{
    struct cfg_err err = {""};
    struct config *cfg = config_parse(text, "site.json", PROFILES, &err);
    CHECK(cfg == NULL);
    CHECK_CONTAINS(err.msg, message);
    config_free(cfg);
}

#define WRITABLE "{\"id\":\"horn\",\"writable\":true},{\"id\":\"beacon\",\"writable\":true}"

static void test_good(void)
{
    char text[SITE_TEXT_MAX];
    struct cfg_err err = {""};
    site(text, sizeof text, WRITABLE,
         ",\"outputs\":[{\"point\":\"siren1.horn\",\"audible\":true},"
         "{\"point\":\"siren1.beacon\",\"severity\":2,\"on\":1,\"off\":0}]",
         ",\"rules\":[{\"id\":\"gas_high\",\"when\":\"gas1.lel > 40\","
         "\"outputs\":[{\"point\":\"siren1.horn\"}]}]");
    struct config *cfg = config_parse(text, "site.json", PROFILES, &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "unexpected error: %s\n", err.msg);
        return;
    }
    long lel = config_find_point(cfg, "gas1", "lel"), horn = config_find_point(cfg, "siren1", "horn");
    long beacon = config_find_point(cfg, "siren1", "beacon");
    long rule = config_find_point(cfg, "_rules", "gas_high");
    CHECK_INT(cfg->noutputs, 3);
    CHECK_INT(cfg->outputs[0].target, horn);            /* sorted by target, in listed order */
    CHECK_INT(cfg->outputs[0].source, lel);
    CHECK_INT(cfg->outputs[0].audible, 1);
    CHECK_INT(cfg->outputs[0].min_severity, 1);
    CHECK_NEAR(cfg->outputs[0].on, 1, 0);               /* the defaults: on 1, off 0 */
    CHECK_NEAR(cfg->outputs[0].off, 0, 0);
    CHECK_INT(cfg->outputs[1].target, horn);
    CHECK_INT(cfg->outputs[1].source, rule);
    CHECK_INT(cfg->outputs[2].target, beacon);
    CHECK_INT(cfg->outputs[2].min_severity, 2);
    CHECK_INT(config_find_point_ref(cfg, "siren1.horn"), horn);
    CHECK_INT(config_find_point_ref(cfg, "siren1.hron"), -1);
    CHECK_INT(config_find_point_ref(cfg, "siren1"), -1);
    config_free(cfg);
}

static void test_refusals(void)
{
    char text[SITE_TEXT_MAX];
    site(text, sizeof text, "", ",\"outputs\":[{\"point\":\"siren1.horn\"}]", "");
    expect_error(text, "site.json: devices[0].points[0].outputs[0].point: output siren1.horn of "
                       "gas1.lel is not writable; add {\"id\": \"horn\", \"writable\": true} to the "
                       "points of device siren1 if the gateway may drive it");
    site(text, sizeof text, WRITABLE, ",\"outputs\":[{\"point\":\"siren1.hron\"}]", "");
    expect_error(text, "devices[0].points[0].outputs[0].point: output \"siren1.hron\" of gas1.lel "
                       "is not a point of this site");
    site(text, sizeof text, WRITABLE, ",\"outputs\":[{\"point\":\"siren1.horn\",\"on\":2}]", "");
    expect_error(text, "devices[0].points[0].outputs[0].on: 2 cannot be written to siren1.horn");
    site(text, sizeof text, WRITABLE,
         ",\"outputs\":[{\"point\":\"siren1.horn\"},{\"point\":\"siren1.horn\"}]", "");
    expect_error(text, "outputs[1]: gas1.lel names output siren1.horn twice");
    site(text, sizeof text, WRITABLE, ",\"outputs\":[{\"point\":\"siren1.horn\",\"loud\":1}]", "");
    expect_error(text, "outputs[0].loud: unknown key");
    site(text, sizeof text, WRITABLE, ",\"outputs\":[{\"point\":\"siren1.horn\"}]",
         ",\"rules\":[{\"id\":\"r\",\"when\":\"gas1.lel > 40\","
         "\"outputs\":[{\"point\":\"siren1.horn\",\"off\":1,\"on\":0}]}]");
    expect_error(text, "site.json: rules[0].outputs[0]: rule r gives output siren1.horn \"off\": 1, "
                       "but gas1.lel gives it 0; an output has one resting value");
    site(text, sizeof text, WRITABLE ",{\"id\":\"fault\",\"writable\":true}", "", "");
    expect_error(text, "devices[1].points[2]: point \"fault\" cannot be \"writable\": a discrete "
                       "input is read-only");
    /* The detector's status bit has no alarm levels: nothing would drive its outputs. */
    snprintf(text, sizeof text,
             "{\"enterprise\":\"e\",\"gateway\":\"g\",\"devices\":["
             "{\"id\":\"gas1\",\"profile\":\"gas_lel\",\"host\":\"127.0.0.1\",\"port\":1,"
             " \"points\":[{\"id\":\"status\",\"outputs\":[{\"point\":\"siren1.horn\"}]}]},"
             "{\"id\":\"siren1\",\"profile\":\"siren_beacon\",\"host\":\"127.0.0.1\",\"port\":2,"
             " \"points\":[" WRITABLE "]}]}");
    expect_error(text, "devices[0].points[0].outputs: gas1.status has no alarm levels");
}

/* A profile may neither make a point writable nor name outputs. */
static void test_profile_cannot(void)
{
    char dir[] = "/tmp/riskgw-test-profiles-XXXXXX", file[sizeof dir + 32], text[SITE_TEXT_MAX];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(file, sizeof file, "%s/relay.json", dir);
    FILE *f = fopen(file, "w");
    CHECK(f != NULL);
    if (!f)
        return;
    fputs("{\"profile\":\"relay\",\"points\":[{\"id\":\"out\",\"area\":\"coil\",\"writable\":true}]}", f);
    fclose(f);
    snprintf(text, sizeof text, "{\"enterprise\":\"e\",\"gateway\":\"g\",\"devices\":[{\"id\":\"r\","
             "\"profile\":\"relay\",\"host\":\"127.0.0.1\",\"port\":1}]}");
    struct cfg_err err = {""};
    struct config *cfg = config_parse(text, "site.json", dir, &err);
    CHECK(cfg == NULL);
    CHECK_CONTAINS(err.msg, "points[0].writable: a profile cannot make a point writable");
    config_free(cfg);
    unlink(file);
    rmdir(dir);
}

int main(void)
{
    test_good();
    test_refusals();
    test_profile_cannot();
    return check_summary();
}
