/*
 * expr_calendar.c - named periods of local time for calendar("name"), and their test.
 *
 *   "calendars": {
 *     "shutdown": [{"from": "2026-12-01T00:00", "to": "2026-12-15T00:00"}],
 *     "night":    [{"days": "mon-fri", "from": "22:00", "to": "06:00"}]
 *   }
 *
 * A period is either a span between two local date-times, or a daily range of local
 * times on some weekdays. A daily range whose end is not after its start runs over
 * midnight, and belongs to the weekday it starts on: "fri 22:00 to 06:00" covers
 * Friday night into Saturday morning. Ends are exclusive, resolution is the minute.
 *
 * Local time is reduced to one number, minutes since 1970-01-01T00:00 *local*, with
 * pure arithmetic (no mktime, so no time zone or DST lookups at evaluation): spans
 * compare against it directly, daily ranges take its day and minute of day.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "clock.h"
#include "expr_internal.h"

#define MIN_PER_DAY 1440
#define MIN_PER_H 60
#define DAYS_PER_WEEK 7
#define EPOCH_WEEKDAY 4             /* 1970-01-01 was a Thursday (Sunday = 0) */
#define ALL_DAYS 0x7F
#define TIME_TEXT_MAX 32

static const char *const period_keys[] = {"from", "to", "days", NULL};
static const char *const day_names[DAYS_PER_WEEK] = {"sun", "mon", "tue", "wed", "thu",
                                                     "fri", "sat"};

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = expr_floor_div(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t expr_local_minute(const struct tm *t)
{
    int64_t days = days_from_civil((int64_t)t->tm_year + 1900, t->tm_mon + 1, t->tm_mday);
    return days * MIN_PER_DAY + (int64_t)t->tm_hour * MIN_PER_H + t->tm_min;
}

int expr_local_time_system(void *ctx, int64_t wall_ms, struct tm *out)
{
    (void)ctx;
    if (!clock_wall_trusted())
        return -1;              /* a board that booted in 1970 knows no calendar */
    time_t t = (time_t)expr_floor_div(wall_ms, 1000);
    return localtime_r(&t, out) ? 0 : -1;
}

static int weekday_in(uint8_t days, int64_t day)
{
    int wd = (int)(((day + EPOCH_WEEKDAY) % DAYS_PER_WEEK + DAYS_PER_WEEK) % DAYS_PER_WEEK);
    return (days >> wd) & 1;
}

static int period_contains(const struct expr_period *p, int64_t local_min)
{
    if (p->kind == PERIOD_SPAN)
        return local_min >= p->from && local_min < p->to;
    int64_t day = expr_floor_div(local_min, MIN_PER_DAY);
    int64_t m = local_min - day * MIN_PER_DAY;
    if (p->from < p->to)
        return weekday_in(p->days, day) && m >= p->from && m < p->to;
    return (weekday_in(p->days, day) && m >= p->from) ||
           (weekday_in(p->days, day - 1) && m < p->to);
}

int expr_calendar_contains(const struct expr_calendar *cal, int64_t local_min)
{
    for (int i = 0; i < cal->nperiods; i++)
        if (period_contains(&cal->periods[i], local_min))
            return 1;
    return 0;
}

/* ---- reading the config ---- */

static int days_in_month(int y, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m == 2 && leap ? 29 : len[m - 1];
}

/* 1 when s has the shape of pattern, where 'd' stands for any digit. */
static int shaped(const char *s, const char *pattern)
{
    for (; *pattern; s++, pattern++)
        if (*pattern == 'd' ? !isdigit((unsigned char)*s) : *s != *pattern)
            return 0;
    return *s == '\0';
}

/* The number written by the n digits at s (shaped() has checked they are digits). */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++)
        v = v * 10 + (s[i] - '0');
    return v;
}

