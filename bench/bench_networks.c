#include <stdio.h>

#include "bench/bench.h"

int fs_bench_networks(int argc, char **argv) {
    (void)argc;
    (void)argv;
    fprintf(stderr, "facestitch: bench networks: not implemented yet in this build\n");
    return 1;
}
