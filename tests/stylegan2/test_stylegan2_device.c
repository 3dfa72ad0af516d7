/* The generator and Adam on the device seam: a few PTI-like steps (forward with random and injected noise,
 * backward into dL/dws and every parameter, Adam on the synthesis parameters, a forward from styles) give the
 * SAME BITS on "cpu" and on "sim" (the same kernels behind a seam whose device memory the host may not touch),
 * and the run on "sim" really used the device (ops counted, results only reachable through downloads). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/rng.h"
#include "core/threads.h"
#include "models/stylegan2.h"
#include "nn/adam.h"
#include "nn/param.h"
#include "tensor/device.h"

typedef struct {
    float *img, *dws, *params, *img_styles, *m;
    long nimg, nws, nparams, nm;
} run_out;

static float *down(const float *dev, long n) {
    float *h = fs_dev_to_host_f32(dev, n);
    FS_ASSERT(h);
    return h;
}

static void run(const char *device, run_out *r) {
    fs_err err = {0};
    CHECK(fs_device_select(device, &err) == FS_OK);
    int ch[4] = {16, 12, 8, 8};
    fs_sg2_config cfg;
    CHECK(fs_sg2_config_init(&cfg, FS_SG2_LAYOUT_NVIDIA, 32, 3, 8, 8, 2, ch, &err) == FS_OK);
    cfg.conv_clamp = 0.9f; /* exercise the clamp branches */
    fs_sg2 *g = NULL;
    fs_sg2_acts *a = NULL;
    fs_sg2_grads *gr = NULL;
    CHECK(fs_sg2_create(&g, &cfg, &err) == FS_OK);
    fs_sg2_init_random(g, 11, 0.3f);
    int N = 2;
    CHECK(fs_sg2_acts_create(&a, g, N, &err) == FS_OK && fs_sg2_grads_create(&gr, g, &err) == FS_OK);
    long nws = (long)N * cfg.num_ws * cfg.w_dim, R = cfg.resolution, nimg = (long)N * 3 * R * R;
    float *hws = malloc(sizeof(float) * nws), *hz = malloc(sizeof(float) * N * cfg.z_dim);
    float *target = malloc(sizeof(float) * nimg), *dimg = malloc(sizeof(float) * nimg);
    fs_rng rng;
    fs_rng_seed(&rng, 5);
    fs_rng_normal_f32(&rng, hz, N * cfg.z_dim);
    fs_rng_normal_f32(&rng, target, nimg);
    CHECK(fs_sg2_mapping_forward(g, hws, hz, N, 0.7f, 0, &err) == FS_OK); /* host edge */
    float *ws = fs_dev_alloc_f32(nws, &err), *dws = fs_dev_alloc_f32(nws, &err), *ddimg = fs_dev_alloc_f32(nimg, &err);
    fs_dev_upload(ws, hws, sizeof(float) * nws);
    int np = fs_sg2_param_list(g, gr, 0, NULL, 0);
    fs_param *ps = calloc(np, sizeof *ps);
    fs_sg2_param_list(g, gr, 0, ps, np);
    fs_adam *opt = NULL;
    CHECK(fs_adam_create(&opt, ps, np, 3e-3f, 0.9f, 0.999f, 1e-8f, &err) == FS_OK);
    fs_sg2_opts o = fs_sg2_opts_default();
    o.noise = FS_SG2_NOISE_RANDOM;
    o.noise_seed = 3;
    for (int step = 0; step < 3; step++) {
        fs_adam_zero_grad(opt);
        fs_sg2_synthesis_forward(g, a, ws, &o);
        float *img = down(a->img, nimg);
        for (long i = 0; i < nimg; i++) dimg[i] = 2.0f * (img[i] - target[i]) / (float)nimg;
        free(img);
        fs_dev_upload(ddimg, dimg, sizeof(float) * nimg);
        fs_sg2_synthesis_backward(g, a, ddimg, dws, gr, NULL);
        fs_adam_step(opt);
        o.noise = step == 0 ? FS_SG2_NOISE_CONST : FS_SG2_NOISE_RANDOM;
    }
    /* injected (host) noise maps, one per sample */
    const float *maps[FS_SG2_MAX_LAYERS] = {0};
    float *mapbuf = calloc((size_t)N * R * R * cfg.n_layers, sizeof(float));
    for (int l = 0; l < cfg.n_layers; l++)
        if (cfg.layers[l].kind != FS_SG2_TORGB) {
            float *m = mapbuf + (long)l * N * R * R;
            fs_rng_normal_f32(&rng, m, (long)N * cfg.layers[l].res * cfg.layers[l].res);
            maps[l] = m;
        }
    o.noise = FS_SG2_NOISE_INJECT, o.noise_maps = maps, o.noise_maps_per_sample = 1;
    fs_sg2_synthesis_forward(g, a, ws, &o);
    r->img = down(a->img, nimg);
    r->dws = down(dws, nws);
    r->params = down(g->data, cfg.n_floats);
    r->m = down(opt->m, 2 * (opt->v - opt->m));
    r->nimg = nimg, r->nws = nws, r->nparams = cfg.n_floats, r->nm = 2 * (opt->v - opt->m);
    /* styles forward reproduces the image */
    float *st_store = fs_dev_alloc_f32((long)N * 16 * cfg.n_layers, &err);
    const float *st[FS_SG2_MAX_LAYERS];
    for (int l = 0; l < cfg.n_layers; l++) {
        st[l] = st_store + (long)l * N * 16;
        fs_dev_copy(st_store + (long)l * N * 16, a->styles[l], sizeof(float) * N * cfg.layers[l].C_in);
    }
    fs_sg2_synthesis_forward_styles(g, a, st, &o);
    r->img_styles = down(a->img, nimg);
    fs_dev_free(st_store);
    free(mapbuf);
    fs_adam_destroy(opt);
    free(ps);
    fs_dev_free(ws), fs_dev_free(dws), fs_dev_free(ddimg);
    free(hws), free(hz), free(target), free(dimg);
    fs_sg2_grads_destroy(gr);
    fs_sg2_acts_destroy(a);
    fs_sg2_destroy(g);
}

