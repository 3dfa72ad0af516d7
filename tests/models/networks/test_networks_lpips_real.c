/* test_networks_lpips_real — the REAL LPIPS v0.1 lin layers (fixtures/real/lpips/{alex,vgg}.pth,
 * legacy torch pickles) on random trunks of the real torchvision widths: the model builds from the
 * shapes alone, distances are finite and >= 0, 0 for equal images, and the gradient matches finite
 * differences. */
#include <stdlib.h>
#include <string.h>

#include "gradcheck.h"
#include "models/lpips.h"
#include "nettest.h"
#include "weights/load.h"

static void add_random(fs_tensor_map *m, const char *name, int ndim, const int64_t *shape, float scale, uint64_t *s) {
    fs_err err = {0};
    fs_tensor *t = fs_tensor_create(ndim, shape, &err);
    FS_ASSERT(t);
    snprintf(t->name, sizeof t->name, "%s", name);
    tr_fill_normal(t->data, (long)fs_tensor_numel(t), scale, s);
    FS_ASSERT(fs_tensor_map_add(m, t, &err) == FS_OK);
}

typedef struct {
    const fs_lpips *lp;
    float *a;
    const float *b;
    int H;
} ctx;

static double loss(void *p) {
    ctx *c = p;
    float d;
    fs_err err = {0};
    FS_ASSERT(fs_lpips_distance(c->lp, c->a, c->b, 1, c->H, c->H, &d, NULL, NULL, 1.0f, &err) == FS_OK);
    return d;
}

static void run(const char *net, const int *idx, const int *cout, const int *k, int nconv, int H) {
    char rel[128];
    snprintf(rel, sizeof rel, "fixtures/real/lpips/%s.pth", net);
    const char *path = test_shared_path(rel);
    fs_tensor_map *m = NULL;
    fs_err err = {0};
    CHECK_MSG(fs_weights_load(path, &m, &err) == FS_OK, "%s", err.msg);
    if (!m) return;
    uint64_t s = 11;
    int cin = 3;
    for (int i = 0; i < nconv; i++) {
        char name[64];
        int64_t ws[4] = {cout[i], cin, k[i], k[i]}, bs[1] = {cout[i]};
        snprintf(name, sizeof name, "features.%d.weight", idx[i]);
        add_random(m, name, 4, ws, sqrtf(2.0f / (float)(cin * k[i] * k[i])), &s);
        snprintf(name, sizeof name, "features.%d.bias", idx[i]);
        add_random(m, name, 1, bs, 0.01f, &s);
        cin = cout[i];
    }
    fs_lpips *lp = NULL;
    CHECK_MSG(fs_lpips_create(&lp, m, 1, &err) == FS_OK, "%s: %s", net, err.msg);
    if (!lp) return;
    CHECK(!strcmp(fs_lpips_net_name(lp), net));
    long n = 3L * H * H;
    float *a = malloc(sizeof(float) * n), *b = malloc(sizeof(float) * n), *g = malloc(sizeof(float) * n), d, d0;
    tr_fill_uniform(a, n, -1, 1, &s);
    for (long i = 0; i < n; i++) b[i] = (float)check_clamp(a[i] + 0.3f * tr_normal(&s), -1, 1);
    CHECK(fs_lpips_distance(lp, a, b, 1, H, H, &d, NULL, g, 1.0f, &err) == FS_OK);
    CHECK(fs_lpips_distance(lp, a, a, 1, H, H, &d0, NULL, NULL, 1.0f, &err) == FS_OK);
    printf("%s (real lin weights, random trunk): d(a, b) = %.6g, d(a, a) = %g\n", net, d, d0);
    CHECK(isfinite(d) && d > 0 && d0 == 0.0f);
    ctx c = {lp, a, b, H};
    char label[64];
    snprintf(label, sizeof label, "%s real-lin d/dA", net);
    gradcheck(label, a, n, g, loss, &c, 5e-3, 2e-6 + 2e-2 * check_maxabs(g, n), 3e-2, 6);
    free(a), free(b), free(g);
    fs_lpips_destroy(lp);
}

int main(void) {
    static const int a_idx[5] = {0, 3, 6, 8, 10}, a_c[5] = {64, 192, 384, 256, 256}, a_k[5] = {11, 5, 3, 3, 3};
    static const int v_idx[13] = {0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28};
    static const int v_c[13] = {64, 64, 128, 128, 256, 256, 256, 512, 512, 512, 512, 512, 512};
    static const int v_k[13] = {3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3};
    run("alex", a_idx, a_c, a_k, 5, 64);
    run("vgg", v_idx, v_c, v_k, 13, 32);
    return check_finish();
}
