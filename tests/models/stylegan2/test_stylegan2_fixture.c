/* Parity with the official PyTorch generators on the shared fixtures (NVIDIA and rosinality layouts):
 * mapping (ws, truncated ws), styles, per-block activations, images for every noise mode the fixture
 * defines, and the backward (dL/dws and dL/d every synthesis parameter) for L = mean((G(ws) - target)^2).
 *
 * Runs on the device FS_DEVICE names (default cpu; ctest also runs it on "sim"): the generator's tensors are
 * device memory, uploaded and downloaded here at the edges.
 *
 * Criteria: forward tensors  max|c - ref| <= 1e-4 (absolute);
 *           gradients        max|c - ref| <= 1e-3 * max|ref|  (relative to each reference tensor's max abs). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/threads.h"
#include "models/stylegan2.h"
#include "models/stylegan2_internal.h"
#include "tensor/device.h"
#include "rosinality_names.h"
#include "weights/safetensors.h"

static double worst_fwd = 0, worst_grad = 0;

static const float *need(const fs_tensor_map *m, const char *name, long n) {
    const fs_tensor *t = fs_tensor_map_get(m, name);
    CHECK_MSG(t != NULL, "reference tensor %s missing", name);
    if (!t) return NULL;
    CHECK_MSG(fs_tensor_numel(t) == n, "%s: %ld elements, expected %ld", name, (long)fs_tensor_numel(t), n);
    return fs_tensor_numel(t) == n ? fs_tensor_f32(t) : NULL;
}

static void cmp_fwd(const char *fx, const char *name, const float *got, const fs_tensor_map *ref, const char *rname,
                    long n) {
    const float *want = need(ref, rname, n);
    if (!want) return;
    char buf[160];
    snprintf(buf, sizeof buf, "%s %s", fx, name);
    worst_fwd = check_max(worst_fwd, check_maxdiff(got, want, n));
    check_allclose(buf, got, want, n, 1e-4, 0);
}

/* got: device memory */
static void cmp_fwd_dev(const char *fx, const char *name, const float *got, const fs_tensor_map *ref, const char *rname,
                        long n) {
    float *h = fs_dev_to_host_f32(got, n);
    CHECK(h != NULL);
    if (h) cmp_fwd(fx, name, h, ref, rname, n);
    free(h);
}

/* got: device memory */
static void cmp_grad(const char *fx, const char *name, const float *got, const fs_tensor_map *ref, const char *rname,
                     long n) {
    const float *want = need(ref, rname, n);
    if (!want) return;
    float *gh = fs_dev_to_host_f32(got, n);
    CHECK(gh != NULL);
    if (!gh) return;
    char what[200];
    snprintf(what, sizeof what, "%s grad %s", fx, name);
    worst_grad = check_max(worst_grad, check_rel(what, gh, want, n, 1e-3, getenv("FS_TEST_VERBOSE") != NULL));
    free(gh);
}

/* reference name of a layer's activations/styles */
static void ros_module(const char *layer_name, char *out, size_t n) {
    char canon[96], rn[96];
    snprintf(canon, sizeof canon, "%s.weight", layer_name);
    test_rosinality_name(canon, rn, sizeof rn);
    size_t k = strlen(rn);
    if (k > 7) rn[k - 7] = 0; /* drop ".weight" */
    snprintf(out, n, "%s", rn);
}

