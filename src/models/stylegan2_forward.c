/* stylegan2_forward.c — the activation arena (planned once per batch size) and the synthesis forward. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "models/stylegan2_internal.h"
#include "tensor/bias_act.h"
#include "tensor/device.h"
#include "tensor/devops.h"
#include "tensor/upfirdn2d.h"


fs_sg2_opts fs_sg2_opts_default(void) {
    fs_sg2_opts o;
    memset(&o, 0, sizeof o);
    o.noise = FS_SG2_NOISE_CONST;
    return o;
}

static long lmax(long a, long b) { return a > b ? a : b; }

int fs_sg2_acts_create(fs_sg2_acts **out, const fs_sg2 *g, int N, fs_err *err) {
    const fs_sg2_config *c = &g->cfg;
    if (N < 1 || N > 65536) return fs_errorf(err, "stylegan2: batch size %d out of range", N);
    fs_sg2_acts *a = calloc(1, sizeof *a);
    if (!a) return fs_errorf(err, "stylegan2: out of memory");
    a->N = N;
    /* plan: sizes first, then one allocation */
    long sz_styles[FS_SG2_MAX_LAYERS], sz_demod[FS_SG2_MAX_LAYERS], sz_y[FS_SG2_MAX_LAYERS], sz_noise[FS_SG2_MAX_LAYERS];
    long sc[6] = {0};
    long maxC = c->img_channels;
    long total = 0;
    for (int l = 0; l < c->n_layers; l++) {
        const fs_sg2_layer_info *L = &c->layers[l];
        int up = L->kind == FS_SG2_CONV_UP;
        long Hin = up ? L->res / 2 : L->res;
        long HWin = Hin * Hin, HW = (long)L->res * L->res, KK = (long)L->K * L->K;
        sz_styles[l] = (long)N * L->C_in;
        sz_demod[l] = L->kind == FS_SG2_TORGB ? 0 : (long)N * L->C_out;
        sz_y[l] = (long)N * L->C_out * HW;
        sz_noise[l] = L->kind == FS_SG2_TORGB ? 0 : (long)N * HW;
        total += sz_styles[l] + sz_demod[l] + sz_y[l] + sz_noise[l];
        sc[FS__SG2_XS] = lmax(sc[FS__SG2_XS], (long)N * L->C_in * HWin);
        long ct = up ? (long)L->C_out * (2 * Hin + L->K) * (2 * Hin + L->K) : 0;
        sc[FS__SG2_TMP] = lmax(sc[FS__SG2_TMP], lmax(ct, (long)L->C_out * L->C_in));
        sc[FS__SG2_WT] = lmax(sc[FS__SG2_WT], 2 * (long)L->C_in * L->C_out * KK);
        long act = lmax((long)N * L->C_in * HWin, (long)N * L->C_out * HW);
        sc[FS__SG2_B1] = lmax(sc[FS__SG2_B1], act);
        maxC = lmax(maxC, lmax(L->C_in, L->C_out));
    }
    sc[FS__SG2_B2] = sc[FS__SG2_B3] = sc[FS__SG2_B1];
    long R = c->resolution;
    long img_n = (long)N * c->img_channels * R * R;
    long blk = 0;
    for (int b = 0; b < c->n_blocks; b++) blk += (long)N * c->img_channels * c->block_res[b] * c->block_res[b];
    long small = 3 * (long)N * maxC + 16;
    total += blk + 3 * img_n + small + (long)N * maxC + 2L * N * c->w_dim + (long)N * c->num_ws * c->w_dim;
    for (int i = 0; i < 6; i++) total += sc[i];
    a->arena = fs_dev_alloc(sizeof(float) * (size_t)total, err);
    a->dsum_stride = (long)N * maxC;
    a->dsum = a->arena ? fs_dev_alloc(sizeof(double) * 4 * (size_t)a->dsum_stride, err) : NULL;
    if (!a->dsum) {
        fs_dev_free(a->arena);
        free(a);
        return fs_errorf(err, "stylegan2: out of memory for the activations of batch %d (%.1f GiB)", N,
                         total * 4.0 / (1 << 30));
    }
    a->arena_floats = total;
    float *p = a->arena;
    for (int l = 0; l < c->n_layers; l++) {
        a->styles[l] = p, p += sz_styles[l];
        a->demod[l] = sz_demod[l] ? p : NULL, p += sz_demod[l];
        a->y[l] = p, p += sz_y[l];
        a->noise[l] = NULL;
        a->noise_stride[l] = 0;
    }
    for (int l = 0; l < c->n_layers; l++) {
        a->noise_buf[l] = sz_noise[l] ? p : NULL;
        p += sz_noise[l];
    }
    for (int b = 0; b < c->n_blocks; b++) {
        a->block_img[b] = p;
        p += (long)N * c->img_channels * c->block_res[b] * c->block_res[b];
    }
    a->img = a->block_img[c->n_blocks - 1];
    for (int i = 0; i < 3; i++) a->dimg[i] = p, p += img_n;
    a->small = p, p += small;
    a->ds = p, p += (long)N * maxC;
    a->ws_rows = p, p += (long)N * c->w_dim;
    a->dws_rows = p, p += (long)N * c->w_dim;
    a->ws = p, p += (long)N * c->num_ws * c->w_dim;
    for (int i = 0; i < 6; i++) {
        a->scratch[i] = p;
        a->scratch_n[i] = sc[i];
        p += sc[i];
    }
    FS_ASSERT(p == a->arena + total);
    *out = a;
    return FS_OK;
}

