/*
 * test_sm4.c - SM4-CBC/PKCS#5 and hex (gateway/sm4.c) against the standard.
 *
 * The GB/T 32907-2016 (ISO/IEC 18033-3) example checks that OpenSSL's SM4 is
 * the real one; then sm4_cbc_encrypt() is rebuilt block by block from SM4-ECB
 * (C1 = E(P1 ^ IV), C2 = E(pad ^ C1)), so a wrong mode, IV or padding fails
 * here even though encryption and decryption come from the same module. Round
 * trips cover every length from 0 to 48 (empty, partial, exact, multi-block).
 */
#include <stdint.h>
#include <string.h>
#include <openssl/evp.h>

#include "check.h"
#include "sm4.h"

#define KAT_HEX "0123456789abcdeffedcba9876543210"
#define KAT_CIPHER_HEX "681edf34d206965e86b3e94f536e4246"
#define ROUND_TRIP_MAX 48
#define ERR_LEN 256

static uint8_t kat_key[SM4_KEY_LEN];

/* One SM4 block in ECB through EVP, independent of sm4.c. */
static void ecb_block(const uint8_t key[SM4_KEY_LEN], const uint8_t in[SM4_BLOCK_LEN],
                      uint8_t out[SM4_BLOCK_LEN])
{
    EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, "SM4-ECB", NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0;
    CHECK(c != NULL && ctx != NULL);
    CHECK(EVP_EncryptInit_ex2(ctx, c, key, NULL, NULL) == 1);
    EVP_CIPHER_CTX_set_padding(ctx, 0);
    CHECK(EVP_EncryptUpdate(ctx, out, &n, in, SM4_BLOCK_LEN) == 1);
    CHECK_INT(n, SM4_BLOCK_LEN);
    EVP_CIPHER_CTX_free(ctx);
    EVP_CIPHER_free(c);
}

static void test_standard_vector(void)
{
    uint8_t out[SM4_BLOCK_LEN];
    char hex[SM4_HEX_LEN(SM4_BLOCK_LEN) + 1], err[ERR_LEN];
    CHECK_INT(sm4_available(err, sizeof err), 0);
    CHECK_INT(sm4_hex_decode(KAT_HEX, strlen(KAT_HEX), kat_key, sizeof kat_key, NULL), SM4_KEY_LEN);
    ecb_block(kat_key, kat_key, out);           /* the standard's plaintext is its key */
    sm4_hex_encode(out, sizeof out, hex);
    CHECK_STR(hex, KAT_CIPHER_HEX);
}

static void test_cbc_is_cbc(void)
{
    uint8_t iv[SM4_KEY_LEN], x[SM4_BLOCK_LEN], want[2 * SM4_BLOCK_LEN];
    uint8_t got[SM4_CBC_OUT_LEN(SM4_BLOCK_LEN)];
    size_t n = 0;
    char err[ERR_LEN];
    for (int i = 0; i < SM4_KEY_LEN; i++)
        iv[i] = (uint8_t)(0xa0 + i);
    for (int i = 0; i < SM4_BLOCK_LEN; i++)
        x[i] = kat_key[i] ^ iv[i];
    ecb_block(kat_key, x, want);
    for (int i = 0; i < SM4_BLOCK_LEN; i++)
        x[i] = (uint8_t)SM4_BLOCK_LEN ^ want[i];   /* a full block of padding, value 16 */
    ecb_block(kat_key, x, want + SM4_BLOCK_LEN);
    CHECK_INT(sm4_cbc_encrypt(kat_key, iv, kat_key, SM4_BLOCK_LEN, got, &n, err, sizeof err), 0);
    CHECK_INT(n, sizeof want);
    CHECK(memcmp(got, want, sizeof want) == 0);
}

static void test_round_trips(void)
{
    uint8_t iv[SM4_KEY_LEN], wrong[SM4_KEY_LEN], plain[ROUND_TRIP_MAX];
    uint8_t cipher[SM4_CBC_OUT_LEN(ROUND_TRIP_MAX)], back[SM4_CBC_OUT_LEN(ROUND_TRIP_MAX)];
    char err[ERR_LEN];
    memcpy(iv, kat_key, sizeof iv);
    memcpy(wrong, kat_key, sizeof wrong);
    wrong[0] ^= 1;
    for (int i = 0; i < ROUND_TRIP_MAX; i++)
        plain[i] = (uint8_t)(i * 7 + 3);
    int ok = 0, refused_wrong_key = 0;
    for (size_t len = 0; len <= ROUND_TRIP_MAX; len++) {
        size_t clen = 0, blen = 0;
        int rc = sm4_cbc_encrypt(kat_key, iv, plain, len, cipher, &clen, err, sizeof err);
        rc |= clen != SM4_CBC_OUT_LEN(len);
        rc |= sm4_cbc_decrypt(kat_key, iv, cipher, clen, back, &blen, err, sizeof err);
        ok += rc == 0 && blen == len && memcmp(back, plain, len) == 0;
        refused_wrong_key += sm4_cbc_decrypt(wrong, iv, cipher, clen, back, &blen, err,
                                             sizeof err) < 0 ||
                             blen != len || memcmp(back, plain, len) != 0;
    }
    CHECK_INT(ok, ROUND_TRIP_MAX + 1);
    CHECK_INT(refused_wrong_key, ROUND_TRIP_MAX + 1);

    size_t blen = 0;
    CHECK_INT(sm4_cbc_decrypt(kat_key, iv, cipher, SM4_BLOCK_LEN + 1, back, &blen, err,
                              sizeof err), -1);
    CHECK_CONTAINS(err, "whole 16-byte blocks, got 17 bytes");
    CHECK_INT(sm4_cbc_decrypt(kat_key, iv, cipher, 0, back, &blen, err, sizeof err), -1);
}

static void test_hex(void)
{
    uint8_t all[256], back[256];
    char hex[SM4_HEX_LEN(sizeof all) + 1];
    size_t bad = 0;
    for (int i = 0; i < 256; i++)
        all[i] = (uint8_t)i;
    sm4_hex_encode(all, sizeof all, hex);
    CHECK_INT(strlen(hex), SM4_HEX_LEN(sizeof all));
    CHECK(strncmp(hex, "000102", 6) == 0 && strcmp(hex + SM4_HEX_LEN(252), "fcfdfeff") == 0);
    CHECK_INT(sm4_hex_decode(hex, strlen(hex), back, sizeof back, NULL), 256);
    CHECK(memcmp(all, back, sizeof all) == 0);
    CHECK_INT(sm4_hex_decode("ABcdEF", 6, back, sizeof back, NULL), 3);
    CHECK(back[0] == 0xab && back[1] == 0xcd && back[2] == 0xef);
    CHECK_INT(sm4_hex_decode("abc", 3, back, sizeof back, &bad), -1);
    CHECK_INT(bad, 3);
    CHECK_INT(sm4_hex_decode("abxd", 4, back, sizeof back, &bad), -1);
    CHECK_INT(bad, 2);
    CHECK_INT(sm4_hex_decode("g0", 2, back, sizeof back, &bad), -1);
    CHECK_INT(bad, 0);
    CHECK_INT(sm4_hex_decode("0011", 4, back, 1, &bad), -1);    /* does not fit */
    sm4_hex_encode(all, 0, hex);
    CHECK_STR(hex, "");
}

int main(void)
{
    test_standard_vector();
    test_cbc_is_cbc();
    test_round_trips();
    test_hex();
    return check_summary();
}
