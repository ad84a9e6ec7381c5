/*
 * test_config.c - the site config: what a good file yields, and the exact sentence
 * each kind of bad file gets. The messages are part of the product: a technician
 * on site reads them, so they are asserted word for word where it matters.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "config.h"

#define PROFILES RISKGW_SOURCE_DIR "/drivers/profiles"

static const char *good =
    "{\"enterprise\":\"ent-1\",\"gateway\":\"gw-1\","
    " \"mqtt\":{\"uri\":\"tcp://127.0.0.1:1883\"},"
    " \"store\":{\"path\":\"/tmp/x.db\"},"
    " \"buses\":[{\"id\":\"rs485-1\",\"device\":\"/dev/ttyS1\",\"baud\":19200,\"parity\":\"E\"}],"
    " \"devices\":["
    "  {\"id\":\"gas1\",\"profile\":\"gas_lel\",\"host\":\"127.0.0.1\",\"port\":1502,\"unit\":3,"
    "   \"points\":[{\"id\":\"lel\",\"alarm\":{\"levels\":[{\"name\":\"level1\",\"above\":20},"
    "                                              {\"name\":\"level2\",\"above\":40}]}}]},"
    "  {\"id\":\"meter\",\"bus\":\"rs485-1\",\"unit\":7,\"base\":1,"
    "   \"points\":[{\"id\":\"kw\",\"address\":40001,\"type\":\"float32\",\"order\":\"CDAB\",\"unit\":\"kW\"},"
    "              {\"id\":\"run\",\"area\":\"discrete\",\"address\":1}]}"
    " ]}";

static void test_good(void)
{
    struct cfg_err err = {""};
    struct config *cfg = config_parse(good, "good.json", PROFILES, &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "unexpected error: %s\n", err.msg);
        return;
    }
    CHECK_STR(cfg->gateway_id, "gw-1");
    CHECK_INT(cfg->ndevices, 2);
    CHECK_INT(cfg->nbuses, 1);
    CHECK_INT(cfg->buses[0].parity, 'E');
    CHECK_INT(cfg->devices[0].kind, BUS_TCP);
    CHECK_INT(cfg->devices[0].unit, 3);
    CHECK_INT(cfg->devices[0].phase_ms, PHASE_AUTO);    /* not stated: the pollers spread it */
    CHECK_INT(cfg->devices[1].kind, BUS_RTU);
    CHECK_INT(cfg->devices[1].bus, 0);
    long lel = config_find_point(cfg, "gas1", "lel");
    CHECK(lel >= 0);
    if (lel >= 0) {
        const struct point_cfg *p = config_point_def(cfg, lel);
        CHECK_NEAR(p->map.scale, 0.1, 1e-12);               /* from the profile */
        CHECK_STR(p->unit, "%LEL");
        CHECK_INT(p->rule.nlevels, 2);                        /* override replaced the rule */
        CHECK_NEAR(p->rule.levels[0].setpoint, 20, 1e-12);
    }
    long kw = config_find_point(cfg, "meter", "kw");
    CHECK(kw >= 0);
    if (kw >= 0) {
        CHECK_INT(config_point_def(cfg, kw)->map.address, 40000);      /* base 1 shifted down */
        CHECK_INT(config_point_def(cfg, kw)->map.type, VT_FLOAT32);
        CHECK_INT(config_point_def(cfg, kw)->map.order, ORDER_CDAB);
        CHECK_INT(cfg->points[kw].device, 1);
    }
    long run = config_find_point(cfg, "meter", "run");
    CHECK(run >= 0 && config_point_def(cfg, run)->map.type == VT_BIT);
    CHECK_INT(config_find_point(cfg, "meter", "nope"), -1);
    CHECK_INT(cfg->mqtt.enabled, 1);
    CHECK_STR(cfg->mqtt.topic_prefix, "riskgw/v1");
    CHECK_STR(cfg->mqtt.client_id, "riskgw-gw-1");
    CHECK_INT(cfg->telemetry.send, TELEMETRY_EVERY_INTERVAL);     /* no "telemetry": the default */
    CHECK_INT(cfg->telemetry.heartbeat_s, 60);
    config_free(cfg);
}

/* Each bad config and the exact message it must produce. */
static void expect_error(const char *text, const char *message)
{
    struct cfg_err err = {""};
    struct config *cfg = config_parse(text, "site.json", PROFILES, &err);
    CHECK(cfg == NULL);
    CHECK_STR(err.msg, message);
    config_free(cfg);
}

