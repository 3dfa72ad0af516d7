/* Pooling: PyTorch output-size rules (ceil_mode, padding), hand-computed outputs on known
 * inputs (count_include_pad both ways, adaptive bins), argmax/NaN behaviour, backwards against
 * finite differences and adjoint identities, threaded = single-threaded bit for bit. */
#include "core/threads.h"
#include "ops_test.h"
#include "tensor/pool.h"

static fs_pool2d_dims mk(int H, int W, int k, int s, int p, int ceil_mode, int cip) {
    fs_pool2d_dims d = {.N = 1,
                        .C = 1,
                        .H = H,
                        .W = W,
                        .KH = k,
                        .KW = k,
                        .stride_h = s,
                        .stride_w = s,
                        .pad_h = p,
                        .pad_w = p,
                        .ceil_mode = ceil_mode,
                        .count_include_pad = cip};
    return d;
}

static void test_sizes(void) {
    /* {H, k, s, p, ceil, expected H_out} — values from torch.nn.MaxPool2d */
    static const int cases[][6] = {
        {112, 3, 2, 1, 0, 56}, {112, 3, 2, 1, 1, 57}, {5, 2, 2, 0, 0, 2}, {5, 2, 2, 0, 1, 3},
        {6, 3, 2, 1, 0, 3},    {6, 3, 2, 1, 1, 4},    {4, 2, 2, 1, 1, 3}, {5, 2, 2, 1, 1, 3},
        {5, 2, 2, 1, 0, 3},    {7, 3, 3, 0, 1, 3},    {1, 1, 1, 0, 0, 1}, {8, 3, 2, 0, 1, 4},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const int *c = cases[i];
        fs_pool2d_dims d = mk(c[0], c[0], c[1], c[2], c[3], c[4], 1);
        fs_err err = {0};
        CHECK(fs_pool2d_dims_init(&d, &err) == FS_OK);
        CHECK_MSG(d.H_out == c[5] && d.W_out == c[5], "H=%d k=%d s=%d p=%d ceil=%d: got %d want %d", c[0], c[1], c[2],
                  c[3], c[4], d.H_out, c[5]);
    }
    /* rejected: padding over half the kernel, kernel larger than padded input, zero stride */
    fs_err err = {0};
    fs_pool2d_dims bad = mk(5, 5, 2, 2, 2, 0, 1);
    CHECK(fs_pool2d_dims_init(&bad, &err) != FS_OK && strstr(err.msg, "padding"));
    bad = mk(2, 2, 5, 1, 0, 0, 1);
    CHECK(fs_pool2d_dims_init(&bad, &err) != FS_OK);
    bad = mk(5, 5, 2, 0, 0, 0, 1);
    CHECK(fs_pool2d_dims_init(&bad, &err) != FS_OK);
    printf("OK pool output sizes (%zu cases) and rejections\n", sizeof cases / sizeof cases[0]);
}

