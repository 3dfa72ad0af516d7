/* bench_common.c — how the benchmarks report errors to their caller (bench/bench.h). */
#include <stdarg.h>
#include <stdio.h>

#include "bench/bench.h"

int fs__bench_usage(fs_err *err, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        err->code = FS_ERR_USAGE;
    }
    return FS_ERR_USAGE;
}

int fs__bench_fail(fs_err *err, const fs_err *from) {
    if (err && err != from) *err = *from;
    if (err && err->code == FS_OK) err->code = FS_ERR;
    return FS_ERR;
}
