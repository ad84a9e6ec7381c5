/*
 * sm4.h - SM4-CBC with PKCS#5 padding, and the hex text it travels in.
 *
 * The national dust-enterprise access platform wants every record encrypted
 * with SM4 (GB/T 32907) in CBC mode, PKCS#5 padded, and sent as hex. OpenSSL 3
 * implements the cipher ("SM4-CBC" through EVP); this file is the only place
 * that talks to it, so the sink never sees OpenSSL and tests can check the
 * cipher on its own. Functions keep no state (OpenSSL itself is opened on the
 * first call, sm4_crypto.h) and are safe from any thread.
 */
#ifndef RISKGW_SM4_H
#define RISKGW_SM4_H

#include <stddef.h>
#include <stdint.h>

#define SM4_KEY_LEN 16          /* bytes; also the IV length */
#define SM4_BLOCK_LEN 16
/* Ciphertext bytes for n plaintext bytes: PKCS#5 always adds 1 to 16 bytes. */
#define SM4_CBC_OUT_LEN(n) (((n) / SM4_BLOCK_LEN + 1) * SM4_BLOCK_LEN)
/* Hex characters (without the NUL) for n bytes. */
#define SM4_HEX_LEN(n) (2 * (n))

/* 0 when this OpenSSL offers SM4-CBC, else -1 with a sentence in err. */
int sm4_available(char *err, size_t errlen);

/*
 * Encrypt len bytes; out holds SM4_CBC_OUT_LEN(len) bytes and *outlen gets the
 * count written. 0, or -1 with a sentence in err.
 */
int sm4_cbc_encrypt(const uint8_t key[SM4_KEY_LEN], const uint8_t iv[SM4_KEY_LEN],
                    const void *in, size_t len, uint8_t *out, size_t *outlen,
                    char *err, size_t errlen);
/*
 * Decrypt len bytes (a multiple of SM4_BLOCK_LEN); out holds len bytes and
 * *outlen gets the plaintext length. -1 with a sentence in err when the padding
 * is wrong, which is what a wrong key or IV looks like.
 */
int sm4_cbc_decrypt(const uint8_t key[SM4_KEY_LEN], const uint8_t iv[SM4_KEY_LEN],
                    const void *in, size_t len, uint8_t *out, size_t *outlen,
                    char *err, size_t errlen);

/* Lowercase hex of len bytes into out (SM4_HEX_LEN(len) + 1 bytes, NUL-terminated). */
void sm4_hex_encode(const void *in, size_t len, char *out);
/*
 * Bytes of the n hex characters at hex (either case) into out (cap bytes).
 * Returns the byte count, or -1 when n is odd, too long for cap, or a
 * character is not a hex digit (*bad, if not NULL, gets its index; n for odd).
 */
long sm4_hex_decode(const char *hex, size_t n, uint8_t *out, size_t cap, size_t *bad);

#endif