#define HEAD "{\"enterprise\":\"e\",\"gateway\":\"g\","
#define TCP "\"host\":\"127.0.0.1\","

static void test_errors(void)
{
    expect_error("", "site.json: is empty; expected a JSON object");
    expect_error("{\n  \"enterprise\": \"e\",\n  \"gateway\": oops\n}",
                 "site.json:3:14: JSON syntax error near \"oops\n}\"");
    expect_error("[1]", "site.json: expected a JSON object at the top");
    expect_error("{\"gateway\":\"g\"}", "site.json: enterprise: is required");
    expect_error(HEAD "\"devices\":[]}", "site.json: devices: is required: at least one device to poll");
    expect_error(HEAD "\"gatway\":1}", "site.json: gatway: unknown key (a typo?)");
    expect_error(HEAD "\"devices\":[{\"id\":\"d\"," TCP "\"points\":[{\"id\":\"p\",\"scale\":\"x\"}]}]}",
                 "site.json: devices[0].points[0].scale: expected a number");
    expect_error(HEAD "\"devices\":[{\"id\":\"d\"," TCP "\"points\":[{\"id\":\"p\"},{\"id\":\"q\",\"scale\":\"x\"}]}]}",
                 "site.json: devices[0].points[1].scale: expected a number");
    expect_error(HEAD "\"devices\":[{\"id\":\"d\"," TCP "\"points\":[{\"id\":\"p\",\"type\":\"float\"}]}]}",
                 "site.json: devices[0].points[0].type: \"float\" is not one of \"bit\", \"int16\", "
                 "\"uint16\", \"int32\", \"uint32\", \"float32\", \"int64\", \"uint64\", \"float64\"");
    expect_error(HEAD "\"devices\":[{\"id\":\"d\",\"profile\":\"nope\"," TCP "\"unit\":1}]}",
                 "site.json: devices[0].profile: " PROFILES "/nope.json: cannot open: No such file or directory");
    expect_error(HEAD "\"devices\":[{\"id\":\"d\",\"bus\":\"rs9\",\"points\":[{\"id\":\"p\"}]}]}",
                 "site.json: devices[0].bus: no bus with id \"rs9\" in \"buses\"");
    expect_error(HEAD "\"devices\":[{\"id\":\"d\",\"points\":[{\"id\":\"p\"}]}]}",
                 "site.json: devices[0]: needs \"bus\" (a serial line id) or \"host\" and \"port\" (Modbus TCP)");
    expect_error(HEAD "\"devices\":[{\"id\":\"d\"," TCP "\"comm_fail_ms\":200000,\"points\":[{\"id\":\"p\"}]}]}",
                 "site.json: devices[0].comm_fail_ms: 200000 is out of range (100 to 100000)");
    expect_error(HEAD "\"devices\":[{\"id\":\"d\"," TCP "\"points\":[{\"id\":\"p\"},{\"id\":\"p\"}]}]}",
                 "site.json: devices[0].points[1]: point id \"p\" appears twice");
    expect_error(HEAD "\"devices\":[{\"id\":\"d\"," TCP "\"points\":[{\"id\":\"p\"}]},"
                      "{\"id\":\"d\"," TCP "\"points\":[{\"id\":\"p\"}]}]}",
                 "site.json: devices[1].id: \"d\" is already the id of devices[0]");
    expect_error(HEAD "\"devices\":[{\"id\":\"d/x\"," TCP "\"points\":[{\"id\":\"p\"}]}]}",
                 "site.json: devices[0].id: \"d/x\" may use only letters, digits, '_', '-' and '.'");
    expect_error(HEAD "\"devices\":[{\"id\":\"d\"," TCP "\"points\":[{\"id\":\"p\",\"area\":\"coil\",\"type\":\"uint16\"}]}]}",
                 "site.json: devices[0].points[0]: a coil point must have type \"bit\"");
    expect_error(HEAD "\"devices\":[{\"id\":\"d\"," TCP "\"base\":1,\"points\":[{\"id\":\"p\",\"address\":0}]}]}",
                 "site.json: devices[0].points[0].address: 0 is below the address base 1");
    expect_error(HEAD "\"devices\":[{\"id\":\"d\"," TCP "\"points\":[{\"id\":\"p\",\"signal\":\"loop_ma\"}]}]}",
                 "site.json: devices[0].points[0]: a \"loop_ma\" point needs \"range\": [low, high] in engineering units");
    expect_error(HEAD "\"mqtt\":{\"uri\":\"http://x\"},\"devices\":[{\"id\":\"d\"," TCP "\"points\":[{\"id\":\"p\"}]}]}",
                 "site.json: mqtt.uri: \"http://x\" must start with tcp://, ssl://, mqtt:// or mqtts://");
    expect_error(HEAD "\"devices\":[{\"id\":\"d\"," TCP "\"points\":[{\"id\":\"p\",\"alarm\":{\"levels\":[{\"name\":\"l1\",\"above\":\"x\"}]}}]}]}",
                 "site.json: devices[0].points[0].alarm.levels[0].above: expected a number");
}

