/*
 * command_client.c - the console side of the local control socket (core_control.c).
 *
 * It builds the same JSON command the platform would send, hands it to the
 * running gateway, and prints the reply for a person: what happened, or why not.
 */
#include "command_client.h"

#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core.h"
#include "payload.h"
#include "unix_addr.h"

#define CLIENT_REPLY_MAX 4096

static const char *const console_commands[] = {"silence", "reset", "read", "reload", "write", NULL};

int command_client_is(const char *name)
{
    for (const char *const *c = console_commands; *c; c++)
        if (strcmp(*c, name) == 0)
            return 1;
    return 0;
}

static const char *login_name(void)
{
    const char *u = getenv("SUDO_USER");
    if (u && *u)
        return u;
    struct passwd *pw = getpwuid(getuid());
    return pw ? pw->pw_name : "console";
}

/* `write DEVICE.POINT VALUE` names the point as outputs do: split it into the two ids
 * (args[0], args[1] on return). 0, or -1 with the reason printed. */
static int split_point_ref(const struct config *cfg, char *ref, char **args)
{
    long p = config_find_point_ref(cfg, ref);
    if (p < 0) {
        fprintf(stderr, "riskgw write: %s \"%s\"; give DEVICE POINT, or DEVICE.POINT as in the "
                "config\n", p == -2 ? "more than one point is called" : "no point", ref);
        return -1;
    }
    args[0] = (char *)cfg->devices[cfg->points[p].device].id;
    args[1] = (char *)cfg->points[p].id;
    return 0;
}

static void usage_for(const char *name)
{
    if (strcmp(name, "reload") == 0)
        fprintf(stderr, "usage: riskgw reload [-c FILE]\n");
    else if (strcmp(name, "write") == 0)
        fprintf(stderr, "usage: riskgw write [-c FILE] DEVICE POINT VALUE [--actor NAME]\n"
                        "       riskgw write [-c FILE] DEVICE.POINT VALUE [--actor NAME]\n");
    else
        fprintf(stderr, "usage: riskgw %s [-c FILE] DEVICE POINT%s\n", name,
                strcmp(name, "read") == 0 ? "" : " [--actor NAME]");
}

/* write's arguments: the point (two ids, or one DEVICE.POINT) and the value. 0, or -1. */
static int write_args(const struct config *cfg, int nargs, char **args, char **ids, double *value)
{
    char *end = NULL;
    if (nargs != 2 && nargs != 3) {
        usage_for("write");
        return -1;
    }
    *value = strtod(args[nargs - 1], &end);
    if (end == args[nargs - 1] || *end) {
        fprintf(stderr, "riskgw write: \"%s\" is not a number\n", args[nargs - 1]);
        return -1;
    }
    if (nargs == 2)
        return split_point_ref(cfg, args[0], ids);
    ids[0] = args[0];
    ids[1] = args[1];
    return 0;
}

/* The request JSON (malloc'd), or NULL with a usage message printed. */
static char *build_request(const struct config *cfg, const char *name, int nargs, char **args,
                           const char *actor)
{
    int wants_point = strcmp(name, "reload") != 0, write = strcmp(name, "write") == 0;
    char *ids[2] = {args[0], nargs > 1 ? args[1] : NULL};
    double value = 0.0;
    if (write && write_args(cfg, nargs, args, ids, &value) < 0)
        return NULL;
    if (!write && nargs != (wants_point ? 2 : 0)) {
        usage_for(name);
        return NULL;
    }
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "id", "console");
    cJSON_AddStringToObject(req, "cmd", name);
    if (wants_point) {
        cJSON_AddStringToObject(req, "device", ids[0]);
        cJSON_AddStringToObject(req, "point", ids[1]);
        if (write)
            cJSON_AddNumberToObject(req, "value", value);
        if (strcmp(name, "read") != 0)
            cJSON_AddStringToObject(req, "actor", actor ? actor : login_name());
    }
    char *text = cJSON_PrintUnformatted(req);
    cJSON_Delete(req);
    return text;
}

/* Send text, read the whole reply into buf. 0, or -1 with errno. */
static int exchange(const char *path, const char *text, char *buf, size_t cap)
{
    struct sockaddr_un sa;
    if (unix_addr_set(&sa, path) < 0)
        return -1;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        write(fd, text, strlen(text)) != (ssize_t)strlen(text) || shutdown(fd, SHUT_WR) < 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        errno = e;
        return -1;
    }
    size_t len = 0;
    ssize_t n;
    while (len < cap - 1 && (n = read(fd, buf + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(fd);
    return 0;
}

static int print_reply(const char *name, const char *text)
{
    cJSON *r = cJSON_Parse(text);
    const cJSON *ok = cJSON_GetObjectItemCaseSensitive(r, "ok");
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(r, "error");
    int good = cJSON_IsTrue(ok);
    if (!r) {
        fprintf(stderr, "riskgw %s: the gateway gave no answer\n", name);
    } else if (!good) {
        fprintf(stderr, "riskgw %s: refused: %s\n", name, cJSON_IsString(err) ? err->valuestring : "?");
    } else if (strcmp(name, "read") == 0) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(r, "value");
        const cJSON *q = cJSON_GetObjectItemCaseSensitive(r, "quality");
        if (cJSON_IsNumber(v))
            printf("%.10g (quality %s)\n", v->valuedouble, cJSON_IsString(q) ? q->valuestring : "?");
        else
            printf("no value (quality %s)\n", cJSON_IsString(q) ? q->valuestring : "?");
    } else if (strcmp(name, "write") == 0) {
        printf("riskgw write: queued for the device; the outcome is recorded as an OUTPUT or "
               "OUTPUT_FAILED event (riskgw read shows the value once it is polled)\n");
    } else {
        printf("riskgw %s: done\n", name);
    }
    cJSON_Delete(r);
    return good ? 0 : 1;
}

int command_client_run(const struct config *cfg, const char *name, int nargs, char **args,
                       const char *actor)
{
    char path[PATH_MAX_LEN + 8], reply[CLIENT_REPLY_MAX];
    char *text = build_request(cfg, name, nargs, args, actor);
    if (!text)
        return 2;
    core_control_socket(cfg, path, sizeof path);
    int rc = exchange(path, text, reply, sizeof reply);
    cJSON_free(text);
    if (rc < 0) {
        fprintf(stderr, "riskgw %s: cannot reach the gateway at %s: %s (is it running with this config?)\n",
                name, path, strerror(errno));
        return 1;
    }
    return print_reply(name, reply);
}
