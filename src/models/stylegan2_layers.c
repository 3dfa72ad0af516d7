/* stylegan2_layers.c — the generator's layers, forward and backward:
 *   affine (style) layer, modulated convolution (3x3, 3x3 up-sampling, 1x1 ToRGB), demodulation + noise.
 *
 * Modulated conv, the non-fused way (exact math, one shared-weight conv for the whole batch):
 *   xs[n,i]  = x[n,i] * s[n,i] * g            g: 1 (NVIDIA conv), 1/sqrt(Cin k k) (rosinality conv, any ToRGB)
 *   y[n]     = conv(xs[n], W)                 3x3 pad k/2; or conv_transpose stride 2 + FIR [1,3,3,1] gain 4 pad 1/1
 *   d[n,o]   = rsqrt(sum_i (s[n,i] g)^2 Wsq[o,i] + 1e-8),  Wsq[o,i] = sum_k W[o,i,k]^2   (not for ToRGB)
 *   z        = y * d + noise_strength * noise (then bias_act in the caller)
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/threads.h"
#include "models/stylegan2_internal.h"
#include "tensor/conv2d.h"
#include "tensor/conv_transpose2d.h"
#include "tensor/gemm.h"
#include "tensor/linear.h"
#include "tensor/upfirdn2d.h"

const float fs__sg2_fir[16] = {
    1 / 64.f, 3 / 64.f, 3 / 64.f, 1 / 64.f, 3 / 64.f, 9 / 64.f, 9 / 64.f, 3 / 64.f,
    3 / 64.f, 9 / 64.f, 9 / 64.f, 3 / 64.f, 1 / 64.f, 3 / 64.f, 3 / 64.f, 1 / 64.f,
};

float fs__sg2_style_gain(const fs_sg2_layer_info *L, fs_sg2_layout layout) {
    if (L->kind == FS_SG2_TORGB || layout == FS_SG2_LAYOUT_ROSINALITY)
        return (float)(1.0 / sqrt((double)L->C_in * L->K * L->K));
    return 1.0f;
}

/* ---- affine: s = w A^T / sqrt(w_dim) + b (FullyConnectedLayer, lr_multiplier 1, bias_init 1) ---- */

void fs__sg2_affine_forward(float *s, const float *w_rows, const float *A, const float *b, int N, int w_dim,
                            int C_in) {
    float gain = (float)(1.0 / sqrt((double)w_dim));
    fs_linear_forward(s, w_rows, A, NULL, N, w_dim, C_in);
    for (long k = 0; k < (long)N * C_in; k++) s[k] = s[k] * gain + b[k % C_in];
}

void fs__sg2_affine_backward(float *dw_rows, float *dA, float *db, const float *ds, const float *w_rows,
                             const float *A, int N, int w_dim, int C_in) {
    float gain = (float)(1.0 / sqrt((double)w_dim));
    if (db)
        for (long k = 0; k < (long)N * C_in; k++) db[k % C_in] += ds[k];
    /* y = gain * (w A^T): dA += gain ds^T w ; dw += gain ds A */
    if (dA) fs_sgemm(1, 0, C_in, w_dim, N, gain, ds, C_in, w_rows, w_dim, 1.0f, dA, w_dim);
    if (dw_rows) fs_sgemm(0, 0, N, w_dim, C_in, gain, ds, C_in, A, w_dim, 1.0f, dw_rows, w_dim);
}

/* ---- per-plane helpers, parallel over (n, c) ---- */

typedef struct {
    float *out;
    const float *a, *b; /* planes, b may be NULL */
    const float *scale; /* one per plane */
    float gain;
    long HW;
    double *red; /* per plane reduction result */
} plane_ctx;

/* out[p] = a[p] * scale[p] * gain */
static void scale_planes_fn(void *vc, int64_t b, int64_t e, int t) {
    (void)t;
    const plane_ctx *c = vc;
    for (int64_t p = b; p < e; p++) {
        float s = c->scale[p] * c->gain;
        const float *a = c->a + p * c->HW;
        float *o = c->out + p * c->HW;
        for (long i = 0; i < c->HW; i++) o[i] = a[i] * s;
    }
}
static void scale_planes(float *out, const float *a, const float *scale, float gain, long planes, long HW) {
    plane_ctx c = {out, a, NULL, scale, gain, HW, NULL};
    fs_parallel_for(planes, 1, scale_planes_fn, &c);
}

