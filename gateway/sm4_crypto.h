/*
 * sm4_crypto.h - OpenSSL's libcrypto, opened when SM4 is first needed.
 *
 * Only the national platform's uplink encrypts anything itself (SM4, sm4.c), and
 * few sites have one; the site console hashes passwords and draws session
 * tokens with it. Linking libcrypto maps and relocates it in every process at
 * start, some 1.8 MiB of RSS, so riskgw links it not: the first SM4 call opens
 * Debian's libcrypto.so.3 (dynlib.h) and calls OpenSSL through this table. The
 * types are the ones <openssl/evp.h> and <openssl/err.h> declare, so every call
 * is checked by the compiler as before.
 */
#ifndef RISKGW_SM4_CRYPTO_H
#define RISKGW_SM4_CRYPTO_H

#include <stddef.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#define CRYPTO_LIB_SONAME "libcrypto.so.3"

struct crypto_lib {
    __typeof__(&EVP_CIPHER_fetch) cipher_fetch;
    __typeof__(&EVP_CIPHER_free) cipher_free;
    __typeof__(&EVP_CIPHER_CTX_new) ctx_new;
    __typeof__(&EVP_CIPHER_CTX_free) ctx_free;
    __typeof__(&EVP_CipherInit_ex2) cipher_init;
    __typeof__(&EVP_CipherUpdate) cipher_update;
    __typeof__(&EVP_CipherFinal_ex) cipher_final;
    __typeof__(&ERR_get_error) err_get;
    __typeof__(&ERR_error_string_n) err_string;
    __typeof__(&ERR_clear_error) err_clear;
    /* the console's password hashes and session tokens (gateway/console/) */
    __typeof__(&PKCS5_PBKDF2_HMAC) pbkdf2_hmac;
    __typeof__(&EVP_sha256) sha256;
    __typeof__(&RAND_bytes) rand_bytes;
    __typeof__(&CRYPTO_memcmp) memcmp_const;
};

/* libcrypto, opened once per process (thread-safe); NULL with a sentence in why
 * when it is missing or older than OpenSSL 3. */
const struct crypto_lib *crypto_lib_load(char *why, size_t whylen);

#endif
