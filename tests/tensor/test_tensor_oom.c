/* Out of memory in the tensor kernels is a fallback or a status, never an abort: the scratch allocations
 * are made to fail one at a time (core/alloc.h's test hook) and the results checked:
 * - conv2d forward / backward-data / backward-weights and conv_transpose2d forward on every fast path
 *   (im2col, implicit GEMM, split by channels, flipped backward-data, col2im, phases, pointwise), with 1
 *   and 2 threads: whichever scratch allocation fails, the result is bit for bit the fast result (nothing
 *   failed) or the reference kernel's (fallback) -- in particular a backward-weights that accumulates
 *   into dweight never adds a partial sum before falling back; and the first allocation does fail.
 *   A thread whose scratch set itself cannot be allocated gets the reference result too.
 * - upfirdn2d: its separable scratch failing gives the table-driven kernel (close to the reference), all
 *   three allocations failing gives the reference bits.
 * - bias_act backward: its partial sums failing gives the reference bits.
 * - bilinear and antialiased resize: each of their allocations failing returns FS_ERR 'out of memory'
 *   (no leak under ASan), and they work again once memory is back. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/alloc.h"
#include "core/threads.h"
#include "tensor/bias_act.h"
#include "tensor/conv2d.h"
#include "tensor/conv_transpose2d.h"
#include "tensor/im2col.h"
#include "tensor/resize.h"
#include "tensor/upfirdn2d.h"

static float *random_floats(long n, unsigned *seed) {
    float *p = malloc(sizeof(float) * (size_t)n);
    FS_ASSERT(p);
    for (long i = 0; i < n; i++) p[i] = (float)rand_r(seed) / RAND_MAX - 0.5f;
    return p;
}

static float *copy_floats(const float *src, long n) {
    float *p = malloc(sizeof(float) * (size_t)n);
    FS_ASSERT(p);
    memcpy(p, src, sizeof(float) * (size_t)n);
    return p;
}

/* One conv op: OP_FWD out = conv(x); OP_BWD_DATA din = ...; OP_BWD_W dw += ...; OP_CT out = conv_transpose(x). */
enum { OP_FWD, OP_BWD_DATA, OP_BWD_W, OP_CT, OP_COUNT };

typedef struct {
    fs_conv2d_dims d;
    fs_conv_transpose2d_dims t;
    float *x, *w, *b, *dy, *dw0; /* dw0: what dweight holds before an accumulating op */
    long n_x, n_w, n_y;
} conv_case;

/* Runs op into `res` (n_res floats; for OP_BWD_W it starts as dw0), fast or reference. */
static void run_op(const conv_case *c, int op, int fast, float *res) {
    switch (op) {
    case OP_FWD:
        (fast ? fs_conv2d_forward_cpu : fs_conv2d_forward_ref)(res, c->x, c->w, c->b, &c->d);
        break;
    case OP_BWD_DATA:
        if (fast) fs_conv2d_backward_data_cpu(res, c->dy, c->w, &c->d);
        else fs_conv2d_backward_ref(res, NULL, NULL, c->dy, NULL, c->w, &c->d);
        break;
    case OP_BWD_W:
        memcpy(res, c->dw0, sizeof(float) * (size_t)c->n_w);
        if (fast) fs_conv2d_backward_weight_cpu(res, c->dy, c->x, &c->d);
        else fs_conv2d_backward_ref(NULL, res, NULL, c->dy, c->x, NULL, &c->d);
        break;
    default: /* OP_CT: x (N, C_out, H_out, W_out) of the conv is the transposed conv's input */
        (fast ? fs_conv_transpose2d_forward_cpu : fs_conv_transpose2d_forward_ref)(res, c->dy, c->w, NULL, &c->t);
        break;
    }
}

static long op_size(const conv_case *c, int op) {
    return op == OP_FWD ? c->n_y : op == OP_BWD_W ? c->n_w : c->n_x;
}

static int fallbacks; /* conv runs that fell back, over the whole test */

