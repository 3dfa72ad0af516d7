#include "pipeline/invert/projector.h"

#include <stdlib.h>
#include <string.h>

#include "nn/adam.h"

void fs_projector_opts_default(fs_projector_opts *o) {
    o->steps = 100;
    o->lr = 0.01f;
    o->l2_lambda = 1.0f;
    o->lpips_lambda = 1.0f;
}

int fs_projector_run(const fs_sg2 *g, const fs_lpips *lp, const float *target, const fs_projector_opts *o, float *ws,
                 double *losses, fs_err *err) {
    const fs_sg2_config *c = &g->cfg;
    int R = c->resolution, C = c->img_channels, L = c->num_ws, D = c->w_dim;
    long img_n = (long)C * R * R;
    float *w = malloc(sizeof(float) * D), *dw = calloc((size_t)D, sizeof(float));
    float *wsb = malloc(sizeof(float) * (size_t)L * D), *dws = malloc(sizeof(float) * (size_t)L * D);
    float *dimg = malloc(sizeof(float) * (size_t)img_n);
    fs_sg2_acts *a = NULL;
    fs_adam *adam = NULL;
    fs_lpips_target *tgt = NULL; /* the target's LPIPS features, computed once */
    int rc = FS_ERR;
    if (!w || !dw || !wsb || !dws || !dimg) {
        fs_errorf(err, "projection: out of memory");
        goto done;
    }
    if (fs_sg2_acts_create(&a, g, 1, err)) goto done;
    if (lp && o->lpips_lambda != 0 && fs_lpips_target_create(&tgt, lp, target, 1, R, R, err)) goto done;
    memcpy(w, g->p.w_avg, sizeof(float) * D);
    fs_param prm = {w, dw, D, 0, "w"};
    if (fs_adam_create(&adam, &prm, 1, o->lr, 0.9f, 0.999f, 1e-8f, err)) goto done;
    fs_sg2_opts so = fs_sg2_opts_default();
    for (int step = 0;; step++) {
        for (int l = 0; l < L; l++) memcpy(wsb + (size_t)l * D, w, sizeof(float) * D);
        fs_sg2_synthesis_forward(g, a, wsb, &so);
        double loss = 0;
        float dist = 0;
        int last = step >= o->steps;
        if (tgt) {
            if (fs_lpips_distance_to(lp, tgt, a->img, &dist, NULL, last ? NULL : dimg, o->lpips_lambda, err)) goto done;
            loss += o->lpips_lambda * (double)dist;
        } else if (!last) {
            memset(dimg, 0, sizeof(float) * (size_t)img_n);
        }
        double s = 0, k = 2.0 * o->l2_lambda / (double)img_n;
        for (long i = 0; i < img_n; i++) {
            double e = (double)a->img[i] - target[i];
            s += e * e;
            if (!last) dimg[i] += (float)(k * e);
        }
        loss += o->l2_lambda * s / (double)img_n;
        if (losses) losses[step] = loss;
        if (last) break;
        fs_sg2_synthesis_backward(g, a, dimg, dws, NULL, NULL);
        memset(dw, 0, sizeof(float) * D);
        for (int l = 0; l < L; l++)
            for (int i = 0; i < D; i++) dw[i] += dws[(size_t)l * D + i];
        fs_adam_step(adam);
    }
    for (int l = 0; l < L; l++) memcpy(ws + (size_t)l * D, w, sizeof(float) * D);
    rc = FS_OK;
done:
    fs_lpips_target_destroy(tgt);
    fs_adam_destroy(adam);
    fs_sg2_acts_destroy(a);
    free(w), free(dw), free(wsb), free(dws), free(dimg);
    return rc;
}
