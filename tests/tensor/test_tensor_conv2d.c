/* conv2d: a hand-computed example; fast (im2col + SGEMM) vs plain-loop reference on random shapes
 * (odd sizes, groups, stride 2, dilation 2, asymmetric padding, 1x1, no bias), with 1 and 2 threads;
 * every gradient (din, dweight, dbias) of both paths against central finite differences;
 * accumulate/assign rules; determinism; dims validation. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/threads.h"
#include "gradcheck.h"
#include "tensor/backend.h"
#include "tensor/conv2d.h"
#include "tensor/im2col.h"

typedef struct {
    const fs_conv2d_dims *d;
    const float *in, *w, *b, *r;
    float *out;
    int fast;
} loss_ctx;

static double loss(void *p) {
    loss_ctx *c = p;
    if (c->fast)
        fs_conv2d_forward_cpu(c->out, c->in, c->w, c->b, c->d);
    else
        fs_conv2d_forward_ref(c->out, c->in, c->w, c->b, c->d);
    return tr_dot(c->out, c->r, fs_conv2d_out_numel(c->d));
}

static float *alloc_f(long n) {
    float *p = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    FS_ASSERT(p);
    return p;
}

static void hand_example(void) {
    /* 1x1x3x3 input 1..9, 2x2 kernel [[1,0],[0,-1]] stride 1 no pad: out[i][j] = x[i][j] - x[i+1][j+1] = -4 */
    fs_conv2d_dims d = fs_conv2d_dims_make(1, 1, 3, 3, 1, 2, 1, 0);
    d.KH = d.KW = 2;
    CHECK(fs_conv2d_dims_init(&d, NULL) == FS_OK && d.H_out == 2 && d.W_out == 2);
    float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, w[4] = {1, 0, 0, -1}, b[1] = {0.5f}, o[4], o2[4];
    fs_conv2d_forward_ref(o, x, w, b, &d);
    fs_conv2d_forward_cpu(o2, x, w, b, &d);
    for (int i = 0; i < 4; i++) CHECK(o[i] == -3.5f && o2[i] == -3.5f);
    /* padding 1 top only, stride 2: rows -1 and 1 -> out row 0 uses x row -1 (zero) and row 0 */
    fs_conv2d_dims e = {.N = 1, .C_in = 1, .H = 3, .W = 3, .C_out = 1, .KH = 2, .KW = 2, .stride_h = 2,
                        .stride_w = 2, .pad_top = 1, .pad_bottom = 0, .pad_left = 0, .pad_right = 1,
                        .dil_h = 1, .dil_w = 1, .groups = 1};
    CHECK(fs_conv2d_dims_init(&e, NULL) == FS_OK && e.H_out == 2 && e.W_out == 2);
    float w2[4] = {1, 2, 3, 4};
    fs_conv2d_forward_ref(o, x, w2, NULL, &e);
    /* out[0][0] = 3*x00 + 4*x01 = 11; out[0][1] = 3*x02 = 9; out[1][0] = x10+2x11+3x20+4x21 = 67; out[1][1] = x12+3x22 = 33 */
    CHECK(o[0] == 11.0f && o[1] == 9.0f && o[2] == 67.0f && o[3] == 33.0f);
    fs_conv2d_forward_cpu(o2, x, w2, NULL, &e);
    CHECK(o2[0] == 11.0f && o2[1] == 9.0f && o2[2] == 67.0f && o2[3] == 33.0f);
}

static void dims_validation(void) {
    fs_err err = {0};
    fs_conv2d_dims d = fs_conv2d_dims_make(1, 6, 8, 8, 4, 3, 1, 1);
    d.groups = 4; /* 6 % 4 != 0 */
    CHECK(fs_conv2d_dims_init(&d, &err) == FS_ERR && strstr(err.msg, "groups"));
    d = fs_conv2d_dims_make(1, 3, 2, 2, 4, 5, 1, 0);
    CHECK(fs_conv2d_dims_init(&d, &err) == FS_ERR && strstr(err.msg, "larger"));
    d = fs_conv2d_dims_make(1, 3, 8, 8, 4, 3, 0, 0);
    CHECK(fs_conv2d_dims_init(&d, &err) == FS_ERR);
    d = fs_conv2d_dims_make(1, 3, 8, 8, 4, 3, 1, -1);
    CHECK(fs_conv2d_dims_init(&d, &err) == FS_ERR);
    d = fs_conv2d_dims_make(0, 3, 8, 8, 4, 3, 1, 1);
    CHECK(fs_conv2d_dims_init(&d, &err) == FS_ERR);
    d = fs_conv2d_dims_make(1, 1 << 20, 1 << 10, 1 << 10, 4, 3, 1, 1);
    CHECK(fs_conv2d_dims_init(&d, &err) == FS_ERR && strstr(err.msg, "too large"));
    d = fs_conv2d_dims_make(1, 3, 8, 8, 4, 3, 1, 1);
    d.pad_left = 2000000000; /* hostile sizes must not overflow int arithmetic in the kernels */
    CHECK(fs_conv2d_dims_init(&d, &err) == FS_ERR && strstr(err.msg, "too large"));
    d = fs_conv2d_dims_make(1, 3, 8, 8, 4, 3, 1, 1);
    d.dil_h = 1 << 30;
    CHECK(fs_conv2d_dims_init(&d, &err) == FS_ERR);
    d = fs_conv2d_dims_make(2, 3, 7, 5, 4, 3, 2, 1);
    CHECK(fs_conv2d_dims_init(&d, &err) == FS_OK && d.H_out == 4 && d.W_out == 3);
}