/* "HH:MM" -> minute of the day; "24:00" only as an end. -1 when malformed. */
static int64_t parse_clock(const char *s, int end)
{
    if (!shaped(s, "dd:dd"))
        return -1;
    int h = digits(s, 2), m = digits(s + 3, 2);
    if (end && h == 24 && m == 0)
        return MIN_PER_DAY;
    return h < 24 && m < MIN_PER_H ? h * MIN_PER_H + m : -1;
}

/* "YYYY-MM-DDTHH:MM" -> local minutes since 1970; -1 when malformed. */
static int64_t parse_datetime(const char *s)
{
    if (!shaped(s, "dddd-dd-ddTdd:dd"))
        return -1;
    int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
    int64_t clock = parse_clock(s + strlen("dddd-dd-ddT"), 0);
    if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) || clock < 0)
        return -1;
    return days_from_civil(y, mo, d) * MIN_PER_DAY + clock;
}

static int day_index(const char *s, size_t n)
{
    for (int i = 0; i < DAYS_PER_WEEK; i++)
        if (n == strlen(day_names[i]) && strncasecmp(s, day_names[i], n) == 0)
            return i;
    return -1;
}

/* "mon-fri", "sat,sun", "mon,wed-fri", "fri-mon" (wraps) -> weekday bits. */
static int parse_days(const char *s, uint8_t *days)
{
    *days = 0;
    while (*s) {
        size_t n = strcspn(s, ",");
        const char *dash = memchr(s, '-', n);
        int a = day_index(s, dash ? (size_t)(dash - s) : n);
        int b = dash ? day_index(dash + 1, n - (size_t)(dash - s) - 1) : a;
        if (a < 0 || b < 0)
            return -1;
        for (int d = a;; d = (d + 1) % DAYS_PER_WEEK) {
            *days |= (uint8_t)(1u << d);
            if (d == b)
                break;
        }
        s += n + (s[n] == ',');
    }
    return *days ? 0 : -1;
}

static int period_fail(struct cfg_err *err, const char *path, const char *key, const char *why)
{
    char p[CFG_PATH_MAX];
    jf_path_key(p, sizeof p, path, key);
    return cfg_fail(err, p, "%s", why);
}

static int parse_span(const char *from, const char *to, const cJSON *o, const char *path,
                      struct expr_period *p, struct cfg_err *err)
{
    p->kind = PERIOD_SPAN;
    p->from = parse_datetime(from);
    p->to = parse_datetime(to);
    if (p->from < 0)
        return period_fail(err, path, "from", "expected a local date and time like "
                           "\"2026-12-01T00:00\"");
    if (p->to < 0)
        return period_fail(err, path, "to", "\"from\" is a date and time, so \"to\" must be "
                           "one too, like \"2026-12-15T00:00\"");
    if (p->to <= p->from)
        return period_fail(err, path, "to", "is not after \"from\"; the period would be empty");
    if (cJSON_GetObjectItemCaseSensitive(o, "days"))
        return period_fail(err, path, "days", "applies to daily ranges (\"from\": \"22:00\"), "
                           "not to a span of dates");
    return 0;
}

static int parse_daily(const char *from, const char *to, const cJSON *o, const char *path,
                       struct expr_period *p, struct cfg_err *err)
{
    char days[TIME_TEXT_MAX] = "";
    p->kind = PERIOD_DAILY;
    p->from = parse_clock(from, 0);
    p->to = parse_clock(to, 1);
    p->days = ALL_DAYS;
    if (p->from < 0)
        return period_fail(err, path, "from", "expected a local time of day like \"22:00\" "
                           "or a date and time like \"2026-12-01T00:00\"");
    if (p->to < 0)
        return period_fail(err, path, "to", "\"from\" is a time of day, so \"to\" must be one "
                           "too, like \"06:00\" (or \"24:00\" for midnight)");
    if (p->to == p->from)
        return period_fail(err, path, "to", "equals \"from\"; for a whole day write "
                           "\"from\": \"00:00\", \"to\": \"24:00\"");
    if (jf_string(o, "days", path, JF_OPTIONAL, days, sizeof days, err) < 0)
        return -1;
    if (cJSON_GetObjectItemCaseSensitive(o, "days") && parse_days(days, &p->days) < 0)
        return period_fail(err, path, "days", "expected weekdays like \"mon-fri\", "
                           "\"sat,sun\" or \"mon,wed-fri\" (sun mon tue wed thu fri sat)");
    return 0;
}

