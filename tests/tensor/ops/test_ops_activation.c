/* Activations and softmax: forwards against their definitions (in double), PyTorch's kink
 * convention, backwards against central finite differences (odd sizes, inputs kept away from
 * kinks), PReLU's alpha gradient, softmax rows summing to one and large-logit stability. */
#include "ops_test.h"
#include "tensor/activation.h"

typedef struct {
    ot_loss l;
    int op; /* 0 relu 1 leaky 2 prelu 3 sigmoid 4 tanh 5 softmax */
    const float *x, *alpha;
    int N, C;
    long HW;
    long outer, inner;
    int dim;
} act_ctx;

static void act_fwd(void *self) {
    act_ctx *c = self;
    long n = c->l.n_out;
    switch (c->op) {
    case 0:
        fs_relu_forward(c->l.out, c->x, n);
        break;
    case 1:
        fs_leaky_relu_forward(c->l.out, c->x, n, 0.2f);
        break;
    case 2:
        fs_prelu_forward(c->l.out, c->x, c->alpha, c->N, c->C, c->HW);
        break;
    case 3:
        fs_sigmoid_forward(c->l.out, c->x, n);
        break;
    case 4:
        fs_tanh_forward(c->l.out, c->x, n);
        break;
    case 5:
        fs_softmax_forward(c->l.out, c->x, c->outer, c->dim, c->inner);
        break;
    }
}

static void test_forward_definitions(uint64_t *s) {
    const long n = 1001;
    float *x = ot_normal(n, 3.0f, s), *y = ot_alloc(n), *want = ot_alloc(n);
    x[0] = 0.0f; /* the kink itself */
    x[1] = -0.0f;
    fs_relu_forward(y, x, n);
    for (long i = 0; i < n; i++) want[i] = x[i] > 0 ? x[i] : 0.0f;
    check_allclose("relu.forward", y, want, n, 0, 0);
    /* NaN propagates through every activation (as in PyTorch) */
    float nan_in = NAN, nan_out[1], nan_alpha = 0.25f;
    fs_relu_forward(nan_out, &nan_in, 1);
    CHECK(isnan(nan_out[0]));
    fs_leaky_relu_forward(nan_out, &nan_in, 1, 0.2f);
    CHECK(isnan(nan_out[0]));
    fs_prelu_forward(nan_out, &nan_in, &nan_alpha, 1, 1, 1);
    CHECK(isnan(nan_out[0]));
    fs_sigmoid_forward(nan_out, &nan_in, 1);
    CHECK(isnan(nan_out[0]));
    fs_tanh_forward(nan_out, &nan_in, 1);
    CHECK(isnan(nan_out[0]));
    fs_leaky_relu_forward(y, x, n, 0.2f);
    for (long i = 0; i < n; i++) want[i] = (float)(x[i] > 0 ? (double)x[i] : 0.2 * (double)x[i]);
    check_allclose("leaky_relu.forward", y, want, n, 1e-7, 1e-6);
    fs_sigmoid_forward(y, x, n);
    for (long i = 0; i < n; i++) want[i] = (float)(1.0 / (1.0 + exp(-(double)x[i])));
    check_allclose("sigmoid.forward", y, want, n, 1e-7, 1e-6);
    fs_tanh_forward(y, x, n);
    for (long i = 0; i < n; i++) want[i] = (float)tanh((double)x[i]);
    check_allclose("tanh.forward", y, want, n, 1e-7, 1e-6);

    /* kink convention (PyTorch): derivative at exactly 0 is the x <= 0 side */
    float z[2] = {0.0f, 1.0f}, g[2] = {1.0f, 1.0f}, dz[2];
    fs_relu_backward(dz, g, z, 2);
    CHECK(dz[0] == 0.0f && dz[1] == 1.0f);
    fs_leaky_relu_backward(dz, g, z, 2, 0.2f);
    CHECK(dz[0] == 0.2f && dz[1] == 1.0f);

    /* sigmoid saturates without overflow or NaN */
    float big[4] = {-1000.0f, 1000.0f, -88.0f, 88.0f}, sb[4];
    fs_sigmoid_forward(sb, big, 4);
    CHECK(sb[0] == 0.0f && sb[1] == 1.0f && sb[2] >= 0.0f && sb[2] < 1e-37f && sb[3] == 1.0f);
    free(x), free(y), free(want);
}

static void test_prelu(uint64_t *s) {
    const int N = 3, C = 5;
    const long HW = 7;
    const long n = N * C * HW;
    float *x = ot_normal(n, 1.0f, s), *alpha = ot_normal(C, 0.3f, s), *y = ot_alloc(n), *want = ot_alloc(n);
    float k0 = 0.0f;
    ot_avoid_kinks(x, n, &k0, 1, 0.05f);
    fs_prelu_forward(y, x, alpha, N, C, HW);
    for (int b = 0; b < N; b++)
        for (int c = 0; c < C; c++)
            for (long i = 0; i < HW; i++) {
                long k = ((long)b * C + c) * HW + i;
                want[k] = x[k] > 0 ? x[k] : alpha[c] * x[k];
            }
    check_allclose("prelu.forward", y, want, n, 0, 0);

    float *r = ot_normal(n, 1.0f, s), *dx = ot_alloc(n), *da = ot_alloc(C);
    for (int c = 0; c < C; c++) da[c] = 0.5f; /* accumulates onto existing values */
    fs_prelu_backward(dx, da, r, x, alpha, N, C, HW);
    for (int c = 0; c < C; c++) da[c] -= 0.5f;
    act_ctx ctx = {{act_fwd, y, r, n}, 2, x, alpha, N, C, HW, 0, 0, 0};
    gradcheck("prelu.din", x, n, dx, ot_loss_fn, &ctx, 1e-2, 1e-4, 1e-3, 400);
    gradcheck("prelu.dalpha (+=)", (float *)alpha, C, da, ot_loss_fn, &ctx, 1e-2, 1e-4, 1e-3, 400);
    /* NULL gradients are skipped */
    fs_prelu_backward(NULL, NULL, r, x, alpha, N, C, HW);
    /* in place: din aliasing dout gives the same din and dalpha */
    float *dx_ref = ot_alloc(n), *dd = ot_alloc(n), da1[5] = {0}, da2[5] = {0};
    fs_prelu_forward(y, x, alpha, N, C, HW);
    fs_prelu_backward(dx_ref, da1, r, x, alpha, N, C, HW);
    memcpy(dd, r, sizeof(float) * n);
    fs_prelu_backward(dd, da2, dd, x, alpha, N, C, HW);
    ot_same_bits("prelu.backward in place: din", dd, dx_ref, n);
    ot_same_bits("prelu.backward in place: dalpha", da2, da1, C);
    free(dx_ref), free(dd);
    free(x), free(alpha), free(y), free(want), free(r), free(dx), free(da);
}

