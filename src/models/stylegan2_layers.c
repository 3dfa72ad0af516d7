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
#include "tensor/devops.h"
#include "tensor/device.h"
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
    fs_scale_add_bias(s, gain, b, N, C_in);
}

void fs__sg2_affine_backward(float *dw_rows, float *dA, float *db, const float *ds, const float *w_rows,
                             const float *A, int N, int w_dim, int C_in) {
    float gain = (float)(1.0 / sqrt((double)w_dim));
    if (db) fs_sum_rows_f32(db, ds, N, C_in);
    /* y = gain * (w A^T): dA += gain ds^T w ; dw += gain ds A */
    if (dA) fs_sgemm(1, 0, C_in, w_dim, N, gain, ds, C_in, w_rows, w_dim, 1.0f, dA, w_dim);
    if (dw_rows) fs_sgemm(0, 0, N, w_dim, C_in, gain, ds, C_in, A, w_dim, 1.0f, dw_rows, w_dim);
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

void fs__sg2_modconv_forward(float *y, float *demod, const float *x, const float *s, const float *weight,
                             const fs_sg2_layer_info *L, fs_sg2_layout layout, int N, fs__sg2_work *w) {
    int up = L->kind == FS_SG2_CONV_UP;
    int Hin = up ? L->res / 2 : L->res;
    long HWin = (long)Hin * Hin, HWout = (long)L->res * L->res;
    int KK = L->K * L->K;
    float g = fs__sg2_style_gain(L, layout);
    fs_scale_planes(w->xs, x, s, g, (long)N * L->C_in, HWin);
    if (!up) {
        fs_conv2d_dims d = conv_dims(L, N);
        fs_conv2d_forward(y, w->xs, weight, NULL, &d);
    } else {
        fs_conv_transpose2d_dims ct;
        fs_upfirdn2d_dims fd;
        up_dims(L, &ct, &fd);
        fs_permute01(w->wt, weight, L->C_out, L->C_in, KK, 0);
        for (int n = 0; n < N; n++) {
            fs_conv_transpose2d_forward(w->tmp, w->xs + n * L->C_in * HWin, w->wt, NULL, &ct);
            fs_upfirdn2d_forward(y + n * L->C_out * HWout, w->tmp, fs__sg2_fir, 4.0f, &fd);
        }
    }
    if (demod) {
        float *wsq = w->tmp, *s2 = w->small;
        fs_row_sumsq(wsq, weight, (long)L->C_out * L->C_in, KK);
        fs_square_scaled(s2, s, g, (long)N * L->C_in);
        fs_sgemm(0, 1, N, L->C_out, L->C_in, 1.0f, s2, L->C_in, wsq, L->C_in, 0.0f, demod, L->C_out);
        fs_rsqrt_eps(demod, 1e-8f, (long)N * L->C_out);
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
    double *red = w->red; /* (max(N C_out, N C_in)) device scratch */
    float *q = w->small;       /* (N, C_out) */
    float *s2 = q + NCo;       /* (N, C_in) */
    float *tsum = s2 + NCi;    /* (N, C_in) */
    if (demod && dd) { /* the caller already has dd = sum_p dz*y and dy = dz*d */
        fs_demod_q(q, dd, demod, NCo);
    } else if (demod) {
        /* dd[n,o] = sum_p dz*y, then dy = dz*d */
        fs_dot_planes(red, dy, y, NCo, HWout);
        fs_demod_q(q, red, demod, NCo);
        fs_scale_planes(dy, dy, demod, 1.0f, NCo, HWout);
    }
    /* conv backward on xs = x * s * g */
    FS_ASSERT(dx);
    float *dxs = dx; /* dL/dxs first, scaled into dL/dx below */
    fs_scale_planes(w->xs, x, s, g, NCi, HWin);
    if (!up) {
        fs_conv2d_dims d = conv_dims(L, N);
        fs_conv2d_backward(dxs, dweight, NULL, dy, w->xs, weight, &d);
    } else {
        fs_conv_transpose2d_dims ct;
        fs_upfirdn2d_dims fd;
        up_dims(L, &ct, &fd);
        long nw = (long)Ci * Co * KK;
        float *wt = w->wt, *dwt = w->wt + nw;
        fs_permute01(wt, weight, Co, Ci, KK, 0);
        if (dweight) fs_dev_zero(dwt, sizeof(float) * nw);
        for (int n = 0; n < N; n++) {
            fs_upfirdn2d_backward(w->tmp, dy + n * Co * HWout, fs__sg2_fir, 4.0f, &fd);
            fs_conv_transpose2d_backward(dxs + n * Ci * HWin, dweight ? dwt : NULL, NULL, w->tmp, w->xs + n * Ci * HWin,
                                         wt, &ct);
        }
        if (dweight) fs_permute01(dweight, dwt, Ci, Co, KK, 1); /* dW[o,i,k] += dWt[i,o,k] */
    }
    /* ds = g * sum_p dxs * x ; dx = dxs * s * g (in place, one pass) */
    fs_dot_scale_planes(red, dx, x, s, g, NCi, HWin);
    fs_f64_scaled(ds, red, g, NCi);
    if (demod) {
        /* d = (sum_i (s_i g)^2 Wsq[o,i] + eps)^-1/2:
         *   ds[n,i] -= g^2 s[n,i] sum_o q[n,o] Wsq[o,i]      q = dd d^3
         *   dW[o,i,k] -= W[o,i,k] sum_n q[n,o] (s[n,i] g)^2 */
        float *wsq = w->tmp;
        fs_row_sumsq(wsq, weight, (long)Co * Ci, KK);
        fs_sgemm(0, 0, N, Ci, Co, 1.0f, q, Co, wsq, Ci, 0.0f, tsum, Ci);
        fs_sub_prod(ds, g * g, s, tsum, NCi);
        if (dweight) {
            float *u = w->wt; /* (C_out, C_in) */
            fs_square_scaled(s2, s, g, NCi);
            fs_sgemm(1, 0, Co, Ci, N, 1.0f, q, Co, s2, Ci, 0.0f, u, Ci);
            fs_sub_rows_scaled(dweight, weight, u, (long)Co * Ci, KK);
        }
    }
}

/* Reference: NVIDIA's fused modulated conv (eval mode): per-sample weights w[n] = W * s[n] * g, demodulated
 * (d[n,o] = rsqrt(sum_{i,k} w[n,o,i,k]^2 + 1e-8)) before the convolution, one grouped conv (groups = N).
 * y gets the demodulated output and demod is set to 1, so the common epilogue (noise, bias, act) applies.
 * Forward only (the backward works on the non-fused layout). */
int fs__sg2_modconv_forward_fused(float *y, float *demod, const float *x, const float *s, const float *weight,
                                  const fs_sg2_layer_info *L, fs_sg2_layout layout, int N, fs_err *err) {
    int up = L->kind == FS_SG2_CONV_UP;
    int Hin = up ? L->res / 2 : L->res, KK = L->K * L->K, Ci = L->C_in, Co = L->C_out;
    float g = fs__sg2_style_gain(L, layout);
    long per = (long)Co * Ci * KK;
    int rc = FS_ERR;
    float *dw = NULL, *tmp = NULL;
    /* a test reference: the per-sample weights are made on the host from downloaded copies, then uploaded */
    float *hw = fs_dev_to_host_f32(weight, per), *hs = fs_dev_to_host_f32(s, (long)N * Ci);
    float *w = malloc(sizeof(float) * (size_t)N * per), *hd = malloc(sizeof(float) * (size_t)N * Co);
    float *wt = up ? malloc(sizeof(float) * (size_t)N * per) : NULL;
    if (!hw || !hs || !w || !hd || (up && !wt)) {
        fs_errorf(err, "out of memory: fused modulated conv weights of a %dx%d layer (%.0f bytes)", L->res, L->res,
                  4.0 * ((double)(up ? 3 : 2) * N * per + (double)N * (Ci + Co)));
        goto done;
    }
    for (int n = 0; n < N; n++)
        for (int o = 0; o < Co; o++) {
            float *wo = w + n * per + (long)o * Ci * KK;
            double ss = 0;
            for (int i = 0; i < Ci; i++)
                for (int k = 0; k < KK; k++) {
                    float v = hw[((long)o * Ci + i) * KK + k] * (hs[(long)n * Ci + i] * g);
                    wo[(long)i * KK + k] = v;
                    ss += (double)v * v;
                }
            if (demod) {
                float d = 1.0f / sqrtf((float)ss + 1e-8f);
                for (long k = 0; k < (long)Ci * KK; k++) wo[k] *= d;
                hd[(long)n * Co + o] = 1.0f;
            }
        }
    if (demod) fs_dev_upload(demod, hd, sizeof(float) * (size_t)N * Co);
    if (!(dw = fs_dev_alloc_f32(N * per, err))) goto done;
    if (!up) {
        fs_dev_upload(dw, w, sizeof(float) * (size_t)N * per);
        fs_conv2d_dims d = {.N = 1, .C_in = N * Ci, .H = Hin, .W = Hin, .C_out = N * Co, .KH = L->K, .KW = L->K,
                            .stride_h = 1, .stride_w = 1, .pad_top = L->K / 2, .pad_bottom = L->K / 2,
                            .pad_left = L->K / 2, .pad_right = L->K / 2, .dil_h = 1, .dil_w = 1, .groups = N};
        FS_ASSERT(fs_conv2d_dims_init(&d, err) == FS_OK);
        fs_conv2d_forward(y, x, dw, NULL, &d);
    } else {
        fs_conv_transpose2d_dims ct;
        fs_upfirdn2d_dims fd;
        up_dims(L, &ct, &fd);
        /* grouped transposed conv: weight (N*C_in, C_out, K, K) */
        for (int n = 0; n < N; n++) fs_permute01_cpu(wt + n * per, w + n * per, Co, Ci, KK, 0); /* host arrays */
        fs_dev_upload(dw, wt, sizeof(float) * (size_t)N * per);
        ct.C_in = N * Ci;
        ct.C_out = N * Co;
        ct.groups = N;
        FS_ASSERT(fs_conv_transpose2d_dims_init(&ct, err) == FS_OK);
        if (!(tmp = fs_dev_alloc_f32((long)N * Co * ct.H_out * ct.W_out, err))) goto done;
        fs_conv_transpose2d_forward(tmp, x, dw, NULL, &ct);
        fd.C = N * Co;
        fs_upfirdn2d_forward(y, tmp, fs__sg2_fir, 4.0f, &fd);
    }
    rc = FS_OK;
done:
    fs_dev_free(tmp);
    fs_dev_free(dw);
    free(w), free(wt), free(hw), free(hs), free(hd);
    return rc;
}
