/* The backend seam: the default is "cpu", fs_backend_set() switches every public op, NULL restores the
 * default, lookup by name, and each table entry is what the public function calls (a counting backend). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/threads.h"
#include "gradcheck.h"
#include "tensor/backend.h"
#include "tensor/gemm.h"
#include "tensor/linear.h"

static int calls[8];

static void c2f(float *o, const float *i, const float *w, const float *b, const fs_conv2d_dims *d) {
    calls[0]++;
    fs_backend_cpu()->conv2d_forward(o, i, w, b, d);
}
static void c2b(float *di, float *dw, float *db, const float *dy, const float *i, const float *w,
                const fs_conv2d_dims *d) {
    calls[1]++;
    fs_backend_cpu()->conv2d_backward(di, dw, db, dy, i, w, d);
}
static void ctf(float *o, const float *i, const float *w, const float *b, const fs_conv_transpose2d_dims *d) {
    calls[2]++;
    fs_backend_cpu()->conv_transpose2d_forward(o, i, w, b, d);
}
static void ctb(float *di, float *dw, float *db, const float *dy, const float *i, const float *w,
                const fs_conv_transpose2d_dims *d) {
    calls[3]++;
    fs_backend_cpu()->conv_transpose2d_backward(di, dw, db, dy, i, w, d);
}
static void gemm(int ta, int tb, int M, int N, int K, float al, const float *A, int lda, const float *B, int ldb,
                 float be, float *C, int ldc) {
    calls[4]++;
    fs_backend_cpu()->sgemm(ta, tb, M, N, K, al, A, lda, B, ldb, be, C, ldc);
}
static void lf(float *y, const float *x, const float *w, const float *b, int M, int K, int N) {
    calls[5]++;
    fs_backend_cpu()->linear_forward(y, x, w, b, M, K, N);
}
static void lb(float *dx, float *dw, float *db, const float *dy, const float *x, const float *w, int M, int K,
               int N) {
    calls[6]++;
    fs_backend_cpu()->linear_backward(dx, dw, db, dy, x, w, M, K, N);
}

int main(void) {
    fs_threads_init(2);
    uint64_t rng = 7;
    CHECK(fs_backend_get() == fs_backend_cpu() && !strcmp(fs_backend_get()->name, "cpu"));
    CHECK(fs_backend_by_name("cpu-ref") == fs_backend_cpu_ref() && fs_backend_by_name("cuda") == fs_backend_cuda() &&
          fs_backend_by_name("sim") == fs_backend_sim() && fs_backend_by_name("nope") == NULL);
    const fs_backend *tabs[2] = {fs_backend_cpu(), fs_backend_cpu_ref()};
    for (int t = 0; t < 2; t++) {
        const fs_backend *b = tabs[t];
        CHECK(b->name && b->conv2d_forward && b->conv2d_backward && b->conv_transpose2d_forward &&
              b->conv_transpose2d_backward && b->sgemm && b->linear_forward && b->linear_backward);
    }

    fs_conv2d_dims d = fs_conv2d_dims_make(2, 6, 9, 7, 4, 3, 2, 1);
    d.groups = 2;
    CHECK(fs_conv2d_dims_init(&d, NULL) == FS_OK);
    long ni = fs_conv2d_in_numel(&d), no = fs_conv2d_out_numel(&d), nw = fs_conv2d_weight_numel(&d);
    float *in = malloc(sizeof(float) * ni), *w = malloc(sizeof(float) * nw), *o1 = malloc(sizeof(float) * no),
          *o2 = malloc(sizeof(float) * no), *di = malloc(sizeof(float) * ni), *dw = calloc(nw, sizeof(float));
    tr_fill_normal(in, ni, 1, &rng);
    tr_fill_normal(w, nw, 1, &rng);
    /* switching to the reference makes the public op give the reference's exact bits */
    fs_backend_set(fs_backend_cpu_ref());
    CHECK(fs_backend_get() == fs_backend_cpu_ref());
    fs_conv2d_forward(o1, in, w, NULL, &d);
    fs_conv2d_forward_ref(o2, in, w, NULL, &d);
    CHECK(memcmp(o1, o2, sizeof(float) * no) == 0);
    fs_backend_set(NULL);
    CHECK(fs_backend_get() == fs_backend_cpu());
    fs_conv2d_forward(o1, in, w, NULL, &d);
    fs_conv2d_forward_cpu(o2, in, w, NULL, &d);
    CHECK(memcmp(o1, o2, sizeof(float) * no) == 0);

    /* a wrapping backend sees every public call */
    fs_backend counting = *fs_backend_cpu(); /* the rest (memory, small ops) as on the cpu */
    counting.name = "counting";
    counting.conv2d_forward = c2f, counting.conv2d_backward = c2b, counting.conv_transpose2d_forward = ctf;
    counting.conv_transpose2d_backward = ctb, counting.sgemm = gemm, counting.linear_forward = lf;
    counting.linear_backward = lb;
    fs_backend_set(&counting);
    fs_conv2d_forward(o1, in, w, NULL, &d);
    fs_conv2d_backward(di, dw, NULL, o1, in, w, &d);
    fs_conv_transpose2d_dims t = {.N = 1, .C_in = 2, .H = 3, .W = 3, .C_out = 2, .KH = 3, .KW = 3, .stride_h = 2,
                                  .stride_w = 2, .dil_h = 1, .dil_w = 1, .groups = 1};
    CHECK(fs_conv_transpose2d_dims_init(&t, NULL) == FS_OK);
    float tin[18], tw[36], tout[2 * 7 * 7], tdi[18];
    tr_fill_normal(tin, 18, 1, &rng);
    tr_fill_normal(tw, 36, 1, &rng);
    fs_conv_transpose2d_forward(tout, tin, tw, NULL, &t);
    fs_conv_transpose2d_backward(tdi, NULL, NULL, tout, tin, tw, &t);
    float A[6] = {1, 2, 3, 4, 5, 6}, B[6] = {1, 0, 0, 1, 1, 1}, C[4];
    fs_sgemm(0, 0, 2, 2, 3, 1, A, 3, B, 2, 0, C, 2); /* [[1,2,3],[4,5,6]] @ [[1,0],[0,1],[1,1]] */
    CHECK(C[0] == 4 && C[1] == 5 && C[2] == 10 && C[3] == 11);
    float y[2], db[2] = {0, 0}, dx[3];
    fs_linear_forward(y, A, A, NULL, 1, 3, 2); /* [1,2,3] . rows of A = 14, 32 */
    CHECK(y[0] == 14 && y[1] == 32);
    fs_linear_backward(dx, NULL, db, y, A, A, 1, 3, 2);
    CHECK(db[0] == 14 && db[1] == 32);
    for (int i = 0; i < 7; i++) CHECK_MSG(calls[i] == 1, "entry %d called %d times", i, calls[i]);
    fs_backend_set(NULL);
    free(in), free(w), free(o1), free(o2), free(di), free(dw);
    fs_threads_shutdown();
    return check_finish();
}