static void run_fixture(const char *fx, const char *weights, const char *io_path, const char *grads_path, int ros) {
    fs_err err = {0};
    fs_sg2 *g = NULL;
    if (fs_sg2_load(weights, &g, &err)) {
        fprintf(stderr, "load: %s\n", err.msg);
        CHECK(0);
        return;
    }
    const fs_sg2_config *c = &g->cfg;
    CHECK(c->layout == (ros ? FS_SG2_LAYOUT_ROSINALITY : FS_SG2_LAYOUT_NVIDIA));
    CHECK(c->resolution == 64 && c->num_ws == 10 && c->z_dim == 64 && c->w_dim == 64 && c->mapping_layers == 2);
    fs_tensor_map *io = NULL, *gd = NULL;
    CHECK(fs_safetensors_load(io_path, FS_ST_TO_F32, &io, &err) == FS_OK);
    CHECK(fs_safetensors_load(grads_path, FS_ST_TO_F32, &gd, &err) == FS_OK);
    if (!io || !gd) goto out;
    int N = 2;
    long nws = (long)N * c->num_ws * c->w_dim, R = c->resolution, nimg = (long)N * 3 * R * R;
    const float *z = need(io, "z", (long)N * c->z_dim);
    const float *ws_ref = need(io, "ws", nws), *ws7_ref = need(io, "ws_psi0.7", nws);
    if (!z || !ws_ref || !ws7_ref) goto out;
    float *ws = malloc(sizeof(float) * nws), *dws = malloc(sizeof(float) * nws);
    float *dimg = malloc(sizeof(float) * nimg);
    /* mapping */
    CHECK(fs_sg2_mapping_forward(g, ws, z, N, 1.0f, 0, &err) == FS_OK);
    cmp_fwd(fx, "ws", ws, io, "ws", nws);
    CHECK(fs_sg2_mapping_forward(g, ws, z, N, 0.7f, 0, &err) == FS_OK);
    cmp_fwd(fx, "ws_psi0.7", ws, io, "ws_psi0.7", nws);
    /* truncation cutoff 4: rows < 4 truncated, the others untouched */
    {
        float *wc = malloc(sizeof(float) * nws), *mix = malloc(sizeof(float) * nws);
        CHECK(fs_sg2_mapping_forward(g, wc, z, N, 0.7f, 4, &err) == FS_OK);
        for (int n = 0; n < N; n++)
            for (int r = 0; r < c->num_ws; r++) {
                long o = ((long)n * c->num_ws + r) * c->w_dim;
                memcpy(mix + o, (r < 4 ? ws7_ref : ws_ref) + o, sizeof(float) * c->w_dim);
            }
        check_allclose("ws psi 0.7 cutoff 4", wc, mix, nws, 1e-4, 0);
        free(wc), free(mix);
    }
    fs_sg2_acts *a = NULL;
    CHECK(fs_sg2_acts_create(&a, g, N, &err) == FS_OK);
    /* device copies of the inputs */
    float *d_ws = fs_dev_alloc_f32(nws, &err), *d_wsref = fs_dev_alloc_f32(nws, &err);
    float *d_dws = fs_dev_alloc_f32(nws, &err), *d_dimg = fs_dev_alloc_f32(nimg, &err);
    CHECK(a && d_ws && d_wsref && d_dws && d_dimg);
    fs_dev_upload(d_ws, ws, sizeof(float) * nws);
    fs_dev_upload(d_wsref, ws_ref, sizeof(float) * nws);
    fs_sg2_opts o = fs_sg2_opts_default();
    /* truncated image, from the mapping's own output */
    fs_sg2_synthesis_forward(g, a, d_ws, &o);
    cmp_fwd_dev(fx, "img_const_psi0.7", a->img, io, "img_const_psi0.7", nimg);
    /* noise none */
    o.noise = FS_SG2_NOISE_NONE;
    fs_sg2_synthesis_forward(g, a, d_wsref, &o);
    cmp_fwd_dev(fx, "img_none", a->img, io, "img_none", nimg);
    /* main forward (const noise): image, styles, per-block activations */
    o.noise = FS_SG2_NOISE_CONST;
    fs_sg2_synthesis_forward(g, a, d_wsref, &o);
    cmp_fwd_dev(fx, "img_const", a->img, io, "img_const", nimg);
    char rn[128], mod[96];
    for (int l = 0; l < c->n_layers; l++) {
        const fs_sg2_layer_info *L = &c->layers[l];
        if (ros) {
            ros_module(L->name, mod, sizeof mod);
            snprintf(rn, sizeof rn, "styles.%s", mod);
        } else {
            snprintf(rn, sizeof rn, "styles.%s", L->name + strlen("synthesis."));
        }
        cmp_fwd_dev(fx, rn, a->styles[l], io, rn, (long)N * L->C_in);
    }
    float *feat = fs_dev_alloc_f32((long)N * 64 * R * R, &err);
    for (int l = 0; l < c->n_layers; l++) {
        const fs_sg2_layer_info *L = &c->layers[l];
        if (L->kind != FS_SG2_TORGB) continue;
        int b = L->block, res = L->res;
        long nx = (long)N * L->C_in * res * res, ni = (long)N * 3 * res * res;
        if (!ros) {
            snprintf(rn, sizeof rn, "act.b%d.x", res);
            if (fs_tensor_map_get(io, rn)) {
                fs_sg2_layer_output(g, a, l - 1, feat);
                cmp_fwd_dev(fx, rn, feat, io, rn, nx);
            }
            snprintf(rn, sizeof rn, "act.b%d.img", res);
            cmp_fwd_dev(fx, rn, a->block_img[b], io, rn, ni);
        } else {
            if (b == 0) {
                fs_sg2_layer_output(g, a, l - 1, feat);
                cmp_fwd_dev(fx, "act.conv1", feat, io, "act.conv1", nx);
                cmp_fwd_dev(fx, "act.to_rgb1", a->block_img[0], io, "act.to_rgb1", ni);
            } else {
                snprintf(rn, sizeof rn, "act.to_rgbs.%d.in", b - 1);
                if (fs_tensor_map_get(io, rn)) {
                    fs_sg2_layer_output(g, a, l - 1, feat);
                    cmp_fwd_dev(fx, rn, feat, io, rn, nx);
                }
                snprintf(rn, sizeof rn, "act.to_rgbs.%d.out", b - 1);
                cmp_fwd_dev(fx, rn, a->block_img[b], io, rn, ni);
            }
        }
    }
    fs_dev_free(feat);
    /* the reference fused path (NVIDIA eval mode: per-sample weights, grouped conv) agrees */
    CHECK(fs_sg2_synthesis_forward_fused_ref(g, a, d_wsref, &o, NULL) == FS_OK);
    cmp_fwd_dev(fx, "img_const (fused reference path)", a->img, io, "img_const", nimg);
    o.noise = FS_SG2_NOISE_NONE;
    CHECK(fs_sg2_synthesis_forward_fused_ref(g, a, d_wsref, &o, NULL) == FS_OK);
    cmp_fwd_dev(fx, "img_none (fused reference path)", a->img, io, "img_none", nimg);
    o.noise = FS_SG2_NOISE_CONST;
    fs_sg2_synthesis_forward(g, a, d_wsref, &o);
    /* S-space input reproduces the image */
    {
        const float *st[FS_SG2_MAX_LAYERS];
        float *copy = fs_dev_alloc_f32((long)N * 64 * c->n_layers, &err);
        for (int l = 0; l < c->n_layers; l++) {
            st[l] = copy + (long)l * N * 64;
            fs_dev_copy(copy + (long)l * N * 64, a->styles[l], sizeof(float) * N * c->layers[l].C_in);
        }
        fs_sg2_synthesis_forward_styles(g, a, st, &o);
        cmp_fwd_dev(fx, "img_const (from styles)", a->img, io, "img_const", nimg);
        fs_dev_free(copy);
    }
    /* backward: L = mean((G(ws) - target)^2) */
    const float *target = need(gd, "target", nimg);
    if (target) {
        fs_sg2_grads *gr = NULL;
        CHECK(fs_sg2_grads_create(&gr, g, &err) == FS_OK);
        fs_sg2_synthesis_forward(g, a, d_wsref, &o);
        cmp_fwd_dev(fx, "grads img", a->img, gd, "img", nimg);
        float *img = fs_dev_to_host_f32(a->img, nimg);
        double loss = 0;
        for (long i = 0; i < nimg; i++) {
            double d = (double)img[i] - target[i];
            loss += d * d;
            dimg[i] = (float)(2.0 * d / nimg);
        }
        loss /= nimg;
        free(img);
        fs_dev_upload(d_dimg, dimg, sizeof(float) * nimg);
        const float *lref = need(gd, "loss", 1);
        if (lref) CHECK_CLOSE(loss, lref[0], 1e-4 * fabs(lref[0]));
        fs_sg2_synthesis_backward(g, a, d_dimg, d_dws, gr, NULL);
        cmp_grad(fx, "ws", d_dws, gd, "grad.ws", nws);
        int ncmp = 0;
        for (int i = 0; i < c->n_tensors; i++) {
            const fs_sg2_tensor_info *t = &c->tensors[i];
            if (t->is_buffer || !strncmp(t->name, "mapping.", 8)) continue;
            char rname[160], r2[128];
            if (ros) {
                test_rosinality_name(t->name, r2, sizeof r2);
                snprintf(rname, sizeof rname, "grad.%s", r2);
            } else {
                snprintf(rname, sizeof rname, "grad.%s", t->name);
            }
            cmp_grad(fx, t->name, gr->data + t->offset, gd, rname, t->numel);
            ncmp++;
        }
        printf("OK %s: compared %d parameter gradients + dL/dws; worst relative error so far %.3g\n", fx, ncmp,
               worst_grad);
        int nref = 0;
        for (int i = 0; i < gd->count; i++) nref += !strncmp(gd->items[i]->name, "grad.", 5);
        CHECK_MSG(ncmp == nref - 1, "compared %d parameter gradients, the reference has %d", ncmp, nref - 1);
        /* gradients accumulate */
        fs_sg2_synthesis_backward(g, a, d_dimg, NULL, gr, NULL);
        const fs_sg2_tensor_info *t0 = &c->tensors[fs_sg2_find_tensor(c, "synthesis.b4.const")];
        snprintf(rn, sizeof rn, "grad.%s", ros ? "input.input" : "synthesis.b4.const");
        const float *cref = need(gd, rn, t0->numel);
        float *gc = fs_dev_to_host_f32(gr->data + t0->offset, t0->numel);
        if (cref && gc) {
            double md = 0, mx = 0;
            for (long k = 0; k < t0->numel; k++) {
                md = check_max(md, fabs(gc[k] - 2 * cref[k]));
                mx = check_max(mx, fabs(cref[k]));
            }
            CHECK_MSG(md <= 2e-3 * mx, "gradients accumulate over two backward calls (%g)", md);
        }
        free(gc);
        fs_sg2_grads_destroy(gr);
    }
    fs_sg2_acts_destroy(a);
    fs_dev_free(d_ws), fs_dev_free(d_wsref), fs_dev_free(d_dws), fs_dev_free(d_dimg);
    free(ws), free(dws), free(dimg);
out:
    fs_tensor_map_destroy(io);
    fs_tensor_map_destroy(gd);
    fs_sg2_destroy(g);
}

