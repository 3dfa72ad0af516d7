/* pipeline_args.h — command-line options shared by several commands (model selection for
 * invert and edit, face finding for faces and align) and small number parsers for the CLI. */
#ifndef FS_CLI_PIPELINE_ARGS_H
#define FS_CLI_PIPELINE_ARGS_H

#include "pipeline/model_set.h"
#include "pipeline/project/project.h"

enum { FS_OPT_MODELS = 1000, FS_OPT_MODEL, FS_OPT_ENCODER, FS_OPT_LPIPS, FS_OPT_PARSER, FS_OPT_NO_ENCODER,
       FS_OPT_NO_LPIPS, FS_OPT_NO_PARSER };

#define FS_PIPELINE_MODEL_OPTIONS                                                                        \
    {"models", required_argument, 0, FS_OPT_MODELS}, {"model", required_argument, 0, FS_OPT_MODEL},       \
        {"encoder", required_argument, 0, FS_OPT_ENCODER}, {"lpips", required_argument, 0, FS_OPT_LPIPS},  \
        {"parser", required_argument, 0, FS_OPT_PARSER}, {"no-encoder", no_argument, 0, FS_OPT_NO_ENCODER}, \
        {"no-lpips", no_argument, 0, FS_OPT_NO_LPIPS}, {"no-parser", no_argument, 0, FS_OPT_NO_PARSER}

#define FS_PIPELINE_MODEL_HELP                                                                           \
    "\nModels (default: the registry's, see 'facestitch models list'):\n"                                \
    "  --models DIR         a model directory (generator/encoder/lpips/parser.safetensors,\n"              \
    "                       directions/NAME.npy), e.g. from 'facestitch models init --tiny --out DIR'\n"   \
    "  --model G            StyleGAN2 generator (.pkl, .pt or .safetensors)\n"                             \
    "  --encoder E          e4e encoder        --no-encoder  invert by optimisation instead\n"            \
    "  --lpips L            LPIPS (alex)       --no-lpips    PTI with the L2 loss only\n"                 \
    "  --parser B           BiSeNet parser     --no-parser   masks from the 68 landmarks\n"

/* Returns 1 when c was a model option (and stores it). */
int fs_pipeline_model_option(int c, const char *arg, fs_model_args *a);
/* Strict number parsing: 0 on success. */
int fs_cli_parse_long(const char *s, long lo, long hi, long *out);
int fs_cli_parse_double(const char *s, double lo, double hi, double *out);

/* Options of the commands that find faces (faces, align): how much of the video, and the
 * temporal smoothing of the alignment quads (docs/method.md §1.4). */
enum { FS_OPT_MAX_FRAMES = 1100, FS_OPT_CENTER_SIGMA, FS_OPT_XY_SIGMA, FS_OPT_RANGE };

#define FS_RANGE_OPTION {"range", required_argument, 0, FS_OPT_RANGE}
#define FS_RANGE_HELP                                                                                    \
    "  --range FROM:TO      find and edit faces only in this window, copy the rest of the video:\n"     \
    "                       times (2.5s:7s) or frames (f75:f210), TO exclusive, either may be empty\n"

#define FS_TRACKING_OPTIONS                                                                              \
    {"max-frames", required_argument, 0, FS_OPT_MAX_FRAMES},                                            \
        {"center-sigma", required_argument, 0, FS_OPT_CENTER_SIGMA},                                    \
        {"xy-sigma", required_argument, 0, FS_OPT_XY_SIGMA}, FS_RANGE_OPTION

#define FS_TRACKING_HELP                                                                                 \
    "  --max-frames N       only the first N frames (default: all)\n"                                    \
    "  --center-sigma S     Gaussian smoothing of the quad centre over time, in frames\n"                \
    "                       (default 1.0 as STIT; 0 = off, e.g. for animation)\n"                        \
    "  --xy-sigma S         Gaussian smoothing of the quad axes (size, rotation) over time\n"            \
    "                       (default 3.0 as STIT; 0 = off)\n" FS_RANGE_HELP

/* Checks a --face value of command `cmd` (all, largest or a track id): 0 when good, else the usage
 * error is printed and 2 returned. */
int fs_cli_check_face(const char *cmd, const char *arg);

/* Handles a FS_TRACKING_OPTIONS (or FS_RANGE_OPTION) option of command `cmd`: 0 when c is not one, 1 when stored in
 * s, 2 when the value was bad (the usage error is printed; return 2 from the command). */
int fs_cli_tracking_option(const char *cmd, int c, const char *arg, fs_project_settings *s);

#endif
