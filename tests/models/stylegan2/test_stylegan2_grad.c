/* The whole generator's backward against finite differences, on tiny random generators with shapes unlike
 * the shipped fixtures (other resolutions, odd channel counts, deeper/shallower mappings, both layouts,
 * conv_clamp, random noise): dL/dws, dL/dstyles, dL/dz through the mapping, and dL/d every parameter tensor.
 * Also: save -> load round trip through canonical safetensors and through rosinality names. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/threads.h"
#include "gradcheck.h" /* tr_* random numbers */
#include "models/stylegan2.h"
#include "models/stylegan2_internal.h"
#include "nn/param.h"
#include "rosinality_names.h"
#include "weights/safetensors.h"

typedef struct {
    fs_sg2 *g;
    fs_sg2_acts *a;
    fs_sg2_opts o;
    float *ws, *z, *r;
    float **styles; /* non-NULL: S-space forward */
    int use_z;
    float psi;
    int cutoff;
} ctx_t;

static double loss_fn(void *vc) {
    ctx_t *c = vc;
    const fs_sg2_config *cf = &c->g->cfg;
    if (c->use_z) fs_sg2_mapping_forward(c->g, c->ws, c->z, c->a->N, c->psi, c->cutoff, NULL);
    if (c->styles)
        fs_sg2_synthesis_forward_styles(c->g, c->a, (const float *const *)c->styles, &c->o);
    else
        fs_sg2_synthesis_forward(c->g, c->a, c->ws, &c->o);
    return tr_dot(c->a->img, c->r, (long)c->a->N * cf->img_channels * cf->resolution * cf->resolution);
}

/* Finite differences on a piecewise-smooth function (leaky ReLU kinks everywhere in a tiny random
 * generator): at each point the one-sided slopes (L(x+e)-L(x))/e and (L(x)-L(x-e))/e are computed; where
 * they disagree a kink lies within e of x and the point is skipped (counted). Elsewhere the central
 * difference must match the analytic gradient: |an - fd| <= 1e-3 * scale + 2e-2 |fd|, scale = max |an| of
 * the tensor. Over the whole test at least 75% of the points must be kink-free. */
static long total_checked = 0, total_kinks = 0;
static int kinkcheck(const char *name, float *x, long n, const float *an, ctx_t *c, double eps, long max_checks) {
    long step = n <= max_checks ? 1 : n / max_checks;
    double scale = 0;
    for (long i = 0; i < n; i++) scale = check_max(scale, fabs(an[i]));
    double l0 = loss_fn(c), worst = 0;
    long checked = 0, kinks = 0, bad = 0, worst_i = -1;
    double worst_an = 0, worst_fd = 0;
    for (long i = (step > 1 ? step / 2 : 0); i < n; i += step) {
        double fd = 0, noise = 0, e = eps;
        int smooth = 0;
        for (int tries = 0; tries < 2 && !smooth; tries++, e /= 4) { /* shrink e until no kink inside */
            float keep = x[i];
            x[i] = (float)(keep + e);
            double hp = (double)x[i] - keep, lp = loss_fn(c);
            x[i] = (float)(keep - e);
            double hm = keep - (double)x[i], lm = loss_fn(c);
            x[i] = keep;
            double sp = (lp - l0) / hp, sm = (l0 - lm) / hm;
            fd = (lp - lm) / (hp + hm);
            noise = 1e-6 * (fabs(l0) + 1) / e; /* float32 rounding of the loss, as a slope */
            smooth = fabs(sp - sm) <= 0.005 * (fabs(sp) + fabs(sm)) + 1e-3 * scale + 4 * noise;
        }
        if (!smooth) {
            kinks++;
            continue;
        }
        checked++;
        double err = fabs(an[i] - fd), lim = 1e-3 * scale + 2e-2 * fabs(fd) + 2 * noise;
        if (err / lim > worst) worst = err / lim, worst_i = i, worst_an = an[i], worst_fd = fd;
        if (!(err <= lim)) bad++;
    }
    int ok = bad == 0;
    total_checked += checked;
    total_kinks += kinks;
    check__count++;
    if (!ok) {
        check__failures++;
        fprintf(stderr, "FAIL grad %s: %ld/%ld off, %ld kinks skipped; worst [%ld] analytic %.8g vs fd %.8g\n", name, bad,
                checked, kinks, worst_i, worst_an, worst_fd);
    } else {
        printf("OK grad %s (%ld points, %ld at kinks skipped, worst %.2f of tolerance)\n", name, checked, kinks, worst);
    }
    return ok;
}

