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
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "core.h"
#include "payload.h"
#include "unix_addr.h"

#define CLIENT_REPLY_TIMEOUT_S 10
#define CLIENT_REPLY_MAX 4096
#define CLIENT_ERR_MAX 512

static const char *const console_commands[] = {"silence", "reset", "read", "reload", "write", NULL};

int command_client_is(const char *name)
{
    for (const char *const *c = console_commands; *c; c++)
        if (strcmp(*c, name) == 0)
            return 1;
    return 0;
}

const char *command_client_login_name(void)
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
    args[0] = (char *)config_device_of(cfg, p)->id;
    args[1] = (char *)config_point_def(cfg, p)->id;
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

/* A console command's arguments: the point's ids (NULL for reload) and, for write, the
 * value. 0, or -1 with a usage message printed. */
static int console_args(const struct config *cfg, const char *name, int nargs, char **args,
                        char **ids, double *value)
{
    int wants_point = strcmp(name, "reload") != 0;
    ids[0] = ids[1] = NULL;
    if (strcmp(name, "write") == 0)
        return write_args(cfg, nargs, args, ids, value);
    if (nargs != (wants_point ? 2 : 0)) {
        usage_for(name);
        return -1;
    }
    if (wants_point) {
        ids[0] = args[0];
        ids[1] = args[1];
    }
    return 0;
}

/* The request JSON (malloc'd). device and point may be NULL, value is sent when not NULL;
 * actor is recorded for the commands that act (not read); via (NULL: none) names the console. */
static char *build_request(const char *name, const char *device, const char *point,
                           const double *value, const char *actor, const char *via)
{
    cJSON *req = cJSON_CreateObject();
    cJSON_AddStringToObject(req, "id", "console");
    cJSON_AddStringToObject(req, "cmd", name);
    if (device && point) {
        cJSON_AddStringToObject(req, "device", device);
        cJSON_AddStringToObject(req, "point", point);
        if (value)
            cJSON_AddNumberToObject(req, "value", *value);
        if (strcmp(name, "read") != 0)
            cJSON_AddStringToObject(req, "actor", actor ? actor : command_client_login_name());
    }
    if (via)
        cJSON_AddStringToObject(req, "via", via);
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
    struct timeval tv = {.tv_sec = CLIENT_REPLY_TIMEOUT_S};    /* a gateway that hangs does not hang us */
    if (fd >= 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
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

static int print_reply(const char *name, const cJSON *r)
{
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(r, "error");
    int good = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"));
    if (!good) {
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
    return good ? 0 : 1;
}

/* command_client_ask at the socket path, and value (when not NULL) sent with the command. */
static cJSON *client_ask_at(const char *path, const char *name, const char *device, const char *point,
                            const double *value, const char *actor, const char *via, char *err,
                            size_t errlen)
{
    char reply[CLIENT_REPLY_MAX];
    char *text = build_request(name, device, point, value, actor, via);
    int rc = text ? exchange(path, text, reply, sizeof reply) : -1;
    int e = text ? errno : ENOMEM;
    cJSON_free(text);
    if (rc < 0) {
        snprintf(err, errlen, "cannot reach the gateway at %s: %s (is it running with this config?)",
                 path, strerror(e));
        return NULL;
    }
    cJSON *r = cJSON_Parse(reply);
    if (!r)
        snprintf(err, errlen, "the gateway at %s gave no answer to \"%s\"; see its log "
                 "(journalctl -u riskgw)", path, name);
    return r;
}

static cJSON *client_ask(const struct config *cfg, const char *name, const char *device,
                         const char *point, const double *value, const char *actor, char *err,
                         size_t errlen)
{
    char path[PATH_MAX_LEN + 8];
    core_control_socket(cfg, path, sizeof path);
    return client_ask_at(path, name, device, point, value, actor, NULL, err, errlen);
}

cJSON *command_client_ask_via(const char *socket_path, const char *name, const char *device,
                              const char *point, const char *actor, const char *via, char *err,
                              size_t errlen)
{
    return client_ask_at(socket_path, name, device, point, NULL, actor, via, err, errlen);
}

cJSON *command_client_ask(const struct config *cfg, const char *name, const char *device,
                          const char *point, const char *actor, char *err, size_t errlen)
{
    return client_ask(cfg, name, device, point, NULL, actor, err, errlen);
}

int command_client_do(const struct config *cfg, const char *name, const char *device,
                      const char *point, const char *actor, char *why, size_t cap)
{
    cJSON *r = command_client_ask(cfg, name, device, point, actor, why, cap);
    const cJSON *err = cJSON_GetObjectItemCaseSensitive(r, "error");
    int done = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "ok"));
    if (r && !done)
        snprintf(why, cap, "the gateway refused %s: %s", name, cJSON_IsString(err) ? err->valuestring : "?");
    cJSON_Delete(r);
    return done ? 0 : -1;
}

int command_client_run(const struct config *cfg, const char *name, int nargs, char **args,
                       const char *actor)
{
    char err[CLIENT_ERR_MAX];
    char *ids[2];
    double value = 0.0;
    if (console_args(cfg, name, nargs, args, ids, &value) < 0)
        return 2;
    cJSON *r = client_ask(cfg, name, ids[0], ids[1], strcmp(name, "write") == 0 ? &value : NULL,
                          actor, err, sizeof err);
    if (!r) {
        fprintf(stderr, "riskgw %s: %s\n", name, err);
        return 1;
    }
    int rc = print_reply(name, r);
    cJSON_Delete(r);
    return rc;
}
