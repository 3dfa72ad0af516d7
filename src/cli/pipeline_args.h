/* pipeline_args.h — command-line options shared by invert and edit (model selection) and
 * small number parsers for the CLI. */
#ifndef FS_CLI_PIPELINE_ARGS_H
#define FS_CLI_PIPELINE_ARGS_H

#include "pipeline/model_set.h"

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

#endif