void fs_sg2_acts_destroy(fs_sg2_acts *a) {
    if (!a) return;
    fs_dev_free(a->arena);
    fs_dev_free(a->dsum);
    free(a);
}

long fs_sg2_acts_bytes(const fs_sg2_acts *a) { return a->arena_floats * (long)sizeof(float); }

fs__sg2_work fs__sg2_work_of(fs_sg2_acts *a) {
    fs__sg2_work w = {a->scratch[FS__SG2_XS], a->scratch[FS__SG2_TMP], a->scratch[FS__SG2_WT], a->small, a->dsum};
    return w;
}

/* conv layers: out = bias_act(y*d + noise, bias) ; lrelu * sqrt(2), clamp */
void fs__sg2_conv_output(const fs_sg2 *g, const fs_sg2_acts *a, int l, float *out) {
    const fs_sg2_config *c = &g->cfg;
    const fs_sg2_layer_info *L = &c->layers[l];
    const fs_sg2_layer_params *P = &g->p.layer[l];
    long HW = (long)L->res * L->res;
    fs_modact_forward(out, a->y[l], a->demod[l], a->noise[l], a->noise_stride[l], P->noise_strength, P->bias,
                      c->conv_clamp, a->N, L->C_out, HW);
}

void fs_sg2_layer_output(const fs_sg2 *g, const fs_sg2_acts *a, int l, float *out) {
    FS_ASSERT(l >= 0 && l < g->cfg.n_layers && g->cfg.layers[l].kind != FS_SG2_TORGB);
    fs__sg2_conv_output(g, a, l, out);
}

/* const input broadcast over the batch */
void fs__sg2_const_input(const fs_sg2 *g, int N, float *x) {
    long n = (long)g->cfg.block_channels[0] * 16;
    for (int i = 0; i < N; i++) fs_dev_copy(x + i * n, g->p.const_input, sizeof(float) * n);
}

