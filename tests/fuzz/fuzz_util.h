/*
 * fuzz_util.h - what every libFuzzer target here shares.
 *
 * libFuzzer hands a target raw bytes that are not NUL-terminated. The parsers under
 * test take C strings (the daemon NUL-terminates what it reads from a file or an
 * MQTT payload before parsing), so each target copies the bytes into a heap buffer
 * of exactly len + 1 bytes: AddressSanitizer then catches a read one byte past the
 * terminator. Logging is turned down to errors so that a run is not all log lines.
 */
#ifndef RISKGW_FUZZ_UTIL_H
#define RISKGW_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

/* The source tree's profiles, the same files the daemon and the simulator read. */
#define FUZZ_PROFILE_DIR RISKGW_SOURCE_DIR "/drivers/profiles"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A heap copy of data with a NUL after it; NULL only when out of memory. */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
    }
    return text;
}

/* Quiet the parsers' log lines; error lines still show. */
static inline void fuzz_quiet(void)
{
    log_set_level(LOG_LVL_ERROR);
}

#endif
