/*
 * test_rules_parse.c - the "alarm" object: what it accepts, and the exact sentence
 * for each thing it refuses; then a fuzz-style run of malformed and mutated JSON
 * that must be refused (or accepted as a sane rule) and never crash.
 */
#include <stdint.h>
#include "rules_fixture.h"

#define PATH "devices[0].points[1].alarm"

/* Parse text at PATH; return rules_parse's result and leave the message in err. */
static int parse_text(const char *text, struct rule_cfg *cfg, struct cfg_err *err)
{
    cJSON *root = cJSON_Parse(text);
    err->msg[0] = '\0';
    int rc = rules_parse(root, PATH, cfg, err);
    cJSON_Delete(root);
    return rc;
}

static void expect_error(const char *text, const char *message)
{
    struct rule_cfg cfg;
    struct cfg_err err;
    CHECK_INT(parse_text(text, &cfg, &err), -1);
    CHECK_STR(err.msg, message);
    CHECK_INT(cfg.nlevels, 0);          /* nothing half-parsed escapes */
}

static void test_parse_full(void)
{
    struct rule_cfg cfg;
    struct cfg_err err;
    CHECK_INT(parse_text("{\"levels\":[{\"name\":\"level1\",\"above\":25},"
                         "{\"name\":\"level2\",\"above\":50}],\"hysteresis\":2,"
                         "\"on_delay_s\":1.5,\"off_delay_s\":30,\"latch\":true,"
                         "\"confirm\":{\"n\":2,\"m\":3}}", &cfg, &err), 0);
    CHECK_INT(cfg.nlevels, 2);
    CHECK_STR(cfg.levels[1].name, "level2");
    CHECK_INT(cfg.levels[1].dir, LEVEL_HIGH);
    CHECK_NEAR(cfg.levels[1].setpoint, 50, 0);
    CHECK_INT(cfg.levels[1].severity, 2);
    CHECK_NEAR(cfg.hysteresis, 2, 0);
    CHECK_INT(cfg.on_delay_ms, 1500);
    CHECK_INT(cfg.off_delay_ms, 30000);
    CHECK_INT(cfg.latch, 1);
    CHECK_INT(cfg.confirm_n, 2);
    CHECK_INT(cfg.confirm_m, 3);
    /* Defaults: no hysteresis, no delays, no latch, no confirmation. */
    CHECK_INT(parse_text("{\"levels\":[{\"name\":\"low\",\"below\":19.5,\"severity\":3}]}",
                         &cfg, &err), 0);
    CHECK_INT(cfg.levels[0].dir, LEVEL_LOW);
    CHECK_INT(cfg.levels[0].severity, 3);
    CHECK_INT(cfg.on_delay_ms + cfg.off_delay_ms + cfg.latch + cfg.confirm_n, 0);
    /* Toxic gas, three levels, given most severe first with explicit severities. */
    CHECK_INT(parse_text("{\"levels\":[{\"name\":\"high\",\"above\":30,\"severity\":3},"
                         "{\"name\":\"alarm\",\"above\":10,\"severity\":2},"
                         "{\"name\":\"pre\",\"above\":5,\"severity\":1}]}", &cfg, &err), 0);
}

