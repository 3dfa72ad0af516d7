/* fs_sgemm (every transpose combination, alpha/beta, leading dimensions, beta == 0 ignores NaNs in C,
 * K == 0, the threaded split) against the plain triple loop; linear forward/backward fast vs reference
 * and against finite differences, with the accumulate (+=) / assign (=) rules. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/err.h"
#include "core/threads.h"
#include "gradcheck.h"
#include "tensor/gemm.h"
#include "tensor/linear.h"

static float *alloc_f(long n) {
    float *p = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    FS_ASSERT(p);
    return p;
}

static void gemm_case(int tA, int tB, int M, int N, int K, float alpha, float beta, int pad, uint64_t *rng) {
    int lda = (tA ? M : K) + pad, ldb = (tB ? K : N) + pad, ldc = N + pad;
    long na = (long)(tA ? K : M) * lda, nb = (long)(tB ? N : K) * ldb, nc = (long)M * ldc;
    float *A = alloc_f(na), *B = alloc_f(nb), *C0 = alloc_f(nc), *C1 = alloc_f(nc), *C2 = alloc_f(nc);
    tr_fill_normal(A, na, 1.0f, rng);
    tr_fill_normal(B, nb, 1.0f, rng);
    tr_fill_normal(C0, nc, 1.0f, rng);
    if (beta == 0.0f)
        for (long i = 0; i < nc; i++) C0[i] = NAN; /* must not be read */
    memcpy(C1, C0, sizeof(float) * (size_t)nc);
    memcpy(C2, C0, sizeof(float) * (size_t)nc);
    fs_sgemm_ref(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C1, ldc);
    fs_sgemm_cpu(tA, tB, M, N, K, alpha, A, lda, B, ldb, beta, C2, ldc);
    /* compare only the M x N window; the padding columns must be untouched */
    double maxd = 0;
    int pad_ok = 1;
    for (int i = 0; i < M; i++) {
        for (int j = 0; j < N; j++) {
            double dd = fabs((double)C1[(long)i * ldc + j] - C2[(long)i * ldc + j]);
            maxd = check_max(maxd, dd);
        }
        for (int j = N; j < ldc; j++)
            pad_ok &= memcmp(&C2[(long)i * ldc + j], &C0[(long)i * ldc + j], sizeof(float)) == 0;
    }
    double tol = 1e-5 * (1 + sqrt((double)K)) * 4;
    CHECK_MSG(maxd <= tol, "sgemm tA=%d tB=%d %dx%dx%d alpha %g beta %g: maxdiff %g > %g", tA, tB, M, N, K, alpha,
              beta, maxd, tol);
    CHECK_MSG(pad_ok, "sgemm wrote outside C's window");
    free(A), free(B), free(C0), free(C1), free(C2);
}

typedef struct {
    const float *x, *w, *b, *r;
    float *y;
    int M, K, N, fast;
} lin_ctx;

static double lin_loss(void *p) {
    lin_ctx *c = p;
    if (c->fast)
        fs_linear_forward_cpu(c->y, c->x, c->w, c->b, c->M, c->K, c->N);
    else
        fs_linear_forward_ref(c->y, c->x, c->w, c->b, c->M, c->K, c->N);
    return tr_dot(c->y, c->r, (long)c->M * c->N);
}

