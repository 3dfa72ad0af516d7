/* bench.h — the benchmarks behind `facestitch bench <what>` (a library the CLI calls; it does not
 * include the CLI). Each prints a table and ratios against a baseline measured in the same run
 * (e.g. SGEMM), never absolute pass/fail. argv[0] is the benchmark's name; the options follow.
 * Returns FS_OK, FS_ERR (err says why) or FS_ERR_USAGE (a bad option; err says which). */
#ifndef FS_BENCH_BENCH_H
#define FS_BENCH_BENCH_H

#include "core/err.h"

int fs_bench_conv(int argc, char **argv, fs_err *err);      /* bench/bench_conv.c */
int fs_bench_generator(int argc, char **argv, fs_err *err); /* bench/bench_generator.c */
int fs_bench_networks(int argc, char **argv, fs_err *err);  /* bench/bench_networks.c: e4e, lpips, bisenet */

/* bench/bench_common.c: a usage error (code FS_ERR_USAGE), and a failure copied from `from` into err. */
int fs__bench_usage(fs_err *err, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
int fs__bench_fail(fs_err *err, const fs_err *from);

#endif