static void test_known_values(void) {
    /* 4x4 input 0..15, maxpool k2 s2 -> [5 7; 13 15], argmax = same */
    float x[16], y[9], dx[16];
    int32_t idx[9];
    for (int i = 0; i < 16; i++) x[i] = (float)i;
    fs_pool2d_dims d = mk(4, 4, 2, 2, 0, 0, 1);
    fs_pool2d_dims_init(&d, NULL);
    fs_maxpool2d_forward(y, idx, x, &d);
    CHECK(y[0] == 5 && y[1] == 7 && y[2] == 13 && y[3] == 15);
    CHECK(idx[0] == 5 && idx[1] == 7 && idx[2] == 13 && idx[3] == 15);
    /* k3 s1 p1 on 0..15: corner window clipped, padding never wins even for negative inputs */
    for (int i = 0; i < 16; i++) x[i] = -100.0f - (float)i;
    d = mk(4, 4, 3, 2, 1, 0, 1);
    fs_pool2d_dims_init(&d, NULL);
    CHECK(d.H_out == 2);
    fs_maxpool2d_forward(y, idx, x, &d);
    CHECK(y[0] == -100.0f && idx[0] == 0); /* window rows/cols [0,2) */
    CHECK(y[3] == -105.0f && idx[3] == 5); /* window rows/cols [1,4) */
    /* ties: first maximum in row-major order */
    for (int i = 0; i < 16; i++) x[i] = 1.0f;
    d = mk(4, 4, 2, 2, 0, 0, 1);
    fs_pool2d_dims_init(&d, NULL);
    fs_maxpool2d_forward(y, idx, x, &d);
    CHECK(idx[0] == 0 && idx[1] == 2 && idx[2] == 8 && idx[3] == 10);
    /* NaN propagates */
    x[5] = NAN;
    fs_maxpool2d_forward(y, idx, x, &d);
    CHECK(isnan(y[0]) && idx[0] == 5 && y[1] == 1.0f);
    /* backward scatters to the argmax, overlapping windows add */
    for (int i = 0; i < 16; i++) x[i] = (float)((i * 7) % 16);
    d = mk(4, 4, 3, 1, 0, 0, 1);
    fs_pool2d_dims_init(&d, NULL);
    float g[4] = {1, 2, 3, 4};
    fs_maxpool2d_forward(y, idx, x, &d);
    fs_maxpool2d_backward(dx, g, idx, &d);
    float want_dx[16] = {0};
    for (int o = 0; o < 4; o++) want_dx[idx[o]] += g[o];
    check_allclose("maxpool.backward scatter", dx, want_dx, 16, 0, 0);

    /* avgpool 3x3 of ones, k3 s1 p1: count_include_pad -> corner 4/9, edge 6/9, centre 1 */
    for (int i = 0; i < 9; i++) x[i] = 1.0f;
    d = mk(3, 3, 3, 1, 1, 0, 1);
    fs_pool2d_dims_init(&d, NULL);
    fs_avgpool2d_forward(y, x, &d);
    CHECK_CLOSE(y[0], 4.0 / 9.0, 1e-7);
    CHECK_CLOSE(y[1], 6.0 / 9.0, 1e-7);
    CHECK_CLOSE(y[4], 1.0, 1e-7);
    d.count_include_pad = 0;
    fs_avgpool2d_forward(y, x, &d);
    for (int i = 0; i < 9; i++) CHECK_CLOSE(y[i], 1.0, 1e-7);
    /* ceil_mode: last window hangs past the input; its divisor is clipped to H + pad */
    float x5[25];
    for (int i = 0; i < 25; i++) x5[i] = (float)i;
    d = mk(5, 5, 2, 2, 0, 1, 1);
    fs_pool2d_dims_init(&d, NULL);
    CHECK(d.H_out == 3);
    fs_avgpool2d_forward(y, x5, &d);
    CHECK_CLOSE(y[0], (0 + 1 + 5 + 6) / 4.0, 1e-6);
    CHECK_CLOSE(y[2], (4 + 9) / 2.0, 1e-6); /* cols [4,5), rows [0,2) */
    CHECK_CLOSE(y[8], 24.0, 1e-6); /* the single corner pixel */
    /* ceil_mode + padding: H_out = 3 (a 4th window would start in the right padding) */
    d = mk(5, 5, 2, 2, 1, 1, 1);
    fs_pool2d_dims_init(&d, NULL);
    CHECK(d.H_out == 3);
    fs_avgpool2d_forward(y, x5, &d);
    CHECK_CLOSE(y[0], 0.0 / 4.0, 1e-6); /* only x[0,0] inside, /4 */
    CHECK_CLOSE(y[8], (18 + 19 + 23 + 24) / 4.0, 1e-6); /* rows/cols [3,5) */
    d.count_include_pad = 0;
    fs_avgpool2d_forward(y, x5, &d);
    CHECK_CLOSE(y[1], (1 + 2) / 2.0, 1e-6); /* row 0, cols [1,3) */

    /* adaptive: 5 -> 3 bins [0,2) [1,4) [3,5); 1-D along W with H = 1 */
    float a[5] = {1, 2, 4, 8, 16}, ya[3];
    fs_adaptive_avgpool2d_forward(ya, a, 1, 1, 1, 5, 1, 3);
    CHECK_CLOSE(ya[0], 1.5, 1e-6);
    CHECK_CLOSE(ya[1], 14.0 / 3.0, 1e-6);
    CHECK_CLOSE(ya[2], 12.0, 1e-6);
    /* adaptive to 1x1 = global mean; to same size = identity */
    float gm;
    fs_adaptive_avgpool2d_forward(&gm, x5, 1, 1, 5, 5, 1, 1);
    CHECK_CLOSE(gm, 12.0, 1e-6);
    float same[25];
    fs_adaptive_avgpool2d_forward(same, x5, 1, 1, 5, 5, 5, 5);
    check_allclose("adaptive same size = identity", same, x5, 25, 0, 0);
    /* upsampling bins: 2 -> 3: [0,1) [0,2) [1,2) */
    float u[2] = {2, 4}, yu[3];
    fs_adaptive_avgpool2d_forward(yu, u, 1, 1, 1, 2, 1, 3);
    CHECK(yu[0] == 2 && yu[1] == 3 && yu[2] == 4);
    printf("OK pool known values\n");
}