static void setup_noise(const fs_sg2 *g, fs_sg2_acts *a, const fs_sg2_opts *o) {
    const fs_sg2_config *c = &g->cfg;
    for (int l = 0; l < c->n_layers; l++) {
        const fs_sg2_layer_info *L = &c->layers[l];
        a->noise[l] = NULL;
        a->noise_stride[l] = 0;
        if (L->kind == FS_SG2_TORGB) continue;
        long HW = (long)L->res * L->res;
        switch (o->noise) {
        case FS_SG2_NOISE_CONST:
            a->noise[l] = g->p.layer[l].noise_const;
            break;
        case FS_SG2_NOISE_RANDOM: /* filled below */
            a->noise[l] = a->noise_buf[l];
            a->noise_stride[l] = (int)HW;
            break;
        case FS_SG2_NOISE_INJECT:
            if (o->noise_maps && o->noise_maps[l]) {
                long n = o->noise_maps_per_sample ? a->N * HW : HW;
                fs_dev_upload(a->noise_buf[l], o->noise_maps[l], sizeof(float) * n); /* host maps */
                a->noise[l] = a->noise_buf[l];
                a->noise_stride[l] = o->noise_maps_per_sample ? (int)HW : 0;
            }
            break;
        case FS_SG2_NOISE_NONE:
            break;
        }
    }
    /* random: image n of the batch draws its N(0,1) maps (1, res, res) layer by layer from fs_rng(noise_seed + n),
     * so an image's noise does not depend on the batch it is rendered in */
    if (o->noise == FS_SG2_NOISE_RANDOM) {
        float h[1024]; /* drawn on the host a piece at a time (nothing to allocate) and uploaded */
        for (int n = 0; n < a->N; n++) {
            fs_rng r;
            fs_rng_seed(&r, (uint32_t)(o->noise_seed + (uint64_t)n));
            for (int l = 0; l < c->n_layers; l++)
                if (c->layers[l].kind != FS_SG2_TORGB) {
                    long HW = (long)c->layers[l].res * c->layers[l].res;
                    for (long i0 = 0; i0 < HW; i0 += 1024) {
                        long m = HW - i0 < 1024 ? HW - i0 : 1024;
                        fs_rng_normal_f32(&r, h, m);
                        fs_dev_upload(a->noise_buf[l] + n * HW + i0, h, sizeof(float) * (size_t)m);
                    }
                }
        }
    }
}

/* Layer l's modulated conv of x into a->y[l] (demod: a->demod[l], NULL for ToRGB): the fast path, or with fused the
 * reference, which allocates its per-sample weights (FS_ERR when it cannot; the fast path cannot fail). */
static int modconv(const fs_sg2 *g, fs_sg2_acts *a, int l, const float *x, float *demod, int fused, fs__sg2_work *w,
                   fs_err *err) {
    const fs_sg2_config *c = &g->cfg;
    const float *s = a->styles[l], *W = g->p.layer[l].weight;
    if (fused) return fs__sg2_modconv_forward_fused(a->y[l], demod, x, s, W, &c->layers[l], c->layout, a->N, err);
    fs__sg2_modconv_forward(a->y[l], demod, x, s, W, &c->layers[l], c->layout, a->N, w);
    return FS_OK;
}

