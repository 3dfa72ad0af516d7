/* test_networks_lpips — LPIPS v0.1 (alex, vgg) against the official PyTorch fixture:
 * trunk features, per-layer and total distances, the input gradient, finite differences.
 * Runs on the device FS_DEVICE names (ctest also runs it on sim): images and gradients cross at the edges only. */
#include <stdlib.h>
#include <string.h>

#include "core/threads.h"
#include "gradcheck.h"
#include "models/lpips.h"
#include "nettest.h"
#include "tensor/device.h"

/* device copy of n host floats */
static float *up(const float *h, long n) {
    fs_err err = {0};
    float *d = fs_dev_alloc_f32(n, &err);
    FS_ASSERT(d);
    fs_dev_upload(d, h, sizeof(float) * (size_t)n);
    return d;
}
/* host copy of a device gradient, written into h */
static void down(float *h, const float *d, long n) { fs_dev_download(h, d, sizeof(float) * (size_t)n); }

typedef struct {
    const fs_lpips *lp;
    const float *b; /* device */
    float *a;       /* host: gradcheck perturbs it */
    float *a_dev;
    int N, H, W;
} fd_ctx;

static double fd_loss(void *p) {
    fd_ctx *c = p;
    float d[8];
    fs_err err = {0};
    fs_dev_upload(c->a_dev, c->a, sizeof(float) * (size_t)c->N * 3 * c->H * c->W);
    if (fs_lpips_distance(c->lp, c->a_dev, c->b, c->N, c->H, c->W, d, NULL, NULL, 1.0f, &err)) {
        fprintf(stderr, "FAIL fd forward: %s\n", err.msg);
        exit(1);
    }
    double s = 0;
    for (int n = 0; n < c->N; n++) s += d[n];
    return s;
}