/* The "telemetry" section: the mode and heartbeat it takes, and what it refuses. */
static void test_telemetry(void)
{
    const char *text = HEAD "\"telemetry\":{\"send\":\"on_change\",\"heartbeat_s\":15},"
                       "\"devices\":[{\"id\":\"d\"," TCP "\"points\":[{\"id\":\"p\"}]}]}";
    struct cfg_err err = {""};
    struct config *cfg = config_parse(text, "site.json", PROFILES, &err);
    CHECK(cfg != NULL);
    if (cfg) {
        CHECK_INT(cfg->telemetry.send, TELEMETRY_ON_CHANGE);
        CHECK_INT(cfg->telemetry.heartbeat_s, 15);
    }
    config_free(cfg);
    expect_error(HEAD "\"telemetry\":{\"send\":\"sometimes\"},\"devices\":[{\"id\":\"d\"," TCP
                 "\"points\":[{\"id\":\"p\"}]}]}",
                 "site.json: telemetry.send: \"sometimes\" is not one of \"every_interval\", \"on_change\"");
    expect_error(HEAD "\"telemetry\":{\"heartbeat_s\":0},\"devices\":[{\"id\":\"d\"," TCP
                 "\"points\":[{\"id\":\"p\"}]}]}",
                 "site.json: telemetry.heartbeat_s: 0 is out of range (1 to 86400)");
    expect_error(HEAD "\"telemetry\":{\"mode\":\"on_change\"},\"devices\":[{\"id\":\"d\"," TCP
                 "\"points\":[{\"id\":\"p\"}]}]}",
                 "site.json: telemetry.mode: unknown key (a typo?)");
}

static void test_setpoint_guard(void)
{
    expect_error(HEAD "\"devices\":[{\"id\":\"g\",\"profile\":\"gas_lel\"," TCP
                 "\"points\":[{\"id\":\"lel\",\"alarm\":{\"levels\":[{\"name\":\"level1\",\"above\":25},"
                 "{\"name\":\"level2\",\"above\":60}]}}]}]}",
                 "site.json: devices[0].points[0].alarm: point \"lel\" measures combustible_lel: its 2nd high "
                 "level \"level2\" at 60 %LEL is above the GB/T 50493-2019 §5.5.2 limit of 50 %LEL for that "
                 "level; a site may tighten a setpoint, never loosen it past the standard");
    expect_error(HEAD "\"devices\":[{\"id\":\"g\",\"profile\":\"gas_lel\"," TCP
                 "\"points\":[{\"id\":\"lel\",\"limits\":{\"standard\":\"mine\",\"above\":[90,99]}}]}]}",
                 "site.json: devices[0].points[0]: \"limits\" is no longer read: say what the point measures "
                 "with \"measures\" and the standard's limits follow (docs/configuration.md)");
    struct cfg_err err = {""};
    struct config *cfg = config_parse(HEAD "\"devices\":[{\"id\":\"g\",\"profile\":\"gas_lel\"," TCP
                                      "\"points\":[{\"id\":\"lel\",\"alarm\":{\"levels\":[{\"name\":\"level1\","
                                      "\"above\":20},{\"name\":\"level2\",\"above\":40}]}}]}]}",
                                      "site.json", PROFILES, &err);
    CHECK(cfg != NULL);                         /* tightening is allowed */
    config_free(cfg);
}

