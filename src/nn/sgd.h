/* sgd.h — SGD with optional momentum, PyTorch's exact semantics (torch.optim.SGD).
 *
 *   fs_sgd *opt;
 *   if (fs_sgd_create(&opt, ps, n_ps, 0.01f, 0.9f, &err)) return FS_ERR;   // momentum 0.9
 *   fs_sgd_zero_grad(opt); ...backward...; fs_sgd_step(opt);
 *
 * Per element (t = step count after increment):
 *   g = grad + weight_decay * p
 *   if momentum != 0:  buf = (t == 1) ? g : momentum * buf + (1 - dampening) * g
 *                      g = nesterov ? g + momentum * buf : buf
 *   p -= lr[group] * g
 * weight_decay, dampening (default 0) and nesterov (default 0) are set through the fields.
 * Frozen parameters (grad NULL) are skipped. Save / load as for Adam (nn/adam.h): own binary
 * format with checksum, bit-exact, optimiser untouched on a failed load.
 */
#ifndef FS_NN_SGD_H
#define FS_NN_SGD_H

#include "core/err.h"
#include "nn/param.h"

typedef struct fs_sgd {
    float lr[FS_OPTIM_MAX_GROUPS]; float momentum, dampening, weight_decay; int nesterov; long step;
    int n_params; fs_param *params;
    float *buf; /* momentum buffers, back to back, one per parameter element */
} fs_sgd;

/* Copies the params array; fails on bad params, lr < 0 or momentum outside [0, 1). */
int fs_sgd_create(fs_sgd **out, fs_param *params, int n_params, float lr, float momentum, fs_err *err);
void fs_sgd_set_group_lr(fs_sgd *s, int group, float lr);
void fs_sgd_step(fs_sgd *s);
void fs_sgd_zero_grad(fs_sgd *s);
int fs_sgd_save(const fs_sgd *s, const char *path, fs_err *err);
int fs_sgd_load(fs_sgd *s, const char *path, fs_err *err);
void fs_sgd_destroy(fs_sgd *s);

#endif
