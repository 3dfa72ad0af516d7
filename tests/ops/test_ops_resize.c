/* Resize: hand values of F.interpolate (bilinear align_corners 0/1, nearest), corners kept
 * exactly with align_corners=1, constants stay constant, affine images stay affine, the
 * backward against finite differences and the adjoint identity, threaded = reference. */
#include "core/threads.h"
#include "ops_test.h"
#include "tensor/resize.h"

static void test_known(void) {
    /* 1-D along W (H = 1): [1, 2] -> 4, align_corners=False: [1, 1.25, 1.75, 2] */
    float a[2] = {1, 2}, y[8];
    fs_resize_bilinear_forward(y, a, 1, 1, 1, 2, 1, 4, 0);
    float w0[4] = {1, 1.25f, 1.75f, 2};
    check_allclose("bilinear [1,2]->4 align=0", y, w0, 4, 1e-7, 0);
    /* align_corners=True: [1, 4/3, 5/3, 2] */
    fs_resize_bilinear_forward(y, a, 1, 1, 1, 2, 1, 4, 1);
    float w1[4] = {1, 4.0f / 3, 5.0f / 3, 2};
    check_allclose("bilinear [1,2]->4 align=1", y, w1, 4, 1e-6, 0);
    /* downscale 4 -> 2, align=0: averages of pairs; align=1: the end points */
    float b[4] = {1, 3, 7, 15};
    fs_resize_bilinear_forward(y, b, 1, 1, 1, 4, 1, 2, 0);
    CHECK(y[0] == 2.0f && y[1] == 11.0f);
    fs_resize_bilinear_forward(y, b, 1, 1, 1, 4, 1, 2, 1);
    CHECK(y[0] == 1.0f && y[1] == 15.0f);
    /* 4 -> 3 align=0: scale 4/3, src = 1/6, 3/2, 17/6 */
    fs_resize_bilinear_forward(y, b, 1, 1, 1, 4, 1, 3, 0);
    CHECK_CLOSE(y[0], 1.0 + (1.0 / 6.0) * 2.0, 1e-6);
    CHECK_CLOSE(y[1], 5.0, 1e-6);
    CHECK_CLOSE(y[2], 7.0 + (17.0 / 6.0 - 2.0) * 8.0, 1e-5);
    /* 2 -> 5 align=0: src = 0.4 (dst+0.5) - 0.5 = -0.3 (clamped to 0), 0.1, 0.5, 0.9, 1.3 (past the
     * last pixel: edge value) */
    fs_resize_bilinear_forward(y, a, 1, 1, 1, 2, 1, 5, 0);
    CHECK(y[0] == 1.0f && y[4] == 2.0f);
    CHECK_CLOSE(y[1], 1.1, 1e-6);
    CHECK_CLOSE(y[2], 1.5, 1e-6);
    CHECK_CLOSE(y[3], 1.9, 1e-6);
    /* out size 1 with align_corners=1 picks the first pixel; align=0 the centre */
    fs_resize_bilinear_forward(y, b, 1, 1, 1, 4, 1, 1, 1);
    CHECK(y[0] == 1.0f);
    fs_resize_bilinear_forward(y, b, 1, 1, 1, 4, 1, 1, 0);
    CHECK_CLOSE(y[0], 5.0, 1e-6); /* src = 1.5 */
    /* in size 1: every output copies it */
    float one = 3.5f;
    fs_resize_bilinear_forward(y, &one, 1, 1, 1, 1, 1, 5, 0);
    for (int i = 0; i < 5; i++) CHECK(y[i] == 3.5f);

    /* nearest 3 -> 5: floor(i * 0.6) = 0 0 1 1 2;  5 -> 3: floor(i * 5/3) = 0 1 3; 2x: i/2 */
    float c[5] = {10, 20, 30, 40, 50};
    fs_resize_nearest_forward(y, c, 1, 1, 1, 3, 1, 5);
    CHECK(y[0] == 10 && y[1] == 10 && y[2] == 20 && y[3] == 20 && y[4] == 30);
    fs_resize_nearest_forward(y, c, 1, 1, 1, 5, 1, 3);
    CHECK(y[0] == 10 && y[1] == 20 && y[2] == 40);
    fs_resize_nearest_forward(y, c, 1, 1, 1, 3, 1, 6);
    CHECK(y[0] == 10 && y[1] == 10 && y[2] == 20 && y[3] == 20 && y[4] == 30 && y[5] == 30);
    CHECK(fs_resize_nearest_index(6, 7, 7) == 6);
    printf("OK resize known values\n");
}

