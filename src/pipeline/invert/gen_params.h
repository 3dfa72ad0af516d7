/* gen_params.h — the generator's trainable synthesis parameters as the optimisers see them,
 * and saving/restoring a (tuned) generator's parameters. */
#ifndef FS_PIPELINE_GEN_PARAMS_H
#define FS_PIPELINE_GEN_PARAMS_H

#include "core/err.h"
#include "models/stylegan2.h"
#include "nn/param.h"

/* Every synthesis tensor that is not a buffer (weights, biases, affines, noise strengths, const),
 * data from g and grad from gr (gr may be NULL: grads NULL). *out is malloc'ed; caller frees. */
int fs_gen_params_list(fs_sg2 *g, fs_sg2_grads *gr, fs_param **out, int *n, fs_err *err);
/* Canonical safetensors of the whole generator (atomic). */
int fs_gen_params_save(const fs_sg2 *g, const char *path, fs_err *err);
/* Overwrites g's tensors with those of a file written by fs_gen_params_save for the same architecture. */
int fs_gen_params_load(fs_sg2 *g, const char *path, fs_err *err);

#endif