static void test_combined_rules(void)
{
    const char *two = HEAD "\"devices\":[{\"id\":\"g1\",\"profile\":\"gas_lel\"," TCP "\"port\":1},"
                           "{\"id\":\"g2\",\"profile\":\"gas_lel\"," TCP "\"port\":2}],";
    char text[1024];
    snprintf(text, sizeof text, "%s\"rules\":[{\"id\":\"both\",\"when\":\"g1.lel > 20 and g2.lell > 20\"}]}", two);
    expect_error(text, "site.json: rules[0].when:1:17: unknown point \"g2.lell\"");
    snprintf(text, sizeof text, "%s\"rules\":[{\"id\":\"b\",\"when\":\"g1.lel > 1\"},"
             "{\"id\":\"b\",\"when\":\"g2.lel > 1\"}]}", two);
    expect_error(text, "site.json: rules[1]: rule id \"b\" is used twice");
    snprintf(text, sizeof text, "%s\"rules\":[{\"id\":\"both\",\"name\":\"Two detectors agree\","
             "\"when\":\"g1.lel > 20 and g2.lel > 20\",\"severity\":2}]}", two);
    struct cfg_err err = {""};
    struct config *cfg = config_parse(text, "site.json", PROFILES, &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "unexpected error: %s\n", err.msg);
        return;
    }
    long v = config_find_point(cfg, "_rules", "both");
    CHECK_INT(v, (long)cfg->rules_first_point);
    CHECK_INT(cfg->devices[cfg->points[v].device].kind, BUS_VIRTUAL);
    CHECK_INT(config_point_def(cfg, v)->rule.levels[0].severity, 2);
    CHECK_STR(config_point_def(cfg, v)->name, "Two detectors agree");
    config_free(cfg);
    expect_error(HEAD "\"devices\":[{\"id\":\"_rules\"," TCP "\"points\":[{\"id\":\"p\"}]}]}",
                 "site.json: devices: the id \"_rules\" is reserved for combined rules");
}

static void test_files(void)
{
    struct cfg_err err = {""};
    CHECK(config_load("/nonexistent/riskgw.json", PROFILES, &err) == NULL);
    CHECK_STR(err.msg, "/nonexistent/riskgw.json: cannot open: No such file or directory");
    char path[] = "/tmp/riskgw-test-config-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    close(fd);
    CHECK(config_load(path, PROFILES, &err) == NULL);
    char want[256];
    snprintf(want, sizeof want, "%s: is empty; expected a JSON object", path);
    CHECK_STR(err.msg, want);
    unlink(path);
}

/* Devices of one profile share its definitions; an override gets its own; only points
 * with a rule get an alarm slot, numbered in point order. */
static const char *shared =
    "{\"enterprise\":\"ent-1\",\"gateway\":\"gw-1\",\"store\":{\"path\":\"/tmp/x.db\"},"
    " \"devices\":["
    "  {\"id\":\"g1\",\"profile\":\"gas_lel\",\"host\":\"127.0.0.1\",\"port\":1502},"
    "  {\"id\":\"g2\",\"profile\":\"gas_lel\",\"host\":\"127.0.0.1\",\"port\":1503},"
    "  {\"id\":\"g3\",\"profile\":\"gas_lel\",\"host\":\"127.0.0.1\",\"port\":1504,"
    "   \"points\":[{\"id\":\"lel\",\"name\":\"Tank 3 LEL\"}]}]}";

static void test_shared_definitions(void)
{
    struct cfg_err err = {""};
    struct config *cfg = config_parse(shared, "shared.json", PROFILES, &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "unexpected error: %s\n", err.msg);
        return;
    }
    long l1 = config_find_point(cfg, "g1", "lel"), l2 = config_find_point(cfg, "g2", "lel");
    long l3 = config_find_point(cfg, "g3", "lel"), s1 = config_find_point(cfg, "g1", "status");
    long s3 = config_find_point(cfg, "g3", "status");
    CHECK(l1 >= 0 && l2 >= 0 && l3 >= 0 && s1 >= 0 && s3 >= 0);
    if (l1 < 0 || l2 < 0 || l3 < 0 || s1 < 0 || s3 < 0) {
        config_free(cfg);
        return;
    }
    CHECK(config_point_def(cfg, l1) == config_point_def(cfg, l2));        /* one copy for the profile's point */
    CHECK(config_point_def(cfg, s1) == config_point_def(cfg, s3));
    CHECK(config_point_def(cfg, l3) != config_point_def(cfg, l1));        /* the override is its own */
    CHECK_STR(config_point_def(cfg, l3)->name, "Tank 3 LEL");
    CHECK_STR(config_point_def(cfg, l1)->name, "Combustible gas concentration");
    CHECK_INT(cfg->defs.n, 3);                                /* lel, status, and g3's lel */
    CHECK_INT(cfg->points[l1].def_index, cfg->points[l2].def_index);   /* named by index */
    CHECK(cfg->points[l3].def_index != cfg->points[l1].def_index);
    for (size_t i = 0; i < cfg->npoints; i++)
        CHECK(cfg->points[i].def_index < cfg->defs.n);
    CHECK_INT(cfg->nalarm_points, 3);                         /* each lel has a rule, status none */
    CHECK_INT(cfg->points[s1].alarm_slot, ALARM_SLOT_NONE);
    CHECK_INT(cfg->points[l2].alarm_slot, 1);
    CHECK_INT(cfg->alarm_points[1], l2);
    config_free(cfg);
}

