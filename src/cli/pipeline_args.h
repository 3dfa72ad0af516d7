/* pipeline_args.h — command-line options shared by several commands (model selection for
 * invert and edit; the pipeline parameters of faces, align, invert and edit, from their table) and
 * small number parsers for the CLI. */
#ifndef FS_CLI_PIPELINE_ARGS_H
#define FS_CLI_PIPELINE_ARGS_H

#include "pipeline/model_set.h"
#include "pipeline/project/project.h"
#include "pipeline/params.h"

#include <getopt.h>
#include <stdio.h>

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

/* The pipeline parameters (pipeline/params.h) as options: each is --KEY-WITH-DASHES, with the
 * value FS_OPT_PARAM + its id. */
enum { FS_OPT_PARAM = 1200 };

/* Copies base (up to its {0} terminator), appends the parameters whose commands meet mask and
 * terminates; cap is out's size. Returns 0, or 1 when cap is too small. */
int fs_cli_options_build(const struct option *base, unsigned mask, struct option *out, int cap);

/* Handles a parameter option of command `cmd`: 0 when c is not one, 1 when stored in p, 2 when the value
 * was bad (the usage error, naming the flag, is printed; return 2 from the command). */
int fs_cli_param_option(const char *cmd, int c, const char *arg, fs_params *p);

/* One help entry per parameter with (cmds & mask) and not (cmds & exclude): flag, metavar, help,
 * default, range and STIT's name. */
void fs_cli_param_help(FILE *fp, unsigned mask, unsigned exclude);

#endif
