/* cuda_conv.cu — conv2d and conv_transpose2d on the GPU: im2col / col2im kernels + cuBLAS, one image and one
 * group at a time (tensor/conv2d.h and tensor/conv_transpose2d.h give the semantics; the transposed conv is the
 * adjoint of conv2d with the same weight, so it reuses the three conv2d pieces). col2im gathers (no atomics):
 * the result does not depend on scheduling. */
#include "tensor/cuda/cuda_internal.h"

/* col (Cg*KH*KW, Ho*Wo) of input channels [c0, c0 + Cg) of one image x (C, H, W) */
__global__ void im2col_kernel(float *col, const float *x, int Cg, int H, int W, int KH, int KW, int sh, int sw,
                              int ph, int pw, int dh, int dw, int Ho, int Wo) {
    long total = (long)Cg * KH * KW * Ho * Wo;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < total; i += (long)gridDim.x * blockDim.x) {
        int xo = (int)(i % Wo);
        int yo = (int)(i / Wo % Ho);
        long r = i / ((long)Ho * Wo);
        int kw = (int)(r % KW), kh = (int)(r / KW % KH), c = (int)(r / ((long)KW * KH));
        int iy = yo * sh - ph + kh * dh, ix = xo * sw - pw + kw * dw;
        col[i] = iy >= 0 && iy < H && ix >= 0 && ix < W ? x[((long)c * H + iy) * W + ix] : 0.0f;
    }
}

/* x (Cg, H, W) = sum of the col entries that read each pixel (the adjoint of im2col), assigned */
__global__ void col2im_kernel(float *x, const float *col, int Cg, int H, int W, int KH, int KW, int sh, int sw,
                              int ph, int pw, int dh, int dw, int Ho, int Wo) {
    long total = (long)Cg * H * W;
    for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < total; i += (long)gridDim.x * blockDim.x) {
        int ix = (int)(i % W), iy = (int)(i / W % H), c = (int)(i / ((long)H * W));
        float acc = 0.0f;
        for (int kh = 0; kh < KH; kh++) {
            int ty = iy + ph - kh * dh;
            if (ty < 0 || ty % sh) continue;
            int yo = ty / sh;
            if (yo >= Ho) continue;
            for (int kw = 0; kw < KW; kw++) {
                int tx = ix + pw - kw * dw;
                if (tx < 0 || tx % sw) continue;
                int xo = tx / sw;
                if (xo >= Wo) continue;
                acc += col[(((long)c * KH + kh) * KW + kw) * Ho * Wo + (long)yo * Wo + xo];
            }
        }
        x[i] = acc;
    }
}

static void im2col(float *col, const float *x, int Cg, const fs_conv2d_dims *d) {
    long n = (long)Cg * d->KH * d->KW * d->H_out * d->W_out;
    im2col_kernel<<<fs_cu_blocks(n), FS_CU_THREADS>>>(col, x, Cg, d->H, d->W, d->KH, d->KW, d->stride_h, d->stride_w,
                                                      d->pad_top, d->pad_left, d->dil_h, d->dil_w, d->H_out, d->W_out);
    FS_CU_LAUNCHED();
}

static void col2im(float *x, const float *col, int Cg, const fs_conv2d_dims *d) {
    long n = (long)Cg * d->H * d->W;
    col2im_kernel<<<fs_cu_blocks(n), FS_CU_THREADS>>>(x, col, Cg, d->H, d->W, d->KH, d->KW, d->stride_h, d->stride_w,
                                                      d->pad_top, d->pad_left, d->dil_h, d->dil_w, d->H_out, d->W_out);
    FS_CU_LAUNCHED();
}

typedef struct {
    int G, Cg, Cog, KK, HWo, HWi;
    long rows; /* Cg * KK */
} geo;

static geo geometry(const fs_conv2d_dims *d) {
    geo g;
    g.G = d->groups, g.Cg = d->C_in / d->groups, g.Cog = d->C_out / d->groups, g.KK = d->KH * d->KW;
    g.HWo = d->H_out * d->W_out, g.HWi = d->H * d->W, g.rows = (long)g.Cg * g.KK;
    return g;
}

/* out (N, C_out, Ho, Wo) = conv(in, w) (assigned) */
static void conv_fwd(float *out, const float *in, const float *w, const fs_conv2d_dims *d) {
    geo g = geometry(d);
    float *col = fs__cu_scratch(0, (size_t)g.rows * g.HWo);
    for (int n = 0; n < d->N; n++)
        for (int k = 0; k < g.G; k++) {
            const float *x = in + ((long)n * d->C_in + (long)k * g.Cg) * g.HWi;
            float *y = out + ((long)n * d->C_out + (long)k * g.Cog) * g.HWo;
            const float *wk = w + (long)k * g.Cog * g.rows;
            if (g.KK == 1 && d->stride_h == 1 && d->stride_w == 1 && d->pad_top == 0 && d->pad_left == 0 &&
                g.HWi == g.HWo)
                fs__cu_sgemm(0, 0, g.Cog, g.HWo, (int)g.rows, 1.0f, wk, (int)g.rows, x, g.HWo, 0.0f, y, g.HWo);
            else {
                im2col(col, x, g.Cg, d);
                fs__cu_sgemm(0, 0, g.Cog, g.HWo, (int)g.rows, 1.0f, wk, (int)g.rows, col, g.HWo, 0.0f, y, g.HWo);
            }
        }
}

