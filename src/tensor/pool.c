/* pool.c — max / avg / adaptive-avg pooling (see pool.h). One plane = one (n, c) pair; the
 * plane kernels are plain loops, the public functions spread planes over threads. */
#include "tensor/pool.h"

#include <math.h>
#include <string.h>

#include "core/threads.h"

static int pool_out_size(int in, int k, int pad, int stride, int ceil_mode) {
    /* PyTorch pooling_output_shape with dilation 1 (64-bit to avoid overflow). */
    long num = (long)in + 2L * pad - k + (ceil_mode ? stride - 1 : 0);
    long out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;
    if (ceil_mode && (out - 1) * (long)stride >= (long)in + pad) out--;
    return out > 0x7fffffffL ? -1 : (int)out;
}

int fs_pool2d_dims_init(fs_pool2d_dims *d, fs_err *err) {
    if (d->N <= 0 || d->C <= 0 || d->H <= 0 || d->W <= 0)
        return fs_errorf(err, "pool2d: input size N=%d C=%d H=%d W=%d must be positive", d->N, d->C, d->H, d->W);
    if (d->KH <= 0 || d->KW <= 0 || d->stride_h <= 0 || d->stride_w <= 0)
        return fs_errorf(err, "pool2d: kernel %dx%d and stride %dx%d must be positive", d->KH, d->KW, d->stride_h,
                         d->stride_w);
    if (d->pad_h < 0 || d->pad_w < 0 || d->pad_h > d->KH / 2 || d->pad_w > d->KW / 2)
        return fs_errorf(err, "pool2d: padding %dx%d must be between 0 and half the kernel %dx%d", d->pad_h, d->pad_w,
                         d->KH, d->KW);
    int ho = pool_out_size(d->H, d->KH, d->pad_h, d->stride_h, d->ceil_mode);
    int wo = pool_out_size(d->W, d->KW, d->pad_w, d->stride_w, d->ceil_mode);
    if (ho <= 0 || wo <= 0)
        return fs_errorf(err, "pool2d: output size %dx%d is too small (input %dx%d, kernel %dx%d, pad %dx%d)", ho, wo,
                         d->H, d->W, d->KH, d->KW, d->pad_h, d->pad_w);
    d->H_out = ho;
    d->W_out = wo;
    return FS_OK;
}

/* ---- plane kernels ---- */

static void maxpool_plane(float *y, int32_t *idx, const float *x, const fs_pool2d_dims *d) {
    for (int oh = 0; oh < d->H_out; oh++) {
        int h0 = oh * d->stride_h - d->pad_h, h1 = h0 + d->KH;
        if (h0 < 0) h0 = 0;
        if (h1 > d->H) h1 = d->H;
        for (int ow = 0; ow < d->W_out; ow++) {
            int w0 = ow * d->stride_w - d->pad_w, w1 = w0 + d->KW;
            if (w0 < 0) w0 = 0;
            if (w1 > d->W) w1 = d->W;
            int32_t best = h0 * d->W + w0;
            float m = -INFINITY;
            for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++) {
                    const float v = x[(long)h * d->W + w];
                    if (v > m || isnan(v)) {
                        m = v;
                        best = h * d->W + w;
                    }
                }
            const long o = (long)oh * d->W_out + ow;
            y[o] = m;
            if (idx) idx[o] = best;
        }
    }
}

static void maxpool_back_plane(float *dx, const float *dy, const int32_t *idx, const fs_pool2d_dims *d) {
    memset(dx, 0, sizeof(float) * (size_t)d->H * (size_t)d->W);
    const long n_out = (long)d->H_out * d->W_out;
    for (long o = 0; o < n_out; o++) dx[idx[o]] += dy[o];
}

/* Window of output (oh, ow): clipped bounds and divisor. Returns 0 when empty. */
static int avg_window(const fs_pool2d_dims *d, int oh, int ow, int *h0, int *h1, int *w0, int *w1, float *div) {
    int hs = oh * d->stride_h - d->pad_h, ws = ow * d->stride_w - d->pad_w;
    int he = hs + d->KH, we = ws + d->KW;
    if (he > d->H + d->pad_h) he = d->H + d->pad_h;
    if (we > d->W + d->pad_w) we = d->W + d->pad_w;
    const int padded = (he - hs) * (we - ws);
    if (hs < 0) hs = 0;
    if (ws < 0) ws = 0;
    if (he > d->H) he = d->H;
    if (we > d->W) we = d->W;
    *h0 = hs, *h1 = he, *w0 = ws, *w1 = we;
    if (hs >= he || ws >= we) return 0;
    *div = (float)(d->count_include_pad ? padded : (he - hs) * (we - ws));
    return 1;
}

