/* backend.h — the compute backend seam: one table of function pointers for the heavy ops.
 *
 *   fs_backend_set(fs_backend_cpu_ref());   // e.g. in a test: run everything on plain loops
 *   fs_conv2d_forward(out, in, w, b, &d);   // -> fs_backend_get()->conv2d_forward(...)
 *   fs_backend_set(NULL);                   // back to the default, fs_backend_cpu()
 *
 * Models call only the public op functions (fs_conv2d_forward, fs_linear_backward, fs_sgemm, ...);
 * those forward to the table returned by fs_backend_get(). A backend is chosen once, at start
 * (not while ops run on other threads: fs_backend_set is not synchronised with running ops).
 *
 * Backends today:
 *   fs_backend_cpu_ref()  "cpu-ref"  plain loops, the reference every fast kernel is tested against
 *   fs_backend_cpu()      "cpu"      im2col + OpenBLAS SGEMM, multithreaded (core/threads.h); default
 * Adding a backend (e.g. CUDA): write a `const fs_backend *fs_backend_cuda(void)` that fills every
 * entry (an entry may point to a CPU function where the device has no kernel yet), select it with
 * fs_backend_set() when the user asks for --device cuda. Models are not touched. Pointers passed
 * to the entries are whatever memory the backend works on (host memory for the CPU backends).
 */
#ifndef FS_TENSOR_BACKEND_H
#define FS_TENSOR_BACKEND_H

#include "tensor/conv2d.h"
#include "tensor/conv_transpose2d.h"

typedef struct fs_backend {
    const char *name; /* "cpu", "cpu-ref", ... */
    void (*conv2d_forward)(float *out, const float *in, const float *weight, const float *bias,
                           const fs_conv2d_dims *d);
    void (*conv2d_backward)(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                            const float *weight, const fs_conv2d_dims *d);
    void (*conv_transpose2d_forward)(float *out, const float *in, const float *weight, const float *bias,
                                     const fs_conv_transpose2d_dims *d);
    void (*conv_transpose2d_backward)(float *din, float *dweight, float *dbias, const float *dout,
                                      const float *in, const float *weight, const fs_conv_transpose2d_dims *d);
    void (*sgemm)(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                  const float *B, int ldb, float beta, float *C, int ldc);
    void (*linear_forward)(float *y, const float *x, const float *w, const float *b, int M, int K, int N_out);
    void (*linear_backward)(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w,
                            int M, int K, int N_out);
} fs_backend;

const fs_backend *fs_backend_cpu_ref(void); /* plain loops */
const fs_backend *fs_backend_cpu(void);     /* fast CPU (default) */

/* Selects the backend used by the public ops; NULL restores the default (fs_backend_cpu()).
 * Every entry of the table must be non-NULL (asserted). */
void fs_backend_set(const fs_backend *b);
const fs_backend *fs_backend_get(void);
/* Finds a backend by name ("cpu", "cpu-ref"); NULL when unknown. */
const fs_backend *fs_backend_by_name(const char *name);

#endif
