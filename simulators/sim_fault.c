/*
 * sim_fault.c - read fault injections, keep a device's standing faults, and apply them to a request.
 *
 * The grammar (sim_fault.h) is shared by the site file, the control lines and
 * the scenario timelines, so a fault spelled once is spelled the same
 * everywhere, and a typo is refused with the usage of the fault it looks like.
 */
#include "sim_fault.h"

#include <stdio.h>
#include <string.h>

#include "sim_scenario.h"
#include "sim_text.h"

#define INJECT_WORDS_MAX 5              /* "gap holding 18 34" plus one to catch extras */
#define LATE_MS_MAX 600000L             /* ten minutes: longer is a noreply */
#define EXCEPTION_CODE_MAX 255
#define FAULT_SECONDS_MAX 3600.0
#define FAULT_SECONDS_MIN 0.1
#define MS_PER_S 1000.0
#define ADDRESS_MAX 65535L
#define NOISE_WORD_BYTES 8

struct inject_syntax {
    const char *name;
    enum sim_inject_kind kind;
    int min_args, max_args;
    const char *usage;
};

static const struct inject_syntax syntax[] = {
    {"clear", SIM_INJ_CLEAR, 0, 0, "clear"},
    {"noreply", SIM_INJ_NOREPLY, 0, 0, "noreply"},
    {"late", SIM_INJ_LATE, 1, 1, "late MS"},
    {"exception", SIM_INJ_EXCEPTION, 1, 1, "exception CODE"},
    {"crc", SIM_INJ_CRC, 0, 0, "crc"},
    {"garbage", SIM_INJ_GARBAGE, 0, 0, "garbage"},
    {"disconnect", SIM_INJ_DISCONNECT, 0, 1, "disconnect [SECONDS]"},
    {"reset", SIM_INJ_RESET, 0, 1, "reset [SECONDS]"},
    {"gap", SIM_INJ_GAP, 2, 3, "gap coil|discrete|holding|input START [COUNT]"},
};
#define SYNTAX_COUNT (sizeof syntax / sizeof syntax[0])


static int parse_seconds(const char *word, const char *usage, long *ms, struct cfg_err *err)
{
    double s = SIM_FAULT_DEFAULT_S;
    if (word && (sim_text_double(word, &s) < 0 || s < FAULT_SECONDS_MIN || s > FAULT_SECONDS_MAX))
        return cfg_fail(err, NULL, "%s: \"%.32s\" is not a number of seconds from %g to %g",
                        usage, word, FAULT_SECONDS_MIN, FAULT_SECONDS_MAX);
    *ms = (long)(s * MS_PER_S);
    return 0;
}

static int parse_gap(char **args, int nargs, struct sim_gap *gap, struct cfg_err *err)
{
    long start, count = 1;
    size_t a = 0;
    while (a < POINT_AREA_COUNT && strcmp(point_area_names[a], args[0]) != 0)
        a++;
    if (a == POINT_AREA_COUNT)
        return cfg_fail(err, NULL, "gap: \"%.32s\" is not an area; say coil, discrete, holding or input",
                        args[0]);
    if (sim_text_long(args[1], 0, ADDRESS_MAX, &start) < 0 ||
        (nargs > 2 && sim_text_long(args[2], 1, ADDRESS_MAX + 1 - start, &count) < 0))
        return cfg_fail(err, NULL, "gap %s: expected a start address 0-65535 and a count that stays "
                        "inside the address space, e.g. \"gap holding 18 34\"", args[0]);
    *gap = (struct sim_gap){.area = (enum reg_area)a, .start = (uint16_t)start, .count = (uint16_t)count};
    return 0;
}

int sim_inject_parse_words(char **words, int n, struct sim_inject *inj, struct cfg_err *err)
{
    size_t k = 0;
    if (n < 1)
        return cfg_fail(err, NULL, "name a fault: noreply, late MS, exception CODE, crc, garbage, "
                        "disconnect [S], reset [S], gap AREA START [COUNT] or clear");
    while (k < SYNTAX_COUNT && strcmp(syntax[k].name, words[0]) != 0)
        k++;
    if (k == SYNTAX_COUNT)
        return cfg_fail(err, NULL, "unknown fault \"%.32s\"; the faults are noreply, late MS, "
                        "exception CODE, crc, garbage, disconnect [S], reset [S], gap AREA START "
                        "[COUNT] and clear", words[0]);
    const struct inject_syntax *s = &syntax[k];
    char **args = words + 1;
    int nargs = n - 1;
    long v;
    if (nargs < s->min_args || nargs > s->max_args)
        return cfg_fail(err, NULL, "usage: %s", s->usage);
    memset(inj, 0, sizeof *inj);
    inj->kind = s->kind;
    switch (s->kind) {
    case SIM_INJ_LATE:
        if (sim_text_long(args[0], 1, LATE_MS_MAX, &inj->ms) < 0)
            return cfg_fail(err, NULL, "late: \"%.32s\" is not a delay of 1 to %ld ms", args[0], LATE_MS_MAX);
        return 0;
    case SIM_INJ_EXCEPTION:
        if (sim_text_long(args[0], 1, EXCEPTION_CODE_MAX, &v) < 0)
            return cfg_fail(err, NULL, "exception: \"%.32s\" is not an exception code 1-255 "
                            "(2: illegal address, 4: device failure, 6: busy, 11: no response)", args[0]);
        inj->code = (uint8_t)v;
        return 0;
    case SIM_INJ_DISCONNECT:
    case SIM_INJ_RESET:
        return parse_seconds(nargs ? args[0] : NULL, s->usage, &inj->ms, err);
    case SIM_INJ_GAP:
        return parse_gap(args, nargs, &inj->gap, err);
    default:
        return 0;
    }
}