/* red[p] = sum_i a[p,i] * b[p,i] (b NULL: shared map c->scale of HW with stride 0... not used) */
static void dot_planes_fn(void *vc, int64_t b, int64_t e, int t) {
    (void)t;
    const plane_ctx *c = vc;
    for (int64_t p = b; p < e; p++) {
        const float *x = c->a + p * c->HW, *y = c->b + p * c->HW;
        double acc = 0;
        for (long i = 0; i < c->HW; i++) acc += (double)x[i] * y[i];
        c->red[p] = acc;
    }
}
static void dot_planes(double *red, const float *a, const float *b, long planes, long HW) {
    plane_ctx c = {NULL, a, b, NULL, 1, HW, red};
    fs_parallel_for(planes, 1, dot_planes_fn, &c);
}

/* out = clamp(lrelu(y*d + strength*noise + bias) * gain): demodulation, noise and bias_act in one pass */
typedef struct {
    float *out;
    const float *y, *d, *noise, *bias;
    long noise_stride, HW;
    float strength, gain, clamp;
    int C;
} ca_ctx;

static void conv_act_fn(void *vc, int64_t b, int64_t e, int t) {
    (void)t;
    const ca_ctx *c = vc;
    for (int64_t p = b; p < e; p++) {
        int n = (int)(p / c->C), ch = (int)(p % c->C);
        float d = c->d[p], bv = c->bias[ch], g = c->gain, cl = c->clamp;
        const float *y = c->y + p * c->HW;
        const float *nz = c->noise ? c->noise + n * c->noise_stride : NULL;
        float *o = c->out + p * c->HW;
        /* same operation order as (y*d + noise) then bias_act (bit-identical); branches hoisted */
        float st = c->strength;
        if (nz && cl < 0) {
            for (long i = 0; i < c->HW; i++) {
                float v = (y[i] * d + nz[i] * st) + bv;
                o[i] = (v > 0 ? v : v * 0.2f) * g;
            }
        } else if (cl < 0) {
            for (long i = 0; i < c->HW; i++) {
                float v = y[i] * d + bv;
                o[i] = (v > 0 ? v : v * 0.2f) * g;
            }
        } else {
            for (long i = 0; i < c->HW; i++) {
                float v = (nz ? y[i] * d + nz[i] * st : y[i] * d) + bv;
                v = (v > 0 ? v : v * 0.2f) * g;
                o[i] = v < -cl ? -cl : (v > cl ? cl : v);
            }
        }
    }
}

void fs__sg2_conv_act(float *out, const float *y, const float *demod, const float *noise, long noise_stride,
                      float strength, const float *bias, float clamp, int N, int C, long HW) {
    ca_ctx c = {out, y, demod, noise, bias, noise_stride, HW, strength, (float)sqrt(2.0), clamp, C};
    fs_parallel_for((int64_t)N * C, 1, conv_act_fn, &c);
}

/* Backward of fs__sg2_conv_act in one pass per plane p = (n, o):
 *   dz = dout * act'(v), v = y*d + strength*noise + bias     (0 where the clamp cut)
 *   dout <- dz * d  (= dL/dy)
 *   dd[p] = sum dz*y, db[p] = sum dz, dn[p] = sum dz*noise   (double, reduced by the caller in a fixed order) */
