/*
 * json_field.c - typed access to cJSON with errors that say where and what.
 *
 * Config is edited by hand on site, often by someone who did not write it. Every
 * complaint therefore names the JSON path ("devices[0].points[1].scale") and what
 * was expected, and a syntax error names the line and column. Config readers use
 * only these helpers, so every message has the same shape.
 */
#include "json_field.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_FILE_MAX_BYTES (16L * 1024 * 1024)

int cfg_fail(struct cfg_err *err, const char *path, const char *fmt, ...)
{
    char what[CFG_ERR_MAX - CFG_PATH_MAX - 3];   /* "path: what" always fits */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (err) {
        if (path && *path)
            snprintf(err->msg, sizeof err->msg, "%.*s: %s", CFG_PATH_MAX, path, what);
        else
            snprintf(err->msg, sizeof err->msg, "%s", what);
    }
    return -1;
}

void jf_path_key(char *out, size_t outlen, const char *path, const char *key)
{
    if (path && *path)
        snprintf(out, outlen, "%s.%s", path, key);
    else
        snprintf(out, outlen, "%s", key);
}

void jf_path_index(char *out, size_t outlen, const char *path, int index)
{
    snprintf(out, outlen, "%s[%d]", path ? path : "", index);
}

/*
 * Find key and name its path in p (CFG_PATH_MAX bytes) for the caller's messages.
 * 1 found, 0 absent-and-optional, -1 absent-and-required (err set).
 */
static int lookup(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
                  const cJSON **item, char *p, struct cfg_err *err)
{
    jf_path_key(p, CFG_PATH_MAX, path, key);
    *item = obj ? cJSON_GetObjectItemCaseSensitive(obj, key) : NULL;
    if (*item && !cJSON_IsNull(*item))
        return 1;
    *item = NULL;
    if (need == JF_OPTIONAL)
        return 0;
    cfg_fail(err, p, "is required");
    return -1;                          /* spelled out: the analyzer cannot follow varargs */
}

int jf_string(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
              char *out, size_t outlen, struct cfg_err *err)
{
    const cJSON *it;
    char p[CFG_PATH_MAX];
    int rc = lookup(obj, key, path, need, &it, p, err);
    if (rc <= 0)
        return rc;
    if (!cJSON_IsString(it))
        return cfg_fail(err, p, "expected a string");
    size_t n = strlen(it->valuestring);
    if (n == 0 && need == JF_REQUIRED)
        return cfg_fail(err, p, "must not be empty");
    if (n >= outlen)
        return cfg_fail(err, p, "is too long (%zu characters, at most %zu)", n, outlen - 1);
    memcpy(out, it->valuestring, n + 1);
    return 0;
}

int jf_number(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
              double lo, double hi, double *out, struct cfg_err *err)
{
    const cJSON *it;
    char p[CFG_PATH_MAX];
    int rc = lookup(obj, key, path, need, &it, p, err);
    if (rc <= 0)
        return rc;
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
        return cfg_fail(err, p, "expected a number");
    if (it->valuedouble < lo || it->valuedouble > hi)
        return cfg_fail(err, p, "%g is out of range (%g to %g)", it->valuedouble, lo, hi);
    *out = it->valuedouble;
    return 0;
}

/* 1 with *out set, 0 when absent (optional), -1 with err: the work of jf_int and jf_int64. */
static int whole_number(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
                        int64_t lo, int64_t hi, int64_t *out, struct cfg_err *err)
{
    const cJSON *it;
    char p[CFG_PATH_MAX];
    int rc = lookup(obj, key, path, need, &it, p, err);
    if (rc <= 0)
        return rc;
    if (!cJSON_IsNumber(it) || it->valuedouble != floor(it->valuedouble)) {
        cfg_fail(err, p, "expected a whole number");
        return -1;                      /* spelled out: the analyzer cannot follow varargs */
    }
    if (it->valuedouble < (double)lo || it->valuedouble > (double)hi) {
        cfg_fail(err, p, "%.0f is out of range (%lld to %lld)", it->valuedouble, (long long)lo, (long long)hi);
        return -1;
    }
    *out = (int64_t)it->valuedouble;
    return 1;
}

int jf_int(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
           long lo, long hi, long *out, struct cfg_err *err)
{
    int64_t v;
    int rc = whole_number(obj, key, path, need, lo, hi, &v, err);
    if (rc > 0)
        *out = (long)v;               /* within [lo, hi]: fits a long */
    return rc < 0 ? -1 : 0;
}

int jf_int32(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
             int32_t lo, int32_t hi, int32_t *out, struct cfg_err *err)
{
    long wide = *out;                 /* kept when the field is absent */
    if (jf_int(obj, key, path, need, lo, hi, &wide, err) < 0)
        return -1;
    *out = (int32_t)wide;             /* within [lo, hi]: fits 32 bits */
    return 0;
}

int jf_int64(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
             int64_t lo, int64_t hi, int64_t *out, struct cfg_err *err)
{
    return whole_number(obj, key, path, need, lo, hi, out, err) < 0 ? -1 : 0;
}

