/* test_networks_bisenet — BiSeNet face parsing against the official PyTorch fixture: input
 * normalisation, intermediate activations, logits, argmax. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "models/bisenet.h"
#include "nettest.h"

static fs_tensor_map *io;
static int hooked;

static void hook(void *user, const char *name, const float *data, int N, int C, int H, int W) {
    (void)user;
    char key[96];
    snprintf(key, sizeof key, "act.%s", name);
    long n;
    const float *want = nt_get(io, key, &n);
    CHECK_MSG(n == (long)N * C * H * W, "%s: %ld elements, fixture %ld", key, (long)N * C * H * W, n);
    if (n != (long)N * C * H * W) return;
    check_allclose(key, data, want, n, 1e-4 * check_max(1.0, check_maxabs(want, n)), 0);
    hooked++;
}

int main(void) {
    const char *wpath = test_shared_path("fixtures/bisenet/bisenet_tiny.safetensors");
    fs_tensor_map *w = nt_load("fixtures/bisenet/bisenet_tiny.safetensors");
    io = nt_load("fixtures/bisenet/io.safetensors");
    fs_err err = {0};
    fs_bisenet *bs = NULL;
    CHECK_MSG(fs_bisenet_create(&bs, w, 0, &err) == FS_OK, "%s", err.msg);
    if (!bs) return check_finish();
    CHECK(fs_bisenet_num_classes(bs) == 19);

    const fs_tensor *tx = fs_tensor_map_get(io, "x");
    FS_ASSERT(tx && tx->ndim == 4);
    const int N = (int)tx->shape[0], H = (int)tx->shape[2], W = (int)tx->shape[3];
    const long HW = (long)H * W;
    long nx, nout;
    const float *x = nt_get(io, "x", &nx), *img = nt_get(io, "img_pm1", NULL), *want = nt_get(io, "out", &nout);

    /* input transform */
    float *xn = malloc(sizeof(float) * nx);
    fs_bisenet_normalize(xn, img, N, HW);
    check_allclose("normalize(img_pm1) vs x", xn, x, nx, 2e-6, 0);

    /* forward with activations */
    float *logits = malloc(sizeof(float) * nout);
    CHECK_MSG(fs_bisenet_forward(bs, x, N, H, W, logits, hook, NULL, &err) == FS_OK, "%s", err.msg);
    CHECK(hooked == 9);
    double mx = check_maxabs(want, nout);
    check_allclose("logits out", logits, want, nout, 1e-4 * check_max(1.0, mx), 0);
    printf("logits max|diff| %.3g (max|ref| %.3g)\n", check_maxdiff(logits, want, nout), mx);

    /* argmax: identical except where the fixture's top two logits are within 1e-4 */
    const fs_tensor *ta = fs_tensor_map_get(io, "argmax");
    FS_ASSERT(ta && ta->dtype == FS_I64);
    const int64_t *am = ta->data;
    uint8_t *lab = malloc((size_t)N * HW);
    fs_bisenet_argmax(lab, logits, N, 19, HW);
    long flips = 0, bad = 0;
    for (int n = 0; n < N; n++)
        for (long p = 0; p < HW; p++) {
            if (lab[n * HW + p] == am[n * HW + p]) continue;
            flips++;
            const float *l = want + (long)n * 19 * HW + p;
            float top = l[am[n * HW + p] * HW], mine = l[lab[n * HW + p] * HW];
            if (top - mine > 1e-4f) bad++;
        }
    printf("argmax: %ld pixel(s) differ, %ld outside the 1e-4 tie band\n", flips, bad);
    CHECK(bad == 0);

    /* parse() = normalise + forward */
    float *l2 = malloc(sizeof(float) * nout);
    CHECK(fs_bisenet_parse(bs, img, N, H, W, l2, &err) == FS_OK);
    check_allclose("parse(img_pm1) vs out", l2, want, nout, 1e-4 * check_max(1.0, mx), 0);

    /* batch items are independent: item 1 alone gives the same logits */
    CHECK(fs_bisenet_forward(bs, x + nx / N, 1, H, W, l2, NULL, NULL, &err) == FS_OK);
    check_allclose("item 1 alone", l2, logits + nout / N, nout / N, 1e-5, 0);

    /* an odd size works (the upsampling follows the input): exactly 19x37x41 finite logits per item, not
     * constant over the image, nothing written past them, and a batch of two equal items gives equal items */
    {
        const long no = 19L * 37 * 41, ni = 3L * 37 * 41;
        float *xo = malloc(sizeof(float) * 2 * ni), *lo = malloc(sizeof(float) * (2 * no + 64));
        memcpy(xo, x, sizeof(float) * ni), memcpy(xo + ni, x, sizeof(float) * ni);
        for (long i = 0; i < 2 * no + 64; i++) lo[i] = 12345.0f;
        CHECK_MSG(fs_bisenet_forward(bs, xo, 1, 37, 41, lo, NULL, NULL, &err) == FS_OK, "%s", err.msg);
        int finite = 1, canary = 1;
        double lmin = INFINITY, lmax = -INFINITY;
        for (long i = 0; i < no; i++) {
            finite &= isfinite(lo[i]) && lo[i] != 12345.0f;
            lmin = check_min(lmin, lo[i]), lmax = check_max(lmax, lo[i]);
        }
        for (long i = no; i < 2 * no + 64; i++) canary &= lo[i] == 12345.0f;
        CHECK_MSG(finite && canary, "37x41 logits: all finite and written %d, nothing past them %d", finite, canary);
        CHECK_MSG(lmax - lmin > 1e-3, "37x41 logits constant (%g..%g)", lmin, lmax);
        float *lb = malloc(sizeof(float) * 2 * no);
        CHECK(fs_bisenet_forward(bs, xo, 2, 37, 41, lb, NULL, NULL, &err) == FS_OK);
        check_allclose("37x41 batch item 0 vs alone", lb, lo, no, 1e-5, 0);
        check_allclose("37x41 batch item 1 vs alone", lb + no, lo, no, 1e-5, 0);
        free(xo), free(lo), free(lb);
    }

    /* loader path, and refusing a file of another kind */
    fs_bisenet *b2 = NULL;
    CHECK_MSG(fs_bisenet_load(wpath, &b2, &err) == FS_OK, "%s", err.msg);
    fs_bisenet_destroy(b2);
    b2 = NULL;
    CHECK(fs_bisenet_create(&b2, io, 0, &err) != FS_OK);
    printf("io.safetensors as a model: %s\n", err.msg);

    free(xn), free(logits), free(lab), free(l2);
    fs_bisenet_destroy(bs);
    fs_tensor_map_destroy(w);
    fs_tensor_map_destroy(io);
    return check_finish();
}
