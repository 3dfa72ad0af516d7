/* gemm.c — fs_sgemm: dispatch, plain-loop reference, OpenBLAS (single-threaded inside, split over our pool).
 * Reentrant: no mutable global state (the job lives on the caller's stack), so it may be called from
 * several threads at once; a nested call (inside a pool worker) runs as with one thread. */
#include "tensor/gemm.h"

#include <cblas.h>
#include <pthread.h>

#include "core/threads.h"
#include "tensor/backend.h"

void fs_sgemm(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda, const float *B,
              int ldb, float beta, float *C, int ldc) {
    fs_backend_get()->sgemm(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

void fs_sgemm_ref(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                  const float *B, int ldb, float beta, float *C, int ldc) {
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double acc = 0;
            for (int k = 0; k < K; k++) {
                float a = transA ? A[(long)k * lda + i] : A[(long)i * lda + k];
                float b = transB ? B[(long)j * ldb + k] : B[(long)k * ldb + j];
                acc += (double)a * b;
            }
            float *c = &C[(long)i * ldc + j];
            *c = beta == 0.0f ? (float)(alpha * acc) : (float)(alpha * acc + (double)beta * *c);
        }
}

static pthread_once_t blas_once = PTHREAD_ONCE_INIT;
static void blas_init_once(void) { openblas_set_num_threads(1); }
void fs_gemm_cpu_init(void) { pthread_once(&blas_once, blas_init_once); }

void fs_sgemm_serial(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                     const float *B, int ldb, float beta, float *C, int ldc) {
    if (M <= 0 || N <= 0) return;
    if (K <= 0) { /* BLAS: C = beta*C */
        for (int i = 0; i < M; i++)
            for (int j = 0; j < N; j++) C[(long)i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[(long)i * ldc + j];
        return;
    }
    fs_gemm_cpu_init();
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans, M, N, K,
                alpha, A, lda, B, ldb, beta, C, ldc);
}

typedef struct {
    int transA, transB, M, N, K, lda, ldb, ldc, split_cols, block, nblocks;
    float alpha, beta;
    const float *A, *B;
    float *C;
} gemm_job;

static void gemm_block(void *ctx, int64_t b0, int64_t b1, int tid) {
    (void)tid;
    const gemm_job *j = ctx;
    for (int64_t b = b0; b < b1; b++) {
        int s = (int)b * j->block;
        int len = j->split_cols ? j->N - s : j->M - s;
        if (len > j->block) len = j->block;
        if (len <= 0) continue;
        if (j->split_cols) {
            const float *B = j->transB ? j->B + (long)s * j->ldb : j->B + s;
            fs_sgemm_serial(j->transA, j->transB, j->M, len, j->K, j->alpha, j->A, j->lda, B, j->ldb, j->beta,
                            j->C + s, j->ldc);
        } else {
            const float *A = j->transA ? j->A + s : j->A + (long)s * j->lda;
            fs_sgemm_serial(j->transA, j->transB, len, j->N, j->K, j->alpha, A, j->lda, j->B, j->ldb, j->beta,
                            j->C + (long)s * j->ldc, j->ldc);
        }
    }
}

void fs_sgemm_cpu(int transA, int transB, int M, int N, int K, float alpha, const float *A, int lda,
                  const float *B, int ldb, float beta, float *C, int ldc) {
    int nt = fs_threads_available(); /* 1 when nested in a pool worker: same split (bits) as one thread */
    double work = 2.0 * M * N * (double)K;
    if (nt <= 1 || work < 2e6 || (M < 32 && N < 32)) {
        fs_sgemm_serial(transA, transB, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    gemm_job j = {transA, transB, M, N, K, lda, ldb, ldc, N >= M, 0, 0, alpha, beta, A, B, C};
    int len = j.split_cols ? N : M;
    int block = (len + nt - 1) / nt;
    block = (block + 15) / 16 * 16; /* whole SIMD panels */
    j.block = block;
    j.nblocks = (len + block - 1) / block;
    fs_parallel_for(j.nblocks, 1, gemm_block, &j);
}
