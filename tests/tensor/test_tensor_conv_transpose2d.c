/* conv_transpose2d: PyTorch output sizes, a hand example, the adjoint identity with conv2d
 * (<conv2d(x), y> == <x, conv_transpose2d(y)>), fast vs reference on random shapes (stride 2,
 * output padding, groups, dilation, odd sizes), and every gradient against finite differences. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/threads.h"
#include "gradcheck.h"
#include "tensor/conv2d.h"
#include "tensor/conv_transpose2d.h"
#include "tensor/im2col.h"

static float *alloc_f(long n) {
    float *p = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    FS_ASSERT(p);
    return p;
}

static fs_conv_transpose2d_dims mk(int N, int C_in, int H, int W, int C_out, int KH, int KW, int sh, int sw,
                                   int ph, int pw, int oph, int opw, int dh, int dw, int g) {
    fs_conv_transpose2d_dims d = {.N = N, .C_in = C_in, .H = H, .W = W, .C_out = C_out, .KH = KH, .KW = KW,
                                  .stride_h = sh, .stride_w = sw, .pad_h = ph, .pad_w = pw, .out_pad_h = oph,
                                  .out_pad_w = opw, .dil_h = dh, .dil_w = dw, .groups = g};
    return d;
}

static void sizes_and_validation(void) {
    fs_err err = {0};
    fs_conv_transpose2d_dims d = mk(1, 512, 32, 32, 512, 3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 1);
    CHECK(fs_conv_transpose2d_dims_init(&d, &err) == FS_OK && d.H_out == 65 && d.W_out == 65);
    d = mk(1, 4, 5, 6, 2, 3, 3, 2, 2, 1, 1, 1, 0, 1, 1, 1); /* torch: (5-1)*2-2+2+1+1 = 10, (6-1)*2-2+2+0+1 = 11 */
    CHECK(fs_conv_transpose2d_dims_init(&d, &err) == FS_OK && d.H_out == 10 && d.W_out == 11);
    d = mk(1, 4, 5, 6, 2, 3, 3, 2, 2, 1, 1, 2, 0, 1, 1, 1); /* output padding 2 >= stride 2 and dilation 1 */
    CHECK(fs_conv_transpose2d_dims_init(&d, &err) == FS_ERR && strstr(err.msg, "output padding"));
    d = mk(1, 4, 5, 6, 2, 3, 3, 1, 1, 0, 0, 1, 0, 2, 1, 1); /* output padding 1 < dilation 2: allowed */
    CHECK(fs_conv_transpose2d_dims_init(&d, &err) == FS_OK && d.H_out == 10);
    d = mk(1, 4, 5, 6, 3, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 2);
    CHECK(fs_conv_transpose2d_dims_init(&d, &err) == FS_ERR && strstr(err.msg, "groups"));
    d = mk(1, 4, 5, 6, 2, 3, 3, 1 << 30, 1, 0, 0, 0, 0, 1, 1, 1);
    CHECK(fs_conv_transpose2d_dims_init(&d, &err) == FS_ERR && strstr(err.msg, "too large"));
    d = mk(1, 4, 1, 1, 2, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1);
    CHECK(fs_conv_transpose2d_dims_init(&d, &err) == FS_ERR && strstr(err.msg, "empty"));
}