static int parse_period(const cJSON *o, const char *path, struct expr_period *p,
                        struct cfg_err *err)
{
    char from[TIME_TEXT_MAX], to[TIME_TEXT_MAX];
    if (!cJSON_IsObject(o))
        return cfg_fail(err, path, "expected a period like {\"from\": \"2026-12-01T00:00\", "
                        "\"to\": \"2026-12-15T00:00\"} or {\"days\": \"mon-fri\", "
                        "\"from\": \"22:00\", \"to\": \"06:00\"}");
    if (jf_known_keys(o, path, period_keys, err) < 0 ||
        jf_string(o, "from", path, JF_REQUIRED, from, sizeof from, err) < 0 ||
        jf_string(o, "to", path, JF_REQUIRED, to, sizeof to, err) < 0)
        return -1;
    if (strchr(from, 'T'))
        return parse_span(from, to, o, path, p, err);
    return parse_daily(from, to, o, path, p, err);
}

static int parse_calendar(const cJSON *arr, const char *path, struct expr_calendar *cal,
                          struct cfg_err *err)
{
    size_t n = strlen(arr->string);
    if (n == 0 || n >= EXPR_NAME_MAX || strspn(arr->string, "abcdefghijklmnopqrstuvwxyz"
                                               "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") != n)
        return cfg_fail(err, path, "a calendar name has 1 to %d letters, digits, '_' or '-'",
                        EXPR_NAME_MAX - 1);
    int count = cJSON_GetArraySize(arr);
    if (!cJSON_IsArray(arr) || count < 1 || count > EXPR_CAL_PERIODS_MAX)
        return cfg_fail(err, path, "expected a list of 1 to %d periods", EXPR_CAL_PERIODS_MAX);
    snprintf(cal->name, sizeof cal->name, "%s", arr->string);
    int i = 0;
    for (const cJSON *it = arr->child; it; it = it->next, i++) {
        char p[CFG_PATH_MAX];
        jf_path_index(p, sizeof p, path, i);
        if (parse_period(it, p, &cal->periods[i], err) < 0)
            return -1;
    }
    cal->nperiods = count;
    return 0;
}

int expr_calendars_parse(const cJSON *obj, const char *path, struct expr_calendars *out,
                         struct cfg_err *err)
{
    memset(out, 0, sizeof *out);
    if (!obj)
        return 0;
    if (!cJSON_IsObject(obj))
        return cfg_fail(err, path, "expected an object of named calendars, like "
                        "{\"shutdown\": [{\"from\": \"2026-12-01T00:00\", "
                        "\"to\": \"2026-12-15T00:00\"}]}");
    if (cJSON_GetArraySize(obj) > EXPR_CAL_MAX)
        return cfg_fail(err, path, "%d calendars, at most %d", cJSON_GetArraySize(obj),
                        EXPR_CAL_MAX);
    for (const cJSON *it = obj->child; it; it = it->next) {
        char p[CFG_PATH_MAX];
        jf_path_key(p, sizeof p, path, it->string);
        int twice = 0;
        for (int i = 0; i < out->n; i++)
            twice |= strcmp(out->cal[i].name, it->string) == 0;
        if (twice || parse_calendar(it, p, &out->cal[out->n], err) < 0) {
            if (twice)
                cfg_fail(err, p, "is defined twice; merge the periods into one list");
            memset(out, 0, sizeof *out);
            return -1;
        }
        out->n++;
    }
    return 0;
}
