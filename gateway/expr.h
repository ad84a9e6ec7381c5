/*
 * expr.h - conditions over several points: a small expression language for combined rules.
 *
 *   cast.casting == 1 and cast.length_mm > 400 and
 *       (cast.cool_p < 0.15 or rate(cast.cool_p, 10s) < -0.02)
 *
 * A single-point rule (rules.h) compares one reading with setpoints. Some sites need
 * a condition over several points, over a window of time or over a calendar: deep-well
 * casting alarms only while casting, a dust collector's valve fault matters only while
 * its fan runs, a load is illegal only during an ordered shutdown. docs/rules.md
 * ("Combined rules") gives the grammar.
 *
 * An expression is compiled once, at config load, into a flat program sized exactly
 * for it; every name (point, function, calendar) is resolved and every type checked
 * then, so a typo is refused with its line and column instead of failing at 3 a.m.
 * Evaluation allocates nothing and reads no clock: the caller passes the latest
 * samples, the history rings, the time and a local-time function, so tests inject
 * all of them.
 *
 * Values are three-valued. A reading with a fault quality is never a number: any
 * arithmetic or comparison on it is "unknown", and `and`/`or` follow Kleene logic
 * (unknown and false = false, unknown or true = true). A rule whose condition is
 * unknown neither raises nor clears (expr_rule.h).
 */
#ifndef RISKGW_EXPR_H
#define RISKGW_EXPR_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <cjson/cJSON.h>
#include "json_field.h"
#include "sample.h"

#define EXPR_TEXT_MAX 2048          /* bytes in one expression */
#define EXPR_ID_MAX 64              /* a device or point id, as config.h's ID_MAX */
#define EXPR_NAME_MAX 32            /* a calendar name */
#define EXPR_STACK_MAX 64           /* evaluation stack; deeper programs are refused */
#define EXPR_DEPTH_MAX 48            /* nested parentheses, functions and operators */
#define EXPR_DURATION_MAX_MS (24LL * 3600 * 1000)   /* the longest window or held() */
#define EXPR_CAL_MAX 16             /* calendars in one site config */
#define EXPR_CAL_PERIODS_MAX 32     /* periods in one calendar */
#define EXPR_ERR_MAX 256

struct history;                     /* history.h */
struct history_spec;

/* The answer of a condition. EXPR_UNKNOWN: a reading it needs is in fault, or a window
 * holds too little to say (see docs/rules.md). */
enum expr_truth { EXPR_FALSE = 0, EXPR_TRUE = 1, EXPR_UNKNOWN = 2 };

/* A compile error: msg is "line:col: sentence"; line and col are 1-based, col counts
 * characters (UTF-8 aware) so a caret can be drawn under the offending token. */
struct expr_err {
    int line, col;
    char msg[EXPR_ERR_MAX];
};

/* ---- calendars: named periods of local time, defined once in the site config ---- */

enum expr_period_kind { PERIOD_SPAN, PERIOD_DAILY };

struct expr_period {
    enum expr_period_kind kind;
    uint8_t days;                   /* PERIOD_DAILY: bit d = weekday d (0 Sunday) starts a range */
    int64_t from, to;               /* SPAN: local minutes since 1970-01-01T00:00;
                                       DAILY: minute of the day, to may be 1440 (24:00) */
};

struct expr_calendar {
    char name[EXPR_NAME_MAX];
    int nperiods;
    struct expr_period periods[EXPR_CAL_PERIODS_MAX];
};

struct expr_calendars {
    int n;
    struct expr_calendar cal[EXPR_CAL_MAX];
};

/*
 * Read the site's "calendars" object (NULL or absent: no calendars):
 *   {"shutdown": [{"from": "2026-12-01T00:00", "to": "2026-12-15T00:00"},
 *                 {"days": "mon-fri", "from": "22:00", "to": "06:00"}]}
 * Returns 0, or -1 with err naming the JSON path.
 */
int expr_calendars_parse(const cJSON *obj, const char *path, struct expr_calendars *out,
                         struct cfg_err *err);

/* 1 when local minute `local_min` (minutes since 1970-01-01T00:00 local) is inside. */
int expr_calendar_contains(const struct expr_calendar *cal, int64_t local_min);

/* Local time as minutes since 1970-01-01T00:00 of the local calendar. */
int64_t expr_local_minute(const struct tm *local);

/* ---- compiling ---- */

/* Point index for device.point, or -1 when there is no such point. */
typedef long (*expr_resolve_fn)(void *ctx, const char *device, const char *point);

/* What names an expression may use. calendars may be NULL (none defined). */
struct expr_scope {
    expr_resolve_fn resolve;
    void *ctx;
    const struct expr_calendars *calendars;
};

struct expr;

/* Compile text into a program that owns its copy of every calendar it names.
 * Returns NULL with err filled ("1:17: unknown point \"cast.flwo\""). */
struct expr *expr_compile(const char *text, const struct expr_scope *scope, struct expr_err *err);
void expr_free(struct expr *e);

/* The distinct points the expression reads (values, qualities, windows), ascending. */
size_t expr_points(const struct expr *e, const uint32_t **points);

/* 1 when the answer can change with time alone (held, a window, a calendar): such an
 * expression must also be evaluated on the core's timer, not only on samples. */
int expr_uses_time(const struct expr *e);

/* Raise specs[p].window_ms to the longest window this expression reads point p over.
 * specs has one entry per point; see history_create. */
void expr_windows(const struct expr *e, struct history_spec *specs);

/* Forget held() timers (the expression starts afresh, as after a reload). */
void expr_reset(struct expr *e);

/* ---- evaluating ---- */

/* Local broken-down time of wall_ms; 0, or -1 when local time is not known (then every
 * calendar() is unknown). */
typedef int (*expr_local_fn)(void *ctx, int64_t wall_ms, struct tm *out);

/* The default: localtime_r, refusing (-1) while the wall clock is not trusted
 * (clock_wall_trusted(): a board without an RTC boots in 1970). */
int expr_local_time_system(void *ctx, int64_t wall_ms, struct tm *out);

/* What an evaluation reads. Fill with expr_env_init, then set the two times before each
 * call. latest[i] is point i's latest reading; a point never read yet must hold a fault
 * quality (expr_latest_init), never a zero that looks like a reading. */
struct expr_env {
    const struct reading *latest;
    size_t npoints;
    const struct history *history;  /* NULL: every window is unknown */
    int64_t mono_ms;                /* windows and held() */
    int64_t wall_ms;                /* calendar() */
    expr_local_fn local_time;
    void *local_ctx;
    int64_t cal_wall_min;           /* cache: local time changes once a minute; set to
                                       INT64_MIN to drop it (the time zone changed) */
    int64_t cal_local_min;
    int cal_known;
};

/* local_time NULL: expr_local_time_system. */
void expr_env_init(struct expr_env *env, const struct reading *latest, size_t npoints,
                   const struct history *history, expr_local_fn local_time, void *local_ctx);

/* Mark n points as not read yet (QUALITY_COMM_FAIL), point ids set. */
void expr_latest_init(struct reading *latest, size_t n);

/* Evaluate; updates the held() timers. No allocation; local time is asked of
 * env->local_time at most once per wall-clock minute (cached in env). */
enum expr_truth expr_eval(struct expr *e, struct expr_env *env);

#endif
