/* Stitching masks follow docs/method.md §5.2 on hand-checkable shapes; the masked
 * MSE matches its definition and its gradient matches finite differences. */
#include "check.h"
#include "gradcheck.h"
#include "pipeline/edit/masked_loss.h"
#include "face/mask.h"
#include "pipeline/edit/stitch_masks.h"

int main(void) {
    /* dilation: a single pixel becomes a (2r+1)^2 square, clipped at the edges */
    enum { G = 64 };
    static uint8_t in[G * G], out[G * G];
    in[10 * G + 3] = 1;
    fs_err e0 = {0};
    CHECK(fs_mask_dilate(out, in, G, 5, &e0) == FS_OK);
    int ok = 1;
    for (int y = 0; y < G; y++)
        for (int x = 0; x < G; x++) ok &= out[y * G + x] == (abs(y - 10) <= 5 && abs(x - 3) <= 5);
    CHECK(ok);

    /* masks of a centred disc on a 512 grid (b = 25) resized to 512 (identity resize) */
    enum { G2 = 512 };
    static uint8_t fg[G2 * G2];
    for (int y = 0; y < G2; y++)
        for (int x = 0; x < G2; x++) fg[y * G2 + x] = (x - 256) * (x - 256) + (y - 256) * (y - 256) < 150 * 150;
    fs_err err = {0};
    fs_stitch_masks *m = NULL;
    CHECK(fs_stitch_masks_create(fg, G2, G2, NULL, &m, &err) == FS_OK);
    /* inside the face: content 1, border 0; ring just outside (within 25 px): border 1;
       far outside: all 0; full = disc dilated by 25 */
    CHECK(m->content[256 * G2 + 256] == 1.0f && m->border[256 * G2 + 256] == 0.0f);
    CHECK(m->border[256 * G2 + (256 + 160)] == 1.0f && m->content[256 * G2 + (256 + 160)] == 0.0f);
    CHECK(m->full[256 * G2 + (256 + 160)] == 1.0f);
    CHECK(m->full[256 * G2 + (256 + 180)] == 0.0f && m->border[256 * G2 + (256 + 180)] == 0.0f);
    CHECK(m->full[5 * G2 + 5] == 0.0f);
    fs_stitch_masks_destroy(m);

    /* foreground touching the top edge: the edge band of the foreground is border, not content */
    memset(fg, 0, sizeof fg);
    for (int y = 0; y < 200; y++)
        for (int x = 200; x < 300; x++) fg[y * G2 + x] = 1;
    CHECK(fs_stitch_masks_create(fg, G2, G2, NULL, &m, &err) == FS_OK);
    CHECK(m->border[10 * G2 + 250] == 1.0f && m->content[10 * G2 + 250] == 0.0f);
    CHECK(m->content[100 * G2 + 250] == 1.0f);
    fs_stitch_masks_destroy(m);

    /* upsampling 512 -> 1024 keeps values in [0,1] and corners exact */
    CHECK(fs_stitch_masks_create(fg, G2, 1024, NULL, &m, &err) == FS_OK);
    float mn = 1, mx = 0;
    for (int i = 0; i < 1024 * 1024; i++) mn = check_min(mn, m->border[i]), mx = check_max(mx, m->border[i]);
    CHECK(mn >= 0 && mx <= 1 && mx == 1.0f);
    fs_stitch_masks_destroy(m);

    /* masked MSE: definition and gradient */
    enum { N = 2, C = 3, H = 5, W = 7 };
    static float a[N * C * H * W], b[N * C * H * W], mask[H * W], da[N * C * H * W];
    uint64_t s = 42;
    tr_fill_normal(a, N * C * H * W, 1, &s);
    tr_fill_normal(b, N * C * H * W, 1, &s);
    tr_fill_uniform(mask, H * W, 0, 1, &s);
    double want = 0, msum = 0;
    for (int i = 0; i < H * W; i++) msum += mask[i];
    for (int n = 0; n < N * C; n++)
        for (int i = 0; i < H * W; i++) {
            double d = (a[n * H * W + i] - b[n * H * W + i]) * mask[i];
            want += d * d;
        }
    want /= msum * N;
    CHECK_CLOSE(fs_masked_mse_forward(a, b, mask, N, C, H, W), want, 1e-6 * want);
    fs_masked_mse_backward(da, a, b, mask, N, C, H, W, 1.0, 0);
    struct { float *a, *b, *m; } ctx = {a, b, mask};
    double loss(void *c);
    gradcheck("masked_mse.da", a, N * C * H * W, da, loss, &ctx, 1e-2, 1e-5, 1e-3, 1000);
    static float zero[H * W];
    CHECK(fs_masked_mse_forward(a, b, zero, N, C, H, W) == 0.0);
    /* STIT's --l1: Σ |(a − b)·M| / (N Σ M) and its gradient (random a, b: no kink within the step) */
    double want1 = 0;
    for (int n = 0; n < N * C; n++)
        for (int i = 0; i < H * W; i++) want1 += fabs((a[n * H * W + i] - b[n * H * W + i]) * mask[i]);
    want1 /= msum * N;
    CHECK_CLOSE(fs_masked_l1_forward(a, b, mask, N, C, H, W), want1, 1e-6 * want1);
    fs_masked_l1_backward(da, a, b, mask, N, C, H, W, 1.0, 0);
    double loss_l1(void *c);
    gradcheck("masked_l1.da", a, N * C * H * W, da, loss_l1, &ctx, 1e-3, 1e-5, 1e-3, 1000);
    /* the mask knobs: inner dilation grows the content, whole-image border covers all outside T */
    {
        enum { G = 64 };
        static uint8_t f[G * G];
        for (int y = 0; y < G; y++)
            for (int x = 0; x < G; x++) f[y * G + x] = (x - 32) * (x - 32) + (y - 32) * (y - 32) < 100;
        fs_stitch_masks *m0 = NULL, *mi = NULL, *mw = NULL;
        fs_stitch_mask_opts oi = {50, 40, 0}, ow = {50, 0, 1};
        CHECK(fs_stitch_masks_create(f, G, G, NULL, &m0, &err) == FS_OK);
        CHECK(fs_stitch_masks_create(f, G, G, &oi, &mi, &err) == FS_OK);
        CHECK(fs_stitch_masks_create(f, G, G, &ow, &mw, &err) == FS_OK);
        double b0 = 0, bi = 0, bw = 0;
        for (int i = 0; i < G * G; i++) b0 += m0->border[i], bi += mi->border[i], bw += mw->border[i];
        CHECK(bw > b0 && bi != b0);
        CHECK(mw->border[0] == 1.0f && m0->border[0] < 1.0f); /* a far corner: border only with whole_image_border */
        fs_stitch_masks_destroy(m0), fs_stitch_masks_destroy(mi), fs_stitch_masks_destroy(mw);
    }
    return check_finish();
}

double loss_l1(void *c) {
    struct { float *a, *b, *m; } *ctx = c;
    return fs_masked_l1_forward(ctx->a, ctx->b, ctx->m, 2, 3, 5, 7);
}

double loss(void *c) {
    struct { float *a, *b, *m; } *ctx = c;
    return fs_masked_mse_forward(ctx->a, ctx->b, ctx->m, 2, 3, 5, 7);
}