/* red[p] = sum_i a[p,i] * x[p,i]; then a[p,i] *= scale[p] * gain (one pass) */
static void dot_scale_fn(void *vc, int64_t b, int64_t e, int t) {
    (void)t;
    const plane_ctx *c = vc;
    for (int64_t p = b; p < e; p++) {
        float *a = c->out + p * c->HW;
        const float *x = c->b + p * c->HW;
        float sc = c->scale[p] * c->gain;
        double acc = 0;
        for (long i = 0; i < c->HW; i++) {
            acc += (double)a[i] * x[i];
            a[i] = a[i] * sc;
        }
        c->red[p] = acc;
    }
}
static void dot_scale_planes(double *red, float *a, const float *x, const float *scale, float gain, long planes,
                             long HW) {
    plane_ctx c = {a, NULL, x, scale, gain, HW, red};
    fs_parallel_for(planes, 1, dot_scale_fn, &c);
}

typedef struct {
    float *dcur;
    const float *y, *d, *noise, *bias;
    long noise_stride, HW;
    float strength, gain, clamp;
    int C;
    double *dd, *db, *dn;
} cab_ctx;

static void conv_act_bwd_fn(void *vc, int64_t b, int64_t e, int t) {
    (void)t;
    const cab_ctx *c = vc;
    for (int64_t p = b; p < e; p++) {
        int n = (int)(p / c->C), ch = (int)(p % c->C);
        float d = c->d[p], bv = c->bias[ch], g = c->gain, cl = c->clamp, st = c->strength;
        const float *y = c->y + p * c->HW;
        const float *nz = c->noise ? c->noise + n * c->noise_stride : NULL;
        float *dc = c->dcur + p * c->HW;
        double sy = 0, sb = 0, sn = 0;
        for (long i = 0; i < c->HW; i++) {
            float v = (nz ? y[i] * d + nz[i] * st : y[i] * d) + bv;
            float slope = v > 0 ? 1.0f : 0.2f;
            if (cl >= 0) {
                float a = (v > 0 ? v : v * 0.2f) * g;
                if (a < -cl || a > cl) slope = 0;
            }
            float dz = dc[i] * (slope * g);
            sy += (double)dz * y[i];
            sb += dz;
            if (nz) sn += (double)dz * nz[i];
            dc[i] = dz * d;
        }
        c->dd[p] = sy;
        c->db[p] = sb;
        c->dn[p] = sn;
    }
}

void fs__sg2_conv_act_backward(float *dcur, double *dd, double *db, double *dn, const float *y, const float *demod,
                               const float *noise, long noise_stride, float strength, const float *bias, float clamp,
                               int N, int C, long HW) {
    cab_ctx c = {dcur, y, demod, noise, bias, noise_stride, HW, strength, (float)sqrt(2.0), clamp, C, dd, db, dn};
    fs_parallel_for((int64_t)N * C, 1, conv_act_bwd_fn, &c);
}

/* ---- convolution geometry ---- */

static fs_conv2d_dims conv_dims(const fs_sg2_layer_info *L, int N) {
    fs_conv2d_dims d = {.N = N, .C_in = L->C_in, .H = L->res, .W = L->res, .C_out = L->C_out, .KH = L->K, .KW = L->K,
                        .stride_h = 1, .stride_w = 1, .pad_top = L->K / 2, .pad_bottom = L->K / 2,
                        .pad_left = L->K / 2, .pad_right = L->K / 2, .dil_h = 1, .dil_w = 1, .groups = 1};
    fs_err err;
    FS_ASSERT(fs_conv2d_dims_init(&d, &err) == FS_OK && d.H_out == L->res);
    return d;
}

