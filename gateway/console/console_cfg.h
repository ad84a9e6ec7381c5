/*
 * console_cfg.h - the "console" section of the site config (config_console.c).
 *
 *   "console": {"listen": "0.0.0.0:8080", "cert": "/etc/riskgw/console.crt",
 *               "key": "/etc/riskgw/console.key", "read_without_sign_in": false,
 *               "lockout_after": 5, "lockout_s": 300, "session_idle_s": 1800,
 *               "operators": [{"name": "wang", "hash": "pbkdf2-sha256$600000$..."}]}
 *
 * Absent, there is no console: no thread, no socket, no memory. Hashes are what
 * `riskgw passwd` writes; a password itself never appears in the config.
 */
#ifndef RISKGW_CONSOLE_CFG_H
#define RISKGW_CONSOLE_CFG_H

#include <stddef.h>

#define CONSOLE_LISTEN_MAX 64
#define CONSOLE_PATH_MAX 256
#define CONSOLE_OPERATORS_MAX 16
#define CONSOLE_NAME_MAX 32
#define CONSOLE_HASH_MAX 192
#define CONSOLE_SALT_BYTES 16
#define CONSOLE_KEY_BYTES 32
#define CONSOLE_HASH_SCHEME "pbkdf2-sha256"
#define CONSOLE_ITERATIONS_MIN 100000L     /* below this a stolen config is too cheap to crack */
#define CONSOLE_ITERATIONS_DEFAULT 600000L /* OWASP's figure for PBKDF2-HMAC-SHA256 */

struct console_operator {
    char name[CONSOLE_NAME_MAX];
    char hash[CONSOLE_HASH_MAX];        /* pbkdf2-sha256$ITERATIONS$SALT_HEX$KEY_HEX */
};

struct console_cfg {
    int enabled;
    char listen[CONSOLE_LISTEN_MAX];
    char cert_file[CONSOLE_PATH_MAX];   /* both, or neither: HTTPS */
    char key_file[CONSOLE_PATH_MAX];
    int read_without_sign_in;           /* 1: anyone on the LAN may look (never act) */
    long lockout_after;                 /* failed sign-ins before a name is locked out */
    long lockout_s;
    long session_idle_s;
    struct console_operator operators[CONSOLE_OPERATORS_MAX];
    size_t noperators;
};

/* A stored hash split into its parts: 0, or -1 with why. */
struct console_hash {
    long iterations;
    unsigned char salt[CONSOLE_SALT_BYTES];
    unsigned char key[CONSOLE_KEY_BYTES];
};
int console_hash_parse(const char *text, struct console_hash *h, char *why, size_t whylen);

/* 1 when name may be an operator's name (it becomes the actor "console:<name>"). */
int console_name_ok(const char *name);

#endif