static void same(const char *what, const float *x, const float *y, long n) {
    long diff = 0, first = -1;
    for (long i = 0; i < n; i++)
        if (memcmp(&x[i], &y[i], sizeof(float)) != 0) {
            diff++;
            if (first < 0) first = i;
        }
    CHECK_MSG(diff == 0, "%s: %ld of %ld values differ between cpu and sim (first at %ld: %.9g vs %.9g)", what, diff,
              n, first, first >= 0 ? x[first] : 0.0, first >= 0 ? y[first] : 0.0);
    int finite = 1;
    for (long i = 0; i < n; i++) finite &= isfinite(x[i]) != 0;
    CHECK_MSG(finite, "%s: non-finite values", what);
    if (!diff) printf("OK %-28s %7ld values bit-identical on cpu and sim\n", what, n);
}

int main(void) {
    fs_threads_init(2);
    run_out c, s;
    run("cpu", &c);
    long calls = fs_sim_calls();
    run("sim", &s);
    CHECK_MSG(fs_sim_calls() - calls > 500, "the sim run went through the device seam (%ld op calls)",
              fs_sim_calls() - calls);
    same("image after 3 Adam steps", c.img, s.img, c.nimg);
    same("dL/dws", c.dws, s.dws, c.nws);
    same("parameters after Adam", c.params, s.params, c.nparams);
    same("Adam state m, v", c.m, s.m, c.nm);
    same("image from styles", c.img_styles, s.img_styles, c.nimg);
    same("styles forward vs ws forward", c.img, c.img_styles, c.nimg);
    /* Adam really ran (the checks above do not compare two untouched states) */
    long nz = 0;
    for (long i = 0; i < c.nm; i++) nz += c.m[i] != 0;
    CHECK_MSG(nz > c.nm / 2, "Adam state: %ld of %ld values non-zero", nz, c.nm);
    fs_err err = {0};
    CHECK(fs_device_select("cpu", &err) == FS_OK);
    free(c.img), free(c.dws), free(c.params), free(c.img_styles), free(c.m);
    free(s.img), free(s.dws), free(s.params), free(s.img_styles), free(s.m);
    fs_threads_shutdown();
    return check_finish();
}