int jf_bool(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
            int *out, struct cfg_err *err)
{
    const cJSON *it;
    char p[CFG_PATH_MAX];
    int rc = lookup(obj, key, path, need, &it, p, err);
    if (rc <= 0)
        return rc;
    if (!cJSON_IsBool(it))
        return cfg_fail(err, p, "expected true or false");
    *out = cJSON_IsTrue(it) ? 1 : 0;
    return 0;
}

int jf_enum(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
            const char *const *names, int n, int *out, struct cfg_err *err)
{
    char s[CFG_PATH_MAX], p[CFG_PATH_MAX], choices[CFG_ERR_MAX / 2];
    s[0] = '\0';
    if (jf_string(obj, key, path, need, s, sizeof s, err) < 0)
        return -1;
    if (!s[0])
        return 0;
    for (int i = 0; i < n; i++)
        if (strcmp(s, names[i]) == 0) {
            *out = i;
            return 0;
        }
    size_t used = 0;
    choices[0] = '\0';
    for (int i = 0; i < n && used < sizeof choices; i++)
        used += (size_t)snprintf(choices + used, sizeof choices - used, "%s\"%s\"",
                                 i ? ", " : "", names[i]);
    jf_path_key(p, sizeof p, path, key);
    return cfg_fail(err, p, "\"%s\" is not one of %s", s, choices);
}

static int child_of_type(const cJSON *obj, const char *key, const char *path,
                         enum jf_presence need, const cJSON **out, int want_array,
                         struct cfg_err *err)
{
    const cJSON *it;
    char p[CFG_PATH_MAX];
    *out = NULL;
    int rc = lookup(obj, key, path, need, &it, p, err);
    if (rc <= 0)
        return rc;
    if (want_array ? !cJSON_IsArray(it) : !cJSON_IsObject(it))
        return cfg_fail(err, p, want_array ? "expected an array" : "expected an object");
    *out = it;
    return 0;
}

int jf_object(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
              const cJSON **out, struct cfg_err *err)
{
    return child_of_type(obj, key, path, need, out, 0, err);
}

int jf_array(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
             const cJSON **out, struct cfg_err *err)
{
    return child_of_type(obj, key, path, need, out, 1, err);
}

int jf_known_keys(const cJSON *obj, const char *path, const char *const *allowed,
                  struct cfg_err *err)
{
    char p[CFG_PATH_MAX];
    if (!cJSON_IsObject(obj))
        return cfg_fail(err, path, "expected an object");
    for (const cJSON *it = obj->child; it; it = it->next) {
        int ok = 0;
        for (const char *const *a = allowed; *a && !ok; a++)
            ok = strcmp(it->string, *a) == 0;
        if (!ok) {
            jf_path_key(p, sizeof p, path, it->string);
            return cfg_fail(err, p, "unknown key (a typo?)");
        }
    }
    return 0;
}

/* Line and column (1-based) of offset in text. */
static void line_col(const char *text, size_t offset, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < offset && text[i]; i++) {
        if (text[i] == '\n') {
            (*line)++;
            *col = 1;
        } else {
            (*col)++;
        }
    }
}

cJSON *jf_parse_text(const char *text, const char *origin, struct cfg_err *err)
{
    const char *end = NULL;
    size_t len = strlen(text);
    size_t i = 0;
    while (i < len && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
        i++;
    if (i == len) {
        cfg_fail(err, NULL, "%s: is empty; expected a JSON object", origin);
        return NULL;
    }
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root) {
        int line, col;
        size_t off = end ? (size_t)(end - text) : 0;
        line_col(text, off, &line, &col);
        cfg_fail(err, NULL, "%s:%d:%d: JSON syntax error near \"%.20s\"", origin, line, col,
                 end ? end : "");
        return NULL;
    }
    return root;
}

cJSON *jf_parse_file(const char *filename, struct cfg_err *err)
{
    FILE *f = fopen(filename, "rb");
    if (!f) {
        cfg_fail(err, NULL, "%s: cannot open: %s", filename, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    long size = -1;
    if (fseek(f, 0, SEEK_END) == 0)
        size = ftell(f);
    if (size < 0 || fseek(f, 0, SEEK_SET) != 0) {
        cfg_fail(err, NULL, "%s: cannot read: not a regular file?", filename);
        fclose(f);
        return NULL;
    }
    if (size > CONFIG_FILE_MAX_BYTES) {
        cfg_fail(err, NULL, "%s: is %ld bytes; a config larger than %ld bytes is refused",
                 filename, size, CONFIG_FILE_MAX_BYTES);
        fclose(f);
        return NULL;
    }
    buf = malloc((size_t)size + 1);
    if (!buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
        cfg_fail(err, NULL, "%s: cannot read: %s", filename, buf ? strerror(errno) : "out of memory");
        free(buf);
        fclose(f);
        return NULL;
    }
    fclose(f);
    buf[size] = '\0';
    if (strlen(buf) != (size_t)size) {
        cfg_fail(err, NULL, "%s: contains a NUL byte; expected JSON text", filename);
        free(buf);
        return NULL;
    }
    cJSON *root = jf_parse_text(buf, filename, err);
    free(buf);
    return root;
}

void jf_copy_text(const cJSON *obj, const char *key, char *out, size_t outlen)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    snprintf(out, outlen, "%s", cJSON_IsString(v) ? v->valuestring : "");
}

int64_t jf_int_or_zero(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}
