/*
 * sim_text.c - strict number parsing and word splitting for the command line and control lines.
 *
 * strtod and strtol accept leading junk-free prefixes ("25x" -> 25) and report
 * overflow through errno; both are refused here so every caller gets one answer:
 * a number, or -1.
 */
#include "sim_text.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

int sim_text_double(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int sim_text_long(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int sim_text_split(char *line, char **words, int max)
{
    int n = 0;
    char *save = NULL;
    for (char *w = strtok_r(line, " \t\r", &save); w; w = strtok_r(NULL, " \t\r", &save)) {
        if (n == max)
            return max + 1;
        words[n++] = w;
    }
    return n;
}
