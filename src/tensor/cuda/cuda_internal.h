/* cuda_internal.h — shared by the CUDA backend's .cu files (not a public API): error checks, launch geometry,
 * the cuBLAS handle and the row-major SGEMM every GEMM-shaped op uses. CUDA C: C-style code compiled by nvcc. */
#ifndef FS_TENSOR_CUDA_INTERNAL_H
#define FS_TENSOR_CUDA_INTERNAL_H

#include <cublas_v2.h>
#include <cuda_runtime.h>

extern "C" {
#include "tensor/backend.h"
#include "tensor/device.h"
#include "tensor/devops.h"
}

/* A failing CUDA call here is a broken device or a bug (inputs were validated before): abort with the reason. */
#define FS_CU(call)                                                                                               \
    do {                                                                                                          \
        cudaError_t e_ = (call);                                                                                  \
        if (e_ != cudaSuccess) {                                                                                  \
            fprintf(stderr, "facestitch: CUDA error %s at %s:%d: %s\n", cudaGetErrorName(e_), __FILE__, __LINE__, \
                    cudaGetErrorString(e_));                                                                      \
            abort();                                                                                              \
        }                                                                                                         \
    } while (0)
#define FS_CUBLAS(call)                                                                                     \
    do {                                                                                                    \
        cublasStatus_t s_ = (call);                                                                         \
        if (s_ != CUBLAS_STATUS_SUCCESS) {                                                                  \
            fprintf(stderr, "facestitch: cuBLAS error %d at %s:%d\n", (int)s_, __FILE__, __LINE__);        \
            abort();                                                                                        \
        }                                                                                                   \
    } while (0)
#define FS_CU_LAUNCHED() FS_CU(cudaGetLastError())

#define FS_CU_THREADS 256
static inline unsigned fs_cu_blocks(long n) {
    long b = (n + FS_CU_THREADS - 1) / FS_CU_THREADS;
    if (b < 1) b = 1;
    return b > 65535L * 32 ? 65535u * 32u : (unsigned)b;
}

cublasHandle_t fs__cu_blas(void);
/* Row-major C (M, N) = alpha op(A) op(B) + beta C, with the math mode of fs_precision_get(). */
void fs__cu_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                  int ldb, float beta, float *C, int ldc);
/* Device scratch that grows on demand (slot 0..3), valid until the next call for the same slot. */
float *fs__cu_scratch(int slot, size_t floats);

/* kernels used across files (cuda_kernels.cu) */
void fs__cu_add_channel_bias(float *x, const float *b, long N, long C, long HW); /* x[n,c,:] += b[c] */
void fs__cu_broadcast_rows(float *y, const float *b, long rows, long cols);       /* y[r,c] = b[c] */
void fs__cu_channel_sum_add(float *db, const float *x, long N, long C, long HW); /* db[c] += sum over n, hw */

/* the table entries defined in each file */
#define FS__CU_DECL(name, params, args) void fs__cu_##name params;
FS_BACKEND_OPS(FS__CU_DECL)

#endif
