/* path.h — one size for path buffers and a checked way to build paths: a path that does not fit is an
 * error naming it, never a silently truncated name (which could overwrite or read the wrong file).
 *
 *   char p[FS_PATH_MAX];
 *   if (fs_path_join(p, sizeof p, dir, "manifest.json", err)) return FS_ERR;   // "dir/manifest.json"
 *   if (fs_path_fmt(p, sizeof p, err, "%s/crops/%04d.png", dir, i)) return FS_ERR;
 */
#ifndef FS_CORE_PATH_H
#define FS_CORE_PATH_H

#include <stddef.h>

#include "core/err.h"

/* Bytes of every path buffer (PATH_MAX on Linux), terminating NUL included. */
#define FS_PATH_MAX 4096

/* snprintf into out (n bytes); FS_ERR "path too long (N bytes, at most n-1): <start>..." when it does not
 * fit (out then holds the truncated text, which the caller must not use). */
int fs_path_fmt(char *out, size_t n, fs_err *err, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* dir + "/" + name (just name when dir is "" or NULL), checked like fs_path_fmt. */
int fs_path_join(char *out, size_t n, const char *dir, const char *name, fs_err *err);

#endif
