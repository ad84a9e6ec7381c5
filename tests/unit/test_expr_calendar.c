/*
 * test_expr_calendar.c - named periods of local time: spans of dates, daily ranges over
 * midnight, weekday sets, calendar() with an injected clock and time zone, and the
 * config errors a technician would make.
 */
#include "check.h"
#include "expr_fixture.h"

static const char *const site =
    "{\"shutdown\": [{\"from\": \"2026-12-01T00:00\", \"to\": \"2026-12-15T00:00\"}],"
    " \"night\":    [{\"days\": \"mon-fri\", \"from\": \"22:00\", \"to\": \"06:00\"}],"
    " \"weekend\":  [{\"days\": \"sat,sun\", \"from\": \"00:00\", \"to\": \"24:00\"}],"
    " \"lunch\":    [{\"from\": \"12:00\", \"to\": \"13:30\"}],"
    " \"edges\":    [{\"days\": \"fri-mon\", \"from\": \"08:00\", \"to\": \"09:00\"},"
    "               {\"days\": \"WED\", \"from\": \"23:00\", \"to\": \"00:00\"}]}";

static int64_t local(int y, int mo, int d, int h, int mi)
{
    struct tm t = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi };
    return expr_local_minute(&t);
}

static const struct expr_calendar *find(const struct expr_calendars *c, const char *name)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->cal[i].name, name) == 0)
            return &c->cal[i];
    return NULL;
}

static int in(const struct expr_calendars *c, const char *name, int64_t local_min)
{
    const struct expr_calendar *cal = find(c, name);
    return cal ? expr_calendar_contains(cal, local_min) : -1;
}

static int parse(const char *json, struct expr_calendars *out, struct cfg_err *err)
{
    cJSON *obj = cJSON_Parse(json);
    int rc = expr_calendars_parse(obj, "calendars", out, err);
    cJSON_Delete(obj);
    return rc;
}

static void test_periods(const struct expr_calendars *c)
{
    /* a span of dates: start inclusive, end exclusive (2026-11-30 is a Monday) */
    CHECK_INT(in(c, "shutdown", local(2026, 11, 30, 23, 59)), 0);
    CHECK_INT(in(c, "shutdown", local(2026, 12, 1, 0, 0)), 1);
    CHECK_INT(in(c, "shutdown", local(2026, 12, 14, 23, 59)), 1);
    CHECK_INT(in(c, "shutdown", local(2026, 12, 15, 0, 0)), 0);
    /* overnight range, weekdays name the night it starts */
    CHECK_INT(in(c, "night", local(2026, 11, 30, 21, 59)), 0);     /* Mon */
    CHECK_INT(in(c, "night", local(2026, 11, 30, 22, 0)), 1);
    CHECK_INT(in(c, "night", local(2026, 12, 1, 5, 59)), 1);       /* Tue morning: Mon's */
    CHECK_INT(in(c, "night", local(2026, 12, 1, 6, 0)), 0);
    CHECK_INT(in(c, "night", local(2026, 12, 4, 23, 0)), 1);       /* Fri night */
    CHECK_INT(in(c, "night", local(2026, 12, 5, 3, 0)), 1);        /* ... into Saturday */
    CHECK_INT(in(c, "night", local(2026, 12, 5, 22, 30)), 0);      /* Sat night: not listed */
    CHECK_INT(in(c, "night", local(2026, 12, 7, 2, 0)), 0);        /* Mon early: Sunday's */
    CHECK_INT(in(c, "night", local(2026, 12, 7, 22, 0)), 1);
    /* a whole-day range on a weekday set */
    CHECK_INT(in(c, "weekend", local(2026, 12, 4, 23, 59)), 0);
    CHECK_INT(in(c, "weekend", local(2026, 12, 5, 0, 0)), 1);
    CHECK_INT(in(c, "weekend", local(2026, 12, 6, 23, 59)), 1);
    CHECK_INT(in(c, "weekend", local(2026, 12, 7, 0, 0)), 0);
    /* no days: every day */
    CHECK_INT(in(c, "lunch", local(2026, 12, 2, 11, 59)), 0);
    CHECK_INT(in(c, "lunch", local(2026, 12, 6, 12, 0)), 1);
    CHECK_INT(in(c, "lunch", local(2027, 3, 3, 13, 29)), 1);
    CHECK_INT(in(c, "lunch", local(2027, 3, 3, 13, 30)), 0);
    /* a wrapping weekday set (fri-mon), and a range ending at midnight ("to": "00:00") */
    CHECK_INT(in(c, "edges", local(2026, 12, 5, 8, 30)), 1);       /* Sat */
    CHECK_INT(in(c, "edges", local(2026, 12, 6, 8, 30)), 1);       /* Sun */
    CHECK_INT(in(c, "edges", local(2026, 11, 30, 8, 30)), 1);      /* Mon */
    CHECK_INT(in(c, "edges", local(2026, 12, 1, 8, 30)), 0);       /* Tue */
    CHECK_INT(in(c, "edges", local(2026, 12, 3, 8, 30)), 0);       /* Thu */
    CHECK_INT(in(c, "edges", local(2026, 12, 2, 23, 30)), 1);      /* Wed late */
    CHECK_INT(in(c, "edges", local(2026, 12, 3, 0, 0)), 0);
    /* before 1970 the weekday is still right: 1969-12-29 was a Monday */
    CHECK_INT(in(c, "night", local(1969, 12, 29, 23, 0)), 1);
    CHECK_INT(in(c, "night", local(1969, 12, 28, 23, 0)), 0);
}

