#include <stdio.h>

#include "bench/bench.h"

int fs_bench_conv(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "facestitch: bench conv: not implemented yet in this build\n");
    return 1;
}