static void test_parse_errors(void)
{
    expect_error("{\"levels\":[{\"name\":\"level1\",\"above\":25},{\"name\":\"level2\","
                 "\"above\":\"50\"}]}",
                 PATH ".levels[1].above: expected a number");
    expect_error("{\"levels\":[{\"name\":\"level1\",\"above\":25}],\"hysterisis\":2}",
                 PATH ".hysterisis: unknown key (a typo?)");
    expect_error("{\"levels\":[{\"name\":\"level1\",\"abov\":25}]}",
                 PATH ".levels[0].abov: unknown key (a typo?)");
    expect_error("{\"hysteresis\":2}", PATH ".levels: is required");
    expect_error("{\"levels\":{}}", PATH ".levels: expected an array");
    expect_error("{\"levels\":[]}", PATH ".levels: expected 1 to 4 levels, found 0");
    expect_error("{\"levels\":[{\"name\":\"a\",\"above\":1},{\"name\":\"b\",\"above\":2},"
                 "{\"name\":\"c\",\"above\":3},{\"name\":\"d\",\"above\":4},"
                 "{\"name\":\"e\",\"above\":5}]}",
                 PATH ".levels: expected 1 to 4 levels, found 5");
    expect_error("{\"levels\":[25]}",
                 PATH ".levels[0]: expected an object like {\"name\":\"level1\",\"above\":25}");
    expect_error("{\"levels\":[{\"above\":25}]}", PATH ".levels[0].name: is required");
    expect_error("{\"levels\":[{\"name\":\"a-very-long-level-name\",\"above\":25}]}",
                 PATH ".levels[0].name: is too long (22 characters, at most 15)");
    expect_error("{\"levels\":[{\"name\":\"x\",\"above\":25,\"below\":5}]}",
                 PATH ".levels[0]: give exactly one of \"above\" (a high alarm) or \"below\" "
                 "(a low alarm), found both");
    expect_error("{\"levels\":[{\"name\":\"x\"}]}",
                 PATH ".levels[0]: give exactly one of \"above\" (a high alarm) or \"below\" "
                 "(a low alarm), found neither");
    expect_error("{\"levels\":[{\"name\":\"x\",\"above\":25,\"severity\":5}]}",
                 PATH ".levels[0].severity: 5 is out of range (1 to 4)");
    expect_error("{\"levels\":[{\"name\":\"level2\",\"above\":50},{\"name\":\"level1\","
                 "\"above\":25}]}",
                 PATH ".levels[1]: \"level1\" (severity 2, above 25) is more severe than "
                 "\"level2\" (severity 1, above 50) but its setpoint is not higher; list levels "
                 "from the mildest, or set \"severity\" to match the setpoints");
    expect_error("{\"levels\":[{\"name\":\"L\",\"below\":20},{\"name\":\"LL\",\"below\":30}]}",
                 PATH ".levels[1]: \"LL\" (severity 2, below 30) is more severe than "
                 "\"L\" (severity 1, below 20) but its setpoint is not lower; list levels "
                 "from the mildest, or set \"severity\" to match the setpoints");
    expect_error("{\"levels\":[{\"name\":\"a\",\"above\":25},{\"name\":\"b\",\"above\":50,"
                 "\"severity\":1}]}",
                 PATH ".levels[1]: \"a\" and \"b\" are both high levels of severity 1; "
                 "give each a different \"severity\"");
    expect_error("{\"levels\":[{\"name\":\"a\",\"above\":25},{\"name\":\"a\",\"below\":5}]}",
                 PATH ".levels[1]: the name \"a\" is used twice; give each level its own name");
    expect_error("{\"levels\":[{\"name\":\"a\",\"above\":25}],\"hysteresis\":-1}",
                 PATH ".hysteresis: -1 is negative; it is the band (in the point's unit) a "
                 "value must cross back before its level clears, 0 or more");
    expect_error("{\"levels\":[{\"name\":\"a\",\"above\":25}],\"on_delay_s\":-1}",
                 PATH ".on_delay_s: -1 is out of range (0 to 86400)");
    expect_error("{\"levels\":[{\"name\":\"a\",\"above\":25}],\"off_delay_s\":\"5\"}",
                 PATH ".off_delay_s: expected a number");
    expect_error("{\"levels\":[{\"name\":\"a\",\"above\":25}],\"latch\":1}",
                 PATH ".latch: expected true or false");
    expect_error("{\"levels\":[{\"name\":\"a\",\"above\":25}],\"confirm\":{\"n\":3,\"m\":2}}",
                 PATH ".confirm.n: 3 is more than m (2): an alarm needs n of the last m "
                 "samples, so n cannot exceed m");
    expect_error("{\"levels\":[{\"name\":\"a\",\"above\":25}],\"confirm\":{\"n\":1,\"m\":33}}",
                 PATH ".confirm.m: 33 is out of range (1 to 32)");
    expect_error("{\"levels\":[{\"name\":\"a\",\"above\":25}],\"confirm\":{\"n\":0,\"m\":2}}",
                 PATH ".confirm.n: 0 is out of range (1 to 32)");
    expect_error("{\"levels\":[{\"name\":\"a\",\"above\":25}],\"confirm\":{\"m\":2}}",
                 PATH ".confirm.n: is required");
    expect_error("{\"levels\":[{\"name\":\"a\",\"above\":25}],\"confirm\":{\"n\":1,\"m\":2,"
                 "\"k\":1}}",
                 PATH ".confirm.k: unknown key (a typo?)");
    expect_error("{\"levels\":[{\"name\":\"low\",\"below\":19.5},{\"name\":\"high\","
                 "\"above\":23.5}],\"hysteresis\":4}",
                 PATH ".hysteresis: the low alarm \"low\" (below 19.5) and the high alarm "
                 "\"high\" (above 23.5) are 4 apart, not more than the hysteresis 4, so one "
                 "reading could be in both; lower the hysteresis or move the setpoints apart");
    expect_error("[1,2]", PATH ": expected an object like {\"levels\":[{\"name\":\"level1\","
                 "\"above\":25}]}");
}

