/* model_set.h — which model files a run uses.
 *
 * In order of precedence: explicit paths (--model, --encoder, --lpips, --parser), then a
 * models directory (--models DIR, e.g. one written by `facestitch models init --tiny`:
 * DIR/generator.safetensors, encoder.safetensors, lpips.safetensors, parser.safetensors,
 * directions/NAME.npy), then the model registry (`facestitch models`). The generator is
 * required; the others are optional (no encoder: pivots by projection from w_avg; no LPIPS:
 * PTI runs L2-only; no parser: masks from the landmarks).
 */
#ifndef FS_PIPELINE_MODEL_SET_H
#define FS_PIPELINE_MODEL_SET_H

#include "core/path.h"
#include "core/err.h"
#include "models/lpips.h"

typedef struct fs_model_set {
    char generator[FS_PATH_MAX];
    char encoder[FS_PATH_MAX];        /* "" = none */
    char lpips[FS_PATH_MAX];          /* "" = none */
    char lpips_backbone[FS_PATH_MAX]; /* "" = lpips holds the trunk too */
    char parser[FS_PATH_MAX];         /* "" = none */
    char models_dir[FS_PATH_MAX];     /* "" = none */
    int from_registry;         /* 1 when the generator came from the registry */
} fs_model_set;

typedef struct fs_model_args {
    const char *models_dir, *generator, *encoder, *lpips, *parser;
    int no_encoder, no_lpips, no_parser;
} fs_model_args;

int fs_model_set_resolve(const fs_model_args *a, fs_model_set *out, fs_err *err);
/* LPIPS from the set (combining a lin-layer file with its trunk when they are separate). */
int fs_model_set_load_lpips(const fs_model_set *s, fs_lpips **out, fs_err *err);
/* A direction NAME: an existing file path, else models_dir/directions/NAME.npy, else the registry's
 * "direction-NAME". Fails naming the direction and where it was looked for. */
int fs_model_set_direction(const fs_model_set *s, const char *name, char *path, size_t n, fs_err *err);
/* One line for logs: "generator X, encoder Y, ...". */
void fs_model_set_describe(const fs_model_set *s, char *buf, size_t n);

#endif
