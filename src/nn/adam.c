/* adam.c — torch.optim.Adam, single-tensor CPU path (see adam.h). */
#include "nn/adam.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor/device.h"
#include "tensor/devops.h"
#include "nn/optim_common.h"
#include "nn/optim_state.h"

int fs_adam_create(fs_adam **out, fs_param *params, int n_params, float lr, float beta1, float beta2, float eps,
                   fs_err *err) {
    *out = NULL;
    if (!(beta1 >= 0.0f && beta1 < 1.0f) || !(beta2 >= 0.0f && beta2 < 1.0f))
        return fs_errorf(err, "adam: betas (%g, %g) must be in [0, 1)", beta1, beta2);
    if (!(eps >= 0.0f)) return fs_errorf(err, "adam: eps %g must be >= 0", eps);
    if (!(lr >= 0.0f)) return fs_errorf(err, "adam: learning rate %g must be >= 0", lr);
    long total = 0;
    if (fs__optim_check_params(params, n_params, &total, "adam", err)) return FS_ERR;
    fs_adam *a = calloc(1, sizeof *a);
    if (!a) return fs_errorf(err, "adam: out of memory");
    a->params = calloc((size_t)(n_params > 0 ? n_params : 1), sizeof *a->params);
    a->m = a->params ? fs_dev_alloc_f32(total > 0 ? 2 * total : 1, err) : NULL; /* device memory, zeroed */
    if (!a->params || !a->m) {
        free(a->params), free(a);
        return fs_errorf(err, "adam: out of memory for the state of %ld parameters", total);
    }
    if (n_params > 0) memcpy(a->params, params, sizeof *params * (size_t)n_params);
    a->v = a->m + total;
    a->n_params = n_params;
    for (int g = 0; g < FS_OPTIM_MAX_GROUPS; g++) a->lr[g] = lr;
    a->beta1 = beta1, a->beta2 = beta2, a->eps = eps, a->weight_decay = 0.0f;
    *out = a;
    return FS_OK;
}

void fs_adam_set_group_lr(fs_adam *a, int group, float lr) {
    FS_ASSERT(group >= 0 && group < FS_OPTIM_MAX_GROUPS);
    a->lr[group] = lr;
}

void fs_adam_step(fs_adam *a) {
    a->step++;
    /* PyTorch's hyper-parameters are Python doubles: recover 0.999 from 0.999f before 1 - beta2
     * and beta2^t, which would otherwise be off by ~1e-5 relative. */
    const double beta1 = fs__optim_decimal(a->beta1), beta2 = fs__optim_decimal(a->beta2);
    const double t = (double)a->step;
    const double bc1 = 1.0 - pow(beta1, t);
    const double bc2_sqrt = sqrt(1.0 - pow(beta2, t));
    fs_adam_consts j = {.wd = a->weight_decay,
                  .w1 = (float)(1.0 - beta1),
                  .b2 = a->beta2,
                  .one_m_b2 = (float)(1.0 - beta2),
                  .bc2s = (float)bc2_sqrt,
                  .eps = a->eps};
    long off = 0;
    for (int i = 0; i < a->n_params; i++) {
        const fs_param *p = &a->params[i];
        long at = off;
        off += p->n;
        if (!p->grad || p->n <= 0) continue;
        j.neg_step = (float)(-fs__optim_decimal(a->lr[p->group]) / bc1);
        fs_adam_update(p->data, a->m + at, a->v + at, p->grad, &j, p->n); /* device op (tensor/devops.h) */
    }
}

void fs_adam_zero_grad(fs_adam *a) {
    fs__optim_zero_grad(a->params, a->n_params);
}