static void run_config(const char *name, fs_sg2_layout layout, int res, int img_ch, int z_dim, int w_dim, int nmap,
                       const int *ch, float clamp, fs_sg2_noise noise, int N, uint64_t seed) {
    fs_err err = {0};
    fs_sg2_config cfg;
    CHECK(fs_sg2_config_init(&cfg, layout, res, img_ch, z_dim, w_dim, nmap, ch, &err) == FS_OK);
    cfg.conv_clamp = clamp;
    ctx_t c = {0};
    CHECK(fs_sg2_create(&c.g, &cfg, &err) == FS_OK);
    fs_sg2_init_random(c.g, (uint32_t)seed, 0.3f);
    CHECK(fs_sg2_acts_create(&c.a, c.g, N, &err) == FS_OK);
    c.o = fs_sg2_opts_default();
    c.o.noise = noise;
    c.o.noise_seed = seed + 7;
    long nws = (long)N * cfg.num_ws * cfg.w_dim, nimg = (long)N * img_ch * res * res;
    c.ws = malloc(sizeof(float) * nws);
    c.z = malloc(sizeof(float) * (size_t)N * z_dim);
    c.r = malloc(sizeof(float) * nimg);
    float *dws = malloc(sizeof(float) * nws), *dz = malloc(sizeof(float) * (size_t)N * z_dim);
    uint64_t s = seed;
    tr_fill_normal(c.z, (long)N * z_dim, 1, &s);
    tr_fill_normal(c.r, nimg, 1, &s);
    /* ws: distinct rows so every layer's w matters separately */
    tr_fill_normal(c.ws, nws, 1, &s);
    fs_sg2_grads *gr = NULL;
    CHECK(fs_sg2_grads_create(&gr, c.g, &err) == FS_OK);
    char buf[160];

    /* 1. W+ and every parameter */
    loss_fn(&c);
    fs_sg2_synthesis_backward(c.g, c.a, c.r, dws, gr, NULL);
    snprintf(buf, sizeof buf, "%s dws", name);
    kinkcheck(buf, c.ws, nws, dws, &c, 1e-3, 60);
    for (int i = 0; i < cfg.n_tensors; i++) {
        const fs_sg2_tensor_info *t = &cfg.tensors[i];
        if (t->is_buffer || !strncmp(t->name, "mapping.", 8)) continue;
        snprintf(buf, sizeof buf, "%s %s", name, t->name);
        kinkcheck(buf, c.g->data + t->offset, t->numel, gr->data + t->offset, &c, 1e-3, 12);
    }
    /* optimiser view: every trainable tensor once, pointing into g / gr */
    {
        int np = fs_sg2_param_list(c.g, gr, 1, NULL, 0), ns = fs_sg2_param_list(c.g, gr, 0, NULL, 0);
        CHECK(np == ns + 2 * nmap);
        fs_param *pl = malloc(sizeof(fs_param) * np);
        CHECK(fs_sg2_param_list(c.g, gr, 1, pl, np) == np);
        long total = 0;
        for (int i = 0; i < np; i++) {
            total += pl[i].n;
            CHECK(pl[i].grad - gr->data == pl[i].data - c.g->data);
        }
        long buffers = 0;
        for (int i = 0; i < cfg.n_tensors; i++) buffers += cfg.tensors[i].is_buffer ? cfg.tensors[i].numel : 0;
        CHECK(total == cfg.n_floats - buffers);
        free(pl);
    }
    /* mapping parameters got nothing from the synthesis backward */
    double mnorm = 0;
    for (long k = 0; k < cfg.mapping_dims[1] * cfg.mapping_dims[0]; k++) mnorm += fabs(gr->p.map_w[0][k]);
    CHECK(mnorm == 0);

    /* 2. S space: dL/dstyles */
    float *sbuf[FS_SG2_MAX_LAYERS], *dsb[FS_SG2_MAX_LAYERS];
    for (int l = 0; l < cfg.n_layers; l++) {
        long n = (long)N * cfg.layers[l].C_in;
        sbuf[l] = malloc(sizeof(float) * n);
        dsb[l] = malloc(sizeof(float) * n);
        memcpy(sbuf[l], c.a->styles[l], sizeof(float) * n);
    }
    c.styles = sbuf;
    loss_fn(&c);
    fs_sg2_synthesis_backward(c.g, c.a, c.r, NULL, NULL, dsb);
    for (int l = 0; l < cfg.n_layers; l += 2) {
        snprintf(buf, sizeof buf, "%s dstyles[%s]", name, cfg.layers[l].name);
        kinkcheck(buf, sbuf[l], (long)N * cfg.layers[l].C_in, dsb[l], &c, 1e-3, 12);
    }
    c.styles = NULL;

    /* 3. through the mapping (truncation psi 0.6, cutoff 3): dL/dz and mapping parameter grads */
    c.use_z = 1;
    c.psi = 0.6f;
    c.cutoff = 3;
    fs_sg2_grads_zero(gr);
    loss_fn(&c);
    fs_sg2_synthesis_backward(c.g, c.a, c.r, dws, NULL, NULL);
    CHECK(fs_sg2_mapping_backward(c.g, dz, gr, dws, c.z, N, c.psi, c.cutoff, &err) == FS_OK);
    snprintf(buf, sizeof buf, "%s dz", name);
    kinkcheck(buf, c.z, (long)N * z_dim, dz, &c, 1e-3, 40);
    for (int i = 0; i < 2 * nmap; i++) {
        const fs_sg2_tensor_info *t = &cfg.tensors[i];
        snprintf(buf, sizeof buf, "%s %s", name, t->name);
        /* stored mapping weights are ~1/lr_multiplier large: perturb relative to that */
        double eps = 0.0625; /* stored values are 1/lr_multiplier = 100x their effect */
        kinkcheck(buf, c.g->data + t->offset, t->numel, gr->data + t->offset, &c, eps, 12);
    }
    c.use_z = 0;

    for (int l = 0; l < cfg.n_layers; l++) free(sbuf[l]), free(dsb[l]);
    fs_sg2_grads_destroy(gr);
    fs_sg2_acts_destroy(c.a);
    fs_sg2_destroy(c.g);
    free(c.ws), free(c.z), free(c.r), free(dws), free(dz);
}

