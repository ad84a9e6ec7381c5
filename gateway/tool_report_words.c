/*
 * tool_report_words.c - load a language's table and fill its templates (tool_report_words.h).
 */
#include "tool_report_words.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "embedded_files.h"

#define LANG_PATH_MAX 48

extern const struct embedded_file report_words_files[];
extern const unsigned report_words_files_count;

struct report_words {
    cJSON *table;
};

/* "zh-CN, en": the languages there are, for a message. */
static void languages(char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned i = 0; i < report_words_files_count && n < cap; i++) {
        const char *p = report_words_files[i].path + 1;
        int len = (int)(strlen(p) - strlen(".json"));
        n += (size_t)snprintf(out + n, cap - n, "%s%.*s", i ? ", " : "", len, p);
    }
}

struct report_words *report_words_load(const char *lang, char *why, size_t whylen)
{
    char path[LANG_PATH_MAX], known[128];
    snprintf(path, sizeof path, "/%s.json", lang);
    const struct embedded_file *f = strchr(lang, '/') ? NULL
                                    : embedded_file_find(report_words_files, report_words_files_count, path);
    if (!f) {
        languages(known, sizeof known);
        snprintf(why, whylen, "no report language \"%s\" (there are: %s)", lang, known);
        return NULL;
    }
    struct report_words *w = calloc(1, sizeof *w);
    if (w)
        w->table = cJSON_ParseWithLength((const char *)f->data, f->len);
    if (!w || !cJSON_IsObject(w->table)) {
        snprintf(why, whylen, "the %s word table cannot be read", lang);
        report_words_free(w);
        return NULL;
    }
    return w;
}

void report_words_free(struct report_words *w)
{
    if (!w)
        return;
    cJSON_Delete(w->table);
    free(w);
}

const char *report_word(const struct report_words *w, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(w->table, key);
    return cJSON_IsString(v) ? v->valuestring : key;
}

void report_fill(const struct report_words *w, const char *key, const char *const *args, int nargs, char *out,
                 size_t cap)
{
    size_t n = 0;
    for (const char *t = report_word(w, key); *t && n + 1 < cap; t++) {
        int slot = t[0] == '{' && t[1] >= '1' && t[1] <= '9' && t[2] == '}' ? t[1] - '0' : 0;
        const char *piece = slot && slot <= nargs ? args[slot - 1] : NULL;
        if (piece) {
            n += (size_t)snprintf(out + n, cap - n, "%s", piece);
            n = n < cap ? n : cap - 1;
            t += 2;
        } else {
            out[n++] = *t;
        }
    }
    out[n] = '\0';
}
