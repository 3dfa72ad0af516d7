/* cli.h — the command table and shared helpers of the `facestitch` tool.
 *
 * Each subcommand lives in cli/cmd_<name>.c as `int fs_cmd_<name>(int argc, char **argv)`
 * (argv[0] is the subcommand name) and returns the process exit code:
 * 0 success, 1 user/input error (one line "facestitch: <file>: <reason>" on stderr),
 * 2 bad usage. Global options (--threads, --device, -q, -v) are removed from argv
 * by main() before the subcommand sees them.
 */
#ifndef FS_CLI_CLI_H
#define FS_CLI_CLI_H

#include "core/err.h"

typedef struct fs_global_opts {
    int threads;        /* 0 = all cores */
    const char *device;    /* --device: "cpu", "cpu-ref", "sim", "cuda[:i]"; NULL = env FS_DEVICE, else "cpu" */
    const char *precision; /* --precision: "fp32" (default), "tf32", "bf16" */
    int verbosity;      /* 0 quiet, 1 normal, 2 verbose */
} fs_global_opts;

extern fs_global_opts fs_cli_globals;

/* Selects the device and precision of the global options for command argv[0] (device_args.c): a command that
 * does not run on the device seam yet is refused on a device whose memory is not host memory. Prints the device
 * line at verbosity >= 1 for commands that use it. FS_OK or FS_ERR with the message. */
int fs_cli_device_setup(int argc, char **argv, fs_err *err);

/* Prints "facestitch: <msg>" to stderr and returns 1 (or 2 for FS_ERR_USAGE). */
int fs_cli_fail(const fs_err *err);
/* Prints "facestitch: <cmd>: <msg>\nTry 'facestitch <cmd> --help'." and returns 2. */
int fs_cli_usage_error(const char *cmd, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#define FS_CLI_COMMANDS(X)                                                                          \
    X(inspect, "list the tensors of any weights file (name, dtype, shape)")                          \
    X(convert, "convert an official checkpoint to facestitch safetensors")                           \
    X(models, "list, fetch, verify the pretrained models; make tiny test models")                    \
    X(generate, "render faces from a StyleGAN2 generator")                                           \
    X(encode, "invert images to W+ latents with the e4e encoder")                                    \
    X(lpips, "perceptual distance between two images")                                               \
    X(parse, "face parsing (BiSeNet): per-pixel labels")                                             \
    X(faces, "detect, landmark and track the faces of a video")                                      \
    X(align, "cut aligned face crops of a video into a project dir")                                 \
    X(composite, "paste a project's crops back into the video")                                      \
    X(invert, "invert a video's faces (e4e + pivotal tuning) into a project dir")                    \
    X(edit, "edit the faces of a video (age, smile, ...) and write the whole video")                 \
    X(metrics, "compare an edited video with its original")                                          \
    X(serve, "a local web studio: pick the face, preview edits, render, compare")                   \
    X(bench, "measure the speed of kernels and networks")

#define FS_CLI_DECLARE(name, help) int fs_cmd_##name(int argc, char **argv);
FS_CLI_COMMANDS(FS_CLI_DECLARE)
#undef FS_CLI_DECLARE

#endif