/* One random case: fast vs ref (forward and all gradients), then finite differences. */
static void run_case(const char *name, fs_conv2d_dims d, int with_bias, int do_gradcheck, uint64_t *rng) {
    fs_err err = {0};
    if (fs_conv2d_dims_init(&d, &err) != FS_OK) {
        CHECK_MSG(0, "%s: %s", name, err.msg);
        return;
    }
    long ni = fs_conv2d_in_numel(&d), no = fs_conv2d_out_numel(&d), nw = fs_conv2d_weight_numel(&d);
    float *in = alloc_f(ni), *w = alloc_f(nw), *b = alloc_f(d.C_out), *r = alloc_f(no);
    float *o_ref = alloc_f(no), *o_fast = alloc_f(no);
    float *di_ref = alloc_f(ni), *di_fast = alloc_f(ni), *dw_ref = alloc_f(nw), *dw_fast = alloc_f(nw);
    float *db_ref = alloc_f(d.C_out), *db_fast = alloc_f(d.C_out);
    tr_fill_normal(in, ni, 1.0f, rng);
    tr_fill_normal(w, nw, 1.0f, rng);
    tr_fill_normal(b, d.C_out, 1.0f, rng);
    tr_fill_normal(r, no, 1.0f, rng);
    const float *bias = with_bias ? b : NULL;
    double kk = (double)(d.C_in / d.groups) * d.KH * d.KW;
    double tol = 2e-5 * sqrt(kk) * 4; /* outputs are ~sqrt(kk); float sums of kk terms */
    char label[256];

    for (long i = 0; i < no; i++) o_fast[i] = NAN; /* outputs are assigned, never read */
    fs_conv2d_forward_ref(o_ref, in, w, bias, &d);
    fs_conv2d_forward_cpu(o_fast, in, w, bias, &d);
    snprintf(label, sizeof label, "%s fwd fast-vs-ref", name);
    check_allclose(label, o_fast, o_ref, no, tol, 1e-5);

    /* dweight/dbias accumulate onto existing values; din is assigned (start from garbage) */
    for (long i = 0; i < nw; i++) dw_ref[i] = dw_fast[i] = 0.25f;
    for (int i = 0; i < d.C_out; i++) db_ref[i] = db_fast[i] = -0.5f;
    for (long i = 0; i < ni; i++) di_ref[i] = di_fast[i] = NAN;
    fs_conv2d_backward_ref(di_ref, dw_ref, db_ref, r, in, w, &d);
    fs_conv2d_backward_cpu(di_fast, dw_fast, db_fast, r, in, w, &d);
    double nsum_w = (double)d.N * d.H_out * d.W_out; /* terms in one dweight sum */
    double nsum_i = (double)(d.C_out / d.groups) * d.KH * d.KW;
    snprintf(label, sizeof label, "%s din fast-vs-ref", name);
    check_allclose(label, di_fast, di_ref, ni, 8e-5 * sqrt(nsum_i), 1e-5);
    snprintf(label, sizeof label, "%s dweight fast-vs-ref", name);
    check_allclose(label, dw_fast, dw_ref, nw, 8e-5 * sqrt(nsum_w), 1e-5);
    snprintf(label, sizeof label, "%s dbias fast-vs-ref", name);
    check_allclose(label, db_fast, db_ref, d.C_out, 8e-5 * sqrt(nsum_w), 1e-5);

    /* NULL gradients: each alone must give the same numbers */
    long nt_ = nw > ni ? nw : ni;
    float *tmp = alloc_f(nt_ > no ? nt_ : no);
    for (long i = 0; i < nw; i++) tmp[i] = 0.25f;
    fs_conv2d_backward_cpu(NULL, tmp, NULL, r, in, w, &d);
    CHECK_MSG(memcmp(tmp, dw_fast, sizeof(float) * (size_t)nw) == 0, "%s: dweight alone differs", name);
    fs_conv2d_backward_cpu(tmp, NULL, NULL, r, in, w, &d);
    CHECK_MSG(memcmp(tmp, di_fast, sizeof(float) * (size_t)ni) == 0, "%s: din alone differs", name);
    /* determinism: same thread count, same bits */
    fs_conv2d_forward_cpu(tmp, in, w, bias, &d);
    CHECK_MSG(memcmp(tmp, o_fast, sizeof(float) * (size_t)no) == 0, "%s: forward not deterministic", name);
    for (long i = 0; i < nw; i++) tmp[i] = 0.25f;
    fs_conv2d_backward_cpu(NULL, tmp, NULL, r, in, w, &d);
    CHECK_MSG(memcmp(tmp, dw_fast, sizeof(float) * (size_t)nw) == 0, "%s: dweight not deterministic", name);
    free(tmp);

    if (do_gradcheck) {
        for (int fast = 0; fast < 2; fast++) {
            float *di = fast ? di_fast : di_ref, *dw = fast ? dw_fast : dw_ref, *db = fast ? db_fast : db_ref;
            /* analytic gradient = accumulated - initial */
            float *dwa = alloc_f(nw), *dba = alloc_f(d.C_out);
            for (long i = 0; i < nw; i++) dwa[i] = dw[i] - 0.25f;
            for (int i = 0; i < d.C_out; i++) dba[i] = db[i] + 0.5f;
            loss_ctx c = {&d, in, w, bias ? b : NULL, r, o_ref, fast};
            const char *tag = fast ? "fast" : "ref";
            snprintf(label, sizeof label, "%s %s din", name, tag);
            gradcheck(label, in, ni, di, loss, &c, 1e-2, 2e-3, 1e-2, 60);
            snprintf(label, sizeof label, "%s %s dweight", name, tag);
            gradcheck(label, w, nw, dwa, loss, &c, 1e-2, 2e-3, 1e-2, 60);
            if (bias) {
                snprintf(label, sizeof label, "%s %s dbias", name, tag);
                gradcheck(label, b, d.C_out, dba, loss, &c, 1e-2, 2e-3, 1e-2, 60);
            }
            free(dwa);
            free(dba);
        }
    }
    free(in), free(w), free(b), free(r), free(o_ref), free(o_fast);
    free(di_ref), free(di_fast), free(dw_ref), free(dw_fast), free(db_ref), free(db_fast);
}

