/* stylegan2_backward.c — the synthesis network's backward pass, written out plainly (llm.c style):
 * one visible function walks the blocks in reverse and calls each layer's backward.
 * Activations are recomputed from what the forward saved (conv outputs y before demodulation, demod
 * coefficients, styles, noise), so the arena holds one tensor per layer. */
#include <math.h>
#include <string.h>

#include "models/stylegan2_internal.h"
#include "tensor/bias_act.h"
#include "tensor/device.h"
#include "tensor/devops.h"
#include "tensor/upfirdn2d.h"

/* x_l: the input feature map of layer l (the previous conv layer's output, or the const), recomputed into x
 * unless *held says x already holds it (a block's conv0 and the previous block's ToRGB read the same map). */
static void layer_input(const fs_sg2 *g, const fs_sg2_acts *a, int l, float *x, int *held) {
    int k = l - 1;
    while (k >= 0 && g->cfg.layers[k].kind == FS_SG2_TORGB) k--;
    if (*held == k) return;
    if (k < 0)
        fs__sg2_const_input(g, a->N, x);
    else
        fs__sg2_conv_output(g, a, k, x);
    *held = k;
}

/* ds (N, C_in) -> affine weight/bias grads and the ws row the layer read. */
static void style_backward(const fs_sg2 *g, fs_sg2_acts *a, int l, const float *ds, float *dws, fs_sg2_grads *gr) {
    const fs_sg2_config *c = &g->cfg;
    const fs_sg2_layer_info *L = &c->layers[l];
    int N = a->N, wd = c->w_dim;
    if (a->from_styles || (!dws && !gr)) return;
    for (int n = 0; n < N; n++)
        fs_dev_copy(a->ws_rows + (long)n * wd, a->ws + ((long)n * c->num_ws + L->w_index) * wd, sizeof(float) * wd);
    if (dws) fs_dev_zero(a->dws_rows, sizeof(float) * (size_t)N * wd);
    fs__sg2_affine_backward(dws ? a->dws_rows : NULL, gr ? gr->p.layer[l].affine_w : NULL,
                            gr ? gr->p.layer[l].affine_b : NULL, ds, a->ws_rows, g->p.layer[l].affine_w, N, wd, L->C_in);
    if (dws)
        for (int n = 0; n < N; n++) fs_add(dws + ((long)n * c->num_ws + L->w_index) * wd, a->dws_rows + (long)n * wd, wd);
}

/* The modulated conv of layer l (conv or ToRGB) then its style's affine, backward. dy (N, C_out, res, res): dL/dy,
 * y the conv's output before demodulation; dd (N, C_out): sum_p dL/dz * y from the activation's backward (NULL for
 * ToRGB, which has no demodulation). dx (=): dL/d(layer input), recomputed into xbuf. */
static void modconv_style_backward(const fs_sg2 *g, fs_sg2_acts *a, int l, float *dy, double *dd, float *dx, float *xbuf,
                                   int *held, float *dws, fs_sg2_grads *gr, float *const *dstyles) {
    const fs_sg2_config *c = &g->cfg;
    fs_sg2_layer_params *G = gr ? &gr->p.layer[l] : NULL;
    layer_input(g, a, l, xbuf, held);
    float *ds = dstyles && dstyles[l] ? dstyles[l] : a->ds;
    fs__sg2_work w = fs__sg2_work_of(a);
    fs__sg2_modconv_backward(dx, ds, G ? G->weight : NULL, dy, dd, a->y[l], dd ? a->demod[l] : NULL, xbuf,
                             a->styles[l], g->p.layer[l].weight, &c->layers[l], c->layout, a->N, &w);
    style_backward(g, a, l, ds, dws, gr);
}

/* Conv layer l. dcur (N, C_out, res, res): dL/d(output) on entry, clobbered. dx (=): dL/d(input).
 * xbuf: scratch for the recomputed pre-activation and input. */
