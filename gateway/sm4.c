/*
 * sm4.c - SM4-CBC/PKCS#5 through OpenSSL 3's EVP, and hex (see sm4.h).
 *
 * Encryption and decryption are the same EVP sequence with a different
 * direction, so both go through sm4_cbc_run(). The cipher is fetched by name
 * ("SM4-CBC") rather than through EVP_sm4_cbc(), so a build whose providers
 * lack SM4 fails with a sentence instead of a NULL deep inside OpenSSL.
 */
#include "sm4.h"

#include <limits.h>
#include <stdio.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#define SM4_CBC_NAME "SM4-CBC"
#define SM4_ERR_TEXT 160
#define HEX_BITS 4
#define HEX_LOW_MASK 0x0f
#define HEX_LETTER_BASE 10     /* 'a' is ten */

enum sm4_dir { SM4_DECRYPT = 0, SM4_ENCRYPT = 1 };

int sm4_available(char *err, size_t errlen)
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, SM4_CBC_NAME, NULL);
    if (c) {
        EVP_CIPHER_free(c);
        return 0;
    }
    snprintf(err, errlen, "this OpenSSL offers no %s cipher, which the national platform "
             "requires; install an OpenSSL 3 built with SM4 (Debian's is)", SM4_CBC_NAME);
    ERR_clear_error();
    return -1;
}

/* OpenSSL's own reason for the last failure, or a fallback, into err. */
static int sm4_fail(const char *what, char *err, size_t errlen)
{
    char reason[SM4_ERR_TEXT] = "no reason given";
    unsigned long code = ERR_get_error();
    if (code)
        ERR_error_string_n(code, reason, sizeof reason);
    ERR_clear_error();
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
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, SM4_CBC_NAME, NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, last = 0, rc = -1;
    if (!c || !ctx || EVP_CipherInit_ex2(ctx, c, key, iv, (int)dir, NULL) != 1 ||
        EVP_CipherUpdate(ctx, out, &n, in, (int)len) != 1)
        sm4_fail(what, err, errlen);
    else if (EVP_CipherFinal_ex(ctx, out + n, &last) != 1)
        sm4_fail(dir == SM4_ENCRYPT ? what : "decryption (wrong key, IV or padding)", err, errlen);
    else {
        *outlen = (size_t)n + (size_t)last;
        rc = 0;
    }
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
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