/* conv2d_resample(up=2, padding=K/2, 4-tap filter, flip_weight=False): transposed conv then FIR. */
static void up_dims(const fs_sg2_layer_info *L, fs_conv_transpose2d_dims *ct, fs_upfirdn2d_dims *fd) {
    int p = L->K / 2, fw = 4, up = 2, K = L->K;
    int p0 = p + (fw + up - 1) / 2 - (K - 1), p1 = p + (fw - up) / 2 - (K - up);
    int pt = -p0 < -p1 ? -p0 : -p1;
    if (pt < 0) pt = 0;
    int H = L->res / 2;
    *ct = (fs_conv_transpose2d_dims){.N = 1, .C_in = L->C_in, .H = H, .W = H, .C_out = L->C_out, .KH = K, .KW = K,
                                     .stride_h = 2, .stride_w = 2, .pad_h = pt, .pad_w = pt, .dil_h = 1, .dil_w = 1,
                                     .groups = 1};
    fs_err err;
    FS_ASSERT(fs_conv_transpose2d_dims_init(ct, &err) == FS_OK);
    *fd = (fs_upfirdn2d_dims){.N = 1, .C = L->C_out, .H = ct->H_out, .W = ct->W_out, .KH = 4, .KW = 4, .up_x = 1,
                              .up_y = 1, .down_x = 1, .down_y = 1, .pad_x0 = p0 + pt, .pad_x1 = p1 + pt,
                              .pad_y0 = p0 + pt, .pad_y1 = p1 + pt};
    FS_ASSERT(fs_upfirdn2d_dims_init(fd, &err) == FS_OK && fd->H_out == L->res && fd->W_out == L->res);
}

/* wt (C_in, C_out, K, K) = W (C_out, C_in, K, K) with the first two axes swapped */
static void swap01(float *dst, const float *src, int A, int B, int KK) {
    for (int a = 0; a < A; a++)
        for (int b = 0; b < B; b++) {
            float *d = dst + ((long)b * A + a) * KK;
            const float *s = src + ((long)a * B + b) * KK;
            for (int k = 0; k < KK; k++) d[k] = s[k];
        }
}

/* Wsq (C_out, C_in) */
static void weight_sq(float *wsq, const float *W, int C_out, int C_in, int KK) {
    for (long oi = 0; oi < (long)C_out * C_in; oi++) {
        const float *w = W + oi * KK;
        float acc = 0;
        for (int k = 0; k < KK; k++) acc += w[k] * w[k];
        wsq[oi] = acc;
    }
}

void fs__sg2_modconv_forward(float *y, float *demod, const float *x, const float *s, const float *weight,
                             const fs_sg2_layer_info *L, fs_sg2_layout layout, int N, fs__sg2_work *w) {
    int up = L->kind == FS_SG2_CONV_UP;
    int Hin = up ? L->res / 2 : L->res;
    long HWin = (long)Hin * Hin, HWout = (long)L->res * L->res;
    int KK = L->K * L->K;
    float g = fs__sg2_style_gain(L, layout);
    scale_planes(w->xs, x, s, g, (long)N * L->C_in, HWin);
    if (!up) {
        fs_conv2d_dims d = conv_dims(L, N);
        fs_conv2d_forward(y, w->xs, weight, NULL, &d);
    } else {
        fs_conv_transpose2d_dims ct;
        fs_upfirdn2d_dims fd;
        up_dims(L, &ct, &fd);
        swap01(w->wt, weight, L->C_out, L->C_in, KK);
        for (int n = 0; n < N; n++) {
            fs_conv_transpose2d_forward(w->tmp, w->xs + n * L->C_in * HWin, w->wt, NULL, &ct);
            fs_upfirdn2d_forward(y + n * L->C_out * HWout, w->tmp, fs__sg2_fir, 4.0f, &fd);
        }
    }
    if (demod) {
        float *wsq = w->tmp, *s2 = w->small;
        weight_sq(wsq, weight, L->C_out, L->C_in, KK);
        for (long k = 0; k < (long)N * L->C_in; k++) s2[k] = (s[k] * g) * (s[k] * g);
        fs_sgemm(0, 1, N, L->C_out, L->C_in, 1.0f, s2, L->C_in, wsq, L->C_in, 0.0f, demod, L->C_out);
        for (long k = 0; k < (long)N * L->C_out; k++) demod[k] = 1.0f / sqrtf(demod[k] + 1e-8f);
    }
}

/* dy (N, C_out, res, res): on entry dL/dz (z = y*demod + noise), overwritten; or, when dd (N, C_out) is given,
 * already dL/dy = dL/dz * demod with dd = sum_p dL/dz * y. dx (=, required), ds (=), dweight (+=, NULL = not
 * needed). */