/* Wall ms of a local time in the fixture's zone (UTC+8). */
static int64_t wall(int y, int mo, int d, int h, int mi, int s)
{
    struct tm t = { .tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_sec = s };
    return ((int64_t)timegm(&t) - (int64_t)FX_UTC_OFFSET_MIN * 60) * 1000;
}

static void test_calendar_function(struct fx *f)
{
    struct expr *e = fx_compile(f, "calendar(\"night\") and not calendar(\"weekend\")");
    if (!e)
        return;
    f->env.wall_ms = wall(2026, 11, 30, 21, 59, 59) + 999;
    CHECK_INT(expr_eval(e, &f->env), EXPR_FALSE);
    f->env.wall_ms += 1;                                    /* 22:00:00.000 local */
    CHECK_INT(expr_eval(e, &f->env), EXPR_TRUE);
    f->env.wall_ms = wall(2026, 12, 5, 3, 0, 0);            /* Saturday: the weekend wins */
    CHECK_INT(expr_eval(e, &f->env), EXPR_FALSE);
    /* the time zone is the injected one: the same instant in UTC is 19:00 Friday */
    f->offset_min = 0;
    f->env.cal_wall_min = INT64_MIN;                        /* zone changed: drop the cache */
    CHECK_INT(expr_eval(e, &f->env), EXPR_FALSE);
    f->env.wall_ms += 3LL * 3600 * 1000;                      /* 22:00 Friday UTC */
    CHECK_INT(expr_eval(e, &f->env), EXPR_TRUE);
    /* local time unknown (clock not trusted): calendar() is unknown, so is the rule */
    f->offset_min = INT32_MIN;
    f->env.wall_ms += 60LL * 1000;
    CHECK_INT(expr_eval(e, &f->env), EXPR_UNKNOWN);
    CHECK_INT(fx_eval(f, "calendar(\"lunch\") or true"), EXPR_TRUE);
    expr_free(e);
    f->offset_min = FX_UTC_OFFSET_MIN;
    f->env.cal_wall_min = INT64_MIN;
    /* the compiled program keeps its own copy of the calendar */
    e = fx_compile(f, "calendar(\"lunch\")");
    memset(&f->cals, 0, sizeof f->cals);
    f->env.wall_ms = wall(2026, 12, 9, 12, 30, 0);
    CHECK_INT(expr_eval(e, &f->env), EXPR_TRUE);
    expr_free(e);
}

struct bad {
    const char *json;
    const char *says;
};

