/*
 * test_expr_fuzz.c - 20,000 random and mutated expressions: each compiles or is refused
 * with a line:col sentence, and whatever compiles evaluates to true, false or unknown.
 *
 * Three sources, from a fixed seed so a failure can be replayed:
 *   - a grammar generator of well-formed conditions, every one of which must compile;
 *   - mutations of the site examples (flipped, inserted, deleted, repeated bytes);
 *   - soup: random sequences of tokens and token fragments.
 * Build with -DRISKGW_SANITIZE=ON to have ASan and UBSan watch every case.
 */
#include "check.h"
#include "expr_fixture.h"

#define FUZZ_CASES 20000
#define FUZZ_SEED 0x5eed2026u
#define GEN_DEPTH 5
#define EVALS_PER_CASE 3

static uint64_t rng = FUZZ_SEED;

static uint32_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static uint32_t pick(uint32_t n)
{
    return next() % n;
}

#define PICK(arr) ((arr)[pick(sizeof(arr) / sizeof((arr)[0]))])

static const char *const points[] = {"cast.casting", "cast.length_mm", "cast.cool_p",
                                     "dust.fan_run", "`tank-a.lel`", "a.x", "a.y", "a.z",
                                     "meter.kw_total"};
static const char *const windows[] = {"1ms", "500ms", "2s", "10s", "1min", "1.5h"};

struct buf {
    char s[EXPR_TEXT_MAX + 64];
    size_t n;
};

static void put(struct buf *b, const char *s)
{
    size_t n = strlen(s);
    if (b->n + n < sizeof b->s - 1) {
        memcpy(b->s + b->n, s, n + 1);
        b->n += n;
    }
}

static void gen_bool(struct buf *b, int depth);

static void gen_num(struct buf *b, int depth)
{
    static const char *const ops[] = {" + ", " - ", " * ", " / "};
    static const char *const fns[] = {"rate(", "avg(", "min(", "max("};
    char num[32];
    switch (depth <= 0 ? pick(2) : pick(6)) {
    case 0: snprintf(num, sizeof num, "%g", (double)pick(2000) / 8.0 - 100); put(b, num); break;
    case 1: put(b, PICK(points)); break;
    case 2: put(b, PICK(fns)); put(b, PICK(points)); put(b, ", "); put(b, PICK(windows));
            put(b, ")"); break;
    case 3: put(b, "("); gen_num(b, depth - 1); put(b, PICK(ops)); gen_num(b, depth - 1);
            put(b, ")"); break;
    case 4: put(b, "-"); gen_num(b, depth - 1); break;
    default: put(b, "abs("); gen_num(b, depth - 1); put(b, ")"); break;
    }
}

static void gen_bool(struct buf *b, int depth)
{
    static const char *const cmps[] = {" < ", " <= ", " > ", " >= ", " == ", " != "};
    static const char *const quals[] = {"\"good\"", "\"uncertain\"", "\"out_of_range\"",
                                        "\"sensor_fault\"", "\"comm_fail\""};
    switch (depth <= 0 ? pick(3) : pick(9)) {
    case 0: gen_num(b, depth - 1); put(b, PICK(cmps)); gen_num(b, depth - 1); break;
    case 1: put(b, pick(2) ? "true" : "false"); break;
    case 2: put(b, pick(2) ? "ok(" : "fault("); put(b, PICK(points)); put(b, ")"); break;
    case 3: gen_bool(b, depth - 1); put(b, " and "); gen_bool(b, depth - 1); break;
    case 4: gen_bool(b, depth - 1); put(b, " or "); gen_bool(b, depth - 1); break;
    case 5: put(b, "not "); gen_bool(b, depth - 1); break;
    case 6: put(b, "("); gen_bool(b, depth - 1); put(b, ")"); break;
    case 7: put(b, "held("); gen_bool(b, depth - 1); put(b, ", "); put(b, PICK(windows));
            put(b, ")"); break;
    default: put(b, "quality("); put(b, PICK(points)); put(b, pick(2) ? ") == " : ") != ");
             put(b, PICK(quals)); break;
    }
}

static const char *const seeds[] = {
    "cast.casting == 1 and cast.length_mm > 400 and (cast.cool_p < 0.15 or " /* NOLINT */
    "rate(cast.cool_p, 10s) < -0.02)",          /* one seed split over two lines */
    "dust.fan_run == 1 and dust.valve_fault == 1",
    "calendar(\"shutdown\") and meter.kw_total > 50",
    "held(`tank-a.lel` >= 25, 30s) or quality(a.x) != \"good\"",
    "not (avg(a.y, 1min) - min(a.y, 1min) > 3 * abs(max(a.z, 5s)))",
};

