/* Resize: hand values of F.interpolate (bilinear align_corners 0/1, nearest), corners kept
 * exactly with align_corners=1, constants stay constant, affine images stay affine, the
 * backward against finite differences and the adjoint identity, threaded = reference. */
#include "core/threads.h"
#include "ops_test.h"
#include "tensor/resize.h"

static void test_known(void) {
    /* 1-D along W (H = 1): [1, 2] -> 4, align_corners=False: [1, 1.25, 1.75, 2] */
    float a[2] = {1, 2}, y[8];
    CHECK(fs_resize_bilinear_forward(y, a, 1, 1, 1, 2, 1, 4, 0, NULL) == FS_OK);
    float w0[4] = {1, 1.25f, 1.75f, 2};
    check_allclose("bilinear [1,2]->4 align=0", y, w0, 4, 1e-7, 0);
    /* align_corners=True: [1, 4/3, 5/3, 2] */
    CHECK(fs_resize_bilinear_forward(y, a, 1, 1, 1, 2, 1, 4, 1, NULL) == FS_OK);
    float w1[4] = {1, 4.0f / 3, 5.0f / 3, 2};
    check_allclose("bilinear [1,2]->4 align=1", y, w1, 4, 1e-6, 0);
    /* downscale 4 -> 2, align=0: averages of pairs; align=1: the end points */
    float b[4] = {1, 3, 7, 15};
    CHECK(fs_resize_bilinear_forward(y, b, 1, 1, 1, 4, 1, 2, 0, NULL) == FS_OK);
    CHECK(y[0] == 2.0f && y[1] == 11.0f);
    CHECK(fs_resize_bilinear_forward(y, b, 1, 1, 1, 4, 1, 2, 1, NULL) == FS_OK);
    CHECK(y[0] == 1.0f && y[1] == 15.0f);
    /* 4 -> 3 align=0: scale 4/3, src = 1/6, 3/2, 17/6 */
    CHECK(fs_resize_bilinear_forward(y, b, 1, 1, 1, 4, 1, 3, 0, NULL) == FS_OK);
    CHECK_CLOSE(y[0], 1.0 + (1.0 / 6.0) * 2.0, 1e-6);
    CHECK_CLOSE(y[1], 5.0, 1e-6);
    CHECK_CLOSE(y[2], 7.0 + (17.0 / 6.0 - 2.0) * 8.0, 1e-5);
    /* 2 -> 5 align=0: src = 0.4 (dst+0.5) - 0.5 = -0.3 (clamped to 0), 0.1, 0.5, 0.9, 1.3 (past the
     * last pixel: edge value) */
    CHECK(fs_resize_bilinear_forward(y, a, 1, 1, 1, 2, 1, 5, 0, NULL) == FS_OK);
    CHECK(y[0] == 1.0f && y[4] == 2.0f);
    CHECK_CLOSE(y[1], 1.1, 1e-6);
    CHECK_CLOSE(y[2], 1.5, 1e-6);
    CHECK_CLOSE(y[3], 1.9, 1e-6);
    /* out size 1 with align_corners=1 picks the first pixel; align=0 the centre */
    CHECK(fs_resize_bilinear_forward(y, b, 1, 1, 1, 4, 1, 1, 1, NULL) == FS_OK);
    CHECK(y[0] == 1.0f);
    CHECK(fs_resize_bilinear_forward(y, b, 1, 1, 1, 4, 1, 1, 0, NULL) == FS_OK);
    CHECK_CLOSE(y[0], 5.0, 1e-6); /* src = 1.5 */
    /* in size 1: every output copies it */
    float one = 3.5f;
    CHECK(fs_resize_bilinear_forward(y, &one, 1, 1, 1, 1, 1, 5, 0, NULL) == FS_OK);
    for (int i = 0; i < 5; i++) CHECK(y[i] == 3.5f);

    /* nearest 3 -> 5: floor(i * 0.6) = 0 0 1 1 2;  5 -> 3: floor(i * 5/3) = 0 1 3; 2x: i/2 */
    float c[5] = {10, 20, 30, 40, 50};
    CHECK(fs_resize_nearest_forward(y, c, 1, 1, 1, 3, 1, 5, NULL) == FS_OK);
    CHECK(y[0] == 10 && y[1] == 10 && y[2] == 20 && y[3] == 20 && y[4] == 30);
    CHECK(fs_resize_nearest_forward(y, c, 1, 1, 1, 5, 1, 3, NULL) == FS_OK);
    CHECK(y[0] == 10 && y[1] == 20 && y[2] == 40);
    CHECK(fs_resize_nearest_forward(y, c, 1, 1, 1, 3, 1, 6, NULL) == FS_OK);
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
    CHECK(fs_resize_bilinear_forward(y, x, 1, 2, H, W, Ho, Wo, 1, NULL) == FS_OK);
    for (int p = 0; p < 2; p++) {
        const float *xp = x + p * H * W, *yp = y + p * Ho * Wo;
        CHECK(yp[0] == xp[0]);
        CHECK(yp[Wo - 1] == xp[W - 1]);
        CHECK(yp[(Ho - 1) * Wo] == xp[(H - 1) * W]);
        CHECK(yp[Ho * Wo - 1] == xp[H * W - 1]);
    }
    for (int align = 0; align <= 1; align++) {
        for (long i = 0; i < 2L * H * W; i++) x[i] = 0.37f;
        CHECK(fs_resize_bilinear_forward(y, x, 1, 2, H, W, Ho, Wo, align, NULL) == FS_OK);
        for (long i = 0; i < 2L * Ho * Wo; i++) want[i] = 0.37f;
        check_allclose(align ? "bilinear constant align=1" : "bilinear constant align=0", y, want, 2L * Ho * Wo, 1e-7,
                       0);
        CHECK(fs_resize_nearest_forward(y, x, 1, 2, H, W, Ho, Wo, NULL) == FS_OK);
        check_allclose("nearest constant", y, want, 2L * Ho * Wo, 0, 0);
        /* affine image f(h, w) = 0.5 h - 0.25 w + 1 */
        for (int h = 0; h < H; h++)
            for (int w = 0; w < W; w++) x[h * W + w] = 0.5f * h - 0.25f * w + 1.0f;
        CHECK(fs_resize_bilinear_forward(y, x, 1, 1, H, W, Ho, Wo, align, NULL) == FS_OK);
        for (int ho = 0; ho < Ho; ho++)
            for (int wo = 0; wo < Wo; wo++) {
                double sh, sw;
                if (align) {
                    sh = ho * (double)(H - 1) / (Ho - 1);
                    sw = wo * (double)(W - 1) / (Wo - 1);
                } else {
                    sh = check_clamp((ho + 0.5) * H / Ho - 0.5, 0, H - 1);
                    sw = check_clamp((wo + 0.5) * W / Wo - 0.5, 0, W - 1);
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
        CHECK(fs_resize_nearest_forward(c->l.out, c->x, c->N, c->C, c->H, c->W, c->Ho, c->Wo, NULL) == FS_OK);
    else
        CHECK(fs_resize_bilinear_forward(c->l.out, c->x, c->N, c->C, c->H, c->W, c->Ho, c->Wo, c->align, NULL) ==
              FS_OK);
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
                CHECK(fs_resize_nearest_backward(dx, r, c[0], c[1], c[2], c[3], c[4], c[5], NULL) == FS_OK);
            else
                CHECK(fs_resize_bilinear_backward(dx, r, c[0], c[1], c[2], c[3], c[4], c[5], mode == 1, NULL) == FS_OK);
            char name[96];
            snprintf(name, sizeof name, "%s.din %dx%dx%dx%d->%dx%d",
                     mode == 0   ? "bilinear(ac=0)"
                     : mode == 1 ? "bilinear(ac=1)"
                                 : "nearest",
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
            CHECK(fs_resize_bilinear_forward_ref(a, x, N, C, H, W, Ho, Wo, align, NULL) == FS_OK);
            CHECK(fs_resize_bilinear_forward(b, x, N, C, H, W, Ho, Wo, align, NULL) == FS_OK);
            ot_same_bits("bilinear.forward threads vs ref", a, b, nout);
            CHECK(fs_resize_bilinear_backward_ref(a, g, N, C, H, W, Ho, Wo, align, NULL) == FS_OK);
            CHECK(fs_resize_bilinear_backward(b, g, N, C, H, W, Ho, Wo, align, NULL) == FS_OK);
            ot_same_bits("bilinear.backward threads vs ref", a, b, nin);
        }
        CHECK(fs_resize_nearest_forward_ref(a, x, N, C, H, W, Ho, Wo, NULL) == FS_OK);
        CHECK(fs_resize_nearest_forward(b, x, N, C, H, W, Ho, Wo, NULL) == FS_OK);
        ot_same_bits("nearest.forward threads vs ref", a, b, nout);
        CHECK(fs_resize_nearest_backward_ref(a, g, N, C, H, W, Ho, Wo, NULL) == FS_OK);
        CHECK(fs_resize_nearest_backward(b, g, N, C, H, W, Ho, Wo, NULL) == FS_OK);
        ot_same_bits("nearest.backward threads vs ref", a, b, nin);
    }
    fs_threads_shutdown();
    free(x), free(g), free(a), free(b);
}

typedef struct {
    ot_loss l;
    const float *x;
    int N, C, H, W, Ho, Wo;
} aa_ctx;

static void aa_fwd(void *self) {
    aa_ctx *c = self;
    CHECK(fs_resize_bilinear_aa_forward(c->l.out, c->x, c->N, c->C, c->H, c->W, c->Ho, c->Wo, NULL) == FS_OK);
}

static void test_antialias(uint64_t *s) {
    /* PIL / antialias=True bilinear, 4 -> 2: scale 2, support 2, taps {0,1,2} with triangle weights
     * 0.75, 0.75, 0.25 normalised -> 3/7, 3/7, 1/7; second output {1,2,3} -> 1/7, 3/7, 3/7 */
    float b[4] = {1, 3, 7, 15}, y[4];
    CHECK(fs_resize_bilinear_aa_forward(y, b, 1, 1, 1, 4, 1, 2, NULL) == FS_OK);
    CHECK_CLOSE(y[0], (3.0 * 1 + 3.0 * 3 + 1.0 * 7) / 7.0, 1e-6);
    CHECK_CLOSE(y[1], (1.0 * 3 + 3.0 * 7 + 3.0 * 15) / 7.0, 1e-6);
    int first;
    float w[8];
    CHECK(fs_resize_aa_taps(0, 4, 2, &first, w, 8) == 3 && first == 0);
    CHECK_CLOSE(w[0], 3.0 / 7, 1e-7);
    CHECK_CLOSE(w[2], 1.0 / 7, 1e-7);

    /* a pixel checkerboard 64 -> 16 is removed (the prefilter); plain 4x bilinear keeps aliasing
     * for a period-3 pattern that the antialiased filter strongly attenuates */
    const int S = 64, So = 16;
    float *x = ot_alloc((long)S * S), *o = ot_alloc((long)So * So), *o2 = ot_alloc((long)So * So);
    for (int h = 0; h < S; h++)
        for (int v = 0; v < S; v++) x[h * S + v] = ((h + v) & 1) ? 1.0f : -1.0f;
    CHECK(fs_resize_bilinear_aa_forward(o, x, 1, 1, S, S, So, So, NULL) == FS_OK);
    double mx = 0, edge = 0; /* interior windows cancel exactly; the border ones are renormalised */
    for (int i = 0; i < So * So; i++) {
        const int r = i / So, c = i % So, inner = r > 0 && r < So - 1 && c > 0 && c < So - 1;
        if (inner) mx = check_max(mx, fabs(o[i]));
        edge = check_max(edge, fabs(o[i]));
    }
    CHECK_MSG(mx < 1e-6 && edge < 0.01, "checkerboard after antialiased 4x downscale: max |y| = %g (border %g)", mx,
              edge);
    for (int h = 0; h < S; h++)
        for (int v = 0; v < S; v++) x[h * S + v] = (v % 3 == 0) ? 2.0f : -1.0f; /* mean 0, period 3 */
    CHECK(fs_resize_bilinear_aa_forward(o, x, 1, 1, S, S, So, So, NULL) == FS_OK);
    CHECK(fs_resize_bilinear_forward(o2, x, 1, 1, S, S, So, So, 0, NULL) == FS_OK);
    double aa = 0, plain = 0;
    for (int i = 0; i < So * So; i++) aa = check_max(aa, fabs(o[i])), plain = check_max(plain, fabs(o2[i]));
    CHECK_MSG(aa < 0.25 * plain, "period-3 stripes: antialiased max %g vs plain bilinear max %g", aa, plain);
    printf("OK antialiasing: checkerboard max %.2g (border %.2g); period-3 stripes %.3g (aa) vs %.3g (plain)\n", mx,
           edge, aa, plain);

    /* against the dense reference, odd sizes, down and up; up-scaling equals plain bilinear */
    static const int cfg[][4] = {{37, 23, 9, 7}, {10, 31, 3, 2}, {5, 7, 13, 11}, {64, 64, 16, 16}, {9, 9, 9, 4}};
    for (size_t t = 0; t < sizeof cfg / sizeof cfg[0]; t++) {
        const int H = cfg[t][0], W = cfg[t][1], Ho = cfg[t][2], Wo = cfg[t][3];
        const long nin = 2L * H * W, nout = 2L * Ho * Wo;
        float *xi = ot_normal(nin, 1.0f, s), *ya = ot_alloc(nout), *yr = ot_alloc(nout), *r = ot_normal(nout, 1.0f, s);
        float *dx = ot_alloc(nin);
        CHECK(fs_resize_bilinear_aa_forward(ya, xi, 1, 2, H, W, Ho, Wo, NULL) == FS_OK);
        CHECK(fs_resize_bilinear_aa_forward_ref(yr, xi, 1, 2, H, W, Ho, Wo, NULL) == FS_OK);
        char name[96];
        snprintf(name, sizeof name, "bilinear_aa %dx%d->%dx%d vs dense reference", H, W, Ho, Wo);
        check_allclose(name, ya, yr, nout, 2e-6, 1e-5);
        if (Ho >= H && Wo >= W) {
            CHECK(fs_resize_bilinear_forward(yr, xi, 1, 2, H, W, Ho, Wo, 0, NULL) == FS_OK);
            check_allclose("bilinear_aa upscale == bilinear align=0", ya, yr, nout, 2e-6, 1e-5);
        }
        CHECK(fs_resize_bilinear_aa_backward(dx, r, 1, 2, H, W, Ho, Wo, NULL) == FS_OK);
        aa_ctx ctx = {{aa_fwd, ya, r, nout}, xi, 1, 2, H, W, Ho, Wo};
        snprintf(name, sizeof name, "bilinear_aa.din %dx%d->%dx%d", H, W, Ho, Wo);
        gradcheck(name, xi, nin, dx, ot_loss_fn, &ctx, 1e-2, 1e-4, 1e-3, 200);
        aa_fwd(&ctx);
        ot_adjoint(name, xi, ya, nin, r, dx, nout, 1e-6);
        free(xi), free(ya), free(yr), free(r), free(dx);
    }
    /* constants stay constant; threads give the same bits */
    for (long i = 0; i < (long)S * S; i++) x[i] = -0.75f;
    CHECK(fs_resize_bilinear_aa_forward(o, x, 1, 1, S, S, 7, 5, NULL) == FS_OK);
    for (int i = 0; i < 35; i++) o2[i] = -0.75f;
    check_allclose("bilinear_aa constant", o, o2, 35, 1e-6, 0);
    const int H = 97, W = 83, Ho = 24, Wo = 29;
    float *xi = ot_normal(3L * H * W, 1.0f, s), *a1 = ot_alloc(3L * H * W), *a2 = ot_alloc(3L * H * W);
    float *g = ot_normal(3L * Ho * Wo, 1.0f, s);
    fs_threads_init(1);
    CHECK(fs_resize_bilinear_aa_forward(a1, xi, 1, 3, H, W, Ho, Wo, NULL) == FS_OK);
    fs_threads_init(4);
    CHECK(fs_resize_bilinear_aa_forward(a2, xi, 1, 3, H, W, Ho, Wo, NULL) == FS_OK);
    ot_same_bits("bilinear_aa.forward 1 vs 4 threads", a1, a2, 3L * Ho * Wo);
    CHECK(fs_resize_bilinear_aa_backward(a2, g, 1, 3, H, W, Ho, Wo, NULL) == FS_OK);
    fs_threads_init(1);
    CHECK(fs_resize_bilinear_aa_backward(a1, g, 1, 3, H, W, Ho, Wo, NULL) == FS_OK);
    ot_same_bits("bilinear_aa.backward 1 vs 4 threads", a1, a2, 3L * H * W);
    fs_threads_shutdown();
    /* area = block means for an integer factor */
    float q[16], qa[4];
    for (int i = 0; i < 16; i++) q[i] = (float)i;
    fs_resize_area_forward(qa, q, 1, 1, 4, 4, 2, 2);
    CHECK(qa[0] == 2.5f && qa[1] == 4.5f && qa[2] == 10.5f && qa[3] == 12.5f);
    float dq[16], gq[4] = {4, 8, 12, 16};
    fs_resize_area_backward(dq, gq, 1, 1, 4, 4, 2, 2);
    CHECK(dq[0] == 1.0f && dq[5] == 1.0f && dq[2] == 2.0f && dq[15] == 4.0f);
    free(x), free(o), free(o2), free(xi), free(a1), free(a2), free(g);
}

/* Out of memory is a status: the dense reference's weights for 2^16 -> 2^30 columns (2^46 doubles) cannot be
 * allocated anywhere; the call returns FS_ERR with an "out of memory" message and touches neither image. */
static void test_out_of_memory(void) {
    fs_err err = {0};
    CHECK(fs_resize_bilinear_aa_forward_ref(NULL, NULL, 1, 1, 1, 1 << 16, 1, 1 << 30, &err) == FS_ERR);
    CHECK_MSG(strstr(err.msg, "out of memory") != NULL, "message: %s", err.msg);
    /* the threaded one: its intermediate image for 2^40 planes of 1024 rows cannot be allocated either */
    err = (fs_err){0};
    CHECK(fs_resize_bilinear_aa_forward(NULL, NULL, 1 << 20, 1 << 20, 1024, 1, 1, 1, &err) == FS_ERR);
    CHECK_MSG(strstr(err.msg, "out of memory: antialiased resize") != NULL, "message: %s", err.msg);
}

/* ASan builds: a refused allocation returns NULL (as glibc's does) instead of stopping the test. */
const char *__asan_default_options(void);
const char *__asan_default_options(void) { return "allocator_may_return_null=1"; }


int main(void) {
    uint64_t s = 7;
    test_antialias(&s);
    test_known();
    test_properties(&s);
    test_grads(&s);
    test_threads(&s);
    test_out_of_memory();
    return check_finish();
}
