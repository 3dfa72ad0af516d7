/* err.h — status codes and error messages.
 *
 * Every function that can fail returns int (FS_OK = 0 on success, non-zero on
 * failure) and takes an `fs_err *err` as its last argument, which it fills with
 * one human-readable line on failure:  "ffhq.pkl: truncated pickle at offset 1234".
 * `err` may be NULL (message dropped).  On failure, outputs are left untouched.
 *
 * Programmer bugs (impossible states, violated preconditions) use FS_ASSERT,
 * which aborts with file:line.  Anything a user can cause returns a status.
 */
#ifndef FS_CORE_ERR_H
#define FS_CORE_ERR_H

#include <stdio.h>
#include <stdlib.h>

enum { FS_OK = 0, FS_ERR = 1, FS_ERR_USAGE = 2 };

typedef struct fs_err {
    int code;          /* FS_OK, FS_ERR (input/user error) or FS_ERR_USAGE */
    char msg[1024];    /* one line, no trailing newline */
} fs_err;

/* Sets err (if non-NULL) and returns FS_ERR. printf-style. */
int fs_errorf(fs_err *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Prepends "prefix: " to an existing message (e.g. the file name). Returns err->code or FS_ERR. */
int fs_err_prefix(fs_err *err, const char *prefix);

void fs_err_clear(fs_err *err);

#define FS_ASSERT(cond)                                                          \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "facestitch: internal error: %s:%d: assertion '%s' failed\n", \
                    __FILE__, __LINE__, #cond);                                  \
            abort();                                                             \
        }                                                                        \
    } while (0)

#endif