int fs_adam_save(const fs_adam *a, const char *path, fs_err *err) {
    fs__ost s = {0};
    snprintf(s.kind, sizeof s.kind, "adam");
    fs__ost_scalar sc[5 + FS_OPTIM_MAX_GROUPS];
    int ns = 0;
    sc[ns++] = (fs__ost_scalar){"step", (double)a->step};
    sc[ns++] = (fs__ost_scalar){"beta1", a->beta1};
    sc[ns++] = (fs__ost_scalar){"beta2", a->beta2};
    sc[ns++] = (fs__ost_scalar){"eps", a->eps};
    sc[ns++] = (fs__ost_scalar){"weight_decay", a->weight_decay};
    for (int g = 0; g < FS_OPTIM_MAX_GROUPS; g++) {
        snprintf(sc[ns].name, sizeof sc[ns].name, "lr%d", g);
        sc[ns++].value = a->lr[g];
    }
    s.scalars = sc, s.n_scalars = ns;
    long total = a->v - a->m;
    float *hm = fs_dev_to_host_f32(a->m, 2 * total); /* the state comes down from the device to be written */
    if (!hm) return fs_errorf(err, "%s: out of memory", path);
    const float *bufs[2] = {hm, hm + total};
    const char *names[2] = {"m", "v"};
    int rc = fs__optim_save_buffers(&s, a->params, a->n_params, bufs, names, 2, path, err);
    free(hm);
    return rc;
}

int fs_adam_load(fs_adam *a, const char *path, fs_err *err) {
    fs__ost s;
    if (fs__ost_read(&s, path, "adam", err)) return FS_ERR;
    double step, b1, b2, eps, wd, lr[FS_OPTIM_MAX_GROUPS];
    int rc = fs__ost_scalar_get(&s, "step", &step, path, err) || fs__ost_scalar_get(&s, "beta1", &b1, path, err) ||
             fs__ost_scalar_get(&s, "beta2", &b2, path, err) || fs__ost_scalar_get(&s, "eps", &eps, path, err) ||
             fs__ost_scalar_get(&s, "weight_decay", &wd, path, err);
    for (int g = 0; !rc && g < FS_OPTIM_MAX_GROUPS; g++) {
        char nm[16];
        snprintf(nm, sizeof nm, "lr%d", g);
        rc = fs__ost_scalar_get(&s, nm, &lr[g], path, err);
    }
    if (!rc && !(step >= 0 && step < 9e15 && step == floor(step)))
        rc = fs_errorf(err, "%s: optimiser state has an invalid step count", path);
    if (!rc && !(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1 && eps >= 0 && isfinite(eps) && isfinite(wd)))
        rc =
            fs_errorf(err, "%s: optimiser state has invalid hyper-parameters (betas %g %g, eps %g)", path, b1, b2, eps);
    for (int g = 0; !rc && g < FS_OPTIM_MAX_GROUPS; g++)
        if (!(lr[g] >= 0 && isfinite(lr[g])))
            rc = fs_errorf(err, "%s: optimiser state has an invalid learning rate", path);
    long total = a->v - a->m;
    float *hm = rc ? NULL : malloc(sizeof(float) * (size_t)(2 * total > 0 ? 2 * total : 1)); /* host staging */
    if (!rc && !hm) rc = fs_errorf(err, "%s: out of memory", path);
    float *bufs[2] = {hm, hm ? hm + total : NULL};
    const char *names[2] = {"m", "v"};
    /* validate everything first, then copy: the optimiser is untouched on failure */
    if (!rc) rc = fs__optim_load_buffers(&s, a->params, a->n_params, bufs, names, 2, path, err);
    if (!rc) fs_dev_upload(a->m, hm, sizeof(float) * (size_t)(2 * total));
    free(hm);
    if (!rc) {
        a->step = (long)step;
        a->beta1 = (float)b1, a->beta2 = (float)b2, a->eps = (float)eps, a->weight_decay = (float)wd;
        for (int g = 0; g < FS_OPTIM_MAX_GROUPS; g++) a->lr[g] = (float)lr[g];
    }
    fs__ost_free(&s);
    return rc ? FS_ERR : FS_OK;
}

void fs_adam_destroy(fs_adam *a) {
    if (!a) return;
    free(a->params);
    fs_dev_free(a->m);
    free(a);
}