void fs__sg2_modconv_backward(float *dx, float *ds, float *dweight, float *dy, const double *dd, const float *y,
                              const float *demod, const float *x, const float *s, const float *weight,
                              const fs_sg2_layer_info *L, fs_sg2_layout layout, int N, fs__sg2_work *w) {
    int up = L->kind == FS_SG2_CONV_UP;
    int Hin = up ? L->res / 2 : L->res;
    long HWin = (long)Hin * Hin, HWout = (long)L->res * L->res;
    int KK = L->K * L->K, Ci = L->C_in, Co = L->C_out;
    float g = fs__sg2_style_gain(L, layout);
    long NCo = (long)N * Co, NCi = (long)N * Ci;
    double *red = w->red; /* (N, max(C_in, C_out)) */
    float *q = w->small;       /* (N, C_out) */
    float *s2 = q + NCo;       /* (N, C_in) */
    float *tsum = s2 + NCi;    /* (N, C_in) */
    if (demod && dd) { /* the caller already has dd = sum_p dz*y and dy = dz*d */
        for (long k = 0; k < NCo; k++) q[k] = (float)dd[k] * demod[k] * demod[k] * demod[k];
    } else if (demod) {
        /* dd[n,o] = sum_p dz*y, then dy = dz*d */
        dot_planes(red, dy, y, NCo, HWout);
        for (long k = 0; k < NCo; k++) q[k] = (float)red[k] * demod[k] * demod[k] * demod[k];
        scale_planes(dy, dy, demod, 1.0f, NCo, HWout);
    }
    /* conv backward on xs = x * s * g */
    FS_ASSERT(dx);
    float *dxs = dx; /* dL/dxs first, scaled into dL/dx below */
    scale_planes(w->xs, x, s, g, NCi, HWin);
    if (!up) {
        fs_conv2d_dims d = conv_dims(L, N);
        fs_conv2d_backward(dxs, dweight, NULL, dy, w->xs, weight, &d);
    } else {
        fs_conv_transpose2d_dims ct;
        fs_upfirdn2d_dims fd;
        up_dims(L, &ct, &fd);
        long nw = (long)Ci * Co * KK;
        float *wt = w->wt, *dwt = w->wt + nw;
        swap01(wt, weight, Co, Ci, KK);
        if (dweight) memset(dwt, 0, sizeof(float) * nw);
        for (int n = 0; n < N; n++) {
            fs_upfirdn2d_backward(w->tmp, dy + n * Co * HWout, fs__sg2_fir, 4.0f, &fd);
            fs_conv_transpose2d_backward(dxs + n * Ci * HWin, dweight ? dwt : NULL, NULL, w->tmp, w->xs + n * Ci * HWin,
                                         wt, &ct);
        }
        if (dweight) /* dW[o,i,k] += dWt[i,o,k] */
            for (int i = 0; i < Ci; i++)
                for (int o = 0; o < Co; o++) {
                    float *dst = dweight + ((long)o * Ci + i) * KK;
                    const float *src = dwt + ((long)i * Co + o) * KK;
                    for (int k = 0; k < KK; k++) dst[k] += src[k];
                }
    }
    /* ds = g * sum_p dxs * x ; dx = dxs * s * g (in place, one pass) */
    dot_scale_planes(red, dx, x, s, g, NCi, HWin);
    for (long k = 0; k < NCi; k++) ds[k] = (float)red[k] * g;
    if (demod) {
        /* d = (sum_i (s_i g)^2 Wsq[o,i] + eps)^-1/2:
         *   ds[n,i] -= g^2 s[n,i] sum_o q[n,o] Wsq[o,i]      q = dd d^3
         *   dW[o,i,k] -= W[o,i,k] sum_n q[n,o] (s[n,i] g)^2 */
        float *wsq = w->tmp;
        weight_sq(wsq, weight, Co, Ci, KK);
        fs_sgemm(0, 0, N, Ci, Co, 1.0f, q, Co, wsq, Ci, 0.0f, tsum, Ci);
        for (long k = 0; k < NCi; k++) ds[k] -= g * g * s[k] * tsum[k];
        if (dweight) {
            float *u = w->wt; /* (C_out, C_in) */
            for (long k = 0; k < NCi; k++) s2[k] = (s[k] * g) * (s[k] * g);
            fs_sgemm(1, 0, Co, Ci, N, 1.0f, q, Co, s2, Ci, 0.0f, u, Ci);
            for (long oi = 0; oi < (long)Co * Ci; oi++) {
                float *dw = dweight + oi * KK;
                const float *wv = weight + oi * KK;
                for (int k = 0; k < KK; k++) dw[k] -= wv[k] * u[oi];
            }
        }
    }
}