/* Device ids live packed in the config's string blocks (config_strings.c), hosts are
 * stored once, and a device's times are 32-bit: ids of every length up to the longest,
 * over many blocks (so blocks end at every kind of remainder), must each read back
 * whole, and the largest times unchanged. */
#define MANY_DEVICES 2000
#define LONG_ID_LEN (ID_MAX - 1)
#define SHORT_ID_LEN 9                  /* "dev-0000-" */
#define DEVICE_JSON_MAX 256

static void long_id(char *out, int i)
{
    unsigned spread = (unsigned)i * 2654435761u >> 16;         /* lengths in no order */
    int len = i == 0 ? LONG_ID_LEN : SHORT_ID_LEN + (int)(spread % (LONG_ID_LEN - SHORT_ID_LEN + 1));
    int n = snprintf(out, ID_MAX, "dev-%04d-", i);
    memset(out + n, 'a' + i % 26, (size_t)(len - n));
    out[len] = '\0';
}

static void test_device_strings(void)
{
    size_t cap = MANY_DEVICES * DEVICE_JSON_MAX + 512, len = 0;
    char *text = malloc(cap), id[ID_MAX];
    CHECK(text != NULL);
    if (!text)
        return;
    len += (size_t)snprintf(text + len, cap - len, HEAD "\"devices\":[");
    for (int i = 0; i < MANY_DEVICES; i++) {
        long_id(id, i);
        len += (size_t)snprintf(text + len, cap - len,
                                "%s{\"id\":\"%s\",\"host\":\"127.0.0.%d\",\"port\":%d,"
                                "\"interval_ms\":86400000,\"phase_ms\":86399999,\"backoff_ms\":86400000,"
                                "\"retries\":10,\"backoff_after\":1000,\"points\":[{\"id\":\"v\"}]}",
                                i ? "," : "", id, 1 + i % 2, 1502 + i);
    }
    snprintf(text + len, cap - len, "]}");
    struct cfg_err err = {""};
    struct config *cfg = config_parse(text, "many.json", PROFILES, &err);
    free(text);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "unexpected error: %s\n", err.msg);
        return;
    }
    CHECK_INT(cfg->ndevices, MANY_DEVICES);
    int ids_whole = 1;
    for (int i = 0; i < MANY_DEVICES && (size_t)i < cfg->ndevices; i++) {
        long_id(id, i);
        if (strcmp(cfg->devices[i].id, id) != 0 || config_find_point(cfg, id, "v") != i) {
            fprintf(stderr, "devices[%d].id reads \"%s\", expected \"%s\"\n", i, cfg->devices[i].id, id);
            ids_whole = 0;
        }
    }
    CHECK(ids_whole);
    CHECK(cfg->devices[0].host == cfg->devices[2].host);        /* stored once */
    CHECK_STR(cfg->devices[1].host, "127.0.0.2");
    const struct device_cfg *d = &cfg->devices[MANY_DEVICES - 1];
    CHECK_INT(d->interval_ms, 86400000);
    CHECK_INT(d->phase_ms, 86399999);
    CHECK_INT(d->backoff_ms, 86400000);
    CHECK_INT(d->retries, 10);
    CHECK_INT(d->backoff_after, 1000);
    CHECK_INT(d->port, 1502 + MANY_DEVICES - 1);
    config_free(cfg);
    long_id(id, 0);
    char too_long[2 * DEVICE_JSON_MAX];
    snprintf(too_long, sizeof too_long, HEAD "\"devices\":[{\"id\":\"%sb\"," TCP "\"points\":[{\"id\":\"p\"}]}]}", id);
    expect_error(too_long, "site.json: devices[0].id: is too long (64 characters, at most 63)");
}

int main(void)
{
    test_good();
    test_shared_definitions();
    test_device_strings();
    test_errors();
    test_telemetry();
    test_setpoint_guard();
    test_combined_rules();
    test_files();
    return check_summary();
}