static fs_conv2d_dims mk(int N, int C_in, int H, int W, int C_out, int KH, int KW, int sh, int sw, int pt, int pb,
                         int pl, int pr, int dh, int dw, int g) {
    fs_conv2d_dims d = {.N = N, .C_in = C_in, .H = H, .W = W, .C_out = C_out, .KH = KH, .KW = KW, .stride_h = sh,
                        .stride_w = sw, .pad_top = pt, .pad_bottom = pb, .pad_left = pl, .pad_right = pr,
                        .dil_h = dh, .dil_w = dw, .groups = g};
    return d;
}

static void all_cases(uint64_t *rng, int gradchecks) {
    run_case("3x3 same", mk(2, 3, 7, 9, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1), 1, gradchecks, rng);
    run_case("stride2 odd", mk(1, 4, 9, 7, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1), 1, gradchecks, rng);
    run_case("asym pad", mk(2, 3, 6, 5, 4, 3, 2, 1, 2, 0, 2, 1, 0, 1, 1, 1), 1, gradchecks, rng);
    run_case("dilation2", mk(1, 3, 9, 8, 4, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1), 0, gradchecks, rng);
    run_case("groups3", mk(2, 6, 5, 7, 9, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3), 1, gradchecks, rng);
    run_case("depthwise s2 d2", mk(1, 4, 11, 10, 4, 3, 3, 2, 2, 2, 1, 3, 2, 2, 2, 4), 1, gradchecks, rng);
    run_case("1x1", mk(2, 5, 6, 7, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1), 1, gradchecks, rng);
    run_case("1x1 groups2", mk(1, 4, 5, 5, 6, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 2), 0, gradchecks, rng);
    run_case("1x1 stride2 pad", mk(1, 3, 7, 6, 4, 1, 1, 2, 2, 1, 0, 0, 1, 1, 1, 1), 1, gradchecks, rng);
    run_case("7x7 s2 p3", mk(1, 3, 13, 12, 4, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1), 1, gradchecks, rng);
    run_case("stride3 > kernel", mk(1, 2, 10, 11, 3, 2, 2, 3, 3, 0, 1, 1, 0, 1, 1, 1), 1, gradchecks, rng);
    run_case("big pad", mk(1, 2, 3, 4, 2, 3, 3, 1, 1, 3, 3, 2, 4, 1, 1, 1), 1, gradchecks, rng);
    run_case("4x1 kernel", mk(1, 2, 8, 5, 3, 4, 1, 1, 2, 2, 1, 0, 0, 2, 1, 1), 1, gradchecks, rng);
    run_case("modconv N=3 (groups=N)", mk(1, 3 * 4, 8, 8, 3 * 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 3), 0, gradchecks,
             rng);
    run_case("1x1 image", mk(3, 4, 1, 1, 5, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1), 1, gradchecks, rng);
    /* W_out >= 64 takes the implicit-GEMM path (and stride-1 backward-data through it) */
    run_case("wide 3x3", mk(2, 3, 4, 67, 5, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1), 1, gradchecks, rng);
    run_case("wide dil2 asym groups2", mk(1, 4, 5, 70, 6, 3, 2, 1, 1, 2, 1, 0, 3, 2, 2, 2), 1, gradchecks, rng);
    run_case("wide 6->4 (C_in > C_out)", mk(1, 6, 3, 65, 4, 3, 3, 1, 1, 0, 2, 1, 1, 1, 1, 1), 1, gradchecks, rng);
    run_case("wide s2", mk(1, 3, 5, 131, 4, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1), 1, gradchecks, rng);
    run_case("wide s2 d2 asym groups2", mk(1, 4, 6, 140, 6, 3, 3, 2, 2, 2, 1, 3, 0, 2, 2, 2), 1, gradchecks, rng);
    run_case("wide s3 4x5", mk(1, 2, 8, 200, 3, 4, 5, 3, 3, 1, 2, 2, 1, 1, 1, 1), 0, gradchecks, rng);
    run_case("wide 1x1 s2", mk(2, 3, 4, 130, 2, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1), 1, gradchecks, rng);
    run_case("wide stride (1,2)", mk(1, 2, 5, 130, 3, 3, 3, 1, 2, 1, 1, 1, 1, 1, 1, 1), 1, gradchecks, rng);
    run_case("wide 5x1 big pad", mk(1, 2, 3, 64, 3, 5, 1, 1, 1, 3, 4, 2, 0, 1, 1, 1), 0, gradchecks, rng);
    /* larger ones: fast vs ref only (several GEMM tiles and threads) */
    run_case("medium wide 16->24 12x96", mk(1, 16, 12, 96, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1), 1, 0, rng);
    run_case("medium wide modconv N=2", mk(1, 2 * 8, 9, 80, 2 * 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2), 0, 0, rng);
    run_case("medium 32->48 3x3 23x29", mk(2, 32, 23, 29, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1), 1, 0, rng);
    run_case("medium s2 groups2", mk(2, 16, 33, 31, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 2), 1, 0, rng);
    run_case("medium 1x1", mk(2, 64, 17, 19, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1), 1, 0, rng);
    run_case("medium modconv N=4", mk(1, 4 * 16, 20, 20, 4 * 12, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4), 0, 0, rng);
}

