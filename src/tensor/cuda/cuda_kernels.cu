/* cuda_kernels.cu — the small device ops (tensor/devops.h), bias_act, upfirdn2d and the Adam update on the GPU.
 * Elementwise ops use grid-stride loops; per-plane reductions use one block per plane and a fixed-shape tree in
 * double (deterministic, close to the CPU's sequential double sums). */
#include "tensor/cuda/cuda_internal.h"

extern "C" {
#include "tensor/kernel_math.h"
}

#define GRID_LOOP(i, n) for (long i = blockIdx.x * (long)blockDim.x + threadIdx.x; i < (n); i += (long)gridDim.x * blockDim.x)

/* Sum of v over the block (blockDim.x == FS_CU_THREADS), valid in thread 0. */
__device__ double block_sum(double v) {
    __shared__ double sh[FS_CU_THREADS];
    sh[threadIdx.x] = v;
    __syncthreads();
    for (int s = FS_CU_THREADS / 2; s > 0; s >>= 1) {
        if (threadIdx.x < s) sh[threadIdx.x] += sh[threadIdx.x + s];
        __syncthreads();
    }
    double r = sh[0];
    __syncthreads();
    return r;
}

#define LAUNCH(kernel, n, ...)                                                     \
    do {                                                                           \
        if ((n) > 0) {                                                             \
            kernel<<<fs_cu_blocks(n), FS_CU_THREADS>>>(__VA_ARGS__);               \
            FS_CU_LAUNCHED();                                                      \
        }                                                                          \
    } while (0)
#define LAUNCH_PLANES(kernel, planes, ...)                                         \
    do {                                                                           \
        if ((planes) > 0) {                                                        \
            kernel<<<(unsigned)(planes), FS_CU_THREADS>>>(__VA_ARGS__);            \
            FS_CU_LAUNCHED();                                                      \
        }                                                                          \
    } while (0)

/* ---- helpers shared with the GEMM-shaped ops ---- */
__global__ void k_add_channel_bias(float *x, const float *b, long C, long HW, long n) {
    GRID_LOOP(i, n) x[i] += b[i / HW % C];
}
void fs__cu_add_channel_bias(float *x, const float *b, long N, long C, long HW) {
    LAUNCH(k_add_channel_bias, N * C * HW, x, b, C, HW, N * C * HW);
}
__global__ void k_broadcast_rows(float *y, const float *b, long cols, long n) {
    GRID_LOOP(i, n) y[i] = b[i % cols];
}
void fs__cu_broadcast_rows(float *y, const float *b, long rows, long cols) {
    LAUNCH(k_broadcast_rows, rows * cols, y, b, cols, rows * cols);
}
/* one block per channel: db[c] += sum_{n, i} x[n, c, i] */
__global__ void k_channel_sum_add(float *db, const float *x, long N, long C, long HW) {
    long c = blockIdx.x;
    double acc = 0;
    for (long n = 0; n < N; n++)
        for (long i = threadIdx.x; i < HW; i += blockDim.x) acc += x[(n * C + c) * HW + i];
    acc = block_sum(acc);
    if (threadIdx.x == 0) db[c] += (float)acc;
}
void fs__cu_channel_sum_add(float *db, const float *x, long N, long C, long HW) {
    LAUNCH_PLANES(k_channel_sum_add, C, db, x, N, C, HW);
}