static void hand_example(void) {
    /* 2x2 input, 2x2 kernel of ones, stride 2: each input value fills its own 2x2 block */
    fs_conv_transpose2d_dims d = mk(1, 1, 2, 2, 1, 2, 2, 2, 2, 0, 0, 0, 0, 1, 1, 1);
    CHECK(fs_conv_transpose2d_dims_init(&d, NULL) == FS_OK && d.H_out == 4);
    float x[4] = {1, 2, 3, 4}, w[4] = {1, 1, 1, 1}, o[16], o2[16];
    fs_conv_transpose2d_forward_ref(o, x, w, NULL, &d);
    fs_conv_transpose2d_forward_cpu(o2, x, w, NULL, &d);
    int ok = 1;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) ok &= o[i * 4 + j] == x[(i / 2) * 2 + j / 2] && o2[i * 4 + j] == o[i * 4 + j];
    CHECK(ok);
    /* stride 1, 3x3 kernel, padding 1: equals a 'same' conv2d with the flipped kernel */
    fs_conv_transpose2d_dims e = mk(1, 1, 2, 2, 1, 3, 3, 1, 1, 1, 1, 0, 0, 1, 1, 1);
    CHECK(fs_conv_transpose2d_dims_init(&e, NULL) == FS_OK && e.H_out == 2);
    float k[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    fs_conv_transpose2d_forward_ref(o, x, k, NULL, &e);
    /* out[0][0] = x00*k[1][1] + x01*k[1][0] + x10*k[0][1] + x11*k[0][0] = 5 + 8 + 6 + 4 = 23 */
    CHECK(o[0] == 23.0f);
}

/* conv2d whose backward-data is this transposed conv (explicit output size, see conv_transpose2d_cpu.c) */
static fs_conv2d_dims as_conv2d(const fs_conv_transpose2d_dims *t) {
    fs_conv2d_dims c = {.N = t->N, .C_in = t->C_out, .H = t->H_out, .W = t->W_out, .C_out = t->C_in,
                        .KH = t->KH, .KW = t->KW, .stride_h = t->stride_h, .stride_w = t->stride_w,
                        .pad_top = t->pad_h, .pad_bottom = t->pad_h, .pad_left = t->pad_w, .pad_right = t->pad_w,
                        .dil_h = t->dil_h, .dil_w = t->dil_w, .groups = t->groups, .H_out = t->H, .W_out = t->W};
    return c;
}

typedef struct {
    const fs_conv_transpose2d_dims *d;
    const float *in, *w, *b, *r;
    float *out;
    int fast;
} loss_ctx;

static double loss(void *p) {
    loss_ctx *c = p;
    if (c->fast)
        fs_conv_transpose2d_forward_cpu(c->out, c->in, c->w, c->b, c->d);
    else
        fs_conv_transpose2d_forward_ref(c->out, c->in, c->w, c->b, c->d);
    return tr_dot(c->out, c->r, fs_conv_transpose2d_out_numel(c->d));
}