/* Convs called from inside pool workers (a model parallelising over samples) run serially there and
 * give the same numbers as calls from the main thread. */
typedef struct {
    const fs_conv2d_dims *d;
    const float *in, *w;
    float *out;
} nested_ctx;

static void nested_fn(void *p, int64_t b, int64_t e, int tid) {
    (void)tid;
    const nested_ctx *c = p;
    long ni = fs_conv2d_in_numel(c->d), no = fs_conv2d_out_numel(c->d);
    for (int64_t i = b; i < e; i++) {
        fs_conv2d_forward_cpu(c->out + i * no, c->in + i * ni, c->w, NULL, c->d);
        float *din = malloc(sizeof(float) * (size_t)ni);
        fs_conv2d_backward_data_cpu(din, c->out + i * no, c->w, c->d);
        c->out[i * no] += din[0] * 0.0f; /* touch */
        free(din);
    }
}

static void nested_calls(uint64_t *rng) {
    fs_conv2d_dims d = fs_conv2d_dims_make(1, 8, 9, 70, 6, 3, 1, 1);
    FS_ASSERT(fs_conv2d_dims_init(&d, NULL) == FS_OK);
    const int S = 4;
    long ni = fs_conv2d_in_numel(&d), no = fs_conv2d_out_numel(&d), nw = fs_conv2d_weight_numel(&d);
    float *in = alloc_f(S * ni), *w = alloc_f(nw), *o1 = alloc_f(S * no), *o2 = alloc_f(S * no);
    tr_fill_normal(in, S * ni, 1, rng);
    tr_fill_normal(w, nw, 1, rng);
    for (int i = 0; i < S; i++) fs_conv2d_forward_ref(o1 + i * no, in + i * ni, w, NULL, &d);
    nested_ctx c = {&d, in, w, o2};
    fs_parallel_for(S, 1, nested_fn, &c);
    check_allclose("conv inside pool workers", o2, o1, S * no, 1e-4, 1e-5);
    free(in), free(w), free(o1), free(o2);
}