/* Fails the scratch allocations of `op` one at a time (allocation k for k = 0, 1, ...) from empty buffers. */
static void conv_op_under_failures(const conv_case *c, int op, const char *name) {
    const long n = op_size(c, op);
    float *fast = malloc(sizeof(float) * (size_t)n), *ref = malloc(sizeof(float) * (size_t)n);
    float *got = malloc(sizeof(float) * (size_t)n);
    FS_ASSERT(fast && ref && got);
    run_op(c, op, 1, fast);
    run_op(c, op, 0, ref);
    CHECK_MSG(check_maxdiff(fast, ref, n) <= 1e-4, "%s op %d: fast vs reference %g", name, op,
              check_maxdiff(fast, ref, n));
    int fell_back = 0, k = 0;
    for (; k < 16; k++) {
        fs_conv_cpu_scratch_free();
        fs_scratch_fail_set(k, 1);
        run_op(c, op, 1, got);
        const long failed = fs_scratch_failures();
        fs_scratch_fail_set(0, 0);
        CHECK_MSG(memcmp(got, failed ? ref : fast, sizeof(float) * (size_t)n) == 0,
                  "%s op %d: allocation %d %s: not the %s bits", name, op, k, failed ? "failed" : "succeeded",
                  failed ? "reference" : "fast");
        if (!failed) break; /* the op makes fewer than k + 1 allocations */
        fell_back++;
    }
    /* pointwise convs need no scratch, except the weight gradient's per-thread partial sums (2+ threads) */
    CHECK_MSG(fell_back >= 1 || (c->d.KH == 1 && (op != OP_BWD_W || fs_threads_count() == 1)),
              "%s op %d: no scratch allocation was ever made to fail", name, op);
    fallbacks += fell_back;
    fs_conv_cpu_scratch_free();
    run_op(c, op, 1, got); /* memory back: the fast bits again */
    CHECK(memcmp(got, fast, sizeof(float) * (size_t)n) == 0);
    free(fast), free(ref), free(got);
}

static void conv_case_init(conv_case *c, int N, int C_in, int H, int W, int C_out, int k, int s, int p, int groups) {
    memset(c, 0, sizeof *c);
    c->d = fs_conv2d_dims_make(N, C_in, H, W, C_out, k, s, p);
    c->d.groups = groups;
    FS_ASSERT(fs_conv2d_dims_init(&c->d, NULL) == FS_OK);
    /* the transposed conv whose output is the conv's input shape: weight (C_out, C_in/groups, k, k) */
    c->t = (fs_conv_transpose2d_dims){.N = N, .C_in = C_out, .H = c->d.H_out, .W = c->d.W_out, .C_out = C_in,
                                      .KH = k, .KW = k, .stride_h = s, .stride_w = s, .pad_h = p, .pad_w = p,
                                      .dil_h = 1, .dil_w = 1, .groups = groups};
    c->t.out_pad_h = H - ((c->d.H_out - 1) * s - 2 * p + k);
    c->t.out_pad_w = W - ((c->d.W_out - 1) * s - 2 * p + k);
    FS_ASSERT(fs_conv_transpose2d_dims_init(&c->t, NULL) == FS_OK && c->t.H_out == H && c->t.W_out == W);
    unsigned seed = 7u + (unsigned)(C_in * 31 + k);
    c->n_x = fs_conv2d_in_numel(&c->d), c->n_w = fs_conv2d_weight_numel(&c->d), c->n_y = fs_conv2d_out_numel(&c->d);
    c->x = random_floats(c->n_x, &seed), c->w = random_floats(c->n_w, &seed), c->b = random_floats(C_out, &seed);
    c->dy = random_floats(c->n_y, &seed), c->dw0 = random_floats(c->n_w, &seed);
}

static void conv_case_free(conv_case *c) { free(c->x), free(c->w), free(c->b), free(c->dy), free(c->dw0); }

