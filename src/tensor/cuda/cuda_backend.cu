/* cuda_backend.cu — the "cuda" backend: device memory, the cuBLAS handle, GEMM-shaped ops (sgemm, linear,
 * conv2d and conv_transpose2d as im2col + cuBLAS), the table and the device report. All work runs on the default
 * stream in issue order; the copies to and from the host are synchronous. */
#include <stdio.h>
#include <string.h>

#include "tensor/cuda/cuda_internal.h"

static cublasHandle_t blas;
static int cuda_index = -1;
static float *scratch[4];
static size_t scratch_n[4];

cublasHandle_t fs__cu_blas(void) { return blas; }

float *fs__cu_scratch(int slot, size_t floats) {
    if (floats > scratch_n[slot]) {
        if (scratch[slot]) FS_CU(cudaFree(scratch[slot])); /* cudaFree waits for the kernels using it */
        FS_CU(cudaMalloc((void **)&scratch[slot], floats * sizeof(float)));
        scratch_n[slot] = floats;
    }
    return scratch[slot];
}

/* ---- memory ---- */
static void *cu_alloc(size_t bytes) {
    void *p = NULL;
    if (cudaMalloc(&p, bytes ? bytes : 1) != cudaSuccess) {
        cudaGetLastError(); /* clear the sticky-free error so later calls work */
        return NULL;
    }
    FS_CU(cudaMemset(p, 0, bytes ? bytes : 1));
    return p;
}
static void cu_free(void *p) { FS_CU(cudaFree(p)); }
static void cu_upload(void *dst, const void *src, size_t n) {
    if (n) FS_CU(cudaMemcpy(dst, src, n, cudaMemcpyHostToDevice));
}
static void cu_download(void *dst, const void *src, size_t n) {
    if (n) FS_CU(cudaMemcpy(dst, src, n, cudaMemcpyDeviceToHost));
}
static void cu_copy(void *dst, const void *src, size_t n) {
    if (n) FS_CU(cudaMemcpy(dst, src, n, cudaMemcpyDeviceToDevice));
}
static void cu_zero(void *p, size_t n) {
    if (n) FS_CU(cudaMemset(p, 0, n));
}

/* ---- GEMM ---- */
void fs__cu_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
                  int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    /* row-major C = op(A) op(B)  <=>  column-major C^T = op(B)^T op(A)^T */
    cublasComputeType_t ct = CUBLAS_COMPUTE_32F;
    fs_precision p = fs_precision_get();
    if (p == FS_PRECISION_TF32) ct = CUBLAS_COMPUTE_32F_FAST_TF32;
    if (p == FS_PRECISION_BF16) ct = CUBLAS_COMPUTE_32F_FAST_16BF;
    if (K <= 0) { /* BLAS: C = beta C (in place: A = C, the B term weighted 0) */
        const float zero = 0.0f;
        FS_CUBLAS(cublasSgeam(blas, CUBLAS_OP_N, CUBLAS_OP_N, N, M, &beta, C, ldc, &zero, C, ldc, C, ldc));
        return;
    }
    FS_CUBLAS(cublasGemmEx(blas, transB ? CUBLAS_OP_T : CUBLAS_OP_N, transA ? CUBLAS_OP_T : CUBLAS_OP_N, N, M, K,
                           &alpha, B, CUDA_R_32F, ldb, A, CUDA_R_32F, lda, &beta, C, CUDA_R_32F, ldc, ct,
                           CUBLAS_GEMM_DEFAULT));
}

void fs__cu_linear_forward(float *y, const float *x, const float *w, const float *b, int M, int K, int N_out) {
    if (b) fs__cu_broadcast_rows(y, b, M, N_out); /* y = b, then y += x w^T */
    fs__cu_sgemm(0, 1, M, N_out, K, 1.0f, x, K, w, K, b ? 1.0f : 0.0f, y, N_out);
}

void fs__cu_linear_backward(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, int M,
                            int K, int N_out) {
    if (dx) fs__cu_sgemm(0, 0, M, K, N_out, 1.0f, dy, N_out, w, K, 0.0f, dx, K);
    if (dw) fs__cu_sgemm(1, 0, N_out, K, M, 1.0f, dy, N_out, x, K, 1.0f, dw, K);
    if (db) fs__cu_channel_sum_add(db, dy, M, N_out, 1);
}

/* ---- the table ---- */
static fs_backend table;

#define FS__CU_ENTRY(name, params, args) table.name = fs__cu_##name;
static void fill_table(void) {
    table.name = "cuda";
    table.alloc = cu_alloc;
    table.free = cu_free;
    table.upload = cu_upload;
    table.download = cu_download;
    table.copy = cu_copy;
    table.zero = cu_zero;
    FS_BACKEND_OPS(FS__CU_ENTRY)
}

extern "C" const fs_backend *fs_backend_cuda(void) {
    if (!table.name) fill_table();
    return &table;
}

extern "C" int fs_cuda_open(int index, fs_err *err) {
    int n = 0;
    cudaError_t e = cudaGetDeviceCount(&n);
    if (e != cudaSuccess || n == 0) {
        cudaGetLastError();
        return fs_errorf(err, "cuda:%d: no usable NVIDIA GPU (%s)", index,
                         e != cudaSuccess ? cudaGetErrorString(e) : "the driver sees none");
    }
    if (index >= n) return fs_errorf(err, "cuda:%d: only %d GPU%s visible (cuda:0..cuda:%d)", index, n, n > 1 ? "s" : "", n - 1);
    if (cuda_index == index) return FS_OK;
    if (cuda_index >= 0) return fs_errorf(err, "cuda:%d: cuda:%d is already in use in this process", index, cuda_index);
    if ((e = cudaSetDevice(index)) != cudaSuccess) return fs_errorf(err, "cuda:%d: %s", index, cudaGetErrorString(e));
    if (cublasCreate(&blas) != CUBLAS_STATUS_SUCCESS) return fs_errorf(err, "cuda:%d: cuBLAS did not start", index);
    cuda_index = index;
    return FS_OK;
}

extern "C" const char *fs_cuda_describe(char *buf, size_t n) {
    cudaDeviceProp p;
    int drv = 0, rt = 0, bl = 0;
    if (cuda_index < 0 || cudaGetDeviceProperties(&p, cuda_index) != cudaSuccess) {
        snprintf(buf, n, "cuda (not open)");
        return buf;
    }
    cudaDriverGetVersion(&drv);
    cudaRuntimeGetVersion(&rt);
    cublasGetVersion(blas, &bl);
    snprintf(buf, n, "cuda:%d %s, %.0f GiB, %d SMs, sm_%d%d, driver %d.%d, runtime %d.%d, cuBLAS %d, precision %s",
             cuda_index, p.name, p.totalGlobalMem / 1073741824.0, p.multiProcessorCount, p.major, p.minor,
             drv / 1000, drv % 1000 / 10, rt / 1000, rt % 1000 / 10, bl, fs_precision_name(fs_precision_get()));
    return buf;
}