static void avgpool_plane(float *y, const float *x, const fs_pool2d_dims *d) {
    for (int oh = 0; oh < d->H_out; oh++)
        for (int ow = 0; ow < d->W_out; ow++) {
            int h0, h1, w0, w1;
            float div = 1.0f;
            float s = 0.0f;
            if (avg_window(d, oh, ow, &h0, &h1, &w0, &w1, &div)) {
                for (int h = h0; h < h1; h++)
                    for (int w = w0; w < w1; w++) s += x[(long)h * d->W + w];
                s /= div;
            }
            y[(long)oh * d->W_out + ow] = s;
        }
}

static void avgpool_back_plane(float *dx, const float *dy, const fs_pool2d_dims *d) {
    memset(dx, 0, sizeof(float) * (size_t)d->H * (size_t)d->W);
    for (int oh = 0; oh < d->H_out; oh++)
        for (int ow = 0; ow < d->W_out; ow++) {
            int h0, h1, w0, w1;
            float div = 1.0f;
            if (!avg_window(d, oh, ow, &h0, &h1, &w0, &w1, &div)) continue;
            const float g = dy[(long)oh * d->W_out + ow] / div;
            for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++) dx[(long)h * d->W + w] += g;
        }
}

static inline int ad_start(int i, int in, int out) {
    return (int)(((long)i * in) / out);
}
static inline int ad_end(int i, int in, int out) {
    return (int)((((long)i + 1) * in + out - 1) / out);
}

static void adaptive_plane(float *y, const float *x, int H, int W, int Ho, int Wo) {
    for (int oh = 0; oh < Ho; oh++) {
        const int h0 = ad_start(oh, H, Ho), h1 = ad_end(oh, H, Ho);
        for (int ow = 0; ow < Wo; ow++) {
            const int w0 = ad_start(ow, W, Wo), w1 = ad_end(ow, W, Wo);
            float s = 0.0f;
            for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++) s += x[(long)h * W + w];
            y[(long)oh * Wo + ow] = s / (float)((h1 - h0) * (w1 - w0));
        }
    }
}

static void adaptive_back_plane(float *dx, const float *dy, int H, int W, int Ho, int Wo) {
    memset(dx, 0, sizeof(float) * (size_t)H * (size_t)W);
    for (int oh = 0; oh < Ho; oh++) {
        const int h0 = ad_start(oh, H, Ho), h1 = ad_end(oh, H, Ho);
        for (int ow = 0; ow < Wo; ow++) {
            const int w0 = ad_start(ow, W, Wo), w1 = ad_end(ow, W, Wo);
            const float g = dy[(long)oh * Wo + ow] / (float)((h1 - h0) * (w1 - w0));
            for (int h = h0; h < h1; h++)
                for (int w = w0; w < w1; w++) dx[(long)h * W + w] += g;
        }
    }
}

/* ---- drivers: one job description, run serially (ref) or over threads ---- */

enum { P_MAX_F, P_MAX_B, P_AVG_F, P_AVG_B, P_AD_F, P_AD_B };

typedef struct pool_job {
    int kind;
    fs_pool2d_dims d; /* for adaptive: N, C, H, W, H_out, W_out only */
    float *dst;
    const float *src;
    int32_t *idx_out;
    const int32_t *idx_in;
} pool_job;

static void pool_run(void *ctx, int64_t begin, int64_t end, int thread_index) {
    (void)thread_index;
    const pool_job *j = ctx;
    const fs_pool2d_dims *d = &j->d;
    const long in_plane = (long)d->H * d->W, out_plane = (long)d->H_out * d->W_out;
    for (int64_t p = begin; p < end; p++) {
        switch (j->kind) {
        case P_MAX_F:
            maxpool_plane(j->dst + p * out_plane, j->idx_out ? j->idx_out + p * out_plane : NULL, j->src + p * in_plane,
                          d);
            break;
        case P_MAX_B:
            maxpool_back_plane(j->dst + p * in_plane, j->src + p * out_plane, j->idx_in + p * out_plane, d);
            break;
        case P_AVG_F:
            avgpool_plane(j->dst + p * out_plane, j->src + p * in_plane, d);
            break;
        case P_AVG_B:
            avgpool_back_plane(j->dst + p * in_plane, j->src + p * out_plane, d);
            break;
        case P_AD_F:
            adaptive_plane(j->dst + p * out_plane, j->src + p * in_plane, d->H, d->W, d->H_out, d->W_out);
            break;
        case P_AD_B:
            adaptive_back_plane(j->dst + p * in_plane, j->src + p * out_plane, d->H, d->W, d->H_out, d->W_out);
            break;
        }
    }
}

