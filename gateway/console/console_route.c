/*
 * console_route.c - method and path to a route (see console_route.h).
 */
#include "console_route.h"

#include <string.h>

#include "console_assets.h"

struct api_path {
    const char *path;
    const char *method;         /* "GET" or "POST" */
    enum console_route route;
};

static const struct api_path api_paths[] = {
    {"/api/session", "GET", ROUTE_SESSION},  {"/api/now", "GET", ROUTE_NOW},
    {"/api/layout", "GET", ROUTE_LAYOUT},    {"/api/health", "GET", ROUTE_HEALTH},
    {"/api/events", "GET", ROUTE_EVENTS},    {"/api/trend", "GET", ROUTE_TREND},
    {"/api/signin", "POST", ROUTE_SIGN_IN},  {"/api/signout", "POST", ROUTE_SIGN_OUT},
    {"/api/silence", "POST", ROUTE_SILENCE}, {"/api/reset", "POST", ROUTE_RESET},
};

enum console_route console_route(const char *method, const char *url, const char **asset)
{
    int get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    for (size_t i = 0; i < sizeof api_paths / sizeof api_paths[0]; i++)
        if (strcmp(url, api_paths[i].path) == 0) {
            int want_get = strcmp(api_paths[i].method, "GET") == 0;
            if (want_get ? get : strcmp(method, "POST") == 0)
                return api_paths[i].route;
            return ROUTE_NOT_ALLOWED;
        }
    const char *path = strcmp(url, "/") == 0 ? "/index.html" : url;
    if (!console_asset_find(path))
        return ROUTE_NOT_FOUND;
    if (!get)
        return ROUTE_NOT_ALLOWED;
    *asset = path;
    return ROUTE_ASSET;
}

int console_route_acts(enum console_route r)
{
    return r == ROUTE_SIGN_OUT || r == ROUTE_SILENCE || r == ROUTE_RESET;
}