int sim_inject_parse(const char *text, struct sim_inject *inj, struct cfg_err *err)
{
    static char no_word[] = "";
    char copy[SIM_INJECT_TEXT_MAX], *words[INJECT_WORDS_MAX];
    if (strlen(text) >= sizeof copy)
        return cfg_fail(err, NULL, "a fault is at most %d characters", SIM_INJECT_TEXT_MAX - 1);
    strcpy(copy, text);
    int n = sim_text_split(copy, words, INJECT_WORDS_MAX);
    if (n > INJECT_WORDS_MAX)
        return cfg_fail(err, NULL, "\"%s\": too many words for a fault", text);
    /* The syntax table's arity check keeps each parser within n words; slots past
     * n still hold an empty word, so no path can read an unset pointer. */
    for (int i = n; i < INJECT_WORDS_MAX; i++)
        words[i] = no_word;
    return sim_inject_parse_words(words, n, inj, err);
}

void sim_inject_describe(const struct sim_inject *inj, char *out, size_t outlen)
{
    const char *name = "?";
    for (size_t k = 0; k < SYNTAX_COUNT; k++)
        if (syntax[k].kind == inj->kind)
            name = syntax[k].name;
    switch (inj->kind) {
    case SIM_INJ_LATE:
        snprintf(out, outlen, "%s %ld", name, inj->ms);
        break;
    case SIM_INJ_EXCEPTION:
        snprintf(out, outlen, "%s %u", name, inj->code);
        break;
    case SIM_INJ_DISCONNECT:
    case SIM_INJ_RESET:
        snprintf(out, outlen, "%s %g", name, (double)inj->ms / MS_PER_S);
        break;
    case SIM_INJ_GAP:
        snprintf(out, outlen, "%s %s %u %u", name, point_area_names[inj->gap.area], inj->gap.start,
                 inj->gap.count);
        break;
    default:
        snprintf(out, outlen, "%s", name);
    }
}

int sim_faults_apply(struct sim_faults *f, const struct sim_inject *inj, int64_t now_ms,
                     struct cfg_err *err)
{
    switch (inj->kind) {
    case SIM_INJ_RESET:
        return 0;
    case SIM_INJ_CLEAR:
        memset(f, 0, sizeof *f);
        return 0;
    case SIM_INJ_GAP:
        if (f->ngaps == SIM_GAPS_MAX)
            return cfg_fail(err, NULL, "a device holds at most %d gaps; 'clear' them first", SIM_GAPS_MAX);
        f->gaps[f->ngaps++] = inj->gap;
        return 0;
    default:
        f->comm = *inj;
        f->until_ms = now_ms + inj->ms;
        return 0;
    }
}

void sim_faults_answer(struct sim_faults *f, modbus_mapping_t *tables, const uint8_t *req,
                       size_t len, int64_t now_ms, struct sim_answer *a)
{
    static const enum sim_action action_of[] = {
        [SIM_INJ_CLEAR] = SIM_ACT_REPLY,    [SIM_INJ_NOREPLY] = SIM_ACT_SILENT,
        [SIM_INJ_LATE] = SIM_ACT_REPLY,     [SIM_INJ_EXCEPTION] = SIM_ACT_REPLY,
        [SIM_INJ_CRC] = SIM_ACT_BAD_CRC,    [SIM_INJ_GARBAGE] = SIM_ACT_GARBAGE,
        [SIM_INJ_DISCONNECT] = SIM_ACT_DROP, [SIM_INJ_RESET] = SIM_ACT_REPLY,
        [SIM_INJ_GAP] = SIM_ACT_REPLY,
    };
    struct sim_regs regs = {.tables = tables, .gaps = f->gaps, .ngaps = f->ngaps};
    if (f->comm.kind == SIM_INJ_DISCONNECT && now_ms >= f->until_ms)
        f->comm.kind = SIM_INJ_CLEAR;       /* the device is back */
    a->action = action_of[f->comm.kind];
    a->delay_ms = f->comm.kind == SIM_INJ_LATE ? f->comm.ms : 0;
    if (f->comm.kind == SIM_INJ_EXCEPTION)
        a->len = sim_respond_exception(len ? req[0] : 0, f->comm.code, a->pdu);
    else
        a->len = sim_respond(&regs, req, len, a->pdu);
}

void sim_fault_noise(uint8_t *buf, size_t n, uint64_t *state)
{
    for (size_t i = 0; i < n; i += NOISE_WORD_BYTES) {
        uint64_t r = sim_mix64((*state)++);
        size_t k = n - i < NOISE_WORD_BYTES ? n - i : NOISE_WORD_BYTES;
        memcpy(buf + i, &r, k);
    }
}
