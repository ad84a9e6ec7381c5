/*
 * test_console_auth.c - the console's passwords, sessions, CSRF tokens and lock-out
 * (gateway/console/console_auth.h), with libcrypto itself and a mock clock.
 *
 * The known hash below was made by Python's hashlib.pbkdf2_hmac, so the console
 * is checked against an independent PBKDF2-HMAC-SHA256, not against itself.
 */
#include <string.h>

#include "check.h"
#include "console_auth.h"

#define KNOWN_HASH "pbkdf2-sha256$100000$000102030405060708090a0b0c0d0e0f$" \
                   "57f2c2f0739748d516419b062a884666323c583ea4ae165504a81f7b53c62a09"

static void test_known_hash(void)
{
    char why[256];
    CHECK_INT(console_password_verify("correct horse", KNOWN_HASH, why, sizeof why), 1);
    CHECK_INT(console_password_verify("correct horsE", KNOWN_HASH, why, sizeof why), 0);
    CHECK_INT(console_password_verify("", KNOWN_HASH, why, sizeof why), 0);
    /* one bit of the key changed: no longer a match */
    char bad[] = KNOWN_HASH;
    bad[strlen(bad) - 1] = '8';
    CHECK_INT(console_password_verify("correct horse", bad, why, sizeof why), 0);
}

static void test_hash_round_trip(void)
{
    char h1[CONSOLE_HASH_MAX], h2[CONSOLE_HASH_MAX], why[256];
    struct console_hash parsed;
    CHECK_INT(console_password_hash("s3cret-pass", CONSOLE_ITERATIONS_MIN, h1, sizeof h1, why, sizeof why), 0);
    CHECK_INT(console_password_hash("s3cret-pass", CONSOLE_ITERATIONS_MIN, h2, sizeof h2, why, sizeof why), 0);
    CHECK(strncmp(h1, "pbkdf2-sha256$100000$", 21) == 0);
    CHECK(strcmp(h1, h2) != 0);                       /* a fresh salt each time */
    CHECK_INT(console_hash_parse(h1, &parsed, why, sizeof why), 0);
    CHECK_INT(parsed.iterations, CONSOLE_ITERATIONS_MIN);
    CHECK_INT(console_password_verify("s3cret-pass", h1, why, sizeof why), 1);
    CHECK_INT(console_password_verify("s3cret-pass", h2, why, sizeof why), 1);
    CHECK_INT(console_password_verify("s3cret-pasS", h1, why, sizeof why), 0);
}

static void test_bad_hashes(void)
{
    struct console_hash h;
    char why[256];
    CHECK_INT(console_hash_parse("md5$1$aa$bb", &h, why, sizeof why), -1);
    CHECK(strstr(why, "riskgw passwd") != NULL);
    CHECK_INT(console_hash_parse("pbkdf2-sha256$1000$000102030405060708090a0b0c0d0e0f$57f2", &h, why, sizeof why), -1);
    CHECK(strstr(why, "iteration") != NULL);          /* too few rounds */
    CHECK_INT(console_hash_parse("pbkdf2-sha256$100000$0001$57f2", &h, why, sizeof why), -1);
    CHECK(strstr(why, "damaged") != NULL);
    CHECK_INT(console_hash_parse(KNOWN_HASH "00", &h, why, sizeof why), -1);
    CHECK_INT(console_password_verify("x", "plain-text-password", why, sizeof why), -1);
    CHECK_INT(console_name_ok("wang"), 1);
    CHECK_INT(console_name_ok("li.si-2_b"), 1);
    CHECK_INT(console_name_ok(""), 0);
    CHECK_INT(console_name_ok("wang\"}"), 0);
    CHECK_INT(console_name_ok("a b"), 0);
    CHECK_INT(console_name_ok("0123456789012345678901234567890123"), 0);
}

static struct console_cfg cfg_of(long after, long lockout_s, long idle_s)
{
    struct console_cfg cc;
    memset(&cc, 0, sizeof cc);
    cc.lockout_after = after;
    cc.lockout_s = lockout_s;
    cc.session_idle_s = idle_s;
    return cc;
}

