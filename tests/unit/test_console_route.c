/*
 * test_console_route.c - every request the console answers, and that nothing else is
 * (gateway/console/console_route.h): the page and its embedded files by GET, the
 * API by its one method, and 404/405 for the rest, traversal tricks included.
 */
#include "check.h"
#include "console_assets.h"
#include "console_route.h"

static enum console_route route(const char *method, const char *url)
{
    const char *asset = NULL;
    return console_route(method, url, &asset);
}

int main(void)
{
    const char *asset = NULL;
    CHECK_INT(console_route("GET", "/", &asset), ROUTE_ASSET);
    CHECK_STR(asset, "/index.html");
    CHECK_INT(console_route("GET", "/app.js", &asset), ROUTE_ASSET);
    CHECK_STR(asset, "/app.js");
    CHECK_INT(console_route("HEAD", "/app.css", &asset), ROUTE_ASSET);
    CHECK_INT(route("GET", "/i18n/zh-CN.json"), ROUTE_ASSET);
    CHECK_INT(route("GET", "/i18n/en.json"), ROUTE_ASSET);

    CHECK_INT(route("GET", "/api/session"), ROUTE_SESSION);
    CHECK_INT(route("GET", "/api/now"), ROUTE_NOW);
    CHECK_INT(route("GET", "/api/layout"), ROUTE_LAYOUT);
    CHECK_INT(route("GET", "/api/health"), ROUTE_HEALTH);
    CHECK_INT(route("GET", "/api/events"), ROUTE_EVENTS);
    CHECK_INT(route("GET", "/api/trend"), ROUTE_TREND);
    CHECK_INT(route("POST", "/api/signin"), ROUTE_SIGN_IN);
    CHECK_INT(route("POST", "/api/signout"), ROUTE_SIGN_OUT);
    CHECK_INT(route("POST", "/api/silence"), ROUTE_SILENCE);
    CHECK_INT(route("POST", "/api/reset"), ROUTE_RESET);

    /* the wrong method on a known path */
    CHECK_INT(route("GET", "/api/silence"), ROUTE_NOT_ALLOWED);
    CHECK_INT(route("POST", "/api/now"), ROUTE_NOT_ALLOWED);
    CHECK_INT(route("DELETE", "/api/now"), ROUTE_NOT_ALLOWED);
    CHECK_INT(route("POST", "/"), ROUTE_NOT_ALLOWED);
    CHECK_INT(route("PUT", "/app.js"), ROUTE_NOT_ALLOWED);

    /* anything else */
    const char *const others[] = {"", "/etc/passwd", "/../etc/passwd", "/i18n/../app.js", "/app.js/",
                                  "/APP.JS", "/api", "/api/", "/api/now/", "/api/nothing", "/metrics",
                                  "/index.html?x", "//app.js", "/i18n/fr.json", "/i18n/"};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        CHECK_INT(route("GET", others[i]), ROUTE_NOT_FOUND);
        CHECK_INT(route("POST", others[i]), ROUTE_NOT_FOUND);
    }

    CHECK_INT(console_route_acts(ROUTE_SILENCE), 1);
    CHECK_INT(console_route_acts(ROUTE_RESET), 1);
    CHECK_INT(console_route_acts(ROUTE_SIGN_OUT), 1);
    CHECK_INT(console_route_acts(ROUTE_SIGN_IN), 0);
    CHECK_INT(console_route_acts(ROUTE_NOW), 0);

    /* the page is whole and small: every file served, under 150 KB in all */
    size_t total = 0;
    for (unsigned i = 0; i < console_assets_count; i++) {
        total += console_assets[i].len;
        CHECK(console_assets[i].len > 0);
        CHECK(console_asset_find(console_assets[i].path) == &console_assets[i]);
    }
    CHECK(console_assets_count >= 5);
    CHECK(total <= 150 * 1000);
    printf("console page: %u files, %zu bytes\n", console_assets_count, total);
    return check_summary();
}
