/* fileio.h — whole-file reads and atomic writes.
 *
 * Atomic write: data goes to "<path>.tmp.<pid>", is fsync'ed, then renamed over
 * <path>; on any failure the temporary is removed and <path> is untouched.
 *   fs_atomic_file f;
 *   if (fs_atomic_open(&f, "out.png", &err)) return FS_ERR;
 *   fwrite(..., f.fp);
 *   return fs_atomic_commit(&f, &err);   // or fs_atomic_abort(&f) on error
 */
#ifndef FS_CORE_FILEIO_H
#define FS_CORE_FILEIO_H

#include <stdio.h>
#include <stddef.h>

#include "core/err.h"
#include "core/path.h"

/* Opens a regular file read-only (close-on-exec): its descriptor in *fd (caller closes) and size in
 * *len. A directory, device or missing file is one error naming path. */
int fs_open_regular(const char *path, int *fd, size_t *len, fs_err *err);
/* Reads a whole file into a new malloc'ed buffer (NUL-terminated, not counted). Caller frees. */
int fs_read_file(const char *path, unsigned char **data, size_t *len, fs_err *err);

typedef struct fs_atomic_file {
    FILE *fp;
    char path[FS_PATH_MAX];
    char tmp[FS_PATH_MAX];
} fs_atomic_file;

int fs_atomic_open(fs_atomic_file *f, const char *path, fs_err *err);
int fs_atomic_commit(fs_atomic_file *f, fs_err *err);
void fs_atomic_abort(fs_atomic_file *f);
/* Writes a buffer atomically. */
int fs_write_file_atomic(const char *path, const void *data, size_t len, fs_err *err);
/* mkdir -p. */
int fs_mkdirs(const char *path, fs_err *err);
int fs_file_exists(const char *path);
/* rm -r: removes a file or a directory tree (links are removed, not followed). */
int fs_remove_tree(const char *path, fs_err *err);
/* A new empty directory "$TMPDIR/<prefix>XXXXXX" (TMPDIR unset: /tmp); path in buf. */
int fs_make_temp_dir(const char *prefix, char *buf, size_t n, fs_err *err);
/* Lower-case extension without the dot ("png"), "" when none. */
const char *fs_path_ext(const char *path, char *buf, size_t n);

#endif
