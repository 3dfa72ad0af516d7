/* cmd_bench.c — `facestitch bench conv|generator|networks`. */
#include <stdio.h>
#include <string.h>

#include "bench/bench.h"
#include "cli/cli.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch bench <what> [options]\n"
            "\n"
            "  conv        conv2d forward / backward-data / backward-weights GFLOP/s on StyleGAN2 shapes,\n"
            "              against the machine's SGEMM measured in the same run (last line conv_vs_sgemm=R)\n"
            "  generator   StyleGAN2 forward and forward+backward images/s at 256² and 1024²\n"
            "  networks    e4e, LPIPS and BiSeNet images/s at their native sizes\n"
            "\n"
            "Use --threads N to fix the thread count. Numbers are ratios against a baseline in the\n"
            "same run so they compare across machines.\n");
}

int fs_cmd_bench(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    static const struct {
        const char *name;
        int (*fn)(int, char **, fs_err *);
    } benches[] = {{"conv", fs_bench_conv}, {"generator", fs_bench_generator}, {"networks", fs_bench_networks}};
    for (size_t i = 0; i < sizeof benches / sizeof benches[0]; i++) {
        if (strcmp(argv[1], benches[i].name)) continue;
        fs_err err = {0};
        int rc = benches[i].fn(argc - 1, argv + 1, &err);
        if (rc == FS_ERR_USAGE) {
            char cmd[64];
            snprintf(cmd, sizeof cmd, "bench %s", benches[i].name);
            return fs_cli_usage_error(cmd, "%s", err.msg);
        }
        return rc ? fs_cli_fail(&err) : 0;
    }
    return fs_cli_usage_error("bench", "unknown benchmark '%s'", argv[1]);
}