/* din (N, C_in, H, W) = conv^T(dout, w) (assigned) */
static void conv_bwd_data(float *din, const float *dout, const float *w, const fs_conv2d_dims *d) {
    geo g = geometry(d);
    float *col = fs__cu_scratch(1, (size_t)g.rows * g.HWo);
    for (int n = 0; n < d->N; n++)
        for (int k = 0; k < g.G; k++) {
            const float *dy = dout + ((long)n * d->C_out + (long)k * g.Cog) * g.HWo;
            float *dx = din + ((long)n * d->C_in + (long)k * g.Cg) * g.HWi;
            fs__cu_sgemm(1, 0, (int)g.rows, g.HWo, g.Cog, 1.0f, w + (long)k * g.Cog * g.rows, (int)g.rows, dy, g.HWo,
                         0.0f, col, g.HWo);
            col2im(dx, col, g.Cg, d);
        }
}

/* dw (C_out, C_in/groups, KH, KW) += dout (x) im2col(in) */
static void conv_bwd_weight(float *dw, const float *dout, const float *in, const fs_conv2d_dims *d) {
    geo g = geometry(d);
    float *col = fs__cu_scratch(2, (size_t)g.rows * g.HWo);
    for (int n = 0; n < d->N; n++)
        for (int k = 0; k < g.G; k++) {
            const float *dy = dout + ((long)n * d->C_out + (long)k * g.Cog) * g.HWo;
            im2col(col, in + ((long)n * d->C_in + (long)k * g.Cg) * g.HWi, g.Cg, d);
            fs__cu_sgemm(0, 1, g.Cog, (int)g.rows, g.HWo, 1.0f, dy, g.HWo, col, g.HWo, 1.0f,
                         dw + (long)k * g.Cog * g.rows, (int)g.rows);
        }
}

void fs__cu_conv2d_forward(float *out, const float *in, const float *weight, const float *bias,
                           const fs_conv2d_dims *d) {
    conv_fwd(out, in, weight, d);
    if (bias) fs__cu_add_channel_bias(out, bias, d->N, d->C_out, (long)d->H_out * d->W_out);
}

void fs__cu_conv2d_backward(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                            const float *weight, const fs_conv2d_dims *d) {
    if (din) conv_bwd_data(din, dout, weight, d);
    if (dweight) conv_bwd_weight(dweight, dout, in, d);
    if (dbias) fs__cu_channel_sum_add(dbias, dout, d->N, d->C_out, (long)d->H_out * d->W_out);
}

/* the conv2d whose backward-data is this transposed conv: input = the transposed conv's output space */
static fs_conv2d_dims adjoint_dims(const fs_conv_transpose2d_dims *t) {
    fs_conv2d_dims d;
    memset(&d, 0, sizeof d);
    d.N = t->N, d.C_in = t->C_out, d.H = t->H_out, d.W = t->W_out, d.C_out = t->C_in, d.KH = t->KH, d.KW = t->KW;
    d.stride_h = t->stride_h, d.stride_w = t->stride_w, d.pad_top = d.pad_bottom = t->pad_h;
    d.pad_left = d.pad_right = t->pad_w, d.dil_h = t->dil_h, d.dil_w = t->dil_w, d.groups = t->groups;
    d.H_out = t->H, d.W_out = t->W;
    return d;
}

void fs__cu_conv_transpose2d_forward(float *out, const float *in, const float *weight, const float *bias,
                                     const fs_conv_transpose2d_dims *t) {
    fs_conv2d_dims d = adjoint_dims(t);
    conv_bwd_data(out, in, weight, &d);
    if (bias) fs__cu_add_channel_bias(out, bias, t->N, t->C_out, (long)t->H_out * t->W_out);
}

void fs__cu_conv_transpose2d_backward(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                                      const float *weight, const fs_conv_transpose2d_dims *t) {
    fs_conv2d_dims d = adjoint_dims(t);
    if (din) conv_fwd(din, dout, weight, &d);
    if (dweight) conv_bwd_weight(dweight, in, dout, &d); /* dW += in (x) im2col(dout) */
    if (dbias) fs__cu_channel_sum_add(dbias, dout, t->N, t->C_out, (long)t->H_out * t->W_out);
}