/* Hostile weights: every tensor removed, or reshaped, in turn: the loader either succeeds (tensors it does not
 * use) or fails with a message naming a tensor; never crashes (run under ASan). */
static void hostile(const char *weights) {
    fs_err err = {0};
    fs_tensor_map *m = NULL;
    if (fs_safetensors_load(weights, FS_ST_TO_F32, &m, &err)) {
        CHECK(0);
        return;
    }
    int refused = 0, accepted = 0;
    for (int victim = 0; victim < m->count; victim++)
        for (int mode = 0; mode < 3; mode++) {
            fs_tensor_map *x = fs_tensor_map_create();
            for (int i = 0; i < m->count; i++) {
                const fs_tensor *t = m->items[i];
                fs_tensor *c;
                if (i == victim && mode == 0) continue; /* removed */
                if (i == victim) {                       /* one dim off by one, or an extra leading dim of 2 */
                    int64_t sh[8];
                    int nd = t->ndim;
                    for (int d = 0; d < nd; d++) sh[d] = t->shape[d];
                    if (mode == 1 && nd > 0) {
                        sh[nd - 1] += 1;
                    } else {
                        for (int d = nd; d > 0; d--) sh[d] = sh[d - 1];
                        sh[0] = 2;
                        nd++;
                    }
                    c = fs_tensor_create(nd, sh, &err);
                    snprintf(c->name, sizeof c->name, "%s", t->name);
                } else {
                    c = fs_tensor_clone(t, &err);
                }
                fs_tensor_map_add(x, c, &err);
            }
            fs_sg2 *g = NULL;
            fs_err e2 = {0};
            if (fs_sg2_from_map(&g, x, &e2) == FS_OK) {
                accepted++;
                /* only tensors the generator does not use, or a different but consistent z_dim / no w_avg */
                const char *vn = m->items[victim]->name;
                CHECK_MSG((strstr(vn, "resample_filter") && mode == 0) || (!strcmp(vn, "mapping.fc0.weight") && mode == 1) ||
                              (!strcmp(vn, "mapping.w_avg") && mode == 0),
                          "accepted a map with %s mutated (mode %d)", vn, mode);
                CHECK(g->cfg.resolution == 64);
                fs_sg2_destroy(g);
            } else {
                refused++;
                CHECK_MSG(e2.msg[0] != 0, "refused without a message (tensor %s, mode %d)", m->items[victim]->name, mode);
            }
            fs_tensor_map_destroy(x);
        }
    printf("OK hostile: %d mutated weight maps refused with a message, %d accepted (unused tensors)\n", refused,
           accepted);
    int n_resample = 0;
    for (int i = 0; i < m->count; i++) n_resample += strstr(m->items[i]->name, "resample_filter") != NULL;
    CHECK(accepted == n_resample + 2); /* resample filters may be absent, not different */
    fs_tensor_map_destroy(m);
}

