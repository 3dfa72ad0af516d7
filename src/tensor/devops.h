/* devops.h — the small device ops the models compose (elementwise maps, per-plane reductions, the StyleGAN2
 * modulation epilogue, the Adam update). Each dispatches through the backend table (tensor/backend.h); every
 * pointer is device memory. The CPU kernels (devops_cpu.c) are the reference for every other backend.
 *
 *   fs_scale_planes(xs, x, s, g, N * C, H * W);    // xs[p, i] = x[p, i] * s[p] * g
 *   fs_dot_planes(red, dy, y, N * C, H * W);       // red[p] = sum_i dy[p, i] y[p, i]   (double)
 *
 * A "plane" is one (n, c) slice of HW contiguous floats. Reductions accumulate in double in index order,
 * so results do not depend on the thread count. Sizes are element counts.
 */
#ifndef FS_TENSOR_DEVOPS_H
#define FS_TENSOR_DEVOPS_H

/* The per-step scalars of one Adam update (nn/adam.h gives their meaning). */
typedef struct fs_adam_consts {
    float wd, w1, b2, one_m_b2, bc2s, eps, neg_step;
} fs_adam_consts;

void fs_scale_planes(float *out, const float *a, const float *scale, float gain, long planes, long HW); /* out may be a */
void fs_dot_planes(double *red, const float *a, const float *b, long planes, long HW);
/* red[p] = sum_i a[p,i] x[p,i]; then a[p,i] *= scale[p] * gain */
void fs_dot_scale_planes(double *red, float *a, const float *x, const float *scale, float gain, long planes, long HW);
void fs_add(float *dst, const float *src, long n);                          /* dst += src */
void fs_sum_rows_f32(float *dst, const float *src, long rows, long cols);  /* dst[c] += src[r,c], float, r ascending */
void fs_sum_rows_f64(float *dst, const double *src, long rows, long cols); /* dst[c] += (float)sum_r src[r,c] */
void fs_row_sumsq(float *dst, const float *src, long rows, long len);      /* dst[r] = sum_k src[r,k]^2 (float) */
/* dst (B, A, KK) = src (A, B, KK) with the first two axes swapped; accumulate: dst += */
void fs_permute01(float *dst, const float *src, int A, int B, int KK, int accumulate);
void fs_square_scaled(float *out, const float *s, float g, long n);        /* out = (s g)^2 */
void fs_rsqrt_eps(float *x, float eps, long n);                            /* x = 1 / sqrtf(x + eps) */
void fs_demod_q(float *q, const double *dd, const float *d, long n);       /* q = dd d^3 */
void fs_f64_scaled(float *out, const double *src, float g, long n);        /* out = (float)src g */
void fs_sub_prod(float *dst, float c, const float *a, const float *b, long n); /* dst -= c a b */
/* dst[r,k] -= w[r,k] u[r] */
void fs_sub_rows_scaled(float *dst, const float *w, const float *u, long rows, long len);
void fs_scale_add_bias(float *x, float gain, const float *b, long rows, long C); /* x[r,c] = x[r,c] gain + b[c] */
/* StyleGAN2 modulated-conv epilogue: out = clamp(lrelu(y d + strength[0] noise + bias, 0.2) sqrt2) (clamp < 0:
 * none); noise NULL = none, noise_stride 0 = one shared map. y, out (N, C, HW); d (N, C); bias (C). */
void fs_modact_forward(float *out, const float *y, const float *demod, const float *noise, long noise_stride,
                       const float *strength, const float *bias, float clamp, int N, int C, long HW);
/* Its backward in one pass per plane: dcur (dL/dout) becomes dL/dy = dz d; dd = sum dz y, db = sum dz,
 * dn = sum dz noise per plane (N, C) in double; dz = dL/d(pre-bias). */
void fs_modact_backward(float *dcur, double *dd, double *db, double *dn, const float *y, const float *demod,
                        const float *noise, long noise_stride, const float *strength, const float *bias, float clamp,
                        int N, int C, long HW);
/* One Adam step on n elements (PyTorch's arithmetic, nn/adam.h); k is host memory. */
void fs_adam_update(float *x, float *m, float *v, const float *g, const fs_adam_consts *k, long n);
void fs_fill(float *x, float value, long n);

/* The CPU kernels (reference for every backend). */
#define FS__DEVOPS_CPU_DECL(name, params, args) void fs_##name##_cpu params;
#include "tensor/backend.h"
FS_BACKEND_DEVOPS(FS__DEVOPS_CPU_DECL)

#endif
