/*
 * tool_report_words.h - the commissioning report's words, one table per language.
 *
 * The report is signed and filed by Chinese enterprises, so it is written in
 * zh-CN by default (headings with the English beside them) or in English with
 * `--lang en`. Every word comes from gateway/report_words/<lang>.json, embedded
 * in the binary at build time; a third language is one more file there with the
 * same keys. Sentences with numbers are templates with {1}..{9} slots, so each
 * language puts them in its own order.
 */
#ifndef RISKGW_TOOL_REPORT_WORDS_H
#define RISKGW_TOOL_REPORT_WORDS_H

#include <stddef.h>

#define REPORT_LANG_DEFAULT "zh-CN"

struct report_words;

/* The table of lang, or NULL with why naming the languages there are. Free with report_words_free. */
struct report_words *report_words_load(const char *lang, char *why, size_t whylen);
void report_words_free(struct report_words *w);
/* The word for key; the key itself when the table lacks it (a test keeps the tables whole). */
const char *report_word(const struct report_words *w, const char *key);
/* The template of key with {i} replaced by args[i-1], into out (truncated to cap). */
void report_fill(const struct report_words *w, const char *key, const char *const *args, int nargs, char *out,
                 size_t cap);

#endif
