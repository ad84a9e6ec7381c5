/*
 * embedded_files.c - find an embedded file by its path (see embedded_files.h).
 */
#include "embedded_files.h"

#include <string.h>

const struct embedded_file *embedded_file_find(const struct embedded_file *files, unsigned n, const char *path)
{
    for (unsigned i = 0; i < n; i++)
        if (strcmp(files[i].path, path) == 0)
            return &files[i];
    return NULL;
}
