/*
 * console_route.h - which answer a request gets, from its method and path alone.
 *
 * Pure (no server, no state), so the whole table is unit-tested: the page and its
 * files by GET, the data by GET /api/..., the acts by POST /api/...; any other
 * path is 404 and any other method 405. Nothing is looked up on disk.
 */
#ifndef RISKGW_CONSOLE_ROUTE_H
#define RISKGW_CONSOLE_ROUTE_H

enum console_route {
    ROUTE_NOT_FOUND,
    ROUTE_NOT_ALLOWED,          /* a known path, the wrong method */
    ROUTE_ASSET,                /* an embedded file ("/" is /index.html) */
    ROUTE_SESSION,              /* GET /api/session: who is signed in, the CSRF token */
    ROUTE_LAYOUT,               /* GET /api/layout: devices and points, names and units */
    ROUTE_NOW,                  /* GET /api/now?v=N: the core's snapshot (204: still N) */
    ROUTE_HEALTH,               /* GET /api/health: the health report */
    ROUTE_EVENTS,               /* GET /api/events: the event log, newest first */
    ROUTE_TREND,                /* GET /api/trend?device=&point=&range=hour|week */
    ROUTE_SIGN_IN,              /* POST /api/signin */
    ROUTE_SIGN_OUT,             /* POST /api/signout */
    ROUTE_SILENCE,              /* POST /api/silence */
    ROUTE_RESET,                /* POST /api/reset */
};

/* The route of method and url; for ROUTE_ASSET, *asset is the file's path. */
enum console_route console_route(const char *method, const char *url, const char **asset);

/* 1 for the routes that act (a session and its CSRF token are required). */
int console_route_acts(enum console_route r);

#endif
