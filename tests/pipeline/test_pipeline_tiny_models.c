/* `models init --tiny` writes a set every loader accepts, with consistent shapes
 * (e4e W+ fits the generator), finite outputs, and LPIPS(a, a) == 0. */
#include "check.h"
#include "core/threads.h"
#include "gradcheck.h"
#include "models/bisenet.h"
#include "models/e4e.h"
#include "models/lpips.h"
#include "models/stylegan2.h"
#include "pipeline/edit/direction.h"
#include "models/tiny_models.h"

static int all_finite(const float *x, long n) {
    for (long i = 0; i < n; i++)
        if (!isfinite(x[i])) return 0;
    return 1;
}

int main(void) {
    fs_threads_init(2);
    fs_err err = {0};
    char dir[] = "/tmp/fs_test_tiny_XXXXXX", p[512];
    CHECK(mkdtemp(dir) != NULL);
    CHECK_MSG(fs_tiny_models_write(dir, 1, &err) == FS_OK, "%s", err.msg);

    fs_sg2 *g = NULL;
    snprintf(p, sizeof p, "%s/generator.safetensors", dir);
    CHECK_MSG(fs_sg2_load(p, &g, &err) == FS_OK, "%s", err.msg);
    fs_e4e *e = NULL;
    snprintf(p, sizeof p, "%s/encoder.safetensors", dir);
    CHECK_MSG(fs_e4e_load(p, &e, &err) == FS_OK, "%s", err.msg);
    fs_lpips *lp = NULL;
    snprintf(p, sizeof p, "%s/lpips.safetensors", dir);
    CHECK_MSG(fs_lpips_load(p, &lp, &err) == FS_OK, "%s", err.msg);
    fs_bisenet *bs = NULL;
    snprintf(p, sizeof p, "%s/parser.safetensors", dir);
    CHECK_MSG(fs_bisenet_load(p, &bs, &err) == FS_OK, "%s", err.msg);
    if (!g || !e || !lp || !bs) return check_finish();
    int num_ws = g->cfg.num_ws, w_dim = g->cfg.w_dim, R = g->cfg.resolution;
    CHECK(fs_e4e_num_ws(e) == num_ws && fs_e4e_w_dim(e) == w_dim);
    fs_direction *d = NULL;
    snprintf(p, sizeof p, "%s/directions/age.npy", dir);
    CHECK_MSG(fs_direction_load(p, w_dim, &d, &err) == FS_OK, "%s", err.msg);
    fs_direction_destroy(d);

    /* render one image, encode it, compare with LPIPS, parse it */
    float z[64];
    uint64_t s = 3;
    tr_fill_normal(z, w_dim, 1, &s);
    float *ws = malloc(sizeof(float) * num_ws * w_dim), *ws2 = malloc(sizeof(float) * num_ws * w_dim);
    CHECK(fs_sg2_mapping_forward(g, ws, z, 1, 1.0f, 0, &err) == FS_OK);
    fs_sg2_acts *a = NULL;
    CHECK(fs_sg2_acts_create(&a, g, 1, &err) == FS_OK);
    fs_sg2_opts so = fs_sg2_opts_default();
    fs_sg2_synthesis_forward(g, a, ws, &so);
    CHECK(all_finite(a->img, 3L * R * R));
    float *x256 = malloc(sizeof(float) * 3 * 256 * 256);
    CHECK(fs_e4e_resize_input(x256, a->img, R, R, 256, 0, NULL) == FS_OK);
    CHECK_MSG(fs_e4e_encode(e, x256, 1, 256, 256, ws2, 1, NULL, NULL, &err) == FS_OK, "%s", err.msg);
    CHECK(all_finite(ws2, (long)num_ws * w_dim));
    float dist = -1;
    CHECK(fs_lpips_distance(lp, a->img, a->img, 1, R, R, &dist, NULL, NULL, 1, &err) == FS_OK);
    CHECK(dist == 0.0f);
    float *img2 = malloc(sizeof(float) * 3 * R * R);
    for (long i = 0; i < 3L * R * R; i++) img2[i] = a->img[i] + 0.1f;
    CHECK(fs_lpips_distance(lp, a->img, img2, 1, R, R, &dist, NULL, NULL, 1, &err) == FS_OK);
    CHECK(dist > 0 && isfinite(dist));
    float *logits = malloc(sizeof(float) * 19 * R * R);
    CHECK_MSG(fs_bisenet_parse(bs, a->img, 1, R, R, logits, &err) == FS_OK, "%s", err.msg);
    CHECK(all_finite(logits, 19L * R * R));
    printf("tiny set: %dx%d generator, %d ws x %d; lpips(a, a+0.1) = %g\n", R, R, num_ws, w_dim, dist);

    snprintf(p, sizeof p, "rm -rf %s", dir);
    CHECK(system(p) == 0);
    free(ws), free(ws2), free(x256), free(img2), free(logits);
    fs_sg2_acts_destroy(a);
    fs_sg2_destroy(g);
    fs_e4e_destroy(e);
    fs_lpips_destroy(lp);
    fs_bisenet_destroy(bs);
    fs_threads_shutdown();
    return check_finish();
}
