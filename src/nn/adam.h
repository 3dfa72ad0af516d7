/* adam.h — Adam with PyTorch's exact semantics (torch.optim.Adam, amsgrad=False, maximize=False).
 *
 *   fs_param ps[] = {{w, dw, n_w, 0, "w"}, {b, db, n_b, 1, "b"}};
 *   fs_adam *opt;
 *   if (fs_adam_create(&opt, ps, 2, 1e-3f, 0.9f, 0.999f, 1e-8f, &err)) return FS_ERR;
 *   fs_adam_set_group_lr(opt, 1, 1e-4f);          // group 1 learns slower
 *   for (it...) {
 *       fs_adam_zero_grad(opt);
 *       model_forward(...); model_backward(...);  // parameter grads ACCUMULATE into dw, db
 *       fs_adam_step(opt);
 *   }
 *   fs_adam_save(opt, "run/optim.state", &err);   // later: fs_adam_load() and continue, bit-exact
 *   fs_adam_destroy(opt);
 *
 * One step, per element, t = step count after increment (float32 like PyTorch's CPU kernel;
 * the bias corrections in double like PyTorch's Python scalars):
 *   g  = grad + weight_decay * p                  (L2 added to the gradient — Adam, not AdamW)
 *   m  = lerp(m, g, 1 - beta1)                    (= beta1 m + (1 - beta1) g)
 *   v  = beta2 v + (1 - beta2) g^2
 *   p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
 * which is p -= lr m_hat / (sqrt(v_hat) + eps) with eps added to sqrt(v_hat).
 * Device: data, grad and the state m, v are device memory (tensor/device.h); the update is the backend op
 * fs_adam_update (tensor/devops.h); save/load move the state across. On "cpu" large parameters are updated over core/threads.h; the update is per element, so the result is
 * bit-identical for any thread count. Parameters with grad == NULL are frozen (skipped). The step counter is shared by all
 * parameters (PyTorch keeps one per parameter; they agree unless a parameter sometimes gets no
 * gradient). weight_decay defaults to 0; set the field directly. lr[g] is group g's rate.
 * State file: facestitch's own small binary format (nn/optim_state.h: magic, version, FNV-1a
 * checksum), not safetensors; it stores step, hyper-parameters, lr[] and m, v bit-exactly, keyed
 * by parameter name (or index when unnamed). Loading checks the names and sizes and restores the
 * hyper-parameters like torch's load_state_dict; on any error the optimiser is left unchanged.
 */
#ifndef FS_NN_ADAM_H
#define FS_NN_ADAM_H

#include "core/err.h"
#include "nn/param.h"

typedef struct fs_adam { /* PyTorch semantics: m,v bias-corrected, eps added to sqrt(v_hat) */
    float lr[8]; float beta1, beta2, eps, weight_decay; long step; int n_params; fs_param *params;
    float *m, *v; } fs_adam;

/* Copies the params array (data/grad stay borrowed); m = v = 0, step = 0, every group's lr = lr.
 * Fails on n_params < 0, n < 0, a group outside 0..7, NULL data, bad betas or eps < 0. */
int fs_adam_create(fs_adam **out, fs_param *params, int n_params, float lr, float beta1, float beta2,
                   float eps, fs_err *err);
void fs_adam_set_group_lr(fs_adam *a, int group, float lr);
void fs_adam_step(fs_adam *a);              /* uses params[i].grad */
void fs_adam_zero_grad(fs_adam *a);
int fs_adam_save(const fs_adam *a, const char *path, fs_err *err);   /* atomic write */
int fs_adam_load(fs_adam *a, const char *path, fs_err *err);
void fs_adam_destroy(fs_adam *a);

#endif
