/*
 * embedded_files.h - files carried inside the binary, written by gateway/embed.cmake.
 *
 * The console's web page and the commissioning report's word tables are embedded
 * at build time (each file a C array, NUL-terminated past len), so an upgrade
 * cannot lose them and the daemon reads nothing from disk to serve or print them.
 */
#ifndef RISKGW_EMBEDDED_FILES_H
#define RISKGW_EMBEDDED_FILES_H

#include <stddef.h>

struct embedded_file {
    const char *path;               /* "/index.html", "/zh-CN.json" */
    const char *content_type;
    const unsigned char *data;      /* data[len] is '\0' */
    size_t len;
};

/* The file at path among n, or NULL. */
const struct embedded_file *embedded_file_find(const struct embedded_file *files, unsigned n, const char *path);

#endif
