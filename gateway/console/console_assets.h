/*
 * console_assets.h - the console's web page, embedded in the binary at build time.
 *
 * gateway/embed.cmake writes the table from gateway/console/web/ (console_assets.c
 * in the build tree). Paths are the URL paths ("/index.html", "/i18n/en.json").
 */
#ifndef RISKGW_CONSOLE_ASSETS_H
#define RISKGW_CONSOLE_ASSETS_H

#include "embedded_files.h"

extern const struct embedded_file console_assets[];
extern const unsigned console_assets_count;

/* The asset at a URL path, or NULL. */
static inline const struct embedded_file *console_asset_find(const char *path)
{
    return embedded_file_find(console_assets, console_assets_count, path);
}

#endif