static void pool_exec(pool_job *j, int threaded) {
    const int64_t planes = (int64_t)j->d.N * j->d.C;
    if (!j->dst || planes <= 0) return;
    if (threaded) {
        /* grain: enough planes that each chunk does at least ~32k element visits */
        const int64_t work = (int64_t)j->d.H * j->d.W + (int64_t)j->d.H_out * j->d.W_out;
        int64_t grain = work > 0 ? (32768 + work - 1) / work : 1;
        fs_parallel_for(planes, grain < 1 ? 1 : grain, pool_run, j);
    } else {
        pool_run(j, 0, planes, 0);
    }
}

static void maxf(float *out, int32_t *argmax, const float *in, const fs_pool2d_dims *d, int thr) {
    pool_job j = {.kind = P_MAX_F, .d = *d, .dst = out, .src = in, .idx_out = argmax};
    pool_exec(&j, thr);
}
static void maxb(float *din, const float *dout, const int32_t *argmax, const fs_pool2d_dims *d, int thr) {
    if (!din) return;
    FS_ASSERT(argmax != NULL);
    pool_job j = {.kind = P_MAX_B, .d = *d, .dst = din, .src = dout, .idx_in = argmax};
    pool_exec(&j, thr);
}
static void avgf(float *out, const float *in, const fs_pool2d_dims *d, int thr) {
    pool_job j = {.kind = P_AVG_F, .d = *d, .dst = out, .src = in};
    pool_exec(&j, thr);
}
static void avgb(float *din, const float *dout, const fs_pool2d_dims *d, int thr) {
    pool_job j = {.kind = P_AVG_B, .d = *d, .dst = din, .src = dout};
    pool_exec(&j, thr);
}
static void adf(float *out, const float *in, int N, int C, int H, int W, int Ho, int Wo, int thr) {
    FS_ASSERT(H > 0 && W > 0 && Ho > 0 && Wo > 0);
    pool_job j = {
        .kind = P_AD_F, .d = {.N = N, .C = C, .H = H, .W = W, .H_out = Ho, .W_out = Wo}, .dst = out, .src = in};
    pool_exec(&j, thr);
}
static void adb(float *din, const float *dout, int N, int C, int H, int W, int Ho, int Wo, int thr) {
    FS_ASSERT(H > 0 && W > 0 && Ho > 0 && Wo > 0);
    pool_job j = {
        .kind = P_AD_B, .d = {.N = N, .C = C, .H = H, .W = W, .H_out = Ho, .W_out = Wo}, .dst = din, .src = dout};
    pool_exec(&j, thr);
}

void fs_maxpool2d_forward(float *out, int32_t *argmax, const float *in, const fs_pool2d_dims *d) {
    maxf(out, argmax, in, d, 1);
}
void fs_maxpool2d_forward_ref(float *out, int32_t *argmax, const float *in, const fs_pool2d_dims *d) {
    maxf(out, argmax, in, d, 0);
}
void fs_maxpool2d_backward(float *din, const float *dout, const int32_t *argmax, const fs_pool2d_dims *d) {
    maxb(din, dout, argmax, d, 1);
}
void fs_maxpool2d_backward_ref(float *din, const float *dout, const int32_t *argmax, const fs_pool2d_dims *d) {
    maxb(din, dout, argmax, d, 0);
}
void fs_avgpool2d_forward(float *out, const float *in, const fs_pool2d_dims *d) {
    avgf(out, in, d, 1);
}
void fs_avgpool2d_forward_ref(float *out, const float *in, const fs_pool2d_dims *d) {
    avgf(out, in, d, 0);
}
void fs_avgpool2d_backward(float *din, const float *dout, const fs_pool2d_dims *d) {
    avgb(din, dout, d, 1);
}
void fs_avgpool2d_backward_ref(float *din, const float *dout, const fs_pool2d_dims *d) {
    avgb(din, dout, d, 0);
}
void fs_adaptive_avgpool2d_forward(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out) {
    adf(out, in, N, C, H, W, H_out, W_out, 1);
}
void fs_adaptive_avgpool2d_forward_ref(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out) {
    adf(out, in, N, C, H, W, H_out, W_out, 0);
}
void fs_adaptive_avgpool2d_backward(float *din, const float *dout, int N, int C, int H, int W, int H_out, int W_out) {
    adb(din, dout, N, C, H, W, H_out, W_out, 1);
}
void fs_adaptive_avgpool2d_backward_ref(float *din, const float *dout, int N, int C, int H, int W, int H_out,
                                        int W_out) {
    adb(din, dout, N, C, H, W, H_out, W_out, 0);
}
