/* gemm.h — single-precision matrix multiply, row-major, cblas_sgemm semantics.
 *
 *   // C (M, N) = A (M, K) @ B^T where B is (N, K):
 *   fs_sgemm(0, 1, M, N, K, 1.0f, A, K, B, K, 0.0f, C, N);
 *
 * C = alpha op(A) op(B) + beta C with op(X) = X or X^T (transX != 0). As in BLAS, when beta == 0
 * C is not read (NaNs in C are overwritten). Dispatches through the backend table.
 *
 * Threading policy (CPU): OpenBLAS's own thread pool is switched off (openblas_set_num_threads(1),
 * done once by fs_gemm_cpu_init(), which every fast kernel calls); we split work across the
 * core/threads.h pool ourselves. fs_sgemm_cpu splits C into fs_threads_count() blocks of rows or
 * columns, each computed by one single-threaded cblas_sgemm, so results are deterministic for a
 * given thread count. Called from inside a pool worker it runs serially (no oversubscription).
 */
#ifndef FS_TENSOR_GEMM_H
#define FS_TENSOR_GEMM_H

/* C = alpha op(A) op(B) + beta C, row-major, like cblas_sgemm; multithreaded. */
void fs_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
              const float *B, int ldb, float beta, float *C, int ldc);

/* Plain triple loop (double accumulation). */
void fs_sgemm_ref(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                  const float *B, int ldb, float beta, float *C, int ldc);
/* OpenBLAS, split over the core/threads.h pool. */
void fs_sgemm_cpu(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                  const float *B, int ldb, float beta, float *C, int ldc);
/* One single-threaded cblas_sgemm in the calling thread (for kernels that parallelise themselves). */
void fs_sgemm_serial(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                     const float *B, int ldb, float beta, float *C, int ldc);

/* Sets OpenBLAS to one thread (once; cheap to call again). */
void fs_gemm_cpu_init(void);

#endif