static void gen_mutant(struct buf *b)
{
    put(b, PICK(seeds));
    int edits = 1 + (int)pick(6);
    for (int i = 0; i < edits && b->n > 0; i++) {
        size_t at = pick((uint32_t)b->n);
        switch (pick(5)) {
        case 0: b->s[at] = (char)(1 + pick(255)); break;                  /* flip */
        case 1: memmove(b->s + at, b->s + at + 1, b->n - at); b->n--; break;  /* delete */
        case 2: b->n = at; b->s[at] = '\0'; break;                         /* truncate */
        case 3: if (b->n + 1 < sizeof b->s - 1) {                          /* insert */
                    memmove(b->s + at + 1, b->s + at, b->n - at + 1);
                    b->s[at] = "()`\".,-+*/<>=!&|# \n\t0e9_xé"[pick(27)];
                    b->n++;
                } break;
        default: {                                                       /* repeat */
            char tail[EXPR_TEXT_MAX + 64];
            snprintf(tail, sizeof tail, "%s", b->s + at);
            put(b, tail);
        }
        }
    }
}

static void gen_soup(struct buf *b)
{
    static const char *const frags[] = {
        "a.x", "`tank-a.lel`", "`", "\"", "\"good\"", "(", ")", ",", "and", "or", "not",
        "true", "false", "+", "-", "*", "/", "<", "<=", "==", "!=", ">", "rate(", "held(",
        "calendar(", "quality(", "ok(", "abs(", "10s", "5min", "1e308", "1e999", "0.15",
        ".", "..", "a.", ".x", "ü", "\xff", "\t", "\n", "  ", "x", "kg", "1h", "-0",
        "calendar(\"shutdown\")", "min(a.y, 2s)"};
    int n = 1 + (int)pick(30);
    for (int i = 0; i < n; i++) {
        put(b, PICK(frags));
        if (pick(2))
            put(b, " ");
    }
}

/* Random readings, some in fault, and history behind them. */
static void shake(struct fx *f, int64_t t)
{
    static const enum quality qs[] = {QUALITY_GOOD, QUALITY_GOOD, QUALITY_GOOD,
                                      QUALITY_UNCERTAIN, QUALITY_SENSOR_FAULT, QUALITY_COMM_FAIL};
    for (int p = 0; p < P_COUNT; p++)
        fx_sample(f, p, (double)pick(1000) / 10.0 - 20, PICK(qs), t);
    f->env.wall_ms = t * 997;
}

static int well_formed_error(const struct expr_err *err)
{
    char head[32];
    snprintf(head, sizeof head, "%d:%d: ", err->line, err->col);
    return err->line >= 1 && err->col >= 1 && strncmp(err->msg, head, strlen(head)) == 0 &&
           strlen(err->msg) > strlen(head);
}

int main(void)
{
    struct fx f;
    struct cfg_err cerr;
    fx_init(&f, 120000);                        /* two-minute rings */
    cJSON *cals = cJSON_Parse("{\"shutdown\": [{\"days\": \"mon-fri\", \"from\": \"22:00\","
                              " \"to\": \"06:00\"}]}");
    CHECK_INT(expr_calendars_parse(cals, "calendars", &f.cals, &cerr), 0);
    cJSON_Delete(cals);
    int compiled = 0, refused = 0, bad_errors = 0, bad_answers = 0, grammar_refused = 0;
    int64_t t = 0;
    for (int i = 0; i < FUZZ_CASES; i++) {
        struct buf b = { "", 0 };
        int kind = i % 3;
        if (kind == 0)
            gen_bool(&b, GEN_DEPTH);
        else if (kind == 1)
            gen_mutant(&b);
        else
            gen_soup(&b);
        struct expr_err err = {0};
        struct expr *e = expr_compile(b.s, &f.scope, &err);
        if (!e) {
            refused++;
            grammar_refused += kind == 0;
            if (kind == 0)
                fprintf(stderr, "generated but refused: %s\n  %s\n", b.s, err.msg);
            if (!well_formed_error(&err) && bad_errors++ < 5)
                fprintf(stderr, "malformed error for [%s]: %s\n", b.s, err.msg);
            continue;
        }
        compiled++;
        for (int k = 0; k < EVALS_PER_CASE; k++) {
            t += 1 + pick(3000);
            shake(&f, t);
            enum expr_truth r = expr_eval(e, &f.env);
            bad_answers += r != EXPR_TRUE && r != EXPR_FALSE && r != EXPR_UNKNOWN;
        }
        const uint32_t *pts;
        size_t np = expr_points(e, &pts);
        for (size_t k = 0; k < np; k++)
            bad_answers += pts[k] >= P_COUNT || (k > 0 && pts[k] <= pts[k - 1]);
        expr_free(e);
    }
    printf("fuzz: %d compiled, %d refused\n", compiled, refused);
    CHECK_INT(compiled + refused, FUZZ_CASES);
    CHECK_INT(grammar_refused, 0);
    CHECK_INT(bad_errors, 0);
    CHECK_INT(bad_answers, 0);
    CHECK(compiled > FUZZ_CASES / 4);           /* both paths really exercised */
    CHECK(refused > FUZZ_CASES / 4);
    fx_done(&f);
    return check_summary();
}
