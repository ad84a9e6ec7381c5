/*
 * check.h - the unit tests' only framework: a few assertion macros and a summary.
 *
 * Each test binary calls CHECK*() freely and ends with `return check_summary();`,
 * which prints "N passed, M failed" and fails the binary if any check failed.
 * A failing check prints file:line and the two values, and the test goes on.
 */
#ifndef RISKGW_CHECK_H
#define RISKGW_CHECK_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int check_passed, check_failed;

#define CHECK(cond) do { \
    if (cond) check_passed++; \
    else { check_failed++; fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); } \
} while (0)

#define CHECK_INT(a, b) do { \
    long long va_ = (long long)(a), vb_ = (long long)(b); \
    if (va_ == vb_) check_passed++; \
    else { check_failed++; fprintf(stderr, "%s:%d: %s == %lld, expected %s == %lld\n", \
                                   __FILE__, __LINE__, #a, va_, #b, vb_); } \
} while (0)

#define CHECK_NEAR(a, b, tol) do { \
    double va_ = (double)(a), vb_ = (double)(b); \
    if (fabs(va_ - vb_) <= (tol)) check_passed++; \
    else { check_failed++; fprintf(stderr, "%s:%d: %s == %.9g, expected %.9g (+-%g)\n", \
                                   __FILE__, __LINE__, #a, va_, vb_, (double)(tol)); } \
} while (0)

#define CHECK_STR(a, b) do { \
    const char *va_ = (a), *vb_ = (b); \
    if (va_ && vb_ && strcmp(va_, vb_) == 0) check_passed++; \
    else { check_failed++; fprintf(stderr, "%s:%d: %s == \"%s\", expected \"%s\"\n", \
                                   __FILE__, __LINE__, #a, va_ ? va_ : "(null)", vb_ ? vb_ : "(null)"); } \
} while (0)

/* Substring match, for error messages. */
#define CHECK_CONTAINS(hay, needle) do { \
    const char *vh_ = (hay), *vn_ = (needle); \
    if (vh_ && strstr(vh_, vn_)) check_passed++; \
    else { check_failed++; fprintf(stderr, "%s:%d: \"%s\" does not contain \"%s\"\n", \
                                   __FILE__, __LINE__, vh_ ? vh_ : "(null)", vn_); } \
} while (0)

static inline int check_summary(void)
{
    printf("%d passed, %d failed\n", check_passed, check_failed);
    return check_failed ? 1 : 0;
}

#endif
