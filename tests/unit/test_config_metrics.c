/*
 * test_config_metrics.c - the "metrics" section: off when absent, the addresses it
 * takes (IPv4, bracketed IPv6) and the sentence for each address it refuses, at
 * load, so `riskgw -n` catches a typo before the service starts. A build without
 * the endpoint (RISKGW_METRICS=OFF) must refuse the section instead.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

#include "check.h"
#include "config.h"

#define PROFILES RISKGW_SOURCE_DIR "/drivers/profiles"
#define SITE_HEAD "{\"enterprise\":\"ent-1\",\"gateway\":\"gw-1\",\"store\":{\"path\":\"/tmp/x.db\"}," \
                  "\"devices\":[{\"id\":\"gas1\",\"profile\":\"gas_lel\",\"host\":\"127.0.0.1\",\"port\":1502}]"

static struct config *load(const char *metrics, struct cfg_err *err)
{
    char text[1024];
    snprintf(text, sizeof text, "%s%s%s}", SITE_HEAD, metrics ? ",\"metrics\":" : "", metrics ? metrics : "");
    return config_parse(text, "site.json", PROFILES, err);
}

static void test_absent_is_off(void)
{
    struct cfg_err err = {""};
    struct config *cfg = load(NULL, &err);
    CHECK(cfg != NULL);
    if (cfg)
        CHECK_INT(cfg->metrics.enabled, 0);
    config_free(cfg);
}

static void expect_listen(const char *listen, int family, int port)
{
    char metrics[128];
    struct cfg_err err = {""};
    snprintf(metrics, sizeof metrics, "{\"listen\":\"%s\"}", listen);
    struct config *cfg = load(metrics, &err);
    CHECK(cfg != NULL);
    if (!cfg) {
        fprintf(stderr, "  %s refused: %s\n", listen, err.msg);
        return;
    }
    CHECK_INT(cfg->metrics.enabled, 1);
    CHECK_STR(cfg->metrics.listen, listen);
    struct sockaddr_storage sa;
    unsigned salen = 0;
    char why[256];
    CHECK_INT(config_listen_addr(cfg->metrics.listen, &sa, &salen, why, sizeof why), 0);
    CHECK_INT(sa.ss_family, family);
    if (family == AF_INET) {
        CHECK_INT(salen, sizeof(struct sockaddr_in));
        CHECK_INT(ntohs(((struct sockaddr_in *)&sa)->sin_port), port);
    } else {
        CHECK_INT(salen, sizeof(struct sockaddr_in6));
        CHECK_INT(ntohs(((struct sockaddr_in6 *)&sa)->sin6_port), port);
    }
    config_free(cfg);
}

static void expect_refused(const char *metrics, const char *message)
{
    struct cfg_err err = {""};
    struct config *cfg = load(metrics, &err);
    CHECK(cfg == NULL);
    CHECK_STR(err.msg, message);
    config_free(cfg);
}

int main(void)
{
    test_absent_is_off();
#if !RISKGW_HAVE_METRICS
    expect_refused("{\"listen\":\"127.0.0.1:9105\"}",
                   "site.json: metrics: this riskgw was built without the metrics endpoint "
                   "(cmake -DRISKGW_METRICS=ON, with libmicrohttpd-dev); remove the section");
    return check_summary();
#endif
    expect_listen("127.0.0.1:9105", AF_INET, 9105);
    expect_listen("0.0.0.0:1", AF_INET, 1);
    expect_listen("[::1]:65535", AF_INET6, 65535);
    expect_refused("{\"listen\":\"localhost:9105\"}",
                   "site.json: metrics.listen: \"localhost\" is not an IPv4 address (names are not looked up)");
    expect_refused("{\"listen\":\"10.0.0:9105\"}",
                   "site.json: metrics.listen: \"10.0.0\" is not an IPv4 address (names are not looked up)");
    expect_refused("{\"listen\":\"127.0.0.1\"}",
                   "site.json: metrics.listen: \"127.0.0.1\" is not address:port (e.g. 127.0.0.1:9105, [::1]:9105)");
    expect_refused("{\"listen\":\"127.0.0.1:70000\"}",
                   "site.json: metrics.listen: \"70000\": the port must be a number from 1 to 65535");
    expect_refused("{\"listen\":\"127.0.0.1:\"}",
                   "site.json: metrics.listen: \"\": the port must be a number from 1 to 65535");
    expect_refused("{\"listen\":\"::1:9105\"}",
                   "site.json: metrics.listen: \"::1:9105\" is not address:port (e.g. 127.0.0.1:9105, [::1]:9105)");
    expect_refused("{\"listen\":\"[::1]9105\"}",
                   "site.json: metrics.listen: \"[::1]9105\": an IPv6 address is written [address]:port");
    expect_refused("{\"listen\":\"[127.0.0.1]:9105\"}",
                   "site.json: metrics.listen: \"127.0.0.1\" is not an IPv6 address (names are not looked up)");
    expect_refused("{}", "site.json: metrics.listen: is required");
    expect_refused("{\"listen\":\"127.0.0.1:9105\",\"port\":9105}",
                   "site.json: metrics.port: unknown key (a typo?)");
    return check_summary();
}