static void test_pointwise_grads(uint64_t *s) {
    const long n = 517;
    const char *names[] = {"relu.din", "leaky_relu.din", "", "sigmoid.din", "tanh.din"};
    for (int op = 0; op < 5; op++) {
        if (op == 2) continue;
        float *x = ot_normal(n, 2.0f, s), *y = ot_alloc(n), *r = ot_normal(n, 1.0f, s), *dx = ot_alloc(n);
        float k0 = 0.0f;
        ot_avoid_kinks(x, n, &k0, 1, 0.05f);
        act_ctx ctx = {{act_fwd, y, r, n}, op, x, NULL, 0, 0, 0, 0, 0, 0};
        act_fwd(&ctx);
        switch (op) {
        case 0:
            fs_relu_backward(dx, r, x, n);
            break;
        case 1:
            fs_leaky_relu_backward(dx, r, x, n, 0.2f);
            break;
        case 3:
            fs_sigmoid_backward(dx, r, y, n);
            break;
        case 4:
            fs_tanh_backward(dx, r, y, n);
            break;
        }
        gradcheck(names[op], x, n, dx, ot_loss_fn, &ctx, 1e-2, 1e-4, 2e-3, 600);
        free(x), free(y), free(r), free(dx);
    }
}

static void test_softmax(uint64_t *s) {
    const long outer = 3, inner = 5;
    const int dim = 7;
    const long n = outer * dim * inner;
    float *x = ot_normal(n, 2.0f, s), *y = ot_alloc(n), *r = ot_normal(n, 1.0f, s), *dx = ot_alloc(n);
    fs_softmax_forward(y, x, outer, dim, inner);
    double worst_sum = 0, worst_val = 0;
    for (long o = 0; o < outer; o++)
        for (long j = 0; j < inner; j++) {
            double den = 0, sum = 0;
            for (int k = 0; k < dim; k++) den += exp((double)x[(o * dim + k) * inner + j]);
            for (int k = 0; k < dim; k++) {
                long idx = (o * dim + k) * inner + j;
                double want = exp((double)x[idx]) / den;
                worst_val = check_max(worst_val, fabs(want - y[idx]));
                sum += y[idx];
            }
            worst_sum = check_max(worst_sum, fabs(sum - 1.0));
        }
    CHECK_MSG(worst_sum < 1e-6, "softmax rows sum to 1: worst |sum-1| = %g", worst_sum);
    CHECK_MSG(worst_val < 1e-7, "softmax vs definition: worst %g", worst_val);
    printf("OK softmax.forward: |row sum - 1| <= %.2g, |p - exp/sum| <= %.2g\n", worst_sum, worst_val);

    fs_softmax_backward(dx, r, y, outer, dim, inner);
    act_ctx ctx = {{act_fwd, y, r, n}, 5, x, NULL, 0, 0, 0, outer, inner, dim};
    gradcheck("softmax.din", x, n, dx, ot_loss_fn, &ctx, 1e-2, 1e-4, 2e-3, 400);

    /* huge logits: no overflow, the max gets all the mass; invariant to a shift */
    float big[3] = {1000.0f, 0.0f, -1000.0f}, pb[3];
    fs_softmax_forward(pb, big, 1, 3, 1);
    CHECK(pb[0] == 1.0f && pb[1] == 0.0f && pb[2] == 0.0f);
    float a[4] = {1, 2, 3, 4}, b[4] = {101, 102, 103, 104}, pa[4], pbb[4];
    fs_softmax_forward(pa, a, 1, 4, 1);
    fs_softmax_forward(pbb, b, 1, 4, 1);
    check_allclose("softmax shift invariance", pbb, pa, 4, 1e-6, 0);
    /* din may alias dout (recompute y: gradcheck leaves the last perturbed forward in it) */
    fs_softmax_forward(y, x, outer, dim, inner);
    fs_softmax_backward(dx, r, y, outer, dim, inner);
    float *dx2 = ot_alloc(n);
    memcpy(dx2, r, sizeof(float) * n);
    fs_softmax_backward(dx2, dx2, y, outer, dim, inner);
    ot_same_bits("softmax.backward in place", dx2, dx, n);
    free(x), free(y), free(r), free(dx), free(dx2);
}

int main(void) {
    uint64_t s = 0x9E3779B97F4A7C15ull;
    test_forward_definitions(&s);
    test_prelu(&s);
    test_pointwise_grads(&s);
    test_softmax(&s);
    return check_finish();
}