static void test_sessions(void)
{
    static struct console_sessions ss;
    struct console_cfg cc = cfg_of(3, 60, 100);
    char why[256], token[CONSOLE_TOKEN_HEX + 1], csrf[CONSOLE_TOKEN_HEX + 1];
    console_sessions_init(&ss, &cc);
    const struct console_session *s = console_session_open(&ss, "wang", 1000, why, sizeof why);
    CHECK(s != NULL);
    if (!s)
        return;
    CHECK_INT(strlen(s->token), CONSOLE_TOKEN_HEX);
    CHECK(strcmp(s->token, s->csrf) != 0);
    snprintf(token, sizeof token, "%s", s->token);
    snprintf(csrf, sizeof csrf, "%s", s->csrf);
    CHECK(console_session_find(&ss, token, 50000) == s);  /* used at 50 s: idle again from there */
    CHECK(console_session_find(&ss, token, 149000) == s); /* 99 s later: still live */
    CHECK_INT(console_session_csrf_ok(s, csrf), 1);
    CHECK_INT(console_session_csrf_ok(s, token), 0);      /* the cookie is not the CSRF token */
    CHECK_INT(console_session_csrf_ok(s, NULL), 0);
    CHECK_INT(console_session_csrf_ok(s, ""), 0);
    CHECK_INT(console_session_csrf_ok(NULL, csrf), 0);
    csrf[0] = csrf[0] == 'a' ? 'b' : 'a';
    CHECK_INT(console_session_csrf_ok(s, csrf), 0);
    CHECK(console_session_find(&ss, "nonsense", 149000) == NULL);
    CHECK(console_session_find(&ss, NULL, 149000) == NULL);
    CHECK(console_session_find(&ss, token, 249001) == NULL);   /* idle 100 s: gone */
    CHECK(console_session_find(&ss, token, 149000) == NULL);   /* and gone for good */

    s = console_session_open(&ss, "wang", 1000, why, sizeof why);
    snprintf(token, sizeof token, "%s", s->token);
    console_session_close(&ss, token);
    CHECK(console_session_find(&ss, token, 1001) == NULL);

    /* every slot taken: a new session replaces the one idle longest */
    const struct console_session *first = NULL;
    for (int i = 0; i < CONSOLE_SESSIONS_MAX; i++) {
        s = console_session_open(&ss, "op", 2000 + i, why, sizeof why);
        if (i == 0) {
            first = s;
            snprintf(token, sizeof token, "%s", s->token);
        }
    }
    s = console_session_open(&ss, "late", 5000, why, sizeof why);
    CHECK(s == first);
    CHECK(console_session_find(&ss, token, 5001) == NULL);
    CHECK_STR(s->name, "late");
}

static void test_lockout(void)
{
    static struct console_sessions ss;
    struct console_cfg cc = cfg_of(3, 60, 100);
    console_sessions_init(&ss, &cc);
    CHECK_INT(console_signin_locked(&ss, "li", 0), 0);
    CHECK_INT(console_signin_failed(&ss, "li", 1000), 0);
    CHECK_INT(console_signin_failed(&ss, "li", 2000), 0);
    CHECK_INT(console_signin_locked(&ss, "li", 2000), 0);
    CHECK_INT(console_signin_failed(&ss, "li", 3000), 1);   /* the third: locked */
    CHECK_INT(console_signin_locked(&ss, "li", 3000), 60000);
    CHECK_INT(console_signin_locked(&ss, "li", 62999), 1);
    CHECK_INT(console_signin_locked(&ss, "wang", 3000), 0);  /* another name is not */
    CHECK_INT(console_signin_locked(&ss, "li", 63000), 0);  /* the time is served */
    CHECK_INT(console_signin_failed(&ss, "li", 64000), 0);   /* and the count starts again */

    /* a success forgets the failures */
    CHECK_INT(console_signin_failed(&ss, "wang", 1000), 0);
    CHECK_INT(console_signin_failed(&ss, "wang", 1000), 0);
    console_signin_ok(&ss, "wang");
    CHECK_INT(console_signin_failed(&ss, "wang", 1000), 0);
    CHECK_INT(console_signin_failed(&ss, "wang", 1000), 0);
    CHECK_INT(console_signin_failed(&ss, "wang", 1000), 1);

    /* a flood of made-up names does not free a name that is locked out */
    char name[CONSOLE_NAME_MAX];
    for (int i = 0; i < 10 * CONSOLE_FAILURES_MAX; i++) {
        snprintf(name, sizeof name, "flood%d", i);
        console_signin_failed(&ss, name, 2000 + i);
    }
    CHECK(console_signin_locked(&ss, "wang", 5000) > 0);
}

int main(void)
{
    test_known_hash();
    test_hash_round_trip();
    test_bad_hashes();
    test_sessions();
    test_lockout();
    CHECK_INT(console_equal_const("abc", "abc"), 1);
    CHECK_INT(console_equal_const("abc", "abd"), 0);
    CHECK_INT(console_equal_const("abc", "ab"), 0);
    CHECK_INT(console_equal_const("ab", "abc"), 0);
    return check_summary();
}
