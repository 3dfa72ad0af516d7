/* cuda_lpips.cu — the LPIPS ops of tensor/devops.h on the GPU: relu, max-pool (argmax forward; the backward in
 * gather form, each input pixel summing its windows' gradients in output order: no atomics, the CPU's order),
 * the ScalingLayer, channel normalisation and one tap (one thread per pixel, channels in order as on the CPU;
 * the mean over pixels is one block per image with a fixed tree in double), and the L2 loss. */
#include "tensor/cuda/cuda_internal.h"

__global__ void k_relu(float *out, const float *in, long n) {
    GRID_LOOP(i, n) out[i] = in[i] < 0.0f ? 0.0f : in[i];
}
void fs__cu_relu(float *out, const float *in, long n) { LAUNCH(k_relu, n, out, in, n); }

__global__ void k_relu_grad(float *din, const float *dout, const float *in, long n) {
    GRID_LOOP(i, n) din[i] = in[i] > 0.0f ? dout[i] : 0.0f;
}
void fs__cu_relu_grad(float *din, const float *dout, const float *in, long n) {
    if (din) LAUNCH(k_relu_grad, n, din, dout, in, n);
}

__global__ void k_maxpool(float *out, int32_t *argmax, const float *in, fs_pool2d_dims d, long n) {
    GRID_LOOP(o, n) {
        long plane = o / ((long)d.H_out * d.W_out), r = o % ((long)d.H_out * d.W_out);
        int oh = (int)(r / d.W_out), ow = (int)(r % d.W_out);
        int h0 = oh * d.stride_h - d.pad_h, h1 = h0 + d.KH, w0 = ow * d.stride_w - d.pad_w, w1 = w0 + d.KW;
        if (h0 < 0) h0 = 0;
        if (h1 > d.H) h1 = d.H;
        if (w0 < 0) w0 = 0;
        if (w1 > d.W) w1 = d.W;
        const float *x = in + plane * d.H * d.W;
        int32_t best = h0 * d.W + w0;
        float m = -INFINITY;
        for (int h = h0; h < h1; h++)
            for (int w = w0; w < w1; w++) {
                float v = x[(long)h * d.W + w];
                if (v > m || isnan(v)) m = v, best = h * d.W + w;
            }
        out[o] = m;
        if (argmax) argmax[o] = best;
    }
}
void fs__cu_maxpool2d(float *out, int32_t *argmax, const float *in, const fs_pool2d_dims *d) {
    long n = (long)d->N * d->C * d->H_out * d->W_out;
    LAUNCH(k_maxpool, n, out, argmax, in, *d, n);
}

static __device__ void window_range(int x, int pad, int k, int stride, int n_out, int *o0, int *o1) {
    int lo = x + pad - k + 1, hi = x + pad; /* o stride in [lo, hi] */
    *o0 = lo <= 0 ? 0 : (lo + stride - 1) / stride;
    *o1 = hi / stride; /* inclusive */
    if (*o1 > n_out - 1) *o1 = n_out - 1;
}
__global__ void k_maxpool_grad(float *din, const float *dout, const int32_t *argmax, fs_pool2d_dims d, long n) {
    GRID_LOOP(i, n) {
        long plane = i / ((long)d.H * d.W);
        int at = (int)(i % ((long)d.H * d.W)), h = at / d.W, w = at % d.W;
        int oh0, oh1, ow0, ow1;
        window_range(h, d.pad_h, d.KH, d.stride_h, d.H_out, &oh0, &oh1);
        window_range(w, d.pad_w, d.KW, d.stride_w, d.W_out, &ow0, &ow1);
        const long base = plane * d.H_out * d.W_out;
        float acc = 0.0f;
        for (int oh = oh0; oh <= oh1; oh++)
            for (int ow = ow0; ow <= ow1; ow++) {
                long o = base + (long)oh * d.W_out + ow;
                if (argmax[o] == at) acc += dout[o];
            }
        din[i] = acc;
    }
}
void fs__cu_maxpool2d_grad(float *din, const float *dout, const int32_t *argmax, const fs_pool2d_dims *d) {
    long n = (long)d->N * d->C * d->H * d->W;
    if (din) LAUNCH(k_maxpool_grad, n, din, dout, argmax, *d, n);
}

