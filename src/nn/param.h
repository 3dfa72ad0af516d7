/* param.h — a trainable parameter as the optimisers see it.
 *
 *   fs_param ps[2] = {{.data = w, .grad = dw, .n = n_w, .group = 0, .name = "conv1.weight"},
 *                     {.data = b, .grad = db, .n = n_b, .group = 1, .name = "conv1.bias"}};
 *
 * `data` and `grad` are borrowed (the model owns them). Backward passes ACCUMULATE into `grad`,
 * so gradient accumulation over several mini-batches = several backwards between zero_grads.
 * A parameter whose `grad` is NULL is frozen (the optimiser skips it).
 * `group` (0..FS_OPTIM_MAX_GROUPS-1) selects a learning rate (per-parameter-group lr).
 * `name` (may be NULL) identifies the parameter in saved optimiser state.
 */
#ifndef FS_NN_PARAM_H
#define FS_NN_PARAM_H

#define FS_OPTIM_MAX_GROUPS 8

typedef struct fs_param { float *data; float *grad; long n; int group; const char *name; } fs_param;

#endif
