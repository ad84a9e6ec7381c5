/*
 * json_field.h - read typed fields out of cJSON with errors that name the JSON path.
 *
 * Every config reader uses these so that every complaint has the same shape:
 *   devices[0].points[1].scale: expected a number
 * A reader passes the path of the object it holds; the helper appends the key.
 * All return 0 on success (or when an optional field is absent: *out untouched)
 * and -1 after writing the message into err.
 */
#ifndef RISKGW_JSON_FIELD_H
#define RISKGW_JSON_FIELD_H

#include <stddef.h>
#include <stdint.h>
#include <cjson/cJSON.h>

#define CFG_ERR_MAX 512
#define CFG_PATH_MAX 160

struct cfg_err {
    char msg[CFG_ERR_MAX];
};

enum jf_presence { JF_OPTIONAL = 0, JF_REQUIRED = 1 };

/* Write "path: message" into err. Returns -1 so callers can `return cfg_fail(...)`. */
int cfg_fail(struct cfg_err *err, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Join a child path: "devices[0]" + "points" -> "devices[0].points", + index -> "[1]". */
void jf_path_key(char *out, size_t outlen, const char *path, const char *key);
void jf_path_index(char *out, size_t outlen, const char *path, int index);

int jf_string(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
              char *out, size_t outlen, struct cfg_err *err);
int jf_number(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
              double lo, double hi, double *out, struct cfg_err *err);
int jf_int(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
           long lo, long hi, long *out, struct cfg_err *err);
/* The same into a 32-bit field (a device's times in ms): lo and hi must fit it. */
int jf_int32(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
             int32_t lo, int32_t hi, int32_t *out, struct cfg_err *err);
/* The same for values a 32-bit long cannot hold (seeds, byte counts). */
int jf_int64(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
             int64_t lo, int64_t hi, int64_t *out, struct cfg_err *err);
int jf_bool(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
            int *out, struct cfg_err *err);
/* One of names[0..n-1]; *out gets its index. */
int jf_enum(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
            const char *const *names, int n, int *out, struct cfg_err *err);
/* The child must be an object/array when present; *out is NULL when absent. */
int jf_object(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
              const cJSON **out, struct cfg_err *err);
int jf_array(const cJSON *obj, const char *key, const char *path, enum jf_presence need,
             const cJSON **out, struct cfg_err *err);
/* Refuse keys not in allowed[] (NULL-terminated): catches typos like "scael". */
int jf_known_keys(const cJSON *obj, const char *path, const char *const *allowed,
                  struct cfg_err *err);

/*
 * Lenient readers, for JSON whose shape is ours and whose every field is optional
 * (a reply of the gateway, an event message, the tools' results file): a missing
 * or mistyped member reads as "" or 0, never as an error.
 */
void jf_copy_text(const cJSON *obj, const char *key, char *out, size_t outlen);
int64_t jf_int_or_zero(const cJSON *obj, const char *key);

/* Parse text; on a syntax error name the file, line and column. Returns NULL on error. */
cJSON *jf_parse_text(const char *text, const char *origin, struct cfg_err *err);
/* Read and parse a file; a missing, unreadable or empty file says so. */
cJSON *jf_parse_file(const char *filename, struct cfg_err *err);

#endif