int main(void) {
    fs_err derr = {0};
    if (fs_device_from_env(&derr)) {
        fprintf(stderr, "FS_DEVICE: %s\n", derr.msg);
        return 1;
    }
    const char *nw = test_shared_path("fixtures/stylegan2_nvidia/G_ema.safetensors");
    const char *nio = test_shared_path("fixtures/stylegan2_nvidia/io.safetensors");
    const char *ngr = test_shared_path("fixtures/stylegan2_nvidia/grads.safetensors");
    const char *rw = test_shared_path("fixtures/stylegan2_rosinality/stylegan2_tiny.safetensors");
    const char *rio = test_shared_path("fixtures/stylegan2_rosinality/io.safetensors");
    const char *rgr = test_shared_path("fixtures/stylegan2_rosinality/grads.safetensors");
    for (int threads = 1; threads <= 2; threads++) {
        fs_threads_init(threads);
        run_fixture("nvidia", nw, nio, ngr, 0);
        run_fixture("rosinality", rw, rio, rgr, 1);
    }
    hostile(nw);
    char dev[160];
    printf("device %s\n", fs_device_describe(dev, sizeof dev));
    printf("worst forward max|diff| %.3g, worst gradient error %.3g of max|ref|\n", worst_fwd, worst_grad);
    return check_finish();
}