static const struct bad bads[] = {
    {"[]", "calendars: expected an object of named calendars"},
    {"{\"x\": {}}", "calendars.x: expected a list of 1 to 32 periods"},
    {"{\"x\": []}", "calendars.x: expected a list of 1 to 32 periods"},
    {"{\"bad name\": [{\"from\": \"01:00\", \"to\": \"02:00\"}]}", "letters, digits"},
    {"{\"x\": [3]}", "calendars.x[0]: expected a period like"},
    {"{\"x\": [{\"form\": \"01:00\", \"to\": \"02:00\"}]}", "calendars.x[0].form: unknown key"},
    {"{\"x\": [{\"to\": \"02:00\"}]}", "calendars.x[0].from: is required"},
    {"{\"x\": [{\"from\": \"2026-13-01T00:00\", \"to\": \"2027-01-01T00:00\"}]}",
     "calendars.x[0].from: expected a local date and time"},
    {"{\"x\": [{\"from\": \"2026-02-29T00:00\", \"to\": \"2026-03-01T00:00\"}]}",
     "calendars.x[0].from: expected a local date and time"},
    {"{\"x\": [{\"from\": \"2026-12-15T00:00\", \"to\": \"2026-12-01T00:00\"}]}",
     "calendars.x[0].to: is not after \"from\""},
    {"{\"x\": [{\"from\": \"2026-12-01T00:00\", \"to\": \"06:00\"}]}",
     "calendars.x[0].to: \"from\" is a date and time, so \"to\" must be one too"},
    {"{\"x\": [{\"from\": \"2026-12-01T00:00\", \"to\": \"2026-12-02T00:00\", \"days\": \"mon\"}]}",
     "calendars.x[0].days: applies to daily ranges"},
    {"{\"x\": [{\"from\": \"25:00\", \"to\": \"06:00\"}]}", "calendars.x[0].from: expected a local time"},
    {"{\"x\": [{\"from\": \"7:00\", \"to\": \"08:00\"}]}", "calendars.x[0].from: expected a local time"},
    {"{\"x\": [{\"from\": \"24:00\", \"to\": \"08:00\"}]}", "calendars.x[0].from: expected a local time"},
    {"{\"x\": [{\"from\": \"07:00\", \"to\": \"2026-12-01T00:00\"}]}",
     "calendars.x[0].to: \"from\" is a time of day"},
    {"{\"x\": [{\"from\": \"07:00\", \"to\": \"07:00\"}]}", "calendars.x[0].to: equals \"from\""},
    {"{\"x\": [{\"days\": \"mon-fry\", \"from\": \"07:00\", \"to\": \"08:00\"}]}",
     "calendars.x[0].days: expected weekdays like \"mon-fri\""},
    {"{\"x\": [{\"days\": \"\", \"from\": \"07:00\", \"to\": \"08:00\"}]}",
     "calendars.x[0].days: expected weekdays"},
    {"{\"x\": [{\"days\": 5, \"from\": \"07:00\", \"to\": \"08:00\"}]}",
     "calendars.x[0].days: expected a string"},
    {"{\"x\": [{\"from\": \"07:00\", \"to\": \"08:00\"}], \"x\": [{\"from\": \"09:00\", "
     "\"to\": \"10:00\"}]}", "calendars.x: is defined twice"},
};

static void test_errors(void)
{
    struct expr_calendars c;
    struct cfg_err err;
    for (size_t i = 0; i < sizeof bads / sizeof bads[0]; i++) {
        err.msg[0] = '\0';
        CHECK_INT(parse(bads[i].json, &c, &err), -1);
        CHECK_CONTAINS(err.msg, bads[i].says);
        CHECK_INT(c.n, 0);                          /* nothing half-read escapes */
    }
    char many[2048] = "{";
    for (int i = 0; i <= EXPR_CAL_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s\"c%d\": [{\"from\": "
                 "\"01:00\", \"to\": \"02:00\"}]", i ? ", " : "", i);
    strcat(many, "}");
    CHECK_INT(parse(many, &c, &err), -1);
    CHECK_CONTAINS(err.msg, "17 calendars, at most 16");
    CHECK_INT(expr_calendars_parse(NULL, "calendars", &c, &err), 0);   /* none is fine */
    CHECK_INT(c.n, 0);
    CHECK_INT(parse("{\"x\": [{\"from\": \"2028-02-29T00:00\", \"to\": \"2028-03-01T00:00\"}]}",
                    &c, &err), 0);                  /* a leap day that exists */
}

int main(void)
{
    struct fx f;
    struct cfg_err err;
    fx_init(&f, 0);
    if (parse(site, &f.cals, &err) < 0)
        fprintf(stderr, "site calendars: %s\n", err.msg);
    CHECK_INT(f.cals.n, 5);
    test_periods(&f.cals);
    test_calendar_function(&f);
    fx_done(&f);
    test_errors();
    return check_summary();
}
