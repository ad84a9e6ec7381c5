/*
 * test_config_mqtt_uri.c - "mqtt.uri" as one broker or a list of cluster nodes:
 * what each form yields, and the exact sentence for each kind of bad list.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "config.h"

#define PROFILES RISKGW_SOURCE_DIR "/drivers/profiles"
#define SITE(mqtt) "{\"enterprise\":\"e\",\"gateway\":\"g\",\"mqtt\":" mqtt "," \
    "\"devices\":[{\"id\":\"d\",\"host\":\"127.0.0.1\",\"points\":[{\"id\":\"p\"}]}]}"

static struct config *parse(const char *text, struct cfg_err *err)
{
    return config_parse(text, "site.json", PROFILES, err);
}

static void expect_error(const char *text, const char *message)
{
    struct cfg_err err = {""};
    struct config *cfg = parse(text, &err);
    CHECK(cfg == NULL);
    CHECK_STR(err.msg, message);
    config_free(cfg);
}

/* A single string is still one broker, as before the lists. */
static void test_single(void)
{
    struct cfg_err err = {""};
    struct config *cfg = parse(SITE("{\"uri\":\"ssl://broker:8883\"}"), &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "unexpected error: %s\n", err.msg);
        return;
    }
    CHECK_INT(cfg->mqtt.nuris, 1);
    CHECK_STR(cfg->mqtt.uris[0], "ssl://broker:8883");
    config_free(cfg);
}

/* A list keeps its order: the gateway tries the nodes in it. */
static void test_list(void)
{
    struct cfg_err err = {""};
    struct config *cfg = parse(SITE("{\"uri\":[\"tcp://n1:1883\",\"mqtt://n2:1884\",\"tcp://n3:1883\"]}"),
                               &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "unexpected error: %s\n", err.msg);
        return;
    }
    CHECK_INT(cfg->mqtt.nuris, 3);
    CHECK_STR(cfg->mqtt.uris[0], "tcp://n1:1883");
    CHECK_STR(cfg->mqtt.uris[1], "mqtt://n2:1884");
    CHECK_STR(cfg->mqtt.uris[2], "tcp://n3:1883");
    config_free(cfg);
}

static void test_errors(void)
{
    expect_error(SITE("{\"client_id\":\"x\"}"),
                 "site.json: mqtt.uri: is required: the broker's address, or a list of the "
                 "addresses of a broker cluster");
    expect_error(SITE("{\"uri\":\"http://x\"}"),
                 "site.json: mqtt.uri: \"http://x\" must start with tcp://, ssl://, mqtt:// or mqtts://");
    expect_error(SITE("{\"uri\":1883}"),
                 "site.json: mqtt.uri: expected a string such as \"tcp://broker:1883\"");
    expect_error(SITE("{\"uri\":[]}"), "site.json: mqtt.uri: lists 0 brokers; give 1 to 8");
    expect_error(SITE("{\"uri\":[\"tcp://a:1\",\"tcp://a:2\",\"tcp://a:3\",\"tcp://a:4\",\"tcp://a:5\","
                      "\"tcp://a:6\",\"tcp://a:7\",\"tcp://a:8\",\"tcp://a:9\"]}"),
                 "site.json: mqtt.uri: lists 9 brokers; give 1 to 8");
    expect_error(SITE("{\"uri\":[\"tcp://a:1883\",\"htp://b:1883\"]}"),
                 "site.json: mqtt.uri[1]: \"htp://b:1883\" must start with tcp://, ssl://, mqtt:// or mqtts://");
    expect_error(SITE("{\"uri\":[\"tcp://a:1883\",null]}"),
                 "site.json: mqtt.uri[1]: expected a string such as \"tcp://broker:1883\"");
    expect_error(SITE("{\"uri\":[\"tcp://a:1883\",\"tcp://b:1883\",\"tcp://a:1883\"]}"),
                 "site.json: mqtt.uri[2]: \"tcp://a:1883\" is already mqtt.uri[0]");
    expect_error(SITE("{\"uri\":[\"ssl://a:8883\",\"tcp://b:1883\"]}"),
                 "site.json: mqtt.uri[1]: \"tcp://b:1883\" and \"ssl://a:8883\" mix TLS and plain TCP; "
                 "every broker in the list must use the same (all ssl:// or all tcp://)");
    char longer[512];
    snprintf(longer, sizeof longer, SITE("{\"uri\":[\"tcp://%0300d\"]}"), 0);
    expect_error(longer, "site.json: mqtt.uri[0]: is longer than 255 characters");
}

/* A change of the list is a change of the mqtt section: a restart, not a reload. */
static void test_list_compares(void)
{
    struct cfg_err err = {""};
    struct config *a = parse(SITE("{\"uri\":[\"tcp://n1:1883\",\"tcp://n2:1883\"]}"), &err);
    struct config *b = parse(SITE("{\"uri\":[\"tcp://n1:1883\",\"tcp://n3:1883\"]}"), &err);
    struct config *c = parse(SITE("{\"uri\":[\"tcp://n1:1883\",\"tcp://n2:1883\"]}"), &err);
    CHECK(a && b && c);
    if (a && b && c) {
        CHECK(memcmp(&a->mqtt, &b->mqtt, sizeof a->mqtt) != 0);
        CHECK(memcmp(&a->mqtt, &c->mqtt, sizeof a->mqtt) == 0);
    }
    config_free(a);
    config_free(b);
    config_free(c);
}

int main(void)
{
    test_single();
    test_list();
    test_errors();
    test_list_compares();
    return check_summary();
}
