/*
 * console_assets.h - the console's web page, embedded in the binary at build time.
 *
 * embed.cmake writes the table from gateway/console/web/ (console_assets.c in the
 * build tree). Paths are the URL paths ("/index.html", "/i18n/en.json").
 */
#ifndef RISKGW_CONSOLE_ASSETS_H
#define RISKGW_CONSOLE_ASSETS_H

#include <stddef.h>

struct console_asset {
    const char *path;
    const char *content_type;
    const unsigned char *data;
    size_t len;
};

extern const struct console_asset console_assets[];
extern const unsigned console_nassets;

/* The asset at a URL path, or NULL. */
const struct console_asset *console_asset_find(const char *path);

#endif
