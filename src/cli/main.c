/* main.c — `facestitch` entry point: global options, then the subcommand table. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/threads.h"
#include "core/version.h"
#include "dist/dist.h"

fs_global_opts fs_cli_globals = {0, NULL, NULL, 1};

int fs_cli_fail(const fs_err *err) {
    if (fs_dist_size() > 1)
        fprintf(stderr, "facestitch: rank %d of %d: %s\n", fs_dist_rank(), fs_dist_size(),
                err && err->msg[0] ? err->msg : "failed");
    else
        fprintf(stderr, "facestitch: %s\n", err && err->msg[0] ? err->msg : "failed");
    return err && err->code == FS_ERR_USAGE ? 2 : 1;
}

int fs_cli_usage_error(const char *cmd, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "facestitch: %s: ", cmd);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\nTry 'facestitch %s --help'.\n", cmd);
    va_end(ap);
    return 2;
}

/* Ctrl-C / SIGTERM: every long stage polls fs_should_abort() and stops cleanly (no partial output
 * file; PTI keeps its last checkpoint, so the same command resumes). */
static volatile sig_atomic_t g_interrupted;
static void on_signal(int sig) {
    (void)sig;
    g_interrupted = 1;
}
static int interrupted(void *user) {
    (void)user;
    return g_interrupted;
}
static void catch_interrupts(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    fs_progress_set_callback(NULL, interrupted, NULL);
}

typedef struct {
    const char *name;
    int (*fn)(int, char **);
    const char *help;
} command;

#define FS_CLI_ENTRY(name, help) {#name, fs_cmd_##name, help},
static const command commands[] = {FS_CLI_COMMANDS(FS_CLI_ENTRY)};
#undef FS_CLI_ENTRY

/* Commands that share their work over MPI ranks; under mpirun any other runs on rank 0 alone. */
static int runs_over_ranks(const char *name) {
    return !strcmp(name, "edit") || !strcmp(name, "invert") || !strcmp(name, "align");
}

static int run_command(const command *cmd, int argc, char **argv) {
    if (fs_dist_size() == 1 || runs_over_ranks(cmd->name)) return cmd->fn(argc, argv);
    if (fs_dist_rank() == 0)
        fs_info("%s: runs on rank 0 alone (%d ranks started; align, invert and edit share their work)", cmd->name, fs_dist_size());
    int rc = fs_dist_rank() == 0 ? cmd->fn(argc, argv) : 0;
    fs_err err = {0};
    if (fs_dist_agree(rc, &err) && fs_dist_rank() != 0) return fs_cli_fail(&err);
    return rc;
}

static void print_help(FILE *fp) {
    fprintf(fp,
            "facestitch %s — edit faces in videos with StyleGAN2 (\"Stitch it in Time\"), natively.\n"
            "\n"
            "Usage: facestitch [global options] <command> [options]\n"
            "\n"
            "Commands:\n",
            FS_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(fp, "  %-10s %s\n", commands[i].name, commands[i].help);
    fprintf(fp,
            "\n"
            "Global options:\n"
            "  --threads N       worker threads (default: all cores)\n"
            "  --device DEV      cpu (default), sim (tests: CPU kernels on protected device memory) or cuda[:i];\n"
            "                    env FS_DEVICE; only `bench generator` runs on a GPU so far (docs/gpu.md)\n"
            "  --precision P     fp32 (default, parity), tf32 or bf16: tensor-core GEMMs on cuda\n"
            "  -q, --quiet       errors only\n"
            "  -v, --verbose     more detail\n"
            "  --version         print the version\n"
            "  -h, --help        this help; 'facestitch <command> --help' for a command\n"
            "\n"
            "Examples:\n"
            "  facestitch edit talk.mp4 --edit age=-6 -o young.mp4\n"
            "  facestitch invert talk.mp4 --project talk.fs\n"
            "  facestitch edit --project talk.fs --edit smile=2 -o smile.mp4\n"
            "  facestitch convert ffhq.pkl ffhq.safetensors\n"
            "\n"
            "Exit status: 0 success, 1 input or runtime error (one line on stderr), 2 bad usage.\n");
}

/* Removes global options from argv (anywhere on the line); returns new argc or -1 on error. */
static int take_globals(int argc, char **argv) {
    int out = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--threads") || !strncmp(a, "--threads=", 10)) {
            const char *v = a[9] == '=' ? a + 10 : (i + 1 < argc ? argv[++i] : NULL);
            char *end = NULL;
            long n = v ? strtol(v, &end, 10) : -1;
            if (!v || *end || n < 0 || n > 256) {
                fprintf(stderr, "facestitch: --threads needs a number from 0 to 256\n");
                return -1;
            }
            fs_cli_globals.threads = (int)n;
        } else if (!strcmp(a, "--device") || !strncmp(a, "--device=", 9)) {
            const char *v = a[8] == '=' ? a + 9 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) {
                fprintf(stderr, "facestitch: --device needs cpu, sim or cuda[:i]\n");
                return -1;
            }
            fs_cli_globals.device = v; /* checked by fs_cli_device_setup */
        } else if (!strcmp(a, "--precision") || !strncmp(a, "--precision=", 12)) {
            const char *v = a[11] == '=' ? a + 12 : (i + 1 < argc ? argv[++i] : NULL);
            if (!v) {
                fprintf(stderr, "facestitch: --precision needs fp32, tf32 or bf16\n");
                return -1;
            }
            fs_cli_globals.precision = v;
        } else if (!strcmp(a, "-q") || !strcmp(a, "--quiet")) {
            fs_cli_globals.verbosity = 0;
        } else if (!strcmp(a, "-v") || !strcmp(a, "--verbose")) {
            fs_cli_globals.verbosity = 2;
        } else {
            argv[out++] = argv[i];
        }
    }
    argv[out] = NULL;
    return out;
}

int main(int argc, char **argv) {
    argc = take_globals(argc, argv);
    if (argc == -1) return 2;
    if (argc == -2) return 1;
    if (argc < 2) {
        print_help(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) {
        printf("facestitch %s\n", FS_VERSION);
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        print_help(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (!strcmp(cmd, commands[i].name)) {
            fs_err err = {0};
            if (fs_dist_init(&err)) return fs_cli_fail(&err);
            /* several ranks: rank 0 speaks for the job (errors and warnings come from every rank) */
            fs_log_set_verbosity(fs_dist_rank() > 0 && fs_cli_globals.verbosity == 1 ? 0 : fs_cli_globals.verbosity);
            fs_threads_init(fs_cli_globals.threads);
            static char device[64]; /* under mpirun, --device cuda means cuda:<local rank> */
            fs_cli_globals.device = fs_dist_device(fs_cli_globals.device, device, sizeof device);
            catch_interrupts();
            fs_err derr = {0};
            if (fs_cli_device_setup(argc - 1, argv + 1, &derr)) {
                fprintf(stderr, "facestitch %s: %s\n", cmd, derr.msg);
                fs_threads_shutdown();
                fs_dist_finalize();
                return 1;
            }
            int rc = run_command(&commands[i], argc - 1, argv + 1);
            fs_threads_shutdown();
            /* a rank that failed alone (the others cannot know): end the whole job */
            if (rc && fs_dist_size() > 1 && !fs_dist_failure_shared()) fs_dist_abort("ending the job", rc);
            fs_dist_finalize();
            return rc;
        }
    }
    fprintf(stderr, "facestitch: unknown command '%s'\nTry 'facestitch --help'.\n", cmd);
    return 2;
}