typedef struct {
    ot_loss l;
    int op; /* 0 max 1 avg 2 adaptive */
    const float *x;
    const fs_pool2d_dims *d;
    int32_t *idx;
} pool_ctx;

static void pool_fwd(void *self) {
    pool_ctx *c = self;
    const fs_pool2d_dims *d = c->d;
    if (c->op == 0) fs_maxpool2d_forward(c->l.out, c->idx, c->x, d);
    if (c->op == 1) fs_avgpool2d_forward(c->l.out, c->x, d);
    if (c->op == 2) fs_adaptive_avgpool2d_forward(c->l.out, c->x, d->N, d->C, d->H, d->W, d->H_out, d->W_out);
}

static void test_grads(uint64_t *s) {
    /* odd shapes, padding, ceil mode, both divisor rules */
    static const int cfg[][9] = {
        /* N C H W k s p ceil cip */
        {2, 3, 7, 9, 3, 2, 1, 0, 1},  {1, 2, 9, 7, 3, 2, 1, 1, 0}, {3, 1, 5, 5, 2, 2, 0, 1, 1},
        {1, 3, 11, 6, 4, 3, 2, 1, 1}, {2, 2, 6, 7, 3, 1, 1, 0, 0},
    };
    for (size_t t = 0; t < sizeof cfg / sizeof cfg[0]; t++) {
        const int *c = cfg[t];
        fs_pool2d_dims d = {.N = c[0],
                            .C = c[1],
                            .H = c[2],
                            .W = c[3],
                            .KH = c[4],
                            .KW = c[4] - (t & 1),
                            .stride_h = c[5],
                            .stride_w = c[5],
                            .pad_h = c[6],
                            .pad_w = c[6] > 0 ? c[6] - (int)(t & 1) : 0,
                            .ceil_mode = c[7],
                            .count_include_pad = c[8]};
        if (d.KW < 1) d.KW = 1;
        fs_err err = {0};
        CHECK(fs_pool2d_dims_init(&d, &err) == FS_OK);
        const long nin = (long)d.N * d.C * d.H * d.W, nout = (long)d.N * d.C * d.H_out * d.W_out;
        /* distinct values spaced >= 0.05 apart so argmax does not flip under +-eps */
        float *x = ot_alloc(nin);
        for (long i = 0; i < nin; i++) x[i] = 0.05f * (float)((i * 7919) % nin) - 0.025f * (float)nin;
        float *y = ot_alloc(nout), *r = ot_normal(nout, 1.0f, s), *dx = ot_alloc(nin);
        int32_t *idx = calloc((size_t)nout, sizeof(int32_t));
        char name[96];
        for (int op = 0; op < 3; op++) {
            pool_ctx ctx = {{pool_fwd, y, r, nout}, op, x, &d, idx};
            pool_fwd(&ctx);
            if (op == 0) fs_maxpool2d_backward(dx, r, idx, &d);
            if (op == 1) fs_avgpool2d_backward(dx, r, &d);
            if (op == 2) fs_adaptive_avgpool2d_backward(dx, r, d.N, d.C, d.H, d.W, d.H_out, d.W_out);
            snprintf(name, sizeof name, "%s.din %dx%dx%dx%d k%dx%d s%d p%dx%d ceil%d cip%d",
                     op == 0   ? "maxpool"
                     : op == 1 ? "avgpool"
                               : "adaptive",
                     d.N, d.C, d.H, d.W, d.KH, d.KW, d.stride_h, d.pad_h, d.pad_w, d.ceil_mode, d.count_include_pad);
            gradcheck(name, x, nin, dx, ot_loss_fn, &ctx, 1e-2, 1e-4, 2e-3, 300);
            if (op > 0) { /* linear ops: exact adjoint */
                pool_fwd(&ctx);
                ot_adjoint(name, x, y, nin, r, dx, nout, 1e-6);
            }
        }
        free(x), free(y), free(r), free(dx), free(idx);
    }
}