__global__ void k_channel_affine(float *out, const float *x, const float *shift, const float *scale, long C, long HW,
                                 long n) {
    GRID_LOOP(i, n) {
        long c = i / HW % C;
        out[i] = (x[i] - (shift ? shift[c] : 0.0f)) / scale[c];
    }
}
void fs__cu_channel_affine(float *out, const float *x, const float *shift, const float *scale, int N, int C,
                           long HW) {
    long n = (long)N * C * HW;
    LAUNCH(k_channel_affine, n, out, x, shift, scale, (long)C, HW, n);
}

__global__ void k_channel_norm(float *nf, float *norm, const float *f, int C, long HW, long n) {
    GRID_LOOP(i, n) { /* i = image * HW + pixel */
        long img = i / HW, p = i % HW;
        const float *fp = f + img * C * HW + p;
        float *np = nf + img * C * HW + p;
        float s = 0.0f;
        for (int c = 0; c < C; c++) s += fp[c * HW] * fp[c * HW];
        float nr = sqrtf(s);
        if (norm) norm[i] = nr;
        float den = nr + 1e-10f;
        for (int c = 0; c < C; c++) np[c * HW] = fp[c * HW] / den;
    }
}
void fs__cu_channel_norm(float *nf, float *norm, const float *f, int N, int C, long HW) {
    long n = (long)N * HW;
    LAUNCH(k_channel_norm, n, nf, norm, f, C, HW, n);
}

/* one image: pix[p] = sum_c lin_c (a - b)^2 and, with g, the gradient (devops_lpips_cpu.c has the algebra) */
__global__ void k_lpips_tap(float *pix, float *g, const float *f, const float *a, const float *b, const float *nrm,
                            const float *lin, int C, long HW, float k) {
    GRID_LOOP(p, HW) {
        float s = 0.0f;
        for (int c = 0; c < C; c++) {
            float e = a[c * HW + p] - b[c * HW + p];
            s += lin[c] * e * e;
        }
        pix[p] = s;
        if (!g) continue;
        float dot = 0.0f;
        for (int c = 0; c < C; c++) {
            float dn = 2.0f * k * lin[c] * (a[c * HW + p] - b[c * HW + p]);
            g[c * HW + p] = dn;
            dot += dn * f[c * HW + p];
        }
        float nr = nrm[p], den = nr + 1e-10f;
        dot = nr > 0.0f ? dot / (den * den * nr) : 0.0f;
        for (int c = 0; c < C; c++)
            g[c * HW + p] = nr > 0.0f ? g[c * HW + p] / (nr + 1e-10f) - f[c * HW + p] * dot : 0.0f;
    }
}
__global__ void k_mean_to(float *dist, const float *pix, long HW) {
    double acc = 0;
    for (long i = threadIdx.x; i < HW; i += blockDim.x) acc += pix[i];
    acc = block_sum(acc);
    if (threadIdx.x == 0) *dist = (float)(acc / (double)HW);
}
void fs__cu_lpips_tap(float *dist, float *df, float *pix, const float *f, const float *nf, const float *norm,
                      const float *tnf, const float *lin, int N, int C, long HW, float gscale) {
    for (int n = 0; n < N; n++) {
        const long off = (long)n * C * HW;
        LAUNCH(k_lpips_tap, HW, pix, df ? df + off : NULL, f + off, nf + off, tnf + off, norm + (long)n * HW, lin, C,
               HW, gscale / (float)HW);
        LAUNCH_PLANES(k_mean_to, 1, dist + n, pix, HW);
    }
}

/* the L2 loss: gradient elementwise, the sum one block with a fixed tree in double */
__global__ void k_l2_grad(float *grad, const float *x, const float *y, double k, long n) {
    GRID_LOOP(j, n) grad[j] += (float)(k * ((double)x[j] - y[j]));
}
__global__ void k_l2_sum(double *sum, const float *x, const float *y, long n) {
    double acc = 0;
    for (long j = threadIdx.x; j < n; j += blockDim.x) {
        double e = (double)x[j] - y[j];
        acc += e * e;
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) sum[0] = acc;
}
void fs__cu_l2_diff(double *sum, float *grad, const float *x, const float *y, double k, long n) {
    LAUNCH_PLANES(k_l2_sum, 1, sum, x, y, n);
    if (grad) LAUNCH(k_l2_grad, n, grad, x, y, k, n);
}