/* The synthesis network proper, from a->styles. fused: reference path (per-sample weights, grouped conv). */
static int synthesis(const fs_sg2 *g, fs_sg2_acts *a, const fs_sg2_opts *o, int fused, fs_err *err) {
    const fs_sg2_config *c = &g->cfg;
    int N = a->N;
    fs__sg2_work w = fs__sg2_work_of(a);
    setup_noise(g, a, o);
    float *x = a->scratch[FS__SG2_B1], *nx = a->scratch[FS__SG2_B2];
    fs__sg2_const_input(g, N, x);
    for (int l = 0; l < c->n_layers; l++) {
        const fs_sg2_layer_info *L = &c->layers[l];
        const fs_sg2_layer_params *P = &g->p.layer[l];
        long HW = (long)L->res * L->res;
        if (L->kind != FS_SG2_TORGB) {
            /* modulated conv -> demod + noise -> bias, lrelu*sqrt2, clamp */
            if (modconv(g, a, l, x, a->demod[l], fused, &w, err)) return FS_ERR;
            fs__sg2_conv_output(g, a, l, nx);
            float *t = x;
            x = nx;
            nx = t;
        } else {
            /* ToRGB: 1x1 modulated conv, no demod -> bias, clamp; img = upsample2d(img_prev) + rgb */
            int b = L->block;
            long n_img = (long)N * c->img_channels * HW;
            float *img = a->block_img[b], *rgb = a->dimg[0];
            if (modconv(g, a, l, x, NULL, fused, &w, err)) return FS_ERR;
            fs_bias_act_forward(rgb, a->y[l], P->bias, N, c->img_channels, HW, FS_ACT_LINEAR, 0.2f, 1.0f, c->conv_clamp);
            if (b == 0) {
                fs_dev_copy(img, rgb, sizeof(float) * n_img);
            } else {
                fs_upfirdn2d_dims d = fs__sg2_skip_dims(c, b, N);
                fs_upfirdn2d_forward(img, a->block_img[b - 1], fs__sg2_fir, 4.0f, &d);
                fs_add(img, rgb, n_img);
            }
        }
    }
    return FS_OK;
}

fs_upfirdn2d_dims fs__sg2_skip_dims(const fs_sg2_config *c, int b, int N) {
    int H = c->block_res[b - 1];
    fs_upfirdn2d_dims d = {.N = N, .C = c->img_channels, .H = H, .W = H, .KH = 4, .KW = 4, .up_x = 2, .up_y = 2,
                           .down_x = 1, .down_y = 1, .pad_x0 = 2, .pad_x1 = 1, .pad_y0 = 2, .pad_y1 = 1};
    fs_err err;
    FS_ASSERT(fs_upfirdn2d_dims_init(&d, &err) == FS_OK && d.H_out == c->block_res[b]);
    return d;
}

static void styles_from_ws(const fs_sg2 *g, fs_sg2_acts *a, const float *ws) {
    const fs_sg2_config *c = &g->cfg;
    int N = a->N;
    for (int l = 0; l < c->n_layers; l++) {
        const fs_sg2_layer_info *L = &c->layers[l];
        for (int n = 0; n < N; n++)
            fs_dev_copy(a->ws_rows + (long)n * c->w_dim, ws + ((long)n * c->num_ws + L->w_index) * c->w_dim,
                        sizeof(float) * c->w_dim);
        fs__sg2_affine_forward(a->styles[l], a->ws_rows, g->p.layer[l].affine_w, g->p.layer[l].affine_b, N, c->w_dim,
                               L->C_in);
    }
    a->from_styles = 0;
    fs_dev_copy(a->ws, ws, sizeof(float) * (size_t)N * c->num_ws * c->w_dim);
}

void fs_sg2_synthesis_forward(const fs_sg2 *g, fs_sg2_acts *a, const float *ws, const fs_sg2_opts *o) {
    styles_from_ws(g, a, ws);
    synthesis(g, a, o, 0, NULL); /* cannot fail: only the fused reference allocates */
}

int fs_sg2_synthesis_forward_fused_ref(const fs_sg2 *g, fs_sg2_acts *a, const float *ws, const fs_sg2_opts *o,
                                       fs_err *err) {
    styles_from_ws(g, a, ws);
    a->from_styles = -1; /* no backward from this layout */
    return synthesis(g, a, o, 1, err);
}

void fs_sg2_synthesis_forward_styles(const fs_sg2 *g, fs_sg2_acts *a, const float *const *styles,
                                     const fs_sg2_opts *o) {
    const fs_sg2_config *c = &g->cfg;
    for (int l = 0; l < c->n_layers; l++)
        fs_dev_copy(a->styles[l], styles[l], sizeof(float) * (size_t)a->N * c->layers[l].C_in);
    a->from_styles = 1;
    synthesis(g, a, o, 0, NULL); /* cannot fail: only the fused reference allocates */
}
