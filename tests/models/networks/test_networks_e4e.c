/* test_networks_e4e — the e4e encoder against the official PyTorch fixture: FPN taps, w0, raw
 * codes, W+ (codes + latent_avg); progressive stage; input-size limits; the input resize. */
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "models/e4e.h"
#include "nettest.h"

static fs_tensor_map *io;
static int hooked;

static void hook(void *user, const char *name, const float *data, int N, int C, int H, int W) {
    (void)user;
    char key[64];
    snprintf(key, sizeof key, "act.%s", name);
    if (!fs_tensor_map_get(io, key)) return; /* c1, p1, p2 are not in the fixture */
    long n;
    const float *want = nt_get(io, key, &n);
    CHECK_MSG(n == (long)N * C * H * W, "%s size", key);
    if (n == (long)N * C * H * W) check_allclose(key, data, want, n, 1e-4 * check_max(1.0, check_maxabs(want, n)), 0);
    hooked++;
}

int main(void) {
    const char *wpath = test_shared_path("fixtures/e4e/e4e_tiny.safetensors");
    fs_tensor_map *w = nt_load("fixtures/e4e/e4e_tiny.safetensors");
    io = nt_load("fixtures/e4e/io.safetensors");
    fs_err err = {0};
    fs_e4e *e = NULL;
    CHECK_MSG(fs_e4e_create(&e, w, 0, &err) == FS_OK, "%s", err.msg);
    if (!e) return check_finish();
    const fs_tensor *tw = fs_tensor_map_get(io, "wplus"), *tx = fs_tensor_map_get(io, "x");
    FS_ASSERT(tw && tx);
    const int S = (int)tw->shape[1], D = (int)tw->shape[2];
    const int N = (int)tx->shape[0], H = (int)tx->shape[2], W = (int)tx->shape[3];
    CHECK(fs_e4e_num_ws(e) == S && fs_e4e_w_dim(e) == D && fs_e4e_has_latent_avg(e));
    const float *x = nt_get(io, "x", NULL);
    long nws;
    const float *wplus = nt_get(io, "wplus", &nws), *codes = nt_get(io, "codes_encoder", NULL);

    float *ws = malloc(sizeof(float) * nws), *ws2 = malloc(sizeof(float) * nws);
    CHECK_MSG(fs_e4e_encode(e, x, N, H, W, ws, 0, hook, NULL, &err) == FS_OK, "%s", err.msg);
    CHECK(hooked == 3);
    check_allclose("codes_encoder", ws, codes, nws, 1e-4 * check_max(1.0, check_maxabs(codes, nws)), 0);
    CHECK(fs_e4e_encode(e, x, N, H, W, ws, 1, NULL, NULL, &err) == FS_OK);
    check_allclose("wplus", ws, wplus, nws, 1e-4, 0);
    printf("W+ max|diff| %.3g\n", check_maxdiff(ws, wplus, nws));

    /* a batch of two (the fixture image and its mirror) gives what each gives alone */
    {
        long ni = 3L * H * W;
        float *x2 = malloc(sizeof(float) * 2 * ni), *wb = malloc(sizeof(float) * 2 * nws), *w1 = malloc(sizeof(float) * nws);
        memcpy(x2, x, sizeof(float) * ni);
        for (int c = 0; c < 3; c++)
            for (int y = 0; y < H; y++)
                for (int xx = 0; xx < W; xx++) x2[ni + ((long)c * H + y) * W + xx] = x[((long)c * H + y) * W + (W - 1 - xx)];
        CHECK(fs_e4e_encode(e, x2, 2, H, W, wb, 1, NULL, NULL, &err) == FS_OK);
        CHECK(fs_e4e_encode(e, x2 + ni, 1, H, W, w1, 1, NULL, NULL, &err) == FS_OK);
        check_allclose("batch item 0", wb, ws, nws, 1e-6, 0);
        check_allclose("batch item 1 (mirror) alone", wb + nws, w1, nws, 1e-6, 0);
        CHECK(check_maxdiff(wb, wb + nws, nws) > 1e-4); /* the mirror really is another input */
        free(x2), free(wb), free(w1);
    }

    /* progressive stage 0: every row is w0 + latent_avg */
    fs_e4e_set_stage(e, 0);
    CHECK(fs_e4e_encode(e, x, N, H, W, ws2, 0, NULL, NULL, &err) == FS_OK);
    const float *w0 = nt_get(io, "act.w0", NULL);
    int rows_ok = 1;
    for (int s = 0; s < S; s++)
        for (int j = 0; j < D; j++) rows_ok &= fabsf(ws2[s * D + j] - w0[j]) <= 1e-5f;
    CHECK_MSG(rows_ok, "stage 0 rows differ from w0");
    fs_e4e_set_stage(e, 1 << 30);

    /* a 128x128 input still reaches 1x1 in every style block; 512x512 does not */
    float *small = malloc(sizeof(float) * 3 * 128 * 128);
    CHECK(fs_e4e_resize_input(small, x, H, W, 128, 1, NULL) == FS_OK);
    CHECK_MSG(fs_e4e_encode(e, small, 1, 128, 128, ws2, 1, NULL, NULL, &err) == FS_OK, "%s", err.msg);
    float *big = calloc(3 * 512 * 512, sizeof(float));
    CHECK(fs_e4e_encode(e, big, 1, 512, 512, ws2, 1, NULL, NULL, &err) != FS_OK);
    printf("512x512 refused: %s\n", err.msg);

    /* input resize: plain = bilinear align_corners=False; antialias keeps constants, and at scale 1
     * is the identity; 2x antialiased minification of a 1-pixel checkerboard gives its mean */
    uint64_t seed = 7;
    float *img = malloc(sizeof(float) * 3 * 512 * 512), *r0 = malloc(sizeof(float) * 3 * 256 * 256);
    for (long i = 0; i < 3L * 512 * 512; i++) img[i] = 0.25f;
    CHECK(fs_e4e_resize_input(r0, img, 512, 512, 256, 1, NULL) == FS_OK);
    CHECK(check_maxdiff(r0, img, 3L * 256 * 256) < 1e-6);
    for (int c = 0; c < 3; c++)
        for (int y = 0; y < 512; y++)
            for (int xx = 0; xx < 512; xx++) img[((long)c * 512 + y) * 512 + xx] = ((xx + y) & 1) ? 1.0f : -1.0f;
    CHECK(fs_e4e_resize_input(r0, img, 512, 512, 256, 1, NULL) == FS_OK);
    double mx = 0;
    for (int y = 2; y < 254; y++)
        for (int xx = 2; xx < 254; xx++) mx = check_max(mx, fabs(r0[y * 256 + xx]));
    CHECK_MSG(mx < 1e-5, "antialiased checkerboard not flat: %g", mx);
    CHECK(fs_e4e_resize_input(r0, img, 512, 512, 256, 0, NULL) == FS_OK); /* no prefilter: samples between 2 pixels -> also 0 */
    CHECK_MSG(check_maxabs(r0, 3L * 256 * 256) < 1e-6, "bilinear 2x of the checkerboard not flat: %g",
              check_maxabs(r0, 3L * 256 * 256));
    tr_fill_uniform(img, 3L * 256 * 256, -1, 1, &seed);
    CHECK(fs_e4e_resize_input(r0, img, 256, 256, 256, 1, NULL) == FS_OK);
    CHECK(check_maxdiff(r0, img, 3L * 256 * 256) < 1e-6);

    /* the loader path (fs_weights_load_canonical, kind e4e) */
    fs_e4e *e2 = NULL;
    CHECK_MSG(fs_e4e_load(wpath, &e2, &err) == FS_OK, "%s", err.msg);
    if (e2) {
        CHECK(fs_e4e_encode(e2, x, N, H, W, ws2, 1, NULL, NULL, &err) == FS_OK);
        CHECK(check_maxdiff(ws2, ws, nws) == 0);
        fs_e4e_destroy(e2);
    }
    e2 = NULL;
    CHECK(fs_e4e_create(&e2, io, 0, &err) != FS_OK);
    printf("io.safetensors as a model: %s\n", err.msg);

    free(ws), free(ws2), free(small), free(big), free(img), free(r0);
    fs_e4e_destroy(e);
    fs_tensor_map_destroy(w);
    fs_tensor_map_destroy(io);
    return check_finish();
}