/* ---- devops ---- */
__global__ void k_scale_planes(float *out, const float *a, const float *scale, float gain, long HW, long n) {
    GRID_LOOP(i, n) out[i] = a[i] * (scale[i / HW] * gain);
}
void fs__cu_scale_planes(float *out, const float *a, const float *scale, float gain, long planes, long HW) {
    LAUNCH(k_scale_planes, planes * HW, out, a, scale, gain, HW, planes * HW);
}
__global__ void k_dot_planes(double *red, const float *a, const float *b, long HW) {
    const float *x = a + blockIdx.x * HW, *y = b + blockIdx.x * HW;
    double acc = 0;
    for (long i = threadIdx.x; i < HW; i += blockDim.x) acc += (double)x[i] * y[i];
    acc = block_sum(acc);
    if (threadIdx.x == 0) red[blockIdx.x] = acc;
}
void fs__cu_dot_planes(double *red, const float *a, const float *b, long planes, long HW) {
    LAUNCH_PLANES(k_dot_planes, planes, red, a, b, HW);
}
__global__ void k_dot_scale_planes(double *red, float *a, const float *x, const float *scale, float gain, long HW) {
    float *p = a + blockIdx.x * HW;
    const float *q = x + blockIdx.x * HW;
    float sc = scale[blockIdx.x] * gain;
    double acc = 0;
    for (long i = threadIdx.x; i < HW; i += blockDim.x) {
        acc += (double)p[i] * q[i];
        p[i] = p[i] * sc;
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) red[blockIdx.x] = acc;
}
void fs__cu_dot_scale_planes(double *red, float *a, const float *x, const float *scale, float gain, long planes,
                             long HW) {
    LAUNCH_PLANES(k_dot_scale_planes, planes, red, a, x, scale, gain, HW);
}
__global__ void k_add(float *dst, const float *src, long n) { GRID_LOOP(i, n) dst[i] += src[i]; }
void fs__cu_add(float *dst, const float *src, long n) { LAUNCH(k_add, n, dst, src, n); }
/* column sums in row order: the CPU's float order exactly */
__global__ void k_sum_rows_f32(float *dst, const float *src, long rows, long cols) {
    GRID_LOOP(c, cols) {
        float acc = dst[c];
        for (long r = 0; r < rows; r++) acc += src[r * cols + c];
        dst[c] = acc;
    }
}
void fs__cu_sum_rows_f32(float *dst, const float *src, long rows, long cols) {
    LAUNCH(k_sum_rows_f32, cols, dst, src, rows, cols);
}
__global__ void k_sum_rows_f64(float *dst, const double *src, long rows, long cols) {
    GRID_LOOP(c, cols) {
        double acc = 0;
        for (long r = 0; r < rows; r++) acc += src[r * cols + c];
        dst[c] += (float)acc;
    }
}
void fs__cu_sum_rows_f64(float *dst, const double *src, long rows, long cols) {
    LAUNCH(k_sum_rows_f64, cols, dst, src, rows, cols);
}
__global__ void k_row_sumsq(float *dst, const float *src, long rows, long len) {
    GRID_LOOP(r, rows) {
        float acc = 0;
        for (long k = 0; k < len; k++) acc += src[r * len + k] * src[r * len + k];
        dst[r] = acc;
    }
}
void fs__cu_row_sumsq(float *dst, const float *src, long rows, long len) {
    LAUNCH(k_row_sumsq, rows, dst, src, rows, len);
}
__global__ void k_permute01(float *dst, const float *src, int A, int B, int KK, int accumulate, long n) {
    GRID_LOOP(i, n) { /* i indexes src (A, B, KK) */
        long k = i % KK, b = i / KK % B, a = i / ((long)KK * B);
        float *d = dst + (b * A + a) * KK + k;
        *d = accumulate ? *d + src[i] : src[i];
    }
}
void fs__cu_permute01(float *dst, const float *src, int A, int B, int KK, int accumulate) {
    long n = (long)A * B * KK;
    LAUNCH(k_permute01, n, dst, src, A, B, KK, accumulate, n);
}
__global__ void k_square_scaled(float *out, const float *s, float g, long n) {
    GRID_LOOP(i, n) out[i] = (s[i] * g) * (s[i] * g);
}
void fs__cu_square_scaled(float *out, const float *s, float g, long n) { LAUNCH(k_square_scaled, n, out, s, g, n); }
__global__ void k_rsqrt_eps(float *x, float eps, long n) { GRID_LOOP(i, n) x[i] = 1.0f / sqrtf(x[i] + eps); }
void fs__cu_rsqrt_eps(float *x, float eps, long n) { LAUNCH(k_rsqrt_eps, n, x, eps, n); }
__global__ void k_demod_q(float *q, const double *dd, const float *d, long n) {
    GRID_LOOP(i, n) q[i] = (float)dd[i] * d[i] * d[i] * d[i];
}
void fs__cu_demod_q(float *q, const double *dd, const float *d, long n) { LAUNCH(k_demod_q, n, q, dd, d, n); }
__global__ void k_f64_scaled(float *out, const double *src, float g, long n) { GRID_LOOP(i, n) out[i] = (float)src[i] * g; }
void fs__cu_f64_scaled(float *out, const double *src, float g, long n) { LAUNCH(k_f64_scaled, n, out, src, g, n); }
__global__ void k_sub_prod(float *dst, float c, const float *a, const float *b, long n) {
    GRID_LOOP(i, n) dst[i] -= c * a[i] * b[i];
}
void fs__cu_sub_prod(float *dst, float c, const float *a, const float *b, long n) { LAUNCH(k_sub_prod, n, dst, c, a, b, n); }
__global__ void k_sub_rows_scaled(float *dst, const float *w, const float *u, long len, long n) {
    GRID_LOOP(i, n) dst[i] -= w[i] * u[i / len];
}
void fs__cu_sub_rows_scaled(float *dst, const float *w, const float *u, long rows, long len) {
    LAUNCH(k_sub_rows_scaled, rows * len, dst, w, u, len, rows * len);
}
__global__ void k_scale_add_bias(float *x, float gain, const float *b, long C, long n) {
    GRID_LOOP(i, n) x[i] = x[i] * gain + b[i % C];
}
void fs__cu_scale_add_bias(float *x, float gain, const float *b, long rows, long C) {
    LAUNCH(k_scale_add_bias, rows * C, x, gain, b, C, rows * C);
}
__global__ void k_fill(float *x, float v, long n) { GRID_LOOP(i, n) x[i] = v; }
void fs__cu_fill(float *x, float value, long n) { LAUNCH(k_fill, n, x, value, n); }