static void conv_paths(void) {
    conv_case cases[3];
    fallbacks = 0;
    conv_case_init(&cases[0], 2, 8, 13, 70, 6, 3, 1, 1, 1); /* stride 1: flipped backward-data, implicit GEMM */
    conv_case_init(&cases[1], 2, 4, 9, 11, 6, 3, 2, 1, 2);  /* stride 2, groups: col2im, im2col */
    conv_case_init(&cases[2], 2, 8, 5, 7, 4, 1, 1, 0, 1);   /* pointwise */
    for (int path = 0; path <= 2; path++) { /* choose / im2col + split by channels / implicit GEMM + phases */
        fs__conv2d_cpu_path = path;
        for (int i = 0; i < 3; i++)
            for (int op = 0; op < OP_COUNT; op++) {
                char name[64];
                snprintf(name, sizeof name, "case %d path %d", i, path);
                conv_op_under_failures(&cases[i], op, name);
            }
    }
    fs__conv2d_cpu_path = 0;
    for (int i = 0; i < 3; i++) conv_case_free(&cases[i]);
    printf("conv ops, %d threads: %d runs fell back to the reference kernel, each giving its bits\n",
           fs_threads_count(), fallbacks);
}

/* A thread whose scratch set cannot be allocated: the reference result, and no set is registered. */
typedef struct {
    const conv_case *c;
    float *out;
    int sets_before, sets_during;
} set_job;

static void *conv_in_new_thread(void *p) {
    set_job *j = p;
    fs_scratch_fail_set(0, -1);
    run_op(j->c, OP_FWD, 1, j->out);
    fs_scratch_fail_set(0, 0);
    j->sets_during = fs__conv_scratch_live_sets();
    return NULL;
}

static void scratch_set_failure(void) {
    conv_case c;
    conv_case_init(&c, 1, 8, 9, 9, 8, 3, 1, 1, 1);
    float *ref = malloc(sizeof(float) * (size_t)c.n_y), *got = malloc(sizeof(float) * (size_t)c.n_y);
    FS_ASSERT(ref && got);
    run_op(&c, OP_FWD, 0, ref);
    set_job j = {&c, got, fs__conv_scratch_live_sets(), -1};
    pthread_t th;
    FS_ASSERT(pthread_create(&th, NULL, conv_in_new_thread, &j) == 0);
    pthread_join(th, NULL);
    CHECK(memcmp(got, ref, sizeof(float) * (size_t)c.n_y) == 0);
    CHECK_MSG(j.sets_during == j.sets_before, "live scratch sets %d, before %d", j.sets_during, j.sets_before);
    free(ref), free(got);
    conv_case_free(&c);
}

static void upfirdn2d_fallbacks(void) {
    fs_upfirdn2d_dims d = {.N = 2, .C = 3, .H = 12, .W = 10, .KH = 4, .KW = 4, .up_x = 1, .up_y = 1, .down_x = 1,
                           .down_y = 1, .pad_x0 = 2, .pad_x1 = 1, .pad_y0 = 2, .pad_y1 = 1};
    FS_ASSERT(fs_upfirdn2d_dims_init(&d, NULL) == FS_OK);
    const float k[4] = {1, 3, 3, 1};
    float f[16];
    fs_upfirdn2d_outer(f, k, 4, k, 4); /* separable: the fast path needs a per-thread scratch */
    unsigned seed = 3;
    const long n_in = (long)d.N * d.C * d.H * d.W, n_out = (long)d.N * d.C * d.H_out * d.W_out;
    float *x = random_floats(n_in, &seed), *dy = random_floats(n_out, &seed);
    float *ref = malloc(sizeof(float) * (size_t)n_in), *got = malloc(sizeof(float) * (size_t)n_in);
    FS_ASSERT(ref && got);
    for (int backward = 0; backward <= 1; backward++) {
        const long n = backward ? n_in : n_out;
        if (backward) fs_upfirdn2d_backward_ref(ref, dy, f, 1.0f / 64, &d);
        else fs_upfirdn2d_forward_ref(ref, x, f, 1.0f / 64, &d);
        for (int all = 0; all <= 1; all++) { /* the scratch only (table-driven kernel), or everything (reference) */
            fs_scratch_fail_set(0, all ? -1 : 1);
            if (backward) fs_upfirdn2d_backward_cpu(got, dy, f, 1.0f / 64, &d);
            else fs_upfirdn2d_forward_cpu(got, x, f, 1.0f / 64, &d);
            const long failed = fs_scratch_failures();
            fs_scratch_fail_set(0, 0);
            CHECK_MSG(failed == (all ? 3 : 1), "upfirdn2d backward %d: %ld allocations failed", backward, failed);
            if (all) CHECK(memcmp(got, ref, sizeof(float) * (size_t)n) == 0);
            else CHECK_MSG(check_maxdiff(got, ref, n) <= 1e-6, "upfirdn2d table kernel vs reference %g",
                           check_maxdiff(got, ref, n));
        }
    }
    free(x), free(dy), free(ref), free(got);
}