static void run(const char *net, const char *const tapnames[5]) {
    char rel[256];
    snprintf(rel, sizeof rel, "fixtures/lpips/lpips_%s.safetensors", net);
    const char *wpath = test_shared_path(rel);
    fs_tensor_map *w = nt_load(rel);
    snprintf(rel, sizeof rel, "fixtures/lpips/io_%s.safetensors", net);
    fs_tensor_map *io = nt_load(rel);
    fs_err err = {0};
    fs_lpips *lp = NULL;
    CHECK_MSG(fs_lpips_create(&lp, w, 0, &err) == FS_OK, "%s", err.msg);
    if (!lp) exit(1);
    CHECK(!strcmp(fs_lpips_net_name(lp), net));

    const fs_tensor *tin = fs_tensor_map_get(io, "in0");
    FS_ASSERT(tin && tin->ndim == 4);
    int N = (int)tin->shape[0], H = (int)tin->shape[2], W = (int)tin->shape[3];
    long nimg;
    const float *h_in0 = nt_get(io, "in0", &nimg);
    float *in0 = up(h_in0, nimg), *in1 = up(nt_get(io, "in1", NULL), nimg);
    float *grad_dev = fs_dev_alloc_f32(nimg, &err), *g2_dev = fs_dev_alloc_f32(nimg, &err);
    char name[128];

    /* trunk features of in0 */
    float *feats[5];
    int dims[5][3];
    CHECK_MSG(fs_lpips_features(lp, in0, N, H, W, feats, dims, &err) == FS_OK, "%s", err.msg);
    for (int k = 0; k < 5; k++) {
        long n;
        snprintf(name, sizeof name, "feat0.%s", tapnames[k]);
        const float *want = nt_get(io, name, &n);
        CHECK(n == (long)N * dims[k][0] * dims[k][1] * dims[k][2]);
        char label[160];
        snprintf(label, sizeof label, "%s %s", net, name);
        check_allclose(label, feats[k], want, n, 1e-4 * check_max(1.0, check_maxabs(want, n)), 0);
        free(feats[k]);
    }

    /* distances, per layer, gradient */
    float dist[8], per[5 * 8];
    float *grad = malloc(sizeof(float) * nimg);
    CHECK_MSG(fs_lpips_distance(lp, in0, in1, N, H, W, dist, per, grad_dev, 1.0f, &err) == FS_OK, "%s", err.msg);
    down(grad, grad_dev, nimg);
    const float *wd = nt_get(io, "dist", NULL);
    snprintf(name, sizeof name, "%s dist", net);
    check_allclose(name, dist, wd, N, 1e-5, 0);
    for (int k = 0; k < 5; k++) {
        char key[32];
        snprintf(key, sizeof key, "dist_layer%d", k);
        snprintf(name, sizeof name, "%s %s", net, key);
        check_allclose(name, per + (long)k * N, nt_get(io, key, NULL), N, 1e-6, 0);
    }
    const float *wg = nt_get(io, "grad_in0", NULL);
    double gmax = check_maxabs(wg, nimg), gdiff = check_maxdiff(grad, wg, nimg);
    printf("%s grad_in0: maxdiff %.3g, max|ref| %.3g, relative %.3g\n", net, gdiff, gmax, gdiff / gmax);
    CHECK_MSG(gdiff <= 1e-3 * gmax, "%s gradient relative error %.3g > 1e-3", net, gdiff / gmax);

    /* grad_scale scales the gradient; the cached-target path gives identical results */
    float *g2 = malloc(sizeof(float) * nimg), d2[8];
    fs_lpips_target *t = NULL;
    CHECK(fs_lpips_target_create(&t, lp, in1, N, H, W, &err) == FS_OK);
    CHECK(fs_lpips_distance_to(lp, t, in0, d2, NULL, g2_dev, -2.0f, &err) == FS_OK);
    down(g2, g2_dev, nimg);
    int same = 1;
    for (int n = 0; n < N; n++) same &= d2[n] == dist[n];
    CHECK_MSG(same, "target path distances differ");
    double sd = 0;
    for (long i = 0; i < nimg; i++) sd = check_max(sd, fabs(g2[i] + 2.0f * grad[i]));
    CHECK_MSG(sd <= 1e-6 * gmax, "grad_scale -2 off by %g", sd);
    fs_lpips_target_destroy(t);

    /* identical images: distance 0, gradient 0 */
    CHECK(fs_lpips_distance(lp, in0, in0, N, H, W, d2, NULL, g2_dev, 1.0f, &err) == FS_OK);
    down(g2, g2_dev, nimg);
    CHECK(d2[0] == 0.0f && d2[N - 1] == 0.0f);
    CHECK(check_maxabs(g2, nimg) == 0.0);

    /* finite differences at a few pixels */
    fd_ctx c = {lp, in1, malloc(sizeof(float) * nimg), fs_dev_alloc_f32(nimg, &err), N, H, W};
    memcpy(c.a, h_in0, sizeof(float) * nimg);
    snprintf(name, sizeof name, "%s lpips d/dA", net);
    gradcheck(name, c.a, nimg, grad, fd_loss, &c, 5e-3, 1e-5, 3e-2, 12);
    free(c.a);
    fs_dev_free(c.a_dev);

    /* the file loader (fs_weights_load_canonical) reads the same file */
    fs_lpips *lp2 = NULL;
    CHECK_MSG(fs_lpips_load(wpath, &lp2, &err) == FS_OK, "%s", err.msg);
    if (lp2) {
        CHECK(fs_lpips_distance(lp2, in0, in1, N, H, W, d2, NULL, NULL, 1.0f, &err) == FS_OK);
        CHECK(d2[0] == dist[0]);
        fs_lpips_destroy(lp2);
    }

    /* the thread count does not change the result beyond float reordering in the convolutions */
    fs_threads_init(1);
    CHECK(fs_lpips_distance(lp, in0, in1, N, H, W, d2, NULL, g2_dev, 1.0f, &err) == FS_OK);
    down(g2, g2_dev, nimg);
    fs_threads_init(0);
    for (int n = 0; n < N; n++) CHECK_CLOSE(d2[n], dist[n], 1e-7);
    CHECK(check_maxdiff(g2, grad, nimg) <= 1e-5 * gmax);

    /* too small an image is an error, not a crash */
    CHECK(fs_lpips_distance(lp, in0, in1, 1, 8, 8, d2, NULL, NULL, 1.0f, &err) != FS_OK);
    printf("small image refused: %s\n", err.msg);

    free(grad);
    free(g2);
    fs_dev_free(in0), fs_dev_free(in1), fs_dev_free(grad_dev), fs_dev_free(g2_dev);
    fs_lpips_destroy(lp);
    fs_tensor_map_destroy(w);
    fs_tensor_map_destroy(io);
}

int main(void) {
    fs_err err = {0};
    if (fs_device_from_env(&err)) test_skip(err.msg);
    static const char *const alex[5] = {"relu1", "relu2", "relu3", "relu4", "relu5"};
    static const char *const vgg[5] = {"relu1_2", "relu2_2", "relu3_3", "relu4_3", "relu5_3"};
    run("alex", alex);
    run("vgg", vgg);
    return check_finish();
}