/* ---- the modulated-conv epilogue ---- */
__device__ float lrelu_gain_clamp(float v, float g, float cl) {
    v = (v > 0 ? v : v * 0.2f) * g;
    return cl < 0 ? v : (v < -cl ? -cl : (v > cl ? cl : v));
}
__global__ void k_modact_forward(float *out, const float *y, const float *d, const float *noise, long noise_stride,
                                 const float *strength, const float *bias, float clamp, int C, long HW, long n) {
    float st = noise ? strength[0] : 0.0f, g = 1.41421356237309515f;
    GRID_LOOP(i, n) {
        long p = i / HW, px = i % HW;
        float v = noise ? y[i] * d[p] + noise[(p / C) * noise_stride + px] * st : y[i] * d[p];
        out[i] = lrelu_gain_clamp(v + bias[p % C], g, clamp);
    }
}
void fs__cu_modact_forward(float *out, const float *y, const float *demod, const float *noise, long noise_stride,
                           const float *strength, const float *bias, float clamp, int N, int C, long HW) {
    long n = (long)N * C * HW;
    LAUNCH(k_modact_forward, n, out, y, demod, noise, noise_stride, strength, bias, clamp, C, HW, n);
}
__global__ void k_modact_backward(float *dcur, double *dd, double *db, double *dn, const float *y, const float *dm,
                                  const float *noise, long noise_stride, const float *strength, const float *bias,
                                  float cl, int C, long HW) {
    long p = blockIdx.x;
    float d = dm[p], bv = bias[p % C], g = 1.41421356237309515f, st = noise ? strength[0] : 0.0f;
    const float *yp = y + p * HW;
    const float *nz = noise ? noise + (p / C) * noise_stride : NULL;
    float *dc = dcur + p * HW;
    double sy = 0, sb = 0, sn = 0;
    for (long i = threadIdx.x; i < HW; i += blockDim.x) {
        float v = (nz ? yp[i] * d + nz[i] * st : yp[i] * d) + bv;
        float dz = fs__modact_dz(dc[i], v, g, cl);
        sy += (double)dz * yp[i];
        sb += dz;
        if (nz) sn += (double)dz * nz[i];
        dc[i] = dz * d;
    }
    sy = block_sum(sy);
    sb = block_sum(sb);
    sn = block_sum(sn);
    if (threadIdx.x == 0) dd[p] = sy, db[p] = sb, dn[p] = sn;
}
void fs__cu_modact_backward(float *dcur, double *dd, double *db, double *dn, const float *y, const float *demod,
                            const float *noise, long noise_stride, const float *strength, const float *bias,
                            float clamp, int N, int C, long HW) {
    LAUNCH_PLANES(k_modact_backward, (long)N * C, dcur, dd, db, dn, y, demod, noise, noise_stride, strength, bias,
                  clamp, C, HW);
}

/* ---- bias_act (tensor/bias_act.h) ---- */
__global__ void k_bias_act_fwd(float *out, const float *in, const float *bias, int C, long HW, fs_act act, float alpha,
                               float gain, float clamp, long n) {
    GRID_LOOP(i, n) out[i] = fs__act_fwd(in[i] + (bias ? bias[i / HW % C] : 0.0f), act, alpha, gain, clamp);
}
void fs__cu_bias_act_forward(float *out, const float *in, const float *bias, int N, int C, long HW, fs_act act,
                             float alpha, float gain, float clamp) {
    long n = (long)N * C * HW;
    LAUNCH(k_bias_act_fwd, n, out, in, bias, C, HW, act, alpha, gain, clamp, n);
}
/* din (may alias dout) = dout * act'(in + bias); then the bias gradient from din */
__global__ void k_bias_act_bwd(float *din, const float *dout, const float *in, const float *bias, int C, long HW,
                               fs_act act, float alpha, float gain, float clamp, long n) {
    GRID_LOOP(i, n) din[i] = dout[i] * fs__act_grad(in[i] + (bias ? bias[i / HW % C] : 0.0f), act, alpha, gain, clamp);
}
void fs__cu_bias_act_backward(float *din, float *dbias, const float *dout, const float *in, const float *bias, int N,
                              int C, long HW, fs_act act, float alpha, float gain, float clamp) {
    long n = (long)N * C * HW;
    if (!din && !dbias) return;
    float *g = din ? din : fs__cu_scratch(3, (size_t)n);
    LAUNCH(k_bias_act_bwd, n, g, dout, in, bias, C, HW, act, alpha, gain, clamp, n);
    if (dbias) fs__cu_channel_sum_add(dbias, g, N, C, HW);
}

