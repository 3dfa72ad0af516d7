/* bench.h — benchmarks run by `facestitch bench <what>`. Each prints a table and ratios
 * against a baseline measured in the same run (e.g. SGEMM), never absolute pass/fail. */
#ifndef FS_BENCH_BENCH_H
#define FS_BENCH_BENCH_H

int fs_bench_conv(int argc, char **argv);      /* bench/bench_conv.c */
int fs_bench_generator(int argc, char **argv); /* bench/bench_generator.c */
int fs_bench_networks(int argc, char **argv);  /* bench/bench_networks.c: e4e, lpips, bisenet */

#endif
