#include "pipeline/edit/stitch.h"

#include "pipeline/params.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "nn/adam.h"
#include "pipeline/invert/gen_params.h"
#include "pipeline/edit/masked_loss.h"

struct fs_stitcher {
    const fs_sg2 *g_pti;
    fs_sg2 *g;            /* working copy */
    fs_sg2_grads *gr;
    fs_sg2_acts *acts;
    fs_param *params;
    int n_params;
    float *dimg;          /* (1, C, R, R) */
    float *best;          /* (1, C, R, R) the render with the lowest loss so far */
};

void fs_stitch_opts_default(fs_stitch_opts *o) {
    memset(o, 0, sizeof *o);
    fs_params d;
    fs_params_default(&d);
    fs_params_to_stitch(&d, o);
}

static double loss_fwd(const fs_stitch_opts *o, const float *y, const float *t, const float *m, int C, int R) {
    return o->l1 ? fs_masked_l1_forward(y, t, m, 1, C, R, R) : fs_masked_mse_forward(y, t, m, 1, C, R, R);
}

static void loss_bwd(const fs_stitch_opts *o, float *d, const float *y, const float *t, const float *m, int C, int R,
                     double scale, int acc) {
    if (o->l1)
        fs_masked_l1_backward(d, y, t, m, 1, C, R, R, scale, acc);
    else
        fs_masked_mse_backward(d, y, t, m, 1, C, R, R, scale, acc);
}

void fs_stitcher_destroy(fs_stitcher *s) {
    if (!s) return;
    fs_sg2_destroy(s->g);
    fs_sg2_grads_destroy(s->gr);
    fs_sg2_acts_destroy(s->acts);
    free(s->params);
    free(s->dimg);
    free(s->best);
    free(s);
}

int fs_stitcher_create(fs_stitcher **out, const fs_sg2 *g_pti, fs_err *err) {
    fs_stitcher *s = calloc(1, sizeof *s);
    if (!s) return fs_errorf(err, "stitching: out of memory");
    s->g_pti = g_pti;
    long img_n = (long)g_pti->cfg.img_channels * g_pti->cfg.resolution * g_pti->cfg.resolution;
    if (fs_sg2_create(&s->g, &g_pti->cfg, err) || fs_sg2_grads_create(&s->gr, s->g, err) ||
        fs_sg2_acts_create(&s->acts, s->g, 1, err) || fs_gen_params_list(s->g, s->gr, &s->params, &s->n_params, err)) {
        fs_stitcher_destroy(s);
        return FS_ERR;
    }
    s->dimg = malloc(sizeof(float) * (size_t)img_n);
    s->best = malloc(sizeof(float) * (size_t)img_n);
    if (!s->dimg || !s->best) {
        fs_stitcher_destroy(s);
        return fs_errorf(err, "stitching: out of memory");
    }
    *out = s;
    return FS_OK;
}

static int tune(fs_stitcher *s, const float *ws, const float *const *styles, const float *crop, const float *edited,
                const fs_stitch_masks *m, const fs_stitch_opts *o, float *out, fs_stitch_report *rep, fs_err *err) {
    const fs_sg2_config *c = &s->g->cfg;
    int C = c->img_channels, R = c->resolution;
    long img_n = (long)C * R * R;
    if (m->res != R) return fs_errorf(err, "stitching: masks are %d², generator renders %d²", m->res, R);
    memcpy(s->g->data, s->g_pti->data, sizeof(float) * (size_t)c->n_floats);
    fs_adam *adam = NULL;
    if (fs_adam_create(&adam, s->params, s->n_params, o->lr, 0.9f, 0.999f, 1e-8f, err)) return FS_ERR;
    fs_sg2_opts so = fs_sg2_opts_default();
    memset(rep, 0, sizeof *rep);
    rep->best_step = -1;
    double best = INFINITY, first = 0, last = 0, last_border = 0;
    int step = 0;
    for (;; step++) {
        if (styles)
            fs_sg2_synthesis_forward_styles(s->g, s->acts, styles, &so);
        else
            fs_sg2_synthesis_forward(s->g, s->acts, ws, &so);
        const float *y = s->acts->img;
        double lb = loss_fwd(o, y, crop, m->border, C, R);
        double loss = lb + o->content_lambda * loss_fwd(o, y, edited, m->content, C, R);
        if (step == 0) rep->border_before = lb, first = loss;
        if (!isfinite(loss)) {
            rep->diverged = 1;
            break;
        }
        last = loss, last_border = lb;
        if (loss < best) {
            best = loss;
            rep->best_step = step;
            rep->border_after = lb;
            memcpy(s->best, y, sizeof(float) * (size_t)img_n);
        }
        if (step >= o->steps || lb < o->border_threshold) break;
        loss_bwd(o, s->dimg, y, crop, m->border, C, R, 1.0, 0);
        loss_bwd(o, s->dimg, y, edited, m->content, C, R, o->content_lambda, 1);
        fs_adam_zero_grad(adam);
        fs_sg2_synthesis_backward(s->g, s->acts, s->dimg, NULL, s->gr, NULL);
        fs_adam_step(adam);
    }
    rep->steps_taken = step;
    if (rep->best_step < 0) {
        fs_adam_destroy(adam);
        return fs_errorf(err, "stitching: the generator's render of this frame is not finite");
    }
    if (rep->diverged || last > first) {
        memcpy(out, s->best, sizeof(float) * (size_t)img_n); /* the safety net */
    } else {
        memcpy(out, s->acts->img, sizeof(float) * (size_t)img_n); /* STIT: the last render */
        rep->best_step = step;
        rep->border_after = last_border;
    }
    fs_adam_destroy(adam);
    return FS_OK;
}

int fs_stitcher_tune(fs_stitcher *s, const float *ws, const float *crop, const float *edited,
                     const fs_stitch_masks *m, const fs_stitch_opts *o, float *out, fs_stitch_report *rep,
                     fs_err *err) {
    return tune(s, ws, NULL, crop, edited, m, o, out, rep, err);
}

int fs_stitcher_tune_styles(fs_stitcher *s, const float *const *styles, const float *crop, const float *edited,
                            const fs_stitch_masks *m, const fs_stitch_opts *o, float *out, fs_stitch_report *rep,
                            fs_err *err) {
    return tune(s, NULL, styles, crop, edited, m, o, out, rep, err);
}
