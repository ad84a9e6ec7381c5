/*
 * test_report_words.c - the commissioning report's word tables (tool_report_words.h):
 * every language has every key the others have, zh-CN is the default, an unknown
 * language is refused with the list, and templates put their numbers where each
 * language wants them.
 */
#include <cjson/cJSON.h>
#include <string.h>

#include "check.h"
#include "embedded_files.h"
#include "tool_report_words.h"

extern const struct embedded_file report_words_files[];
extern const unsigned report_words_files_count;

static void test_same_keys(void)
{
    cJSON *tables[8] = {0};
    unsigned n = report_words_files_count;
    CHECK(n >= 2);
    for (unsigned i = 0; i < n && i < 8; i++) {
        tables[i] = cJSON_ParseWithLength((const char *)report_words_files[i].data, report_words_files[i].len);
        CHECK(cJSON_IsObject(tables[i]));
    }
    for (unsigned i = 0; i < n && i < 8; i++)
        for (unsigned j = 0; j < n && j < 8; j++) {
            const cJSON *item;
            cJSON_ArrayForEach(item, tables[i]) {
                int present = cJSON_IsString(cJSON_GetObjectItemCaseSensitive(tables[j], item->string));
                CHECK(present);
                if (!present)
                    fprintf(stderr, "  %s lacks \"%s\" (in %s)\n", report_words_files[j].path, item->string,
                            report_words_files[i].path);
            }
        }
    for (unsigned i = 0; i < n && i < 8; i++)
        cJSON_Delete(tables[i]);
}

int main(void)
{
    char why[256], out[256];
    test_same_keys();
    struct report_words *zh = report_words_load(REPORT_LANG_DEFAULT, why, sizeof why);
    struct report_words *en = report_words_load("en", why, sizeof why);
    CHECK(zh && en);
    if (!zh || !en)
        return check_summary();
    CHECK_STR(report_word(zh, "lang"), "zh-CN");
    CHECK_STR(report_word(en, "pass"), "PASS");
    CHECK_STR(report_word(zh, "pass"), "通过");
    CHECK_STR(report_word(zh, "no.such.key"), "no.such.key");
    const char *args[] = {"5", "7", "20", "21", "9", "9"};
    report_fill(en, "summary.text", args, 6, out, sizeof out);
    CHECK_STR(out, "5 of 7 devices answer; 20 of 21 points read good; 9 of 9 alarm points passed their alarm test.");
    report_fill(zh, "summary.text", args, 6, out, sizeof out);
    CHECK_STR(out, "7 台设备中 5 台应答；21 个测点中 20 个读数正常；9 个报警测点中 9 个通过报警测试。");
    report_fill(en, "summary.text", args, 2, out, sizeof out);    /* slots without an argument stay */
    CHECK(strstr(out, "{3} of {4}") != NULL);
    report_fill(en, "summary.text", args, 6, out, 12);            /* truncated, terminated */
    CHECK_STR(out, "5 of 7 devi");
    CHECK(report_words_load("fr", why, sizeof why) == NULL);
    CHECK_STR(why, "no report language \"fr\" (there are: en, zh-CN)");
    CHECK(report_words_load("../console/web/i18n/en", why, sizeof why) == NULL);
    report_words_free(zh);
    report_words_free(en);
    return check_summary();
}
