/*
 * sink_http_reply.c - does a 2xx reply body say the platform actually took the message?
 *
 * Neither the national platform's reply format nor every robot's is public in
 * full, so the rule is the common ground of Chinese platform APIs: a JSON
 * object with "success": false, a non-zero "errcode" (WeCom, DingTalk), or a
 * "code" other than 0 or 200 is a refusal. Any other body (empty, not JSON,
 * JSON without those fields) is acceptance. Numbers given as strings count.
 */
#include "sink_http_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <cjson/cJSON.h>

#define REPLY_WORDS_MAX 120         /* characters of the platform's message kept */
#define HTTP_OK 200                 /* some platforms answer "code": 200 for success */

/* The value of a number or a whole-number string field; 0 when absent or neither. */
static int reply_code(const cJSON *obj, const char *key, long *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    char *end;
    if (cJSON_IsNumber(it)) {
        *out = (long)it->valuedouble;
        return 1;
    }
    if (cJSON_IsString(it) && it->valuestring[0]) {
        *out = strtol(it->valuestring, &end, 10);
        return *end == '\0';
    }
    return 0;
}

static const char *reply_words(const cJSON *obj)
{
    static const char *const keys[] = { "errmsg", "msg", "message" };
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, keys[i]);
        if (cJSON_IsString(it))
            return it->valuestring;
    }
    return "";
}

int sink_http_reply_verdict(const char *body, size_t len, char *why, size_t whylen)
{
    why[0] = '\0';
    cJSON *j = len ? cJSON_ParseWithLength(body, len) : NULL;
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return 0;
    }
    long code = 0;
    const char *field = NULL;
    if (cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(j, "success")))
        field = "\"success\": false";
    else if (reply_code(j, "errcode", &code) && code != 0)
        field = "errcode";
    else if (reply_code(j, "code", &code) && code != 0 && code != HTTP_OK)
        field = "code";
    const char *words = reply_words(j);
    if (field && field[0] == '"')
        snprintf(why, whylen, "%s (\"%.*s\")", field, REPLY_WORDS_MAX, words);
    else if (field)
        snprintf(why, whylen, "%s %ld (\"%.*s\")", field, code, REPLY_WORDS_MAX, words);
    else if (words[0])
        snprintf(why, whylen, "\"%.*s\"", REPLY_WORDS_MAX, words);
    cJSON_Delete(j);
    return field ? -1 : 0;
}
