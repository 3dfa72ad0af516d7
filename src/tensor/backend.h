/* backend.h — the compute backend seam: one table of function pointers for device memory and every op
 * the models run on it (ggml's way: an op table with device buffers; docs/gpu.md says why).
 *
 *   fs_device_select("sim", &err);               // or "cpu" (default), "cpu-ref", "cuda", "cuda:1"
 *   float *x = fs_dev_alloc(n * sizeof(float), &err);   // device memory (tensor/device.h)
 *   fs_dev_upload(x, host, n * sizeof(float));  // the pipeline's edges move data explicitly
 *   fs_conv2d_forward(out, x, w, b, &d);        // -> fs_backend_get()->conv2d_forward(...)
 *   fs_dev_download(host, out, ...);
 *
 * Models call only the public op functions (fs_conv2d_forward, fs_scale_planes, fs_sgemm, ...); those forward
 * to the table returned by fs_backend_get(). Every pointer an op takes is DEVICE memory of the selected backend
 * unless its header says "host" (small constants such as an FIR filter, dims structs). A backend is chosen
 * once, at start, before any device buffer exists (buffers belong to the backend that made them).
 *
 * Backends:
 *   "cpu-ref"  plain loops, the reference every fast kernel is tested against; device memory = host memory
 *   "cpu"      im2col + OpenBLAS SGEMM, multithreaded (core/threads.h); the default; device memory = host memory
 *   "sim"      the "cpu" kernels, but device memory is a separate mapping that is PROT_NONE outside backend
 *              calls: a host read of device memory crashes (tests run the models this way, FS_DEVICE=sim)
 *   "cuda"     CUDA kernels + cuBLAS (tensor/cuda/, built with -DFS_CUDA=ON|AUTO when nvcc is found)
 * Adding a backend: fill every entry (fs_backend_set asserts), register it in device.c. Models are not touched.
 */
#ifndef FS_TENSOR_BACKEND_H
#define FS_TENSOR_BACKEND_H

#include <stddef.h>

#include "tensor/bias_act.h"
#include "tensor/conv2d.h"
#include "tensor/conv_transpose2d.h"
#include "tensor/pool.h"
#include "tensor/upfirdn2d.h"

struct fs_adam_consts; /* nn/adam.h: the per-step scalars of one Adam update */

/* X(name, (parameters), (arguments)): every op entry of the table. All return void. */
#define FS_BACKEND_OPS(X) FS_BACKEND_KERNELS(X) FS_BACKEND_DEVOPS(X)

/* The big kernels, each with a reference (fs_NAME_ref) and a fast CPU version (fs_NAME_cpu). */
#define FS_BACKEND_KERNELS(X)                                                                                      \
    X(conv2d_forward, (float *out, const float *in, const float *weight, const float *bias, const fs_conv2d_dims *d), \
      (out, in, weight, bias, d))                                                                                  \
    X(conv2d_backward,                                                                                             \
      (float *din, float *dweight, float *dbias, const float *dout, const float *in, const float *weight,          \
       const fs_conv2d_dims *d),                                                                                   \
      (din, dweight, dbias, dout, in, weight, d))                                                                  \
    X(conv_transpose2d_forward,                                                                                    \
      (float *out, const float *in, const float *weight, const float *bias, const fs_conv_transpose2d_dims *d),    \
      (out, in, weight, bias, d))                                                                                  \
    X(conv_transpose2d_backward,                                                                                   \
      (float *din, float *dweight, float *dbias, const float *dout, const float *in, const float *weight,          \
       const fs_conv_transpose2d_dims *d),                                                                         \
      (din, dweight, dbias, dout, in, weight, d))                                                                  \
    X(sgemm,                                                                                                       \
      (int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B, int ldb, \
       float beta, float *C, int ldc),                                                                             \
      (transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc))                                              \
    X(linear_forward, (float *y, const float *x, const float *w, const float *b, int M, int K, int N_out),         \
      (y, x, w, b, M, K, N_out))                                                                                   \
    X(linear_backward,                                                                                             \
      (float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, int M, int K, int N_out), \
      (dx, dw, db, dy, x, w, M, K, N_out))                                                                         \
    X(bias_act_forward,                                                                                            \
      (float *out, const float *in, const float *bias, int N, int C, long HW, fs_act act, float alpha, float gain, \
       float clamp),                                                                                               \
      (out, in, bias, N, C, HW, act, alpha, gain, clamp))                                                          \
    X(bias_act_backward,                                                                                           \
      (float *din, float *dbias, const float *dout, const float *in, const float *bias, int N, int C, long HW,     \
       fs_act act, float alpha, float gain, float clamp),                                                          \
      (din, dbias, dout, in, bias, N, C, HW, act, alpha, gain, clamp))                                             \
    X(upfirdn2d_forward, (float *out, const float *in, const float *f, float gain, const fs_upfirdn2d_dims *d),    \
      (out, in, f, gain, d))                                                                                       \
    X(upfirdn2d_backward, (float *din, const float *dout, const float *f, float gain, const fs_upfirdn2d_dims *d), \
      (din, dout, f, gain, d))