/* Reference: NVIDIA's fused modulated conv (eval mode): per-sample weights w[n] = W * s[n] * g, demodulated
 * (d[n,o] = rsqrt(sum_{i,k} w[n,o,i,k]^2 + 1e-8)) before the convolution, one grouped conv (groups = N).
 * y gets the demodulated output and demod is set to 1, so the common epilogue (noise, bias, act) applies.
 * Forward only (the backward works on the non-fused layout). */
void fs__sg2_modconv_forward_fused(float *y, float *demod, const float *x, const float *s, const float *weight,
                                   const fs_sg2_layer_info *L, fs_sg2_layout layout, int N) {
    int up = L->kind == FS_SG2_CONV_UP;
    int Hin = up ? L->res / 2 : L->res, KK = L->K * L->K, Ci = L->C_in, Co = L->C_out;
    float g = fs__sg2_style_gain(L, layout);
    long per = (long)Co * Ci * KK;
    float *w = malloc(sizeof(float) * (size_t)N * per);
    FS_ASSERT(w);
    for (int n = 0; n < N; n++)
        for (int o = 0; o < Co; o++) {
            float *wo = w + n * per + (long)o * Ci * KK;
            double ss = 0;
            for (int i = 0; i < Ci; i++)
                for (int k = 0; k < KK; k++) {
                    float v = weight[((long)o * Ci + i) * KK + k] * (s[(long)n * Ci + i] * g);
                    wo[(long)i * KK + k] = v;
                    ss += (double)v * v;
                }
            if (demod) {
                float d = 1.0f / sqrtf((float)ss + 1e-8f);
                for (long k = 0; k < (long)Ci * KK; k++) wo[k] *= d;
                demod[(long)n * Co + o] = 1.0f;
            }
        }
    if (!up) {
        fs_conv2d_dims d = {.N = 1, .C_in = N * Ci, .H = Hin, .W = Hin, .C_out = N * Co, .KH = L->K, .KW = L->K,
                            .stride_h = 1, .stride_w = 1, .pad_top = L->K / 2, .pad_bottom = L->K / 2,
                            .pad_left = L->K / 2, .pad_right = L->K / 2, .dil_h = 1, .dil_w = 1, .groups = N};
        fs_err err;
        FS_ASSERT(fs_conv2d_dims_init(&d, &err) == FS_OK);
        fs_conv2d_forward(y, x, w, NULL, &d);
    } else {
        fs_conv_transpose2d_dims ct;
        fs_upfirdn2d_dims fd;
        up_dims(L, &ct, &fd);
        /* grouped transposed conv: weight (N*C_in, C_out, K, K) */
        float *wt = malloc(sizeof(float) * (size_t)N * per);
        FS_ASSERT(wt);
        for (int n = 0; n < N; n++) swap01(wt + n * per, w + n * per, Co, Ci, KK);
        ct.C_in = N * Ci;
        ct.C_out = N * Co;
        ct.groups = N;
        fs_err err;
        FS_ASSERT(fs_conv_transpose2d_dims_init(&ct, &err) == FS_OK);
        float *tmp = malloc(sizeof(float) * (size_t)N * Co * ct.H_out * ct.W_out);
        FS_ASSERT(tmp);
        fs_conv_transpose2d_forward(tmp, x, wt, NULL, &ct);
        fd.C = N * Co;
        fs_upfirdn2d_forward(y, tmp, fs__sg2_fir, 4.0f, &fd);
        free(tmp);
        free(wt);
    }
    free(w);
}