/* ---- upfirdn2d (tensor/upfirdn2d.h); the filter (host) goes to the GPU as a kernel argument ---- */
#define UFD_MAX_TAPS 64
typedef struct {
    float f[UFD_MAX_TAPS]; /* flipped filter times gain */
} ufd_taps;

__global__ void k_ufd_fwd(float *out, const float *in, ufd_taps t, fs_upfirdn2d_dims d, long n) {
    GRID_LOOP(i, n) {
        int xo = (int)(i % d.W_out), yo = (int)(i / d.W_out % d.H_out);
        long p = i / ((long)d.W_out * d.H_out);
        const float *x = in + p * d.H * d.W;
        float acc = 0;
        for (int ky = 0; ky < d.KH; ky++) {
            long u = (long)yo * d.down_y + ky - d.pad_y0;
            if (u < 0 || u % d.up_y || u / d.up_y >= d.H) continue;
            for (int kx = 0; kx < d.KW; kx++) {
                long v = (long)xo * d.down_x + kx - d.pad_x0;
                if (v < 0 || v % d.up_x || v / d.up_x >= d.W) continue;
                acc += x[(u / d.up_y) * d.W + v / d.up_x] * t.f[ky * d.KW + kx];
            }
        }
        out[i] = acc;
    }
}
/* gather form of the adjoint: input pixel (iy, ix) collects every output tap that read it */
__global__ void k_ufd_bwd(float *din, const float *dout, ufd_taps t, fs_upfirdn2d_dims d, long n) {
    GRID_LOOP(i, n) {
        int ix = (int)(i % d.W), iy = (int)(i / d.W % d.H);
        long p = i / ((long)d.W * d.H);
        const float *dy = dout + p * d.H_out * d.W_out;
        float acc = 0;
        for (int ky = 0; ky < d.KH; ky++) {
            long ty = (long)iy * d.up_y + d.pad_y0 - ky;
            if (ty < 0 || ty % d.down_y || ty / d.down_y >= d.H_out) continue;
            for (int kx = 0; kx < d.KW; kx++) {
                long tx = (long)ix * d.up_x + d.pad_x0 - kx;
                if (tx < 0 || tx % d.down_x || tx / d.down_x >= d.W_out) continue;
                acc += dy[(ty / d.down_y) * d.W_out + tx / d.down_x] * t.f[ky * d.KW + kx];
            }
        }
        din[i] = acc;
    }
}
static ufd_taps taps_of(const float *f, float gain, const fs_upfirdn2d_dims *d) {
    ufd_taps t;
    FS_ASSERT(d->KH * d->KW <= UFD_MAX_TAPS);
    for (int ky = 0; ky < d->KH; ky++)
        for (int kx = 0; kx < d->KW; kx++) t.f[ky * d->KW + kx] = f[(d->KH - 1 - ky) * d->KW + (d->KW - 1 - kx)] * gain;
    return t;
}
void fs__cu_upfirdn2d_forward(float *out, const float *in, const float *f, float gain, const fs_upfirdn2d_dims *d) {
    long n = (long)d->N * d->C * d->H_out * d->W_out;
    LAUNCH(k_ufd_fwd, n, out, in, taps_of(f, gain, d), *d, n);
}
void fs__cu_upfirdn2d_backward(float *din, const float *dout, const float *f, float gain, const fs_upfirdn2d_dims *d) {
    long n = (long)d->N * d->C * d->H * d->W;
    LAUNCH(k_ufd_bwd, n, din, dout, taps_of(f, gain, d), *d, n);
}

/* ---- Adam (nn/adam.h: PyTorch's float arithmetic, element by element) ---- */
__global__ void k_adam(float *x, float *m, float *v, const float *gr, fs_adam_consts k, long n) {
    GRID_LOOP(i, n) {
        float g = gr[i];
        if (k.wd != 0.0f) g = g + k.wd * x[i];
        m[i] = k.w1 < 0.5f ? m[i] + k.w1 * (g - m[i]) : g - (g - m[i]) * (1.0f - k.w1);
        v[i] = v[i] * k.b2 + k.one_m_b2 * g * g;
        float denom = sqrtf(v[i]) / k.bc2s + k.eps;
        x[i] = x[i] + k.neg_step * m[i] / denom;
    }
}
void fs__cu_adam_update(float *x, float *m, float *v, const float *g, const fs_adam_consts *k, long n) {
    LAUNCH(k_adam, n, x, m, v, g, *k, n);
}