/* Snippets a hand-edited config really produces: each must be refused, not crash. */
static void test_parse_malformed(void)
{
    static const char *const bad[] = {
        "", "{", "}", "null", "true", "0", "\"alarm\"", "[]", "{}",
        "{\"levels\":null}", "{\"levels\":[null]}", "{\"levels\":[[]]}",
        "{\"levels\":[{}]}", "{\"levels\":[{\"name\":null,\"above\":1}]}",
        "{\"levels\":[{\"name\":5,\"above\":1}]}", "{\"levels\":[{\"name\":\"\",\"above\":1}]}",
        "{\"levels\":[{\"name\":\"a\",\"above\":1e999}]}",
        "{\"levels\":[{\"name\":\"a\",\"above\":[1]}]}",
        "{\"levels\":[{\"name\":\"a\",\"above\":1,\"severity\":1.5}]}",
        "{\"levels\":[{\"name\":\"a\",\"above\":1,\"severity\":-1}]}",
        "{\"levels\":[{\"name\":\"a\",\"above\":1}],\"confirm\":[2,3]}",
        "{\"levels\":[{\"name\":\"a\",\"above\":1}],\"confirm\":{\"n\":2.5,\"m\":3}}",
        "{\"levels\":[{\"name\":\"a\",\"above\":1}],\"on_delay_s\":1e9}",
        "{\"levels\":[{\"name\":\"a\",\"above\":1}],\"hysteresis\":{}}",
        "{\"levels\":[{\"name\":\"a\",\"above\":1}],\"\":1}",
        "{\"levels\":[{\"name\":\"a\",\"above\":1},{\"name\":\"b\",\"above\":1}]}",
        "{\"levels\":[{\"name\":\"a\",\"below\":5},{\"name\":\"b\",\"above\":5}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        struct rule_cfg cfg;
        struct cfg_err err;
        int rc = parse_text(bad[i], &cfg, &err);
        if (rc != -1)
            fprintf(stderr, "accepted: %s\n", bad[i]);
        CHECK_INT(rc, -1);
        CHECK(strncmp(err.msg, PATH, strlen(PATH)) == 0);
    }
}

/* Deterministic mutations of a valid rule: whatever parses must be a sane rule the
 * engine can run; whatever does not must say where. */
static void test_parse_mutations(void)
{
    static const char seed[] =
        "{\"levels\":[{\"name\":\"L\",\"below\":19.5},{\"name\":\"H\",\"above\":23.5},"
        "{\"name\":\"HH\",\"above\":30,\"severity\":2}],\"hysteresis\":0.5,"
        "\"on_delay_s\":1,\"off_delay_s\":2,\"latch\":true,\"confirm\":{\"n\":2,\"m\":3}}";
    static const char alphabet[] = "{}[]\",:0123456789.-e aLHnm";
    uint32_t rng = 12345u;
    int accepted = 0, refused = 0;
    for (int round = 0; round < 20000; round++) {
        char text[sizeof seed + 8];
        memcpy(text, seed, sizeof seed);
        size_t len = sizeof seed - 1;
        for (int k = 0; k < 1 + round % 3; k++) {
            rng = rng * 1103515245u + 12345u;
            size_t at = (rng >> 8) % len;
            char c = alphabet[(rng >> 20) % (sizeof alphabet - 1)];
            if (round % 2)
                text[at] = c;                               /* replace */
            else
                memmove(text + at, text + at + 1, len-- - at);  /* delete */
        }
        struct rule_cfg cfg;
        struct cfg_err err;
        if (parse_text(text, &cfg, &err) < 0) {
            refused++;
            CHECK(strncmp(err.msg, PATH, strlen(PATH)) == 0);
            continue;
        }
        accepted++;
        CHECK(cfg.nlevels >= 1 && cfg.nlevels <= RULE_MAX_LEVELS);
        CHECK(cfg.hysteresis >= 0 && cfg.on_delay_ms >= 0 && cfg.off_delay_ms >= 0);
        CHECK(cfg.confirm_n == 0 || (cfg.confirm_n >= 1 && cfg.confirm_n <= cfg.confirm_m &&
                                     cfg.confirm_m <= RULE_CONFIRM_MAX));
        struct rule_state st;
        struct event ev[RULE_MAX_EVENTS];
        rules_state_init(&st);
        for (int v = -10; v <= 60; v += 7)
            rf_feed(&cfg, &st, v, (int64_t)(v + 10) * 1000, ev);
    }
    CHECK(accepted > 0);
    CHECK(refused > 0);
}

int main(void)
{
    test_parse_full();
    test_parse_errors();
    test_parse_malformed();
    test_parse_mutations();
    return check_summary();
}
