#include "core/err.h"

#include <stdarg.h>
#include <string.h>

int fs_errorf(fs_err *err, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = FS_ERR;
    }
    return FS_ERR;
}

int fs_err_prefix(fs_err *err, const char *prefix) {
    if (!err) return FS_ERR;
    char tmp[sizeof err->msg];
    size_t n = strlen(prefix);
    if (n > sizeof tmp / 2) n = sizeof tmp / 2;
    memcpy(tmp, prefix, n);
    tmp[n] = ':';
    tmp[n + 1] = ' ';
    size_t m = strlen(err->msg);
    if (m > sizeof tmp - n - 3) m = sizeof tmp - n - 3;
    memcpy(tmp + n + 2, err->msg, m);
    tmp[n + 2 + m] = 0;
    memcpy(err->msg, tmp, sizeof tmp);
    if (err->code == FS_OK) err->code = FS_ERR;
    return err->code;
}

void fs_err_clear(fs_err *err) {
    if (err) {
        err->code = FS_OK;
        err->msg[0] = 0;
    }
}