static void run_case(const char *name, fs_conv_transpose2d_dims d, int with_bias, int do_gradcheck, uint64_t *rng) {
    fs_err err = {0};
    if (fs_conv_transpose2d_dims_init(&d, &err) != FS_OK) {
        CHECK_MSG(0, "%s: %s", name, err.msg);
        return;
    }
    long ni = fs_conv_transpose2d_in_numel(&d), no = fs_conv_transpose2d_out_numel(&d);
    long nw = fs_conv_transpose2d_weight_numel(&d);
    float *in = alloc_f(ni), *w = alloc_f(nw), *b = alloc_f(d.C_out), *r = alloc_f(no);
    float *o_ref = alloc_f(no), *o_fast = alloc_f(no);
    float *di_ref = alloc_f(ni), *di_fast = alloc_f(ni), *dw_ref = alloc_f(nw), *dw_fast = alloc_f(nw);
    float *db_ref = alloc_f(d.C_out), *db_fast = alloc_f(d.C_out);
    tr_fill_normal(in, ni, 1.0f, rng);
    tr_fill_normal(w, nw, 1.0f, rng);
    tr_fill_normal(b, d.C_out, 1.0f, rng);
    tr_fill_normal(r, no, 1.0f, rng);
    const float *bias = with_bias ? b : NULL;
    char label[256];
    double kk = (double)(d.C_in / d.groups) * d.KH * d.KW;

    for (long i = 0; i < no; i++) o_fast[i] = NAN; /* outputs are assigned, never read */
    fs_conv_transpose2d_forward_ref(o_ref, in, w, bias, &d);
    fs_conv_transpose2d_forward_cpu(o_fast, in, w, bias, &d);
    snprintf(label, sizeof label, "%s fwd fast-vs-ref", name);
    check_allclose(label, o_fast, o_ref, no, 1e-4 * sqrt(kk), 1e-5);

    /* adjoint identity with the reference conv2d: <convT(x), r> == <x, conv2d(r)> */
    {
        fs_conv2d_dims c = as_conv2d(&d);
        float *cr = alloc_f(ni);
        fs_conv2d_forward_ref(cr, r, w, NULL, &c);
        fs_conv_transpose2d_forward_ref(o_ref, in, w, NULL, &d);
        double lhs = tr_dot(o_ref, r, no), rhs = tr_dot(in, cr, ni);
        CHECK_MSG(fabs(lhs - rhs) <= 1e-4 * (1 + fabs(lhs)) * sqrt((double)no), "%s adjoint: %.9g vs %.9g", name,
                  lhs, rhs);
        free(cr);
        fs_conv_transpose2d_forward_ref(o_ref, in, w, bias, &d);
    }

    for (long i = 0; i < nw; i++) dw_ref[i] = dw_fast[i] = 0.25f;
    for (int i = 0; i < d.C_out; i++) db_ref[i] = db_fast[i] = -0.5f;
    for (long i = 0; i < ni; i++) di_ref[i] = di_fast[i] = NAN;
    fs_conv_transpose2d_backward_ref(di_ref, dw_ref, db_ref, r, in, w, &d);
    fs_conv_transpose2d_backward_cpu(di_fast, dw_fast, db_fast, r, in, w, &d);
    double nsum_w = (double)d.N * d.H * d.W, nsum_b = (double)d.N * d.H_out * d.W_out;
    double nsum_i = (double)(d.C_out / d.groups) * d.KH * d.KW;
    snprintf(label, sizeof label, "%s din fast-vs-ref", name);
    check_allclose(label, di_fast, di_ref, ni, 8e-5 * sqrt(nsum_i), 1e-5);
    snprintf(label, sizeof label, "%s dweight fast-vs-ref", name);
    check_allclose(label, dw_fast, dw_ref, nw, 8e-5 * sqrt(nsum_w), 1e-5);
    snprintf(label, sizeof label, "%s dbias fast-vs-ref", name);
    check_allclose(label, db_fast, db_ref, d.C_out, 8e-5 * sqrt(nsum_b), 1e-5);

    if (do_gradcheck)
        for (int fast = 0; fast < 2; fast++) {
            float *di = fast ? di_fast : di_ref, *dw = fast ? dw_fast : dw_ref, *db = fast ? db_fast : db_ref;
            float *dwa = alloc_f(nw), *dba = alloc_f(d.C_out);
            for (long i = 0; i < nw; i++) dwa[i] = dw[i] - 0.25f;
            for (int i = 0; i < d.C_out; i++) dba[i] = db[i] + 0.5f;
            loss_ctx c = {&d, in, w, bias, r, o_ref, fast};
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
    free(in), free(w), free(b), free(r), free(o_ref), free(o_fast);
    free(di_ref), free(di_fast), free(dw_ref), free(dw_fast), free(db_ref), free(db_fast);
}

static void all_cases(uint64_t *rng, int gc) {
    run_case("sg2 up 3x3 s2", mk(2, 3, 5, 4, 4, 3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 1), 1, gc, rng);
    run_case("4x4 s2 p1", mk(1, 3, 5, 6, 2, 4, 4, 2, 2, 1, 1, 0, 0, 1, 1, 1), 1, gc, rng);
    run_case("3x3 s2 p1 op1", mk(2, 2, 4, 5, 3, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1), 0, gc, rng);
    run_case("groups2 s2", mk(1, 4, 5, 3, 6, 3, 3, 2, 2, 1, 0, 1, 0, 1, 1, 2), 1, gc, rng);
    run_case("dilation2 op1", mk(1, 2, 4, 4, 3, 3, 2, 1, 1, 1, 0, 1, 1, 2, 2, 1), 1, gc, rng);
    run_case("stride3 1x1", mk(1, 3, 3, 4, 2, 1, 1, 3, 3, 0, 0, 2, 1, 1, 1, 1), 1, gc, rng);
    run_case("stride (2,3) 2x3", mk(2, 2, 3, 3, 3, 2, 3, 2, 3, 0, 1, 1, 2, 1, 1, 1), 1, gc, rng);
    run_case("1x1 s1", mk(2, 4, 3, 5, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1), 1, gc, rng);
    run_case("modconv up N=2 (groups=N)", mk(1, 2 * 3, 4, 4, 2 * 4, 3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 2), 0, gc, rng);
    run_case("wide sg2 up (implicit backward)", mk(1, 3, 3, 66, 2, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1), 1, gc, rng);
    run_case("medium sg2 up 24->16", mk(2, 24, 9, 11, 16, 3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 1), 1, 0, rng);
    run_case("medium modconv up N=3", mk(1, 3 * 16, 8, 8, 3 * 8, 3, 3, 2, 2, 0, 0, 0, 0, 1, 1, 3), 0, 0, rng);
}

static int rnd(uint64_t *s, int lo, int hi) { return lo + (int)(tr_next(s) % (uint64_t)(hi - lo + 1)); }

/* Random valid shapes: fast vs reference (every path), finite differences on every 4th. */
static void random_shapes(uint64_t *rng, int count) {
    int done = 0;
    while (done < count) {
        int g = rnd(rng, 1, 3), sh = rnd(rng, 1, 3), sw = rnd(rng, 1, 3), dh = rnd(rng, 1, 2), dw = rnd(rng, 1, 2);
        fs_conv_transpose2d_dims d = mk(rnd(rng, 1, 2), g * rnd(rng, 1, 3), rnd(rng, 1, 7),
                                        rnd(rng, 0, 3) == 0 ? rnd(rng, 30, 70) : rnd(rng, 1, 7), g * rnd(rng, 1, 3),
                                        rnd(rng, 1, 4), rnd(rng, 1, 4), sh, sw, rnd(rng, 0, 2), rnd(rng, 0, 2),
                                        rnd(rng, 0, (sh > dh ? sh : dh) - 1), rnd(rng, 0, (sw > dw ? sw : dw) - 1), dh, dw, g);
        if (fs_conv_transpose2d_dims_init(&d, NULL) != FS_OK) continue;
        char name[160];
        snprintf(name, sizeof name, "random#%d N%d C%d->%d %dx%d k%dx%d s%d,%d p%d,%d op%d,%d d%d,%d g%d", done, d.N,
                 d.C_in, d.C_out, d.H, d.W, d.KH, d.KW, d.stride_h, d.stride_w, d.pad_h, d.pad_w, d.out_pad_h,
                 d.out_pad_w, d.dil_h, d.dil_w, d.groups);
        run_case(name, d, rnd(rng, 0, 1), done % 4 == 0, rng);
        done++;
    }
}

int main(void) {
    uint64_t rng = 0x243f6a8885a308d3ull;
    sizes_and_validation();
    hand_example();
    fs_threads_init(1);
    printf("-- 1 thread\n");
    all_cases(&rng, 1);
    fs_threads_init(2);
    printf("-- 2 threads\n");
    all_cases(&rng, 0);
    for (int path = 1; path <= 2; path++) {
        fs__conv2d_cpu_path = path;
        printf("-- 2 threads, forced conv2d path %s\n", path == 1 ? "im2col" : "implicit");
        all_cases(&rng, 0);
    }
    fs_threads_init(3);
    printf("-- 3 threads\n");
    all_cases(&rng, 0);
    fs_threads_init(2);
    printf("-- random shapes (2 threads; auto, col2im/im2col, implicit/phase paths)\n");
    for (int path = 0; path <= 2; path++) {
        fs__conv2d_cpu_path = path;
        random_shapes(&rng, 40);
    }
    fs__conv2d_cpu_path = 0;
    fs_threads_shutdown();
    return check_finish();
}