static void linear_case(int M, int K, int N, int with_bias, int gc, uint64_t *rng) {
    long nx = (long)M * K, nw = (long)N * K, ny = (long)M * N;
    float *x = alloc_f(nx), *w = alloc_f(nw), *b = alloc_f(N), *r = alloc_f(ny), *y1 = alloc_f(ny),
          *y2 = alloc_f(ny);
    float *dx1 = alloc_f(nx), *dx2 = alloc_f(nx), *dw1 = alloc_f(nw), *dw2 = alloc_f(nw), *db1 = alloc_f(N),
          *db2 = alloc_f(N);
    tr_fill_normal(x, nx, 1.0f, rng);
    tr_fill_normal(w, nw, 1.0f, rng);
    tr_fill_normal(b, N, 1.0f, rng);
    tr_fill_normal(r, ny, 1.0f, rng);
    const float *bias = with_bias ? b : NULL;
    char label[128];
    fs_linear_forward_ref(y1, x, w, bias, M, K, N);
    fs_linear_forward_cpu(y2, x, w, bias, M, K, N);
    snprintf(label, sizeof label, "linear %dx%d->%d fwd fast-vs-ref", M, K, N);
    check_allclose(label, y2, y1, ny, 4e-5 * (1 + sqrt((double)K)), 1e-5);
    for (long i = 0; i < nx; i++) dx1[i] = dx2[i] = 1e30f;
    for (long i = 0; i < nw; i++) dw1[i] = dw2[i] = 0.25f;
    for (int i = 0; i < N; i++) db1[i] = db2[i] = -0.5f;
    fs_linear_backward_ref(dx1, dw1, db1, r, x, w, M, K, N);
    fs_linear_backward_cpu(dx2, dw2, db2, r, x, w, M, K, N);
    snprintf(label, sizeof label, "linear %dx%d->%d dx fast-vs-ref", M, K, N);
    check_allclose(label, dx2, dx1, nx, 4e-5 * (1 + sqrt((double)N)), 1e-5);
    snprintf(label, sizeof label, "linear %dx%d->%d dw fast-vs-ref", M, K, N);
    check_allclose(label, dw2, dw1, nw, 4e-5 * (1 + sqrt((double)M)), 1e-5);
    snprintf(label, sizeof label, "linear %dx%d->%d db fast-vs-ref", M, K, N);
    check_allclose(label, db2, db1, N, 4e-5 * (1 + sqrt((double)M)), 1e-5);
    if (gc)
        for (int fast = 0; fast < 2; fast++) {
            float *dx = fast ? dx2 : dx1, *dw = fast ? dw2 : dw1, *db = fast ? db2 : db1;
            for (long i = 0; i < nw; i++) dw[i] -= 0.25f;
            for (int i = 0; i < N; i++) db[i] += 0.5f;
            lin_ctx c = {x, w, bias, r, y1, M, K, N, fast};
            snprintf(label, sizeof label, "linear %dx%d->%d %s dx", M, K, N, fast ? "fast" : "ref");
            gradcheck(label, x, nx, dx, lin_loss, &c, 1e-2, 2e-3, 1e-2, 80);
            snprintf(label, sizeof label, "linear %dx%d->%d %s dw", M, K, N, fast ? "fast" : "ref");
            gradcheck(label, w, nw, dw, lin_loss, &c, 1e-2, 2e-3, 1e-2, 80);
            if (bias) {
                snprintf(label, sizeof label, "linear %dx%d->%d %s db", M, K, N, fast ? "fast" : "ref");
                gradcheck(label, b, N, db, lin_loss, &c, 1e-2, 2e-3, 1e-2, 80);
            }
        }
    free(x), free(w), free(b), free(r), free(y1), free(y2);
    free(dx1), free(dx2), free(dw1), free(dw2), free(db1), free(db2);
}

static void gemm_all(uint64_t *rng) {
    for (int tA = 0; tA < 2; tA++)
        for (int tB = 0; tB < 2; tB++) {
            gemm_case(tA, tB, 7, 5, 3, 1.0f, 0.0f, 0, rng);
            gemm_case(tA, tB, 37, 53, 29, 0.7f, 0.0f, 3, rng);
            gemm_case(tA, tB, 37, 53, 29, -1.5f, 0.3f, 1, rng);
            gemm_case(tA, tB, 130, 257, 300, 1.0f, 1.0f, 0, rng); /* splits over threads by columns */
            gemm_case(tA, tB, 301, 70, 150, 0.5f, 0.0f, 2, rng);  /* splits by rows */
            gemm_case(tA, tB, 1, 300, 400, 1.0f, 0.0f, 0, rng);
        }
    gemm_case(0, 0, 5, 6, 0, 1.0f, 0.5f, 0, rng); /* K = 0: C = beta*C */
    gemm_case(0, 0, 5, 6, 0, 1.0f, 0.0f, 0, rng);
}

int main(void) {
    uint64_t rng = 0x13198a2e03707344ull;
    fs_threads_init(1);
    gemm_all(&rng);
    linear_case(3, 5, 4, 1, 1, &rng);
    linear_case(1, 17, 9, 0, 1, &rng);
    linear_case(6, 33, 12, 1, 1, &rng);
    linear_case(64, 512, 512, 1, 0, &rng); /* the StyleGAN2 mapping layer */
    fs_threads_init(2);
    gemm_all(&rng);
    linear_case(4, 7, 3, 1, 1, &rng);
    linear_case(64, 512, 512, 1, 0, &rng);
    linear_case(18, 512, 1024, 0, 0, &rng);
    /* determinism for a thread count */
    {
        int M = 100, N = 300, K = 200;
        float *A = alloc_f((long)M * K), *B = alloc_f((long)K * N), *C1 = alloc_f((long)M * N),
              *C2 = alloc_f((long)M * N);
        tr_fill_normal(A, (long)M * K, 1, &rng);
        tr_fill_normal(B, (long)K * N, 1, &rng);
        fs_sgemm_cpu(0, 0, M, N, K, 1, A, K, B, N, 0, C1, N);
        fs_sgemm_cpu(0, 0, M, N, K, 1, A, K, B, N, 0, C2, N);
        CHECK(memcmp(C1, C2, sizeof(float) * (size_t)M * N) == 0);
        free(A), free(B), free(C1), free(C2);
    }
    fs_threads_shutdown();
    return check_finish();
}
