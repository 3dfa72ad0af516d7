/* optim_common.h — helpers shared by the optimisers (private to src/nn). */
#ifndef FS_NN_OPTIM_COMMON_H
#define FS_NN_OPTIM_COMMON_H

#include "core/err.h"
#include "nn/optim_state.h"
#include "nn/param.h"

/* Validates a params array (sizes, groups, data pointers, unique names); sets *total elements. */
int fs__optim_check_params(const fs_param *params, int n_params, long *total, const char *who, fs_err *err);
void fs__optim_zero_grad(fs_param *params, int n_params);
/* The shortest decimal that rounds to x, as a double (0.999f -> 0.999): hyper-parameters are kept
 * as float, but PyTorch computes 1 - beta and beta^t from the Python double the user typed. */
double fs__optim_decimal(float x);
/* Per-parameter state buffers laid out back to back (bufs[b] + offset of param i), one named
 * "<names[b]>.<param name>" (or "<names[b]>.#<i>" when unnamed) per parameter. s has kind and
 * scalars filled; these add the buffers and write / read them. Load checks every buffer before
 * copying any, so bufs are untouched on failure. */
int fs__optim_save_buffers(fs__ost *s, const fs_param *params, int n_params, const float *const *bufs,
                           const char *const *names, int n_bufs, const char *path, fs_err *err);
int fs__optim_load_buffers(const fs__ost *s, const fs_param *params, int n_params, float *const *bufs,
                           const char *const *names, int n_bufs, const char *path, fs_err *err);

#endif
