/* sgd.c — torch.optim.SGD, single-tensor path (see sgd.h). */
#include "nn/sgd.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nn/optim_common.h"
#include "nn/optim_state.h"

int fs_sgd_create(fs_sgd **out, fs_param *params, int n_params, float lr, float momentum, fs_err *err) {
    *out = NULL;
    if (!(lr >= 0.0f)) return fs_errorf(err, "sgd: learning rate %g must be >= 0", lr);
    if (!(momentum >= 0.0f && momentum < 1.0f)) return fs_errorf(err, "sgd: momentum %g must be in [0, 1)", momentum);
    long total = 0;
    if (fs__optim_check_params(params, n_params, &total, "sgd", err)) return FS_ERR;
    fs_sgd *s = calloc(1, sizeof *s);
    if (!s) return fs_errorf(err, "sgd: out of memory");
    s->params = calloc((size_t)(n_params > 0 ? n_params : 1), sizeof *s->params);
    s->buf = calloc((size_t)(total > 0 ? total : 1), sizeof(float));
    if (!s->params || !s->buf) {
        free(s->params), free(s->buf), free(s);
        return fs_errorf(err, "sgd: out of memory for %ld parameters", total);
    }
    if (n_params > 0) memcpy(s->params, params, sizeof *params * (size_t)n_params);
    s->n_params = n_params;
    for (int g = 0; g < FS_OPTIM_MAX_GROUPS; g++) s->lr[g] = lr;
    s->momentum = momentum;
    *out = s;
    return FS_OK;
}

void fs_sgd_set_group_lr(fs_sgd *s, int group, float lr) {
    FS_ASSERT(group >= 0 && group < FS_OPTIM_MAX_GROUPS);
    s->lr[group] = lr;
}

void fs_sgd_step(fs_sgd *s) {
    s->step++;
    const float mom = s->momentum, damp1 = (float)(1.0 - fs__optim_decimal(s->dampening)), wd = s->weight_decay;
    long off = 0;
    for (int i = 0; i < s->n_params; i++) {
        const fs_param *p = &s->params[i];
        float *b = s->buf + off;
        off += p->n;
        if (!p->grad) continue;
        const float neg_lr = -s->lr[p->group];
        float *x = p->data;
        for (long k = 0; k < p->n; k++) {
            float g = p->grad[k];
            if (wd != 0.0f) g = g + wd * x[k];
            if (mom != 0.0f) {
                b[k] = s->step == 1 ? g : b[k] * mom + damp1 * g;
                g = s->nesterov ? g + mom * b[k] : b[k];
            }
            x[k] = x[k] + neg_lr * g;
        }
    }
}

void fs_sgd_zero_grad(fs_sgd *s) {
    fs__optim_zero_grad(s->params, s->n_params);
}

int fs_sgd_save(const fs_sgd *s, const char *path, fs_err *err) {
    fs__ost st = {0};
    snprintf(st.kind, sizeof st.kind, "sgd");
    fs__ost_scalar sc[5 + FS_OPTIM_MAX_GROUPS];
    int ns = 0;
    sc[ns++] = (fs__ost_scalar){"step", (double)s->step};
    sc[ns++] = (fs__ost_scalar){"momentum", s->momentum};
    sc[ns++] = (fs__ost_scalar){"dampening", s->dampening};
    sc[ns++] = (fs__ost_scalar){"weight_decay", s->weight_decay};
    sc[ns++] = (fs__ost_scalar){"nesterov", s->nesterov};
    for (int g = 0; g < FS_OPTIM_MAX_GROUPS; g++) {
        snprintf(sc[ns].name, sizeof sc[ns].name, "lr%d", g);
        sc[ns++].value = s->lr[g];
    }
    st.scalars = sc, st.n_scalars = ns;
    const float *bufs[1] = {s->buf};
    const char *names[1] = {"momentum_buffer"};
    return fs__optim_save_buffers(&st, s->params, s->n_params, bufs, names, 1, path, err);
}

int fs_sgd_load(fs_sgd *s, const char *path, fs_err *err) {
    fs__ost st;
    if (fs__ost_read(&st, path, "sgd", err)) return FS_ERR;
    double step, mom, damp, wd, nest, lr[FS_OPTIM_MAX_GROUPS];
    int rc = fs__ost_scalar_get(&st, "step", &step, path, err) ||
             fs__ost_scalar_get(&st, "momentum", &mom, path, err) ||
             fs__ost_scalar_get(&st, "dampening", &damp, path, err) ||
             fs__ost_scalar_get(&st, "weight_decay", &wd, path, err) ||
             fs__ost_scalar_get(&st, "nesterov", &nest, path, err);
    for (int g = 0; !rc && g < FS_OPTIM_MAX_GROUPS; g++) {
        char nm[16];
        snprintf(nm, sizeof nm, "lr%d", g);
        rc = fs__ost_scalar_get(&st, nm, &lr[g], path, err);
    }
    if (!rc && !(step >= 0 && step < 9e15 && step == floor(step)))
        rc = fs_errorf(err, "%s: optimiser state has an invalid step count", path);
    if (!rc && !(mom >= 0 && mom < 1 && isfinite(damp) && isfinite(wd)))
        rc = fs_errorf(err, "%s: optimiser state has invalid hyper-parameters (momentum %g)", path, mom);
    for (int g = 0; !rc && g < FS_OPTIM_MAX_GROUPS; g++)
        if (!(lr[g] >= 0 && isfinite(lr[g])))
            rc = fs_errorf(err, "%s: optimiser state has an invalid learning rate", path);
    float *bufs[1] = {s->buf};
    const char *names[1] = {"momentum_buffer"};
    if (!rc) rc = fs__optim_load_buffers(&st, s->params, s->n_params, bufs, names, 1, path, err);
    if (!rc) {
        s->step = (long)step;
        s->momentum = (float)mom, s->dampening = (float)damp, s->weight_decay = (float)wd, s->nesterov = nest != 0;
        for (int g = 0; g < FS_OPTIM_MAX_GROUPS; g++) s->lr[g] = (float)lr[g];
    }
    fs__ost_free(&st);
    return rc ? FS_ERR : FS_OK;
}

void fs_sgd_destroy(fs_sgd *s) {
    if (!s) return;
    free(s->params);
    free(s->buf);
    free(s);
}