/* noise modes: injected maps reproduce const and random mode; none == zero noise; clamp bounds every output */
static void noise_and_clamp(void) {
    fs_err err = {0};
    int ch[3] = {6, 5, 4};
    fs_sg2_config cfg;
    CHECK(fs_sg2_config_init(&cfg, FS_SG2_LAYOUT_NVIDIA, 16, 3, 7, 6, 2, ch, &err) == FS_OK);
    fs_sg2 *g = NULL;
    CHECK(fs_sg2_create(&g, &cfg, &err) == FS_OK);
    fs_sg2_init_random(g, 21, 0.5f);
    int N = 2;
    fs_sg2_acts *a = NULL;
    CHECK(fs_sg2_acts_create(&a, g, N, &err) == FS_OK);
    long nws = (long)N * cfg.num_ws * cfg.w_dim, nimg = (long)N * 3 * 16 * 16;
    float *ws = malloc(sizeof(float) * nws), *ref = malloc(sizeof(float) * nimg);
    uint64_t s = 99;
    tr_fill_normal(ws, nws, 1, &s);
    fs_sg2_opts o = fs_sg2_opts_default();
    fs_sg2_synthesis_forward(g, a, ws, &o);
    memcpy(ref, a->img, sizeof(float) * nimg);
    /* inject the const buffers as shared maps */
    const float *maps[FS_SG2_MAX_LAYERS] = {0};
    for (int l = 0; l < cfg.n_layers; l++) maps[l] = g->p.layer[l].noise_const;
    fs_sg2_opts oi = fs_sg2_opts_default();
    oi.noise = FS_SG2_NOISE_INJECT;
    oi.noise_maps = maps;
    fs_sg2_synthesis_forward(g, a, ws, &oi);
    check_allclose("inject(noise_const) == const", a->img, ref, nimg, 0, 0);
    /* random mode, then the same maps injected per sample */
    fs_sg2_opts orr = fs_sg2_opts_default();
    orr.noise = FS_SG2_NOISE_RANDOM;
    orr.noise_seed = 3;
    fs_sg2_synthesis_forward(g, a, ws, &orr);
    memcpy(ref, a->img, sizeof(float) * nimg);
    float *copies[FS_SG2_MAX_LAYERS] = {0};
    for (int l = 0; l < cfg.n_layers; l++)
        if (a->noise_buf[l]) {
            long n = (long)N * cfg.layers[l].res * cfg.layers[l].res;
            copies[l] = malloc(sizeof(float) * n);
            memcpy(copies[l], a->noise_buf[l], sizeof(float) * n);
            maps[l] = copies[l];
        } else {
            maps[l] = NULL;
        }
    oi.noise_maps_per_sample = 1;
    fs_sg2_synthesis_forward(g, a, ws, &oi);
    check_allclose("inject(random maps) == random", a->img, ref, nimg, 0, 0);
    /* image 1 of a batch with seed 3 == image 0 alone with seed 4 */
    fs_sg2_acts *a1 = NULL;
    CHECK(fs_sg2_acts_create(&a1, g, 1, &err) == FS_OK);
    orr.noise_seed = 4;
    fs_sg2_synthesis_forward(g, a1, ws + cfg.num_ws * cfg.w_dim, &orr);
    check_allclose("random noise per image, not per batch", a1->img, ref + nimg / N, nimg / N, 1e-5, 0);
    fs_sg2_acts_destroy(a1);
    /* fused reference path == non-fused path (random noise, batch 2, odd widths) */
    fs_sg2_synthesis_forward(g, a, ws, &orr);
    memcpy(ref, a->img, sizeof(float) * nimg);
    CHECK(fs_sg2_synthesis_forward_fused_ref(g, a, ws, &orr, NULL) == FS_OK);
    check_allclose("fused reference path == non-fused", a->img, ref, nimg, 2e-5, 2e-5);
    /* none == zero noise strengths */
    o.noise = FS_SG2_NOISE_NONE;
    fs_sg2_synthesis_forward(g, a, ws, &o);
    memcpy(ref, a->img, sizeof(float) * nimg);
    for (int l = 0; l < cfg.n_layers; l++)
        if (g->p.layer[l].noise_strength) g->p.layer[l].noise_strength[0] = 0;
    o.noise = FS_SG2_NOISE_CONST;
    fs_sg2_synthesis_forward(g, a, ws, &o);
    check_allclose("none == zero noise strength", a->img, ref, nimg, 0, 0);
    /* conv_clamp bounds conv outputs and the ToRGB outputs */
    g->cfg.conv_clamp = 0.5f;
    fs_sg2_synthesis_forward(g, a, ws, &o);
    float *feat = malloc(sizeof(float) * (size_t)N * 6 * 16 * 16);
    double mx = 0;
    for (int l = 0; l < cfg.n_layers; l++)
        if (cfg.layers[l].kind != FS_SG2_TORGB) {
            fs_sg2_layer_output(g, a, l, feat);
            for (long k = 0; k < (long)N * cfg.layers[l].C_out * cfg.layers[l].res * cfg.layers[l].res; k++)
                mx = check_max(mx, fabs(feat[k]));
        }
    CHECK_MSG(mx == 0.5, "clamped features reach exactly the clamp (max %g)", mx);
    double mi = 0;
    for (long k = 0; k < (long)N * 3 * 4 * 4; k++) mi = check_max(mi, fabs(a->block_img[0][k]));
    CHECK_MSG(mi <= 0.5, "clamped 4x4 ToRGB (max %g)", mi);
    free(feat);
    for (int l = 0; l < cfg.n_layers; l++) free(copies[l]);
    free(ws), free(ref);
    fs_sg2_acts_destroy(a);
    fs_sg2_destroy(g);
}

