/*
 * console_passwd.c - `riskgw passwd NAME`: an operator's line for the console section.
 *
 * Reads the password from the terminal (twice, without echo) or from one line of
 * standard input (scripts, tests), and prints the operator object to paste into
 * "console": {"operators": [...]}. The password itself is never printed, logged
 * or kept; only its salted PBKDF2-HMAC-SHA256 hash leaves this tool.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "console_auth.h"
#include "tool.h"

#define PASSWORD_MIN 8

static void usage(FILE *out)
{
    fprintf(out, "usage: riskgw passwd NAME [--iterations N]\n"
                 "Reads a password for the console operator NAME (from the terminal twice, or one line\n"
                 "of standard input) and prints the line for \"console\": {\"operators\": [...]}.\n"
                 "  --iterations N   PBKDF2 rounds (default %ld, at least %ld)\n",
            CONSOLE_ITERATIONS_DEFAULT, CONSOLE_ITERATIONS_MIN);
}

/* One line from stdin without its newline; echo off on a terminal. 0, or -1. */
static int read_secret(const char *prompt, char *out, size_t cap)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fputs(prompt, stderr);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    int ok = fgets(out, (int)cap, stdin) != NULL;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    out[strcspn(out, "\r\n")] = '\0';
    return ok ? 0 : -1;
}

static int read_password(char *pw, size_t cap)
{
    char again[CONSOLE_PASSWORD_MAX];
    if (read_secret("password: ", pw, cap) < 0) {
        fprintf(stderr, "riskgw passwd: no password given on standard input\n");
        return -1;
    }
    if (isatty(STDIN_FILENO)) {
        int same = read_secret("again: ", again, sizeof again) == 0 && strcmp(pw, again) == 0;
        memset(again, 0, sizeof again);
        if (!same) {
            fprintf(stderr, "riskgw passwd: the two passwords differ\n");
            return -1;
        }
    }
    if (strlen(pw) < PASSWORD_MIN) {
        fprintf(stderr, "riskgw passwd: a password has at least %d characters\n", PASSWORD_MIN);
        return -1;
    }
    return 0;
}

int console_passwd_main(int argc, char **argv, const struct tool_env *env)
{
    (void)env;
    long iterations = CONSOLE_ITERATIONS_DEFAULT;
    const char *name = NULL;
    char pw[CONSOLE_PASSWORD_MAX], hash[CONSOLE_HASH_MAX], why[256];
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            usage(stdout);
            return TOOL_OK;
        } else if (strcmp(argv[i], "--iterations") == 0 && i + 1 < argc) {
            char *end;
            iterations = strtol(argv[++i], &end, 10);
            if (*end || iterations < CONSOLE_ITERATIONS_MIN) {
                fprintf(stderr, "riskgw passwd: --iterations must be a number of at least %ld\n",
                        CONSOLE_ITERATIONS_MIN);
                return TOOL_USAGE;
            }
        } else if (!name && argv[i][0] != '-') {
            name = argv[i];
        } else {
            usage(stderr);
            return TOOL_USAGE;
        }
    }
    if (!name || !console_name_ok(name)) {
        fprintf(stderr, "riskgw passwd: NAME is letters, digits, '.', '_' and '-' (at most %d)\n",
                CONSOLE_NAME_MAX - 1);
        return TOOL_USAGE;
    }
    if (read_password(pw, sizeof pw) < 0)
        return TOOL_FAILED;
    int rc = console_password_hash(pw, iterations, hash, sizeof hash, why, sizeof why);
    memset(pw, 0, sizeof pw);
    if (rc < 0) {
        fprintf(stderr, "riskgw passwd: %s\n", why);
        return TOOL_FAILED;
    }
    printf("{\"name\": \"%s\", \"hash\": \"%s\"}\n", name, hash);
    return TOOL_OK;
}
