/*
 * sm4_crypto.c - binds libcrypto on first use (see sm4_crypto.h for why).
 */
#include "sm4_crypto.h"

#include "dynlib.h"

static struct crypto_lib lib;

#define CRYPTO_SYM(field, name) {(name), &lib.field}

static const struct dynlib_symbol crypto_syms[] = {
    CRYPTO_SYM(cipher_fetch, "EVP_CIPHER_fetch"),
    CRYPTO_SYM(cipher_free, "EVP_CIPHER_free"),
    CRYPTO_SYM(ctx_new, "EVP_CIPHER_CTX_new"),
    CRYPTO_SYM(ctx_free, "EVP_CIPHER_CTX_free"),
    CRYPTO_SYM(cipher_init, "EVP_CipherInit_ex2"),
    CRYPTO_SYM(cipher_update, "EVP_CipherUpdate"),
    CRYPTO_SYM(cipher_final, "EVP_CipherFinal_ex"),
    CRYPTO_SYM(err_get, "ERR_get_error"),
    CRYPTO_SYM(err_string, "ERR_error_string_n"),
    CRYPTO_SYM(err_clear, "ERR_clear_error"),
    CRYPTO_SYM(pbkdf2_hmac, "PKCS5_PBKDF2_HMAC"),
    CRYPTO_SYM(sha256, "EVP_sha256"),
    CRYPTO_SYM(rand_bytes, "RAND_bytes"),
    CRYPTO_SYM(memcmp_const, "CRYPTO_memcmp"),
};

static struct dynlib crypto_dynlib = {
    .soname = CRYPTO_LIB_SONAME, .package = "libssl3 (OpenSSL 3)",
    .syms = crypto_syms, .nsyms = sizeof crypto_syms / sizeof crypto_syms[0],
    .lock = PTHREAD_MUTEX_INITIALIZER,
};

const struct crypto_lib *crypto_lib_load(char *why, size_t whylen)
{
    return dynlib_load(&crypto_dynlib, why, whylen) == 0 ? &lib : NULL;
}
