/*
 * config_console.c - the optional "console" section (see console_cfg.h).
 *
 * Everything the console will trust is checked here, at load and with `riskgw -n`:
 * a numeric listen address, a certificate and key given together, operator names
 * that are safe as actors, and hashes in the one form `riskgw passwd` writes with
 * enough iterations. A build without libmicrohttpd refuses the section outright.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"

#define DEFAULT_LOCKOUT_AFTER 5
#define DEFAULT_LOCKOUT_S 300
#define DEFAULT_SESSION_IDLE_S 1800
#define ITERATIONS_MAX 100000000L

static const char *const console_keys[] = {"listen", "cert", "key", "read_without_sign_in", "lockout_after",
                                           "lockout_s", "session_idle_s", "operators", NULL};
static const char *const operator_keys[] = {"name", "hash", NULL};

int console_name_ok(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= CONSOLE_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)name[i]) && !strchr("._-", name[i]))
            return 0;
    return 1;
}

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* n bytes of lower-case hex at text into out; the text after them, or NULL. */
static const char *hex_bytes(const char *text, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int hi = hex_digit(text[2 * i]), lo = hi < 0 ? -1 : hex_digit(text[2 * i + 1]);
        if (lo < 0)
            return NULL;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return text + 2 * n;
}

int console_hash_parse(const char *text, struct console_hash *h, char *why, size_t whylen)
{
    static const char scheme[] = CONSOLE_HASH_SCHEME "$";
    char *end;
    if (strncmp(text, scheme, sizeof scheme - 1) != 0) {
        snprintf(why, whylen, "is not a hash from `riskgw passwd` (it starts \"%s\")", scheme);
        return -1;
    }
    h->iterations = strtol(text + sizeof scheme - 1, &end, 10);
    if (*end != '$' || h->iterations < CONSOLE_ITERATIONS_MIN || h->iterations > ITERATIONS_MAX) {
        snprintf(why, whylen, "needs an iteration count from %ld to %ld; write it again with `riskgw passwd`",
                 CONSOLE_ITERATIONS_MIN, ITERATIONS_MAX);
        return -1;
    }
    const char *p = hex_bytes(end + 1, h->salt, sizeof h->salt);
    p = p && *p == '$' ? hex_bytes(p + 1, h->key, sizeof h->key) : NULL;
    if (!p || *p != '\0') {
        snprintf(why, whylen, "is damaged: after the iterations come a %d-byte salt and a %d-byte key in hex, "
                 "separated by '$'", CONSOLE_SALT_BYTES, CONSOLE_KEY_BYTES);
        return -1;
    }
    return 0;
}

static int parse_operator(const cJSON *item, const char *path, struct console_cfg *cc, struct cfg_err *err)
{
    struct console_operator *op = &cc->operators[cc->noperators];
    struct console_hash h;
    char why[CFG_ERR_MAX / 2];
    if (jf_known_keys(item, path, operator_keys, err) < 0 ||
        jf_string(item, "name", path, JF_REQUIRED, op->name, sizeof op->name, err) < 0 ||
        jf_string(item, "hash", path, JF_REQUIRED, op->hash, sizeof op->hash, err) < 0)
        return -1;
    if (!console_name_ok(op->name))
        return cfg_fail(err, path, "name \"%s\": letters, digits, '.', '_' and '-' only, at most %d",
                        op->name, CONSOLE_NAME_MAX - 1);
    for (size_t i = 0; i < cc->noperators; i++)
        if (strcmp(cc->operators[i].name, op->name) == 0)
            return cfg_fail(err, path, "operator \"%s\" is listed twice", op->name);
    if (console_hash_parse(op->hash, &h, why, sizeof why) < 0)
        return cfg_fail(err, path, "hash of \"%s\" %s", op->name, why);
    cc->noperators++;
    return 0;
}

static int parse_operators(const cJSON *obj, struct console_cfg *cc, struct cfg_err *err)
{
    const cJSON *arr, *item;
    char path[64];
    if (jf_array(obj, "operators", "console", JF_OPTIONAL, &arr, err) < 0)
        return -1;
    cJSON_ArrayForEach(item, arr) {
        snprintf(path, sizeof path, "console.operators[%zu]", cc->noperators);
        if (cc->noperators == CONSOLE_OPERATORS_MAX)
            return cfg_fail(err, "console.operators", "at most %d operators", CONSOLE_OPERATORS_MAX);
        if (!cJSON_IsObject(item))
            return cfg_fail(err, path, "an operator is {\"name\": ..., \"hash\": ...}");
        if (parse_operator(item, path, cc, err) < 0)
            return -1;
    }
    return 0;
}

int config_parse_console(const cJSON *root, struct config *cfg, struct cfg_err *err)
{
    const cJSON *obj;
    struct console_cfg *cc = &cfg->console;
    struct sockaddr_storage sa;
    unsigned salen;
    char why[CFG_ERR_MAX / 2];
    memset(cc, 0, sizeof *cc);
    cc->lockout_after = DEFAULT_LOCKOUT_AFTER;
    cc->lockout_s = DEFAULT_LOCKOUT_S;
    cc->session_idle_s = DEFAULT_SESSION_IDLE_S;
    if (jf_object(root, "console", "", JF_OPTIONAL, &obj, err) < 0)
        return -1;
    if (!obj)
        return 0;
    if (!RISKGW_HAVE_METRICS)
        return cfg_fail(err, "console", "this riskgw was built without libmicrohttpd, which serves the "
                        "console (cmake -DRISKGW_METRICS=ON); remove the section");
    if (jf_known_keys(obj, "console", console_keys, err) < 0 ||
        jf_string(obj, "listen", "console", JF_REQUIRED, cc->listen, sizeof cc->listen, err) < 0 ||
        jf_string(obj, "cert", "console", JF_OPTIONAL, cc->cert_file, sizeof cc->cert_file, err) < 0 ||
        jf_string(obj, "key", "console", JF_OPTIONAL, cc->key_file, sizeof cc->key_file, err) < 0 ||
        jf_bool(obj, "read_without_sign_in", "console", JF_OPTIONAL, &cc->read_without_sign_in, err) < 0 ||
        jf_int(obj, "lockout_after", "console", JF_OPTIONAL, 1, 100, &cc->lockout_after, err) < 0 ||
        jf_int(obj, "lockout_s", "console", JF_OPTIONAL, 1, 86400, &cc->lockout_s, err) < 0 ||
        jf_int(obj, "session_idle_s", "console", JF_OPTIONAL, 60, 86400, &cc->session_idle_s, err) < 0 ||
        parse_operators(obj, cc, err) < 0)
        return -1;
    if (config_listen_addr(cc->listen, &sa, &salen, why, sizeof why) < 0)
        return cfg_fail(err, "console.listen", "%s", why);
    if (!cc->cert_file[0] != !cc->key_file[0])
        return cfg_fail(err, "console", "\"cert\" and \"key\" go together (HTTPS), or neither (HTTP)");
    cc->enabled = 1;
    return 0;
}