/* The small device ops of tensor/devops.h (one line each there). */
#define FS_BACKEND_DEVOPS(X)                                                                                       \
    X(scale_planes, (float *out, const float *a, const float *scale, float gain, long planes, long HW),            \
      (out, a, scale, gain, planes, HW))                                                                           \
    X(dot_planes, (double *red, const float *a, const float *b, long planes, long HW), (red, a, b, planes, HW))    \
    X(dot_scale_planes, (double *red, float *a, const float *x, const float *scale, float gain, long planes, long HW), \
      (red, a, x, scale, gain, planes, HW))                                                                        \
    X(add, (float *dst, const float *src, long n), (dst, src, n))                                                  \
    X(sum_rows_f32, (float *dst, const float *src, long rows, long cols), (dst, src, rows, cols))                  \
    X(sum_rows_f64, (float *dst, const double *src, long rows, long cols), (dst, src, rows, cols))                 \
    X(row_sumsq, (float *dst, const float *src, long rows, long len), (dst, src, rows, len))                       \
    X(permute01, (float *dst, const float *src, int A, int B, int KK, int accumulate), (dst, src, A, B, KK, accumulate)) \
    X(square_scaled, (float *out, const float *s, float g, long n), (out, s, g, n))                                \
    X(rsqrt_eps, (float *x, float eps, long n), (x, eps, n))                                                       \
    X(demod_q, (float *q, const double *dd, const float *d, long n), (q, dd, d, n))                                \
    X(f64_scaled, (float *out, const double *src, float g, long n), (out, src, g, n))                              \
    X(sub_prod, (float *dst, float c, const float *a, const float *b, long n), (dst, c, a, b, n))                  \
    X(sub_rows_scaled, (float *dst, const float *w, const float *u, long rows, long len), (dst, w, u, rows, len))  \
    X(scale_add_bias, (float *x, float gain, const float *b, long rows, long C), (x, gain, b, rows, C))            \
    X(modact_forward,                                                                                              \
      (float *out, const float *y, const float *demod, const float *noise, long noise_stride, const float *strength, \
       const float *bias, float clamp, int N, int C, long HW),                                                     \
      (out, y, demod, noise, noise_stride, strength, bias, clamp, N, C, HW))                                       \
    X(modact_backward,                                                                                             \
      (float *dcur, double *dd, double *db, double *dn, const float *y, const float *demod, const float *noise,    \
       long noise_stride, const float *strength, const float *bias, float clamp, int N, int C, long HW),           \
      (dcur, dd, db, dn, y, demod, noise, noise_stride, strength, bias, clamp, N, C, HW))                          \
    X(adam_update, (float *x, float *m, float *v, const float *g, const struct fs_adam_consts *k, long n),         \
      (x, m, v, g, k, n))                                                                                          \
    X(fill, (float *x, float value, long n), (x, value, n))                                                       \
    FS_BACKEND_LPIPS_OPS(X)

/* The ops LPIPS adds (tensor/devops.h). */
#define FS_BACKEND_LPIPS_OPS(X)                                                                                    \
    X(relu, (float *out, const float *in, long n), (out, in, n))                                                   \
    X(relu_grad, (float *din, const float *dout, const float *in, long n), (din, dout, in, n))                     \
    X(maxpool2d, (float *out, int32_t *argmax, const float *in, const fs_pool2d_dims *d), (out, argmax, in, d))    \
    X(maxpool2d_grad, (float *din, const float *dout, const int32_t *argmax, const fs_pool2d_dims *d),             \
      (din, dout, argmax, d))                                                                                      \
    X(channel_affine, (float *out, const float *x, const float *shift, const float *scale, int N, int C, long HW), \
      (out, x, shift, scale, N, C, HW))                                                                            \
    X(channel_norm, (float *nf, float *norm, const float *f, int N, int C, long HW), (nf, norm, f, N, C, HW))      \
    X(lpips_tap,                                                                                                   \
      (float *dist, float *df, float *pix, const float *f, const float *nf, const float *norm, const float *tnf,   \
       const float *lin, int N, int C, long HW, float gscale),                                                     \
      (dist, df, pix, f, nf, norm, tnf, lin, N, C, HW, gscale))                                                  \
    X(l2_diff, (double *sum, float *grad, const float *x, const float *y, double k, long n), (sum, grad, x, y, k, n))

#define FS__BACKEND_FIELD(name, params, args) void(*name) params;

typedef struct fs_backend {
    const char *name; /* "cpu", "cpu-ref", "sim", "cuda" */
    /* device memory: alloc returns zeroed memory or NULL; the copies are synchronous */
    void *(*alloc)(size_t bytes);
    void (*free)(void *p);
    void (*upload)(void *dst_dev, const void *src_host, size_t bytes);
    void (*download)(void *dst_host, const void *src_dev, size_t bytes);
    void (*copy)(void *dst_dev, const void *src_dev, size_t bytes);
    void (*zero)(void *dev, size_t bytes);
    FS_BACKEND_OPS(FS__BACKEND_FIELD)
} fs_backend;

const fs_backend *fs_backend_cpu_ref(void); /* plain loops */
const fs_backend *fs_backend_cpu(void);     /* fast CPU (default) */
const fs_backend *fs_backend_sim(void);     /* CPU kernels on protected device memory (backend_sim.c) */
const fs_backend *fs_backend_cuda(void);    /* NULL when built without CUDA (tensor/cuda/) */

/* Selects the backend used by the public ops; NULL restores the default (fs_backend_cpu()).
 * Every entry of the table must be non-NULL (asserted). */
void fs_backend_set(const fs_backend *b);
const fs_backend *fs_backend_get(void);
/* Finds a backend by name ("cpu", "cpu-ref", "sim", "cuda"); NULL when unknown or not built. */
const fs_backend *fs_backend_by_name(const char *name);
/* 1 when the device memory of b is ordinary host memory (cpu, cpu-ref). */
int fs_backend_is_host(const fs_backend *b);

#endif
