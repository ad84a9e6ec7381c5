/*
 * sm4.c - SM4-CBC/PKCS#5 through OpenSSL 3's EVP, and hex (see sm4.h).
 *
 * OpenSSL is called through the table of sm4_crypto.h, opened on the first call,
 * so a gateway without a national platform never maps libcrypto.
 *
 * Encryption and decryption are the same EVP sequence with a different
 * direction, so both go through sm4_cbc_run(). The cipher is fetched by name
 * ("SM4-CBC") rather than through EVP_sm4_cbc(), so a build whose providers
 * lack SM4 fails with a sentence instead of a NULL deep inside OpenSSL.
 */
#include "sm4.h"

#include <limits.h>
#include <stdio.h>
#include "dynlib.h"
#include "sm4_crypto.h"

#define SM4_CBC_NAME "SM4-CBC"
#define SM4_ERR_TEXT 160
#define HEX_BITS 4
#define HEX_LOW_MASK 0x0f
#define HEX_LETTER_BASE 10     /* 'a' is ten */

enum sm4_dir { SM4_DECRYPT = 0, SM4_ENCRYPT = 1 };

/* OpenSSL, opened on the first call; NULL with a sentence in err. */
static const struct crypto_lib *sm4_crypto(char *err, size_t errlen)
{
    char why[DYNLIB_ERROR_MAX];
    const struct crypto_lib *c = crypto_lib_load(why, sizeof why);
    if (!c)
        snprintf(err, errlen, "SM4, which the national platform requires, needs OpenSSL: %s", why);
    return c;
}

int sm4_available(char *err, size_t errlen)
{
    const struct crypto_lib *c = sm4_crypto(err, errlen);
    if (!c)
        return -1;
    EVP_CIPHER *cipher = c->cipher_fetch(NULL, SM4_CBC_NAME, NULL);
    if (cipher) {
        c->cipher_free(cipher);
        return 0;
    }
    snprintf(err, errlen, "this OpenSSL offers no %s cipher, which the national platform "
             "requires; install an OpenSSL 3 built with SM4 (Debian's is)", SM4_CBC_NAME);
    c->err_clear();
    return -1;
}

/* OpenSSL's own reason for the last failure, or a fallback, into err. */
static int sm4_fail(const struct crypto_lib *c, const char *what, char *err, size_t errlen)
{
    char reason[SM4_ERR_TEXT] = "no reason given";
    unsigned long code = c->err_get();
    if (code)
        c->err_string(code, reason, sizeof reason);
    c->err_clear();
    snprintf(err, errlen, "SM4-CBC %s failed (%s)", what, reason);
    return -1;
}

static int sm4_cbc_run(enum sm4_dir dir, const uint8_t *key, const uint8_t *iv,
                       const void *in, size_t len, uint8_t *out, size_t *outlen,
                       char *err, size_t errlen)
{
    const char *what = dir == SM4_ENCRYPT ? "encryption" : "decryption";
    if (len > (size_t)INT_MAX - SM4_BLOCK_LEN) {
        snprintf(err, errlen, "SM4-CBC %s refused %zu bytes; at most %d fit one call",
                 what, len, INT_MAX - SM4_BLOCK_LEN);
        return -1;
    }
    const struct crypto_lib *c = sm4_crypto(err, errlen);
    if (!c)
        return -1;
    EVP_CIPHER *cipher = c->cipher_fetch(NULL, SM4_CBC_NAME, NULL);
    EVP_CIPHER_CTX *ctx = c->ctx_new();
    int n = 0, last = 0, rc = -1;
    if (!cipher || !ctx || c->cipher_init(ctx, cipher, key, iv, (int)dir, NULL) != 1 ||
        c->cipher_update(ctx, out, &n, in, (int)len) != 1)
        sm4_fail(c, what, err, errlen);
    else if (c->cipher_final(ctx, out + n, &last) != 1)
        sm4_fail(c, dir == SM4_ENCRYPT ? what : "decryption (wrong key, IV or padding)", err,
                 errlen);
    else {
        *outlen = (size_t)n + (size_t)last;
        rc = 0;
    }
    c->ctx_free(ctx);
    c->cipher_free(cipher);
    return rc;
}

int sm4_cbc_encrypt(const uint8_t key[SM4_KEY_LEN], const uint8_t iv[SM4_KEY_LEN],
                    const void *in, size_t len, uint8_t *out, size_t *outlen,
                    char *err, size_t errlen)
{
    return sm4_cbc_run(SM4_ENCRYPT, key, iv, in, len, out, outlen, err, errlen);
}

int sm4_cbc_decrypt(const uint8_t key[SM4_KEY_LEN], const uint8_t iv[SM4_KEY_LEN],
                    const void *in, size_t len, uint8_t *out, size_t *outlen,
                    char *err, size_t errlen)
{
    if (len == 0 || len % SM4_BLOCK_LEN) {
        snprintf(err, errlen, "SM4-CBC decryption needs whole %d-byte blocks, got %zu bytes",
                 SM4_BLOCK_LEN, len);
        return -1;
    }
    return sm4_cbc_run(SM4_DECRYPT, key, iv, in, len, out, outlen, err, errlen);
}

void sm4_hex_encode(const void *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *p = in;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> HEX_BITS];
        out[2 * i + 1] = digits[p[i] & HEX_LOW_MASK];
    }
    out[SM4_HEX_LEN(len)] = '\0';
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + HEX_LETTER_BASE;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + HEX_LETTER_BASE;
    return -1;
}

long sm4_hex_decode(const char *hex, size_t n, uint8_t *out, size_t cap, size_t *bad)
{
    size_t where = n;
    if (n % 2 || n / 2 > cap)
        goto fail;
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_value(hex[i]), lo = hex_value(hex[i + 1]);
        if (hi < 0 || lo < 0) {
            where = hi < 0 ? i : i + 1;
            goto fail;
        }
        out[i / 2] = (uint8_t)(hi << HEX_BITS | lo);
    }
    return (long)(n / 2);
fail:
    if (bad)
        *bad = where;
    return -1;
}
