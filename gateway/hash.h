/*
 * hash.h - FNV-1a, the one hash the gateway uses for fingerprints
 * (the config hash in status, a rule's identity for saved alarm state).
 * Not cryptographic: it tells "changed" from "the same", nothing more.
 */
#ifndef RISKGW_HASH_H
#define RISKGW_HASH_H

#include <stddef.h>
#include <stdint.h>

#define FNV1A_OFFSET 1469598103934665603ULL
#define FNV1A_PRIME 1099511628211ULL

static inline uint64_t hash_fnv1a(const void *data, size_t n)
{
    const unsigned char *b = data;
    uint64_t h = FNV1A_OFFSET;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * FNV1A_PRIME;
    return h;
}

#endif