static void test_threads(uint64_t *s) {
    fs_pool2d_dims d = {.N = 2,
                        .C = 5,
                        .H = 37,
                        .W = 29,
                        .KH = 3,
                        .KW = 3,
                        .stride_h = 2,
                        .stride_w = 2,
                        .pad_h = 1,
                        .pad_w = 1,
                        .ceil_mode = 1,
                        .count_include_pad = 0};
    fs_pool2d_dims_init(&d, NULL);
    const long nin = (long)d.N * d.C * d.H * d.W, nout = (long)d.N * d.C * d.H_out * d.W_out;
    float *x = ot_normal(nin, 1.0f, s), *g = ot_normal(nout, 1.0f, s);
    float *a = ot_alloc(nin), *b = ot_alloc(nin);
    int32_t *ia = calloc((size_t)nout, 4), *ib = calloc((size_t)nout, 4);
    for (int nt = 1; nt <= 4; nt += 3) {
        fs_threads_init(nt);
        fs_maxpool2d_forward_ref(a, ia, x, &d);
        fs_maxpool2d_forward(b, ib, x, &d);
        ot_same_bits("maxpool.forward threads vs ref", a, b, nout);
        ot_same_bits("maxpool.argmax threads vs ref", ia, ib, nout);
        fs_maxpool2d_backward_ref(a, g, ia, &d);
        fs_maxpool2d_backward(b, g, ib, &d);
        ot_same_bits("maxpool.backward threads vs ref", a, b, nin);
        fs_avgpool2d_forward_ref(a, x, &d);
        fs_avgpool2d_forward(b, x, &d);
        ot_same_bits("avgpool.forward threads vs ref", a, b, nout);
        fs_avgpool2d_backward_ref(a, g, &d);
        fs_avgpool2d_backward(b, g, &d);
        ot_same_bits("avgpool.backward threads vs ref", a, b, nin);
        fs_adaptive_avgpool2d_forward_ref(a, x, d.N, d.C, d.H, d.W, 7, 5);
        fs_adaptive_avgpool2d_forward(b, x, d.N, d.C, d.H, d.W, 7, 5);
        ot_same_bits("adaptive.forward threads vs ref", a, b, d.N * d.C * 35);
        fs_adaptive_avgpool2d_backward_ref(a, g, d.N, d.C, d.H, d.W, 7, 5);
        fs_adaptive_avgpool2d_backward(b, g, d.N, d.C, d.H, d.W, 7, 5);
        ot_same_bits("adaptive.backward threads vs ref", a, b, nin);
    }
    fs_threads_shutdown();
    free(x), free(g), free(a), free(b), free(ia), free(ib);
}

int main(void) {
    uint64_t s = 0x1234567ull;
    test_sizes();
    test_known_values();
    test_grads(&s);
    test_threads(&s);
    return check_finish();
}
