/* path.c — checked path building (see path.h). */
#include "core/path.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>

_Static_assert(FS_PATH_MAX >= PATH_MAX, "realpath() writes up to PATH_MAX bytes into an FS_PATH_MAX buffer");

int fs_path_fmt(char *out, size_t n, fs_err *err, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int len = n ? vsnprintf(out, n, fmt, ap) : -1;
    va_end(ap);
    if (len >= 0 && (size_t)len < n) return FS_OK;
    return fs_errorf(err, "path too long (%d bytes, at most %zu): %.80s...", len, n ? n - 1 : 0, n ? out : "");
}

int fs_path_join(char *out, size_t n, const char *dir, const char *name, fs_err *err) {
    if (!dir || !dir[0]) return fs_path_fmt(out, n, err, "%s", name);
    return fs_path_fmt(out, n, err, "%s/%s", dir, name);
}