/* Random shapes: every parameter drawn at random (valid dims only); fast vs reference, and finite
 * differences on every 4th. */
static int rnd(uint64_t *s, int lo, int hi) { return lo + (int)(tr_next(s) % (uint64_t)(hi - lo + 1)); }

static void random_shapes(uint64_t *rng, int count) {
    int done = 0;
    while (done < count) {
        int g = rnd(rng, 1, 3), wide = rnd(rng, 0, 4) == 0;
        fs_conv2d_dims d = mk(rnd(rng, 1, 2), g * rnd(rng, 1, 3), rnd(rng, 1, 12), wide ? rnd(rng, 64, 140) : rnd(rng, 1, 12),
                              g * rnd(rng, 1, 3), rnd(rng, 1, 4), rnd(rng, 1, 4), rnd(rng, 1, 3), rnd(rng, 1, 3),
                              rnd(rng, 0, 3), rnd(rng, 0, 3), rnd(rng, 0, 3), rnd(rng, 0, 3), rnd(rng, 1, 2), rnd(rng, 1, 2),
                              g);
        if (fs_conv2d_dims_init(&d, NULL) != FS_OK) continue;
        char name[160];
        snprintf(name, sizeof name, "random#%d N%d C%d->%d %dx%d k%dx%d s%d,%d p%d,%d,%d,%d d%d,%d g%d", done, d.N,
                 d.C_in, d.C_out, d.H, d.W, d.KH, d.KW, d.stride_h, d.stride_w, d.pad_top, d.pad_bottom, d.pad_left,
                 d.pad_right, d.dil_h, d.dil_w, d.groups);
        run_case(name, d, rnd(rng, 0, 1), done % 4 == 0, rng);
        done++;
    }
}

int main(void) {
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    hand_example();
    dims_validation();
    fs_threads_init(1);
    printf("-- 1 thread\n");
    all_cases(&rng, 1);
    fs_threads_init(2);
    printf("-- 2 threads\n");
    all_cases(&rng, 0);
    /* every shape through each fast path: im2col everywhere, then implicit GEMM wherever it applies */
    for (int path = 1; path <= 2; path++) {
        fs__conv2d_cpu_path = path;
        printf("-- 2 threads, forced path %s\n", path == 1 ? "im2col" : "implicit");
        all_cases(&rng, path == 2);
    }
    fs__conv2d_cpu_path = 0;
    fs_threads_init(3); /* odd thread counts: uneven chunks, partial sums of 3 threads */
    printf("-- 3 threads\n");
    all_cases(&rng, 0);
    fs_conv_cpu_scratch_free(); /* buffers come back on the next call */
    all_cases(&rng, 0);
    fs_threads_init(2);
    nested_calls(&rng);
    printf("-- random shapes (2 threads; auto, im2col, implicit paths)\n");
    for (int path = 0; path <= 2; path++) {
        fs__conv2d_cpu_path = path;
        random_shapes(&rng, 40);
    }
    fs__conv2d_cpu_path = 0;
    /* 1 vs 2 threads on the same data agree closely */
    {
        fs_conv2d_dims d = mk(2, 24, 21, 19, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 2);
        fs_conv2d_dims_init(&d, NULL);
        long ni = fs_conv2d_in_numel(&d), no = fs_conv2d_out_numel(&d), nw = fs_conv2d_weight_numel(&d);
        float *in = alloc_f(ni), *w = alloc_f(nw), *o1 = alloc_f(no), *o2 = alloc_f(no);
        tr_fill_normal(in, ni, 1.0f, &rng);
        tr_fill_normal(w, nw, 1.0f, &rng);
        fs_conv2d_forward_cpu(o2, in, w, NULL, &d);
        fs_threads_init(1);
        fs_conv2d_forward_cpu(o1, in, w, NULL, &d);
        check_allclose("1 vs 2 threads", o2, o1, no, 1e-4, 1e-5);
        free(in), free(w), free(o1), free(o2);
    }
    fs_threads_shutdown();
    return check_finish();
}