static void bias_act_fallback(void) {
    const int N = 2, C = 5;
    const long HW = 33, n = N * C * HW;
    unsigned seed = 5;
    float *x = random_floats(n, &seed), *dy = random_floats(n, &seed), *b = random_floats(C, &seed);
    float *db0 = random_floats(C, &seed), *dx = malloc(sizeof(float) * (size_t)n);
    float *dx_ref = malloc(sizeof(float) * (size_t)n);
    FS_ASSERT(dx && dx_ref);
    float *db = copy_floats(db0, C), *db_ref = copy_floats(db0, C);
    fs_bias_act_backward_ref(dx_ref, db_ref, dy, x, b, N, C, HW, FS_ACT_LRELU, 0.2f, 1.4142135f, -1.0f);
    fs_scratch_fail_set(0, -1);
    fs_bias_act_backward_cpu(dx, db, dy, x, b, N, C, HW, FS_ACT_LRELU, 0.2f, 1.4142135f, -1.0f);
    const long failed = fs_scratch_failures();
    fs_scratch_fail_set(0, 0);
    CHECK(failed == 1);
    CHECK(memcmp(dx, dx_ref, sizeof(float) * (size_t)n) == 0 && memcmp(db, db_ref, sizeof(float) * (size_t)C) == 0);
    free(x), free(dy), free(b), free(db0), free(dx), free(dx_ref), free(db), free(db_ref);
}

static void resize_statuses(void) {
    const int N = 1, C = 2, H = 16, W = 20, Ho = 5, Wo = 7;
    unsigned seed = 9;
    float *x = random_floats((long)N * C * H * W, &seed), *y = malloc(sizeof(float) * (size_t)(N * C * Ho * Wo));
    FS_ASSERT(y);
    for (int aa = 0; aa <= 1; aa++) {
        int failures_seen = 0;
        for (int k = 0; k < 8; k++) { /* allocation k fails */
            fs_err err = {0};
            fs_scratch_fail_set(k, 1);
            const int rc = aa ? fs_resize_bilinear_aa_forward(y, x, N, C, H, W, Ho, Wo, &err)
                              : fs_resize_bilinear_forward(y, x, N, C, H, W, Ho, Wo, 0, &err);
            const long failed = fs_scratch_failures();
            fs_scratch_fail_set(0, 0);
            if (!failed) {
                CHECK(rc == FS_OK);
                break;
            }
            failures_seen++;
            CHECK_MSG(rc == FS_ERR && strstr(err.msg, "out of memory: ") && strstr(err.msg, "bytes)"),
                      "resize aa %d, allocation %d failing: rc %d '%s'", aa, k, rc, err.msg);
        }
        CHECK_MSG(failures_seen >= 2, "resize aa %d: %d allocations could be made to fail", aa, failures_seen);
    }
    free(x), free(y);
}

int main(void) {
    fs_threads_init(1); /* one thread: the weight gradient adds straight into dweight */
    conv_paths();
    fs_threads_init(2);
    conv_paths();
    scratch_set_failure();
    upfirdn2d_fallbacks();
    bias_act_fallback();
    resize_statuses();
    fs_threads_shutdown();
    fs_conv_cpu_scratch_free();
    return check_finish();
}