static void test_properties(uint64_t *s) {
    /* corners reproduced exactly with align_corners=1; a constant stays constant; 2-D affine
     * images map to the affine function at the source coordinates */
    const int H = 7, W = 11, Ho = 13, Wo = 5;
    float *x = ot_alloc(2L * H * W), *y = ot_alloc(2L * Ho * Wo), *want = ot_alloc(2L * Ho * Wo);
    tr_fill_normal(x, 2L * H * W, 1.0f, s);
    fs_resize_bilinear_forward(y, x, 1, 2, H, W, Ho, Wo, 1);
    for (int p = 0; p < 2; p++) {
        const float *xp = x + p * H * W, *yp = y + p * Ho * Wo;
        CHECK(yp[0] == xp[0]);
        CHECK(yp[Wo - 1] == xp[W - 1]);
        CHECK(yp[(Ho - 1) * Wo] == xp[(H - 1) * W]);
        CHECK(yp[Ho * Wo - 1] == xp[H * W - 1]);
    }
    for (int align = 0; align <= 1; align++) {
        for (long i = 0; i < 2L * H * W; i++) x[i] = 0.37f;
        fs_resize_bilinear_forward(y, x, 1, 2, H, W, Ho, Wo, align);
        for (long i = 0; i < 2L * Ho * Wo; i++) want[i] = 0.37f;
        check_allclose(align ? "bilinear constant align=1" : "bilinear constant align=0", y, want, 2L * Ho * Wo,
                       1e-7, 0);
        fs_resize_nearest_forward(y, x, 1, 2, H, W, Ho, Wo);
        check_allclose("nearest constant", y, want, 2L * Ho * Wo, 0, 0);
        /* affine image f(h, w) = 0.5 h - 0.25 w + 1 */
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++) x[h * W + w] = 0.5f * h - 0.25f * w + 1.0f;
        fs_resize_bilinear_forward(y, x, 1, 1, H, W, Ho, Wo, align);
        for (int ho = 0; ho < Ho; ho++)
            for (int wo = 0; wo < Wo; wo++) {
                double sh, sw;
                if (align) {
                    sh = ho * (double)(H - 1) / (Ho - 1);
                    sw = wo * (double)(W - 1) / (Wo - 1);
                } else {
                    sh = fmin(fmax((ho + 0.5) * H / Ho - 0.5, 0), H - 1);
                    sw = fmin(fmax((wo + 0.5) * W / Wo - 0.5, 0), W - 1);
                }
                want[ho * Wo + wo] = (float)(0.5 * sh - 0.25 * sw + 1.0);
            }
        check_allclose(align ? "bilinear affine image align=1" : "bilinear affine image align=0", y, want, Ho * Wo,
                       2e-6, 0);
    }
    free(x), free(y), free(want);
}

typedef struct {
    ot_loss l;
    const float *x;
    int N, C, H, W, Ho, Wo, align, nearest;
} rs_ctx;

static void rs_fwd(void *self) {
    rs_ctx *c = self;
    if (c->nearest)
        fs_resize_nearest_forward(c->l.out, c->x, c->N, c->C, c->H, c->W, c->Ho, c->Wo);
    else
        fs_resize_bilinear_forward(c->l.out, c->x, c->N, c->C, c->H, c->W, c->Ho, c->Wo, c->align);
}

