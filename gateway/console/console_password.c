/*
 * console_password.c - PBKDF2-HMAC-SHA256 password hashes and random tokens (console_auth.h).
 *
 * libcrypto does the cryptography, opened when first needed (sm4_crypto.h), so a
 * gateway without the console never maps it. The stored form names the scheme
 * and the iteration count, so a later count or scheme can verify old hashes.
 */
#include <stdio.h>
#include <string.h>

#include "console_auth.h"
#include "sm4_crypto.h"

static void to_hex(const unsigned char *b, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 0xf];
    }
    out[2 * n] = '\0';
}

static int derive(const struct crypto_lib *lib, const char *password, const unsigned char *salt, long iterations,
                  unsigned char *key)
{
    return lib->pbkdf2_hmac(password, (int)strlen(password), salt, CONSOLE_SALT_BYTES, (int)iterations,
                            lib->sha256(), CONSOLE_KEY_BYTES, key) == 1 ? 0 : -1;
}

int console_random_hex(char *out, size_t nbytes, char *why, size_t whylen)
{
    unsigned char b[64];
    const struct crypto_lib *lib = crypto_lib_load(why, whylen);
    if (!lib || nbytes > sizeof b)
        return -1;
    if (lib->rand_bytes(b, (int)nbytes) != 1) {
        snprintf(why, whylen, "libcrypto has no random bytes to give");
        return -1;
    }
    to_hex(b, nbytes, out);
    return 0;
}

int console_password_hash(const char *password, long iterations, char *out, size_t cap, char *why,
                          size_t whylen)
{
    unsigned char salt[CONSOLE_SALT_BYTES], key[CONSOLE_KEY_BYTES];
    char salt_hex[2 * CONSOLE_SALT_BYTES + 1], key_hex[2 * CONSOLE_KEY_BYTES + 1];
    const struct crypto_lib *lib = crypto_lib_load(why, whylen);
    if (!lib)
        return -1;
    if (lib->rand_bytes(salt, sizeof salt) != 1 || derive(lib, password, salt, iterations, key) < 0) {
        snprintf(why, whylen, "libcrypto could not derive the hash");
        return -1;
    }
    to_hex(salt, sizeof salt, salt_hex);
    to_hex(key, sizeof key, key_hex);
    int n = snprintf(out, cap, "%s$%ld$%s$%s", CONSOLE_HASH_SCHEME, iterations, salt_hex, key_hex);
    memset(key, 0, sizeof key);
    if (n < 0 || (size_t)n >= cap) {
        snprintf(why, whylen, "no room for the hash");
        return -1;
    }
    return 0;
}

int console_password_verify(const char *password, const char *stored, char *why, size_t whylen)
{
    struct console_hash h;
    unsigned char key[CONSOLE_KEY_BYTES];
    if (console_hash_parse(stored, &h, why, whylen) < 0)
        return -1;
    const struct crypto_lib *lib = crypto_lib_load(why, whylen);
    if (!lib)
        return -1;
    if (derive(lib, password, h.salt, h.iterations, key) < 0) {
        snprintf(why, whylen, "libcrypto could not derive the hash");
        return -1;
    }
    int same = lib->memcmp_const(key, h.key, sizeof key) == 0;
    memset(key, 0, sizeof key);
    return same;
}