static void conv_layer_backward(const fs_sg2 *g, fs_sg2_acts *a, int l, float *dcur, float *dx, float *xbuf, int *held,
                                float *dws, fs_sg2_grads *gr, float *const *dstyles) {
    const fs_sg2_config *c = &g->cfg;
    const fs_sg2_layer_info *L = &c->layers[l];
    const fs_sg2_layer_params *P = &g->p.layer[l];
    fs_sg2_layer_params *G = gr ? &gr->p.layer[l] : NULL;
    int N = a->N;
    long HW = (long)L->res * L->res;
    /* bias + lrelu*sqrt2 + clamp, noise, demodulation scale, in one pass: dcur becomes dL/dy */
    long NC = (long)N * L->C_out;
    FS_ASSERT(NC <= a->dsum_stride);
    double *dd = a->dsum + a->dsum_stride, *db = dd + a->dsum_stride, *dn = db + a->dsum_stride; /* [0]: modconv */
    fs_modact_backward(dcur, dd, db, dn, a->y[l], a->demod[l], a->noise[l], a->noise_stride[l], P->noise_strength,
                       P->bias, c->conv_clamp, N, L->C_out, HW);
    if (G) {
        fs_sum_rows_f64(G->bias, db, N, L->C_out);
        if (a->noise[l]) fs_sum_rows_f64(G->noise_strength, dn, NC, 1);
    }
    modconv_style_backward(g, a, l, dcur, dd, dx, xbuf, held, dws, gr, dstyles);
}

/* ToRGB layer l: drgb (N, img_channels, res, res) = dL/d(its output). dx (=): dL/d(its input). */
static void torgb_backward(const fs_sg2 *g, fs_sg2_acts *a, int l, const float *drgb, float *dx, float *xbuf, int *held,
                           float *dws, fs_sg2_grads *gr, float *const *dstyles) {
    const fs_sg2_config *c = &g->cfg;
    long HW = (long)c->layers[l].res * c->layers[l].res;
    float *dy = a->dimg[2];
    fs_bias_act_backward(dy, gr ? gr->p.layer[l].bias : NULL, drgb, a->y[l], g->p.layer[l].bias, a->N, c->img_channels,
                         HW, FS_ACT_LINEAR, 0.2f, 1.0f, c->conv_clamp);
    modconv_style_backward(g, a, l, dy, NULL, dx, xbuf, held, dws, gr, dstyles);
}

void fs_sg2_synthesis_backward(const fs_sg2 *g, fs_sg2_acts *a, const float *dimg, float *dws, fs_sg2_grads *gr,
                               float *const *dstyles) {
    const fs_sg2_config *c = &g->cfg;
    int N = a->N;
    FS_ASSERT(a->from_styles >= 0); /* not after fs_sg2_synthesis_forward_fused_ref */
    if (a->from_styles) dws = NULL;
    if (dws) fs_dev_zero(dws, sizeof(float) * (size_t)N * c->num_ws * c->w_dim);
    float *dcur = a->scratch[FS__SG2_B1]; /* dL/d(current feature map) */
    float *xbuf = a->scratch[FS__SG2_B2]; /* recomputed activations */
    float *dx = a->scratch[FS__SG2_B3];   /* a layer's input gradient */
    float *dimg_cur = a->dimg[0], *dimg_prev = a->dimg[1];
    long R = c->resolution;
    fs_dev_copy(dimg_cur, dimg, sizeof(float) * (size_t)N * c->img_channels * R * R);
    int l = c->n_layers - 1;
    int held = -2; /* which layer's output xbuf holds (-1: the const, -2: nothing) */
    for (int b = c->n_blocks - 1; b >= 0; b--) {
        /* ToRGB of block b; its input gradient joins the one coming back from block b+1's conv0 */
        FS_ASSERT(c->layers[l].kind == FS_SG2_TORGB && c->layers[l].block == b);
        torgb_backward(g, a, l, dimg_cur, dx, xbuf, &held, dws, gr, dstyles);
        long n = (long)N * c->layers[l].C_in * c->block_res[b] * c->block_res[b];
        if (b == c->n_blocks - 1) {
            float *t = dcur;
            dcur = dx;
            dx = t;
        } else {
            fs_add(dcur, dx, n);
        }
        l--;
        /* skip connection: img_b = upsample2d(img_{b-1}) + rgb_b */
        if (b > 0) {
            fs_upfirdn2d_dims d = fs__sg2_skip_dims(c, b, N);
            fs_upfirdn2d_backward(dimg_prev, dimg_cur, fs__sg2_fir, 4.0f, &d);
            float *t = dimg_cur;
            dimg_cur = dimg_prev;
            dimg_prev = t;
        }
        /* conv1, then conv0 (up-sampling) of block b */
        for (; l >= 0 && c->layers[l].block == b; l--) {
            conv_layer_backward(g, a, l, dcur, dx, xbuf, &held, dws, gr, dstyles);
            float *t = dcur;
            dcur = dx;
            dx = t;
        }
    }
    /* dcur = dL/d(const broadcast over the batch) */
    if (gr) fs_sum_rows_f32(gr->p.const_input, dcur, N, (long)c->block_channels[0] * 16);
}
