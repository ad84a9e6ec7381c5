/*
 * test_config_console.c - the "console" section: off when absent, its defaults, and
 * the sentence for each thing it refuses at load (`riskgw -n`): a listen address by
 * name, a certificate without its key, a name unsafe as an actor, a name twice, a
 * hash not from `riskgw passwd` or with too few iterations, an unknown key.
 */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "config.h"

#define PROFILES RISKGW_SOURCE_DIR "/drivers/profiles"
#define SITE_HEAD "{\"enterprise\":\"ent-1\",\"gateway\":\"gw-1\",\"store\":{\"path\":\"/tmp/x.db\"}," \
                  "\"devices\":[{\"id\":\"gas1\",\"profile\":\"gas_lel\",\"host\":\"127.0.0.1\",\"port\":1502}]"
#define HASH "pbkdf2-sha256$100000$000102030405060708090a0b0c0d0e0f$" \
             "57f2c2f0739748d516419b062a884666323c583ea4ae165504a81f7b53c62a09"
#define OP(name) "{\"name\":\"" name "\",\"hash\":\"" HASH "\"}"

static struct config *load(const char *console, struct cfg_err *err)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s%s}", SITE_HEAD, console ? ",\"console\":" : "", console ? console : "");
    return config_parse(text, "site.json", PROFILES, err);
}

static void expect_refused(const char *console, const char *words)
{
    struct cfg_err err = {""};
    struct config *cfg = load(console, &err);
    CHECK(cfg == NULL);
    if (!strstr(err.msg, words)) {
        CHECK(0);
        fprintf(stderr, "  %s: error \"%s\" lacks \"%s\"\n", console, err.msg, words);
    }
    config_free(cfg);
}

int main(void)
{
    struct cfg_err err = {""};
    struct config *cfg = load(NULL, &err);
    CHECK(cfg && !cfg->console.enabled);
    config_free(cfg);

    cfg = load("{\"listen\":\"0.0.0.0:8080\",\"operators\":[" OP("wang") "," OP("li.si") "]}", &err);
    CHECK(cfg != NULL);
    if (cfg) {
        CHECK_INT(cfg->console.enabled, 1);
        CHECK_STR(cfg->console.listen, "0.0.0.0:8080");
        CHECK_INT(cfg->console.noperators, 2);
        CHECK_STR(cfg->console.operators[1].name, "li.si");
        CHECK_INT(cfg->console.read_without_sign_in, 0);   /* the defaults */
        CHECK_INT(cfg->console.lockout_after, 5);
        CHECK_INT(cfg->console.lockout_s, 300);
        CHECK_INT(cfg->console.session_idle_s, 1800);
        CHECK_STR(cfg->console.cert_file, "");
    }
    config_free(cfg);

    expect_refused("{}", "console.listen: is required");
    expect_refused("{\"listen\":\"localhost:8080\"}", "console.listen: \"localhost\" is not an IPv4 address");
    expect_refused("{\"listen\":\"0.0.0.0:8080\",\"cert\":\"/etc/c.pem\"}", "\"cert\" and \"key\" go together");
    expect_refused("{\"listen\":\"0.0.0.0:8080\",\"operators\":[" OP("wang wei") "]}",
                   "console.operators[0]: name \"wang wei\": letters, digits");
    expect_refused("{\"listen\":\"0.0.0.0:8080\",\"operators\":[" OP("wang") "," OP("wang") "]}",
                   "console.operators[1]: operator \"wang\" is listed twice");
    expect_refused("{\"listen\":\"0.0.0.0:8080\",\"operators\":[{\"name\":\"wang\",\"hash\":\"hunter2\"}]}",
                   "hash of \"wang\" is not a hash from `riskgw passwd`");
    expect_refused("{\"listen\":\"0.0.0.0:8080\",\"operators\":[{\"name\":\"wang\",\"hash\":"
                   "\"pbkdf2-sha256$1000$000102030405060708090a0b0c0d0e0f$57f2\"}]}",
                   "needs an iteration count");
    expect_refused("{\"listen\":\"0.0.0.0:8080\",\"password\":\"x\"}", "password");
    expect_refused("{\"listen\":\"0.0.0.0:8080\",\"lockout_after\":0}", "lockout_after");
    return check_summary();
}