static void test_grads(uint64_t *s) {
    static const int cfg[][6] = {{2, 3, 5, 7, 9, 4}, {1, 2, 9, 6, 4, 13}, {1, 1, 3, 3, 8, 8}, {2, 1, 1, 5, 3, 1}};
    for (size_t t = 0; t < sizeof cfg / sizeof cfg[0]; t++) {
        const int *c = cfg[t];
        const long nin = (long)c[0] * c[1] * c[2] * c[3], nout = (long)c[0] * c[1] * c[4] * c[5];
        float *x = ot_normal(nin, 1.0f, s), *y = ot_alloc(nout), *r = ot_normal(nout, 1.0f, s), *dx = ot_alloc(nin);
        for (int mode = 0; mode < 3; mode++) { /* bilinear align 0, align 1, nearest */
            rs_ctx ctx = {{rs_fwd, y, r, nout}, x, c[0], c[1], c[2], c[3], c[4], c[5], mode == 1, mode == 2};
            if (mode == 2)
                fs_resize_nearest_backward(dx, r, c[0], c[1], c[2], c[3], c[4], c[5]);
            else
                fs_resize_bilinear_backward(dx, r, c[0], c[1], c[2], c[3], c[4], c[5], mode == 1);
            char name[96];
            snprintf(name, sizeof name, "%s.din %dx%dx%dx%d->%dx%d", mode == 0 ? "bilinear(ac=0)" : mode == 1 ? "bilinear(ac=1)" : "nearest",
                     c[0], c[1], c[2], c[3], c[4], c[5]);
            gradcheck(name, x, nin, dx, ot_loss_fn, &ctx, 1e-2, 1e-4, 1e-3, 300);
            rs_fwd(&ctx);
            ot_adjoint(name, x, y, nin, r, dx, nout, 1e-6);
        }
        free(x), free(y), free(r), free(dx);
    }
}

static void test_threads(uint64_t *s) {
    const int N = 1, C = 3, H = 67, W = 45, Ho = 131, Wo = 29;
    const long nin = (long)N * C * H * W, nout = (long)N * C * Ho * Wo;
    float *x = ot_normal(nin, 1.0f, s), *g = ot_normal(nout, 1.0f, s);
    float *a = ot_alloc(nin > nout ? nin : nout), *b = ot_alloc(nin > nout ? nin : nout);
    for (int nt = 1; nt <= 4; nt += 3) {
        fs_threads_init(nt);
        for (int align = 0; align <= 1; align++) {
            fs_resize_bilinear_forward_ref(a, x, N, C, H, W, Ho, Wo, align);
            fs_resize_bilinear_forward(b, x, N, C, H, W, Ho, Wo, align);
            ot_same_bits("bilinear.forward threads vs ref", a, b, nout);
            fs_resize_bilinear_backward_ref(a, g, N, C, H, W, Ho, Wo, align);
            fs_resize_bilinear_backward(b, g, N, C, H, W, Ho, Wo, align);
            ot_same_bits("bilinear.backward threads vs ref", a, b, nin);
        }
        fs_resize_nearest_forward_ref(a, x, N, C, H, W, Ho, Wo);
        fs_resize_nearest_forward(b, x, N, C, H, W, Ho, Wo);
        ot_same_bits("nearest.forward threads vs ref", a, b, nout);
        fs_resize_nearest_backward_ref(a, g, N, C, H, W, Ho, Wo);
        fs_resize_nearest_backward(b, g, N, C, H, W, Ho, Wo);
        ot_same_bits("nearest.backward threads vs ref", a, b, nin);
    }
    fs_threads_shutdown();
    free(x), free(g), free(a), free(b);
}

int main(void) {
    uint64_t s = 7;
    test_known();
    test_properties(&s);
    test_grads(&s);
    test_threads(&s);
    return check_finish();
}
