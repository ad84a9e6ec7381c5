/*
 * config_metrics.c - the optional "metrics" section: where the Prometheus endpoint listens.
 *
 *   "metrics": {"listen": "127.0.0.1:9105"}
 *
 * Absent, there is no endpoint. The address must be numeric (an IPv4 address, or
 * an IPv6 one in brackets) and the port given: a gateway must not wait on DNS to
 * start, and a typo must be refused at load, with `riskgw -n`, not found later as
 * a silent endpoint. A build without libmicrohttpd refuses the section outright.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"

#define PORT_MAX 65535

static const char *const metrics_keys[] = {"listen", NULL};

/* Split "host:port" or "[v6]:port" into the address text and the port. 0, or -1 with why. */
static int split_listen(const char *listen, char *host, size_t hostcap, int *v6, long *port, char *why,
                        size_t whylen)
{
    const char *colon, *start = listen;
    *v6 = listen[0] == '[';
    if (*v6) {
        const char *close = strchr(listen, ']');
        if (!close || close[1] != ':') {
            snprintf(why, whylen, "\"%s\": an IPv6 address is written [address]:port", listen);
            return -1;
        }
        colon = close + 1;
        start++;
    } else {
        colon = strchr(listen, ':');
        if (!colon || strchr(colon + 1, ':')) {
            snprintf(why, whylen, "\"%s\" is not address:port (e.g. 127.0.0.1:9105, [::1]:9105)", listen);
            return -1;
        }
    }
    size_t hostlen = (size_t)(colon - start) - (size_t)*v6;   /* less the "]" */
    char *end;
    *port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || *port < 1 || *port > PORT_MAX) {
        snprintf(why, whylen, "\"%s\": the port must be a number from 1 to %d", colon + 1, PORT_MAX);
        return -1;
    }
    if (hostlen >= hostcap)
        hostlen = hostcap - 1;        /* too long for an address: inet_pton refuses it */
    memcpy(host, start, hostlen);
    host[hostlen] = '\0';
    return 0;
}

int config_listen_addr(const char *listen, struct sockaddr_storage *sa, unsigned *salen, char *why,
                       size_t whylen)
{
    char host[METRICS_LISTEN_MAX];
    int v6;
    long port;
    if (split_listen(listen, host, sizeof host, &v6, &port, why, whylen) < 0)
        return -1;
    memset(sa, 0, sizeof *sa);
    struct sockaddr_in *in4 = (struct sockaddr_in *)sa;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)sa;
    int ok = v6 ? inet_pton(AF_INET6, host, &in6->sin6_addr) : inet_pton(AF_INET, host, &in4->sin_addr);
    if (ok != 1) {
        snprintf(why, whylen, "\"%s\" is not an IP%s address (names are not looked up)", host, v6 ? "v6" : "v4");
        return -1;
    }
    if (v6) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons((uint16_t)port);
        *salen = sizeof *in6;
    } else {
        in4->sin_family = AF_INET;
        in4->sin_port = htons((uint16_t)port);
        *salen = sizeof *in4;
    }
    return 0;
}

int config_parse_metrics(const cJSON *root, struct config *cfg, struct cfg_err *err)
{
    const cJSON *obj;
    struct sockaddr_storage sa;
    unsigned salen;
    char why[CFG_ERR_MAX / 2];
    memset(&cfg->metrics, 0, sizeof cfg->metrics);
    if (jf_object(root, "metrics", "", JF_OPTIONAL, &obj, err) < 0)
        return -1;
    if (!obj)
        return 0;
    if (!RISKGW_HAVE_METRICS)
        return cfg_fail(err, "metrics", "this riskgw was built without the metrics endpoint "
                        "(cmake -DRISKGW_METRICS=ON, with libmicrohttpd-dev); remove the section");
    if (jf_known_keys(obj, "metrics", metrics_keys, err) < 0 ||
        jf_string(obj, "listen", "metrics", JF_REQUIRED, cfg->metrics.listen, sizeof cfg->metrics.listen,
                  err) < 0)
        return -1;
    if (config_listen_addr(cfg->metrics.listen, &sa, &salen, why, sizeof why) < 0)
        return cfg_fail(err, "metrics.listen", "%s", why);
    cfg->metrics.enabled = 1;
    return 0;
}