/* save -> load keeps the generator; rosinality names map back */
static void roundtrip(void) {
    fs_err err = {0};
    int ch[4] = {24, 20, 12, 8};
    fs_sg2_config cfg;
    CHECK(fs_sg2_config_init(&cfg, FS_SG2_LAYOUT_ROSINALITY, 32, 3, 9, 10, 3, ch, &err) == FS_OK);
    cfg.conv_clamp = 64;
    fs_sg2 *g = NULL, *g2 = NULL, *g3 = NULL;
    CHECK(fs_sg2_create(&g, &cfg, &err) == FS_OK);
    fs_sg2_init_random(g, 5, 0.2f);
    fs_tensor_map *m = NULL;
    CHECK(fs_sg2_to_map(g, &m, &err) == FS_OK);
    char path[64];
    snprintf(path, sizeof path, "/tmp/fs_sg2_rt_%d.safetensors", (int)getpid());
    CHECK(fs_safetensors_save(path, m, &err) == FS_OK);
    CHECK_MSG(fs_sg2_load(path, &g2, &err) == FS_OK, "%s", err.msg);
    remove(path);
    if (g2) {
        CHECK(g2->cfg.layout == FS_SG2_LAYOUT_ROSINALITY && g2->cfg.conv_clamp == 64 && g2->cfg.resolution == 32);
        CHECK(g2->cfg.n_floats == g->cfg.n_floats && !memcmp(g2->data, g->data, sizeof(float) * g->cfg.n_floats));
    }
    /* the same tensors under rosinality names with a g_ema. prefix and [1, ...] shapes */
    fs_tensor_map *r = fs_tensor_map_create();
    for (int i = 0; i < m->count; i++) {
        fs_tensor *t = fs_tensor_clone(m->items[i], &err);
        char rn[96];
        test_rosinality_name(m->items[i]->name, rn, sizeof rn);
        CHECK_MSG(rn[0], "no rosinality name for %s", m->items[i]->name);
        snprintf(t->name, sizeof t->name, "%s%s", strcmp(rn, "latent_avg") ? "g_ema." : "", rn);
        /* rosinality shapes: conv weights [1, O, I, k, k], the constant [1, C, 4, 4], noises [1, 1, H, W] */
        int lead = strstr(rn, "conv.weight") || !strcmp(rn, "input.input") ? 1 : !strncmp(rn, "noises.", 7) ? 2 : 0;
        for (int k = 0; k < lead; k++) {
            for (int d = t->ndim; d > 0; d--) t->shape[d] = t->shape[d - 1];
            t->shape[0] = 1;
            t->ndim++;
        }
        fs_tensor_set_contiguous_strides(t);
        fs_tensor_map_add(r, t, &err);
    }
    CHECK_MSG(fs_sg2_from_map(&g3, r, &err) == FS_OK, "%s", err.msg);
    if (g3) CHECK(g3->cfg.layout == FS_SG2_LAYOUT_ROSINALITY && !memcmp(g3->data, g->data, sizeof(float) * g->cfg.n_floats));
    /* hostile: a tensor with the wrong shape is refused with its name */
    fs_tensor *bad = fs_tensor_map_get_mut(m, "synthesis.b16.conv1.bias");
    bad->shape[0] = 3;
    fs_tensor_set_contiguous_strides(bad);
    fs_sg2 *g4 = NULL;
    CHECK(fs_sg2_from_map(&g4, m, &err) != FS_OK && strstr(err.msg, "synthesis.b16.conv1.bias"));
    fs_sg2_destroy(g4);
    fs_tensor_map_destroy(m);
    fs_tensor_map_destroy(r);
    fs_sg2_destroy(g);
    fs_sg2_destroy(g2);
    fs_sg2_destroy(g3);
}

int main(void) {
    fs_threads_init(2);
    int ch16[3] = {6, 5, 4};
    int ch32[4] = {7, 6, 4, 3};
    int ch8[2] = {5, 3};
    run_config("nv16", FS_SG2_LAYOUT_NVIDIA, 16, 3, 7, 6, 3, ch16, -1, FS_SG2_NOISE_CONST, 2, 11);
    run_config("ros16", FS_SG2_LAYOUT_ROSINALITY, 16, 3, 5, 6, 1, ch16, -1, FS_SG2_NOISE_CONST, 2, 12);
    run_config("nv32-random-noise", FS_SG2_LAYOUT_NVIDIA, 32, 3, 4, 5, 4, ch32, -1, FS_SG2_NOISE_RANDOM, 1, 13);
    run_config("nv8-clamp-rgba", FS_SG2_LAYOUT_NVIDIA, 8, 4, 6, 6, 2, ch8, 100.0f, FS_SG2_NOISE_NONE, 3, 14);
    roundtrip();
    noise_and_clamp();
    printf("finite differences: %ld points checked, %ld skipped next to a leaky-ReLU kink\n", total_checked, total_kinks);
    CHECK(total_checked >= 3 * total_kinks && total_checked > 500);
    return check_finish();
}
