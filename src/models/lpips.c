/* lpips.c — LPIPS v0.1 (alex / vgg trunks): forward, and backward w.r.t. the first image.
 * The trunk is torchvision's `features` Sequential, run layer by layer; every activation is
 * kept for the backward pass (ReLUs run in place: relu'(x) = relu'(relu(x)) for the mask).
 * On the device seam (docs/gpu.md): weights, activations and gradients are device memory, every loop is an op
 * of tensor/devops.h; only the distances (N floats per tap) come back to the host. */
#include "models/lpips.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "tensor/conv2d.h"
#include "tensor/device.h"
#include "tensor/devops.h"
#include "tensor/pool.h"
#include "weights/load.h"

enum { L_CONV, L_RELU, L_POOL };

typedef struct lp_layer {
    int type;
    int index;        /* torchvision features index */
    int k, stride, pad;
    int tap;          /* -1, or the tap number this layer's output is */
    float *w, *b; /* device copies */
    int cin, cout;
} lp_layer;

#define LP_MAX_LAYERS 32

struct fs_lpips {
    fs_lpips_net net;
    int n_layers;
    lp_layer layers[LP_MAX_LAYERS];
    float *lin[FS_LPIPS_TAPS]; /* device */
    int tap_c[FS_LPIPS_TAPS];
    float shift[3], scale[3];
    float *dev_shift, *dev_scale; /* device copies of shift/scale */
    fs_tensor_map *owned;
};

struct fs_lpips_target {
    int N, H, W;
    int dims[FS_LPIPS_TAPS][3];
    float *nf[FS_LPIPS_TAPS]; /* normalised features of b (device) */
};

/* ---- architecture tables (torchvision features indices) ---- */
typedef struct { int type, k, stride, pad, tap; } lp_spec;
static const lp_spec alex_spec[] = {
    {L_CONV, 11, 4, 2, -1}, {L_RELU, 0, 0, 0, 0}, {L_POOL, 3, 2, 0, -1},
    {L_CONV, 5, 1, 2, -1},  {L_RELU, 0, 0, 0, 1}, {L_POOL, 3, 2, 0, -1},
    {L_CONV, 3, 1, 1, -1},  {L_RELU, 0, 0, 0, 2}, {L_CONV, 3, 1, 1, -1},
    {L_RELU, 0, 0, 0, 3},   {L_CONV, 3, 1, 1, -1}, {L_RELU, 0, 0, 0, 4},
};
#define C3 {L_CONV, 3, 1, 1, -1}
#define RL {L_RELU, 0, 0, 0, -1}
#define PL {L_POOL, 2, 2, 0, -1}
static const lp_spec vgg_spec[] = {
    C3, RL, C3, {L_RELU, 0, 0, 0, 0}, PL,                       /* 0..4 */
    C3, RL, C3, {L_RELU, 0, 0, 0, 1}, PL,                       /* 5..9 */
    C3, RL, C3, RL, C3, {L_RELU, 0, 0, 0, 2}, PL,               /* 10..16 */
    C3, RL, C3, RL, C3, {L_RELU, 0, 0, 0, 3}, PL,               /* 17..23 */
    C3, RL, C3, RL, C3, {L_RELU, 0, 0, 0, 4},                   /* 24..29 */
};
#undef C3
#undef RL
#undef PL

/* device floats (NULL when out of memory) */
static float *falloc(long n) { return fs_dev_alloc_f32(n > 0 ? n : 1, NULL); }
static float *dev_copy(const float *host, long n, fs_err *err) {
    float *d = fs_dev_alloc_f32(n, err);
    if (d) fs_dev_upload(d, host, (size_t)n * sizeof(float));
    return d;
}

fs_lpips_net fs_lpips_net_kind(const fs_lpips *lp) { return lp->net; }
const char *fs_lpips_net_name(const fs_lpips *lp) { return lp->net == FS_LPIPS_ALEX ? "alex" : "vgg"; }
int fs_lpips_tap_channels(const fs_lpips *lp, int k) { return k >= 0 && k < FS_LPIPS_TAPS ? lp->tap_c[k] : 0; }

void fs_lpips_destroy(fs_lpips *lp) {
    if (!lp) return;
    for (int i = 0; i < lp->n_layers; i++) fs_dev_free(lp->layers[i].w), fs_dev_free(lp->layers[i].b);
    for (int k = 0; k < FS_LPIPS_TAPS; k++) fs_dev_free(lp->lin[k]);
    fs_dev_free(lp->dev_shift);
    fs_dev_free(lp->dev_scale);
    fs_tensor_map_destroy(lp->owned);
    free(lp);
}

static int get_f32(const fs_tensor_map *m, const char *name, int ndim, const fs_tensor **out, fs_err *err) {
    const fs_tensor *t = fs_tensor_map_get(m, name);
    if (!t) return fs_errorf(err, "missing tensor '%s' (not an LPIPS model? LPIPS .pth files hold only the lin "
                                  "layers: convert them with 'facestitch convert --kind lpips LIN.pth --backbone "
                                  "TRUNK.pth')", name);
    if (t->dtype != FS_F32 || t->ndim != ndim || !fs_tensor_is_contiguous(t)) {
        char b[96];
        return fs_errorf(err, "tensor '%s' has dtype %s shape %s, expected a contiguous F32 tensor of %d dims", name,
                         fs_dtype_name(t->dtype), fs_tensor_shape_str(t, b, sizeof b), ndim);
    }
    *out = t;
    return FS_OK;
}

int fs_lpips_create(fs_lpips **out, fs_tensor_map *m, int take_ownership, fs_err *err) {
    fs_lpips *lp = calloc(1, sizeof *lp);
    if (!lp) {
        if (take_ownership) fs_tensor_map_destroy(m);
        return fs_errorf(err, "out of memory");
    }
    if (take_ownership) lp->owned = m;
    const fs_tensor *t = NULL;
    /* trunk kind: metadata "net", else the first conv's kernel size */
    const char *net = fs_tensor_map_meta(m, "net");
    if (get_f32(m, "features.0.weight", 4, &t, err)) goto fail;
    if (net && !strcmp(net, "alex")) lp->net = FS_LPIPS_ALEX;
    else if (net && !strcmp(net, "vgg")) lp->net = FS_LPIPS_VGG;
    else if (net) {
        fs_errorf(err, "unsupported LPIPS trunk '%s' (facestitch supports alex and vgg)", net);
        goto fail;
    } else if (t->shape[2] == 11 && t->shape[3] == 11) lp->net = FS_LPIPS_ALEX;
    else if (t->shape[2] == 3 && t->shape[3] == 3) lp->net = FS_LPIPS_VGG;
    else {
        fs_errorf(err, "features.0.weight is %lldx%lld: neither AlexNet (11x11) nor VGG16 (3x3)",
                  (long long)t->shape[2], (long long)t->shape[3]);
        goto fail;
    }
    const lp_spec *spec = lp->net == FS_LPIPS_ALEX ? alex_spec : vgg_spec;
    int n = lp->net == FS_LPIPS_ALEX ? (int)(sizeof alex_spec / sizeof alex_spec[0])
                                     : (int)(sizeof vgg_spec / sizeof vgg_spec[0]);
    lp->n_layers = n;
    int c = 3;
    for (int i = 0; i < n; i++) {
        lp_layer *L = &lp->layers[i];
        L->type = spec[i].type;
        L->index = i;
        L->k = spec[i].k;
        L->stride = spec[i].stride;
        L->pad = spec[i].pad;
        L->tap = spec[i].tap;
        L->cin = L->cout = c;
        if (L->type == L_CONV) {
            char name[64];
            const fs_tensor *w, *b;
            snprintf(name, sizeof name, "features.%d.weight", i);
            if (get_f32(m, name, 4, &w, err)) goto fail;
            if (w->shape[1] != c || w->shape[2] != L->k || w->shape[3] != L->k || w->shape[0] < 1 ||
                w->shape[0] > 65536) {
                char sb[96];
                fs_errorf(err, "%s has shape %s, expected [C_out, %d, %d, %d] (%s trunk)", name,
                          fs_tensor_shape_str(w, sb, sizeof sb), c, L->k, L->k, fs_lpips_net_name(lp));
                goto fail;
            }
            c = (int)w->shape[0];
            snprintf(name, sizeof name, "features.%d.bias", i);
            if (get_f32(m, name, 1, &b, err)) goto fail;
            if (b->shape[0] != c) {
                fs_errorf(err, "%s has %lld entries, expected %d", name, (long long)b->shape[0], c);
                goto fail;
            }
            L->w = dev_copy(fs_tensor_f32(w), (long)fs_tensor_numel(w), err);
            L->b = L->w ? dev_copy(fs_tensor_f32(b), c, err) : NULL;
            if (!L->b) goto fail;
            L->cout = c;
        }
        if (L->tap >= 0) {
            char name[64];
            const fs_tensor *lw;
            snprintf(name, sizeof name, "lin%d.model.1.weight", L->tap);
            if (get_f32(m, name, 4, &lw, err)) goto fail;
            if (lw->shape[0] != 1 || lw->shape[1] != c || lw->shape[2] != 1 || lw->shape[3] != 1) {
                char sb[96];
                fs_errorf(err, "%s has shape %s, expected [1, %d, 1, 1] (channels of trunk tap %d)", name,
                          fs_tensor_shape_str(lw, sb, sizeof sb), c, L->tap);
                goto fail;
            }
            lp->lin[L->tap] = dev_copy(fs_tensor_f32(lw), c, err);
            if (!lp->lin[L->tap]) goto fail;
            lp->tap_c[L->tap] = c;
        }
    }
    /* ScalingLayer constants (the official buffers; stored in canonical files) */
    static const float def_shift[3] = {-.030f, -.088f, -.188f}, def_scale[3] = {.458f, .448f, .450f};
    const fs_tensor *sh = fs_tensor_map_get(m, "scaling_layer.shift"), *sc = fs_tensor_map_get(m, "scaling_layer.scale");
    for (int i = 0; i < 3; i++) {
        lp->shift[i] = def_shift[i];
        lp->scale[i] = def_scale[i];
    }
    if (sh || sc) {
        if (!sh || !sc || sh->dtype != FS_F32 || sc->dtype != FS_F32 || fs_tensor_numel(sh) != 3 ||
            fs_tensor_numel(sc) != 3 || !fs_tensor_is_contiguous(sh) || !fs_tensor_is_contiguous(sc)) {
            fs_errorf(err, "scaling_layer.shift/.scale must both be F32 tensors of 3 values");
            goto fail;
        }
        for (int i = 0; i < 3; i++) {
            lp->shift[i] = fs_tensor_f32(sh)[i];
            lp->scale[i] = fs_tensor_f32(sc)[i];
            if (!(lp->scale[i] != 0.0f) || !isfinite(lp->scale[i])) {
                fs_errorf(err, "scaling_layer.scale[%d] = %g is not a usable divisor", i, lp->scale[i]);
                goto fail;
            }
        }
    }
    lp->dev_shift = dev_copy(lp->shift, 3, err);
    lp->dev_scale = lp->dev_shift ? dev_copy(lp->scale, 3, err) : NULL;
    if (!lp->dev_scale) goto fail;
    *out = lp;
    return FS_OK;
fail:
    fs_lpips_destroy(lp);
    return FS_ERR;
}

int fs_lpips_load(const char *path, fs_lpips **out, fs_err *err) {
    fs_tensor_map *m = NULL;
    if (fs_weights_load_canonical(path, "lpips", &m, err)) return FS_ERR;
    if (fs_lpips_create(out, m, 1, err)) return fs_err_prefix(err, path);
    return FS_OK;
}

/* ---- trunk forward with saved activations ---- */
typedef struct lp_run {
    int N;
    int C[LP_MAX_LAYERS + 1], H[LP_MAX_LAYERS + 1], W[LP_MAX_LAYERS + 1];
    float *act[LP_MAX_LAYERS + 1]; /* act[0] = scaled input; act[i+1] = output of layer i */
    int32_t *argmax[LP_MAX_LAYERS];
    fs_conv2d_dims cd[LP_MAX_LAYERS];
    fs_pool2d_dims pd[LP_MAX_LAYERS];
} lp_run;

static void run_free(lp_run *r) {
    for (int i = 0; i <= LP_MAX_LAYERS; i++) fs_dev_free(r->act[i]);
    for (int i = 0; i < LP_MAX_LAYERS; i++) fs_dev_free(r->argmax[i]);
    memset(r, 0, sizeof *r);
}

static long numel4(int N, int C, int H, int W) { return (long)N * C * H * W; }

/* act[i + 1] (N, C, H, W), the output of layer i: allocated and its shape noted; FS_ERR when out of memory. */
static int next_act(lp_run *r, int i, int C, int H, int W) {
    r->C[i + 1] = C;
    r->H[i + 1] = H;
    r->W[i + 1] = W;
    r->act[i + 1] = falloc(numel4(r->N, C, H, W));
    return r->act[i + 1] ? FS_OK : FS_ERR;
}

/* keep_all: keep every activation (for backward); else free what no tap needs. */
static int trunk_forward(const fs_lpips *lp, const float *x, int N, int H, int W, lp_run *r, int keep_all,
                         fs_err *err) {
    memset(r, 0, sizeof *r);
    if (N < 1 || H < 1 || W < 1 || (long)H * W > (1L << 30) / 3)
        return fs_errorf(err, "LPIPS: bad image size %dx%dx%d", N, H, W);
    r->N = N;
    r->C[0] = 3;
    r->H[0] = H;
    r->W[0] = W;
    r->act[0] = falloc(numel4(N, 3, H, W));
    if (!r->act[0]) goto oom;
    fs_channel_affine(r->act[0], x, lp->dev_shift, lp->dev_scale, N, 3, (long)H * W);
    for (int i = 0; i < lp->n_layers; i++) {
        const lp_layer *L = &lp->layers[i];
        int C = r->C[i], h = r->H[i], w = r->W[i];
        if (L->type == L_CONV) {
            fs_conv2d_dims *d = &r->cd[i];
            *d = (fs_conv2d_dims){.N = N, .C_in = C, .H = h, .W = w, .C_out = L->cout, .KH = L->k, .KW = L->k,
                                  .stride_h = L->stride, .stride_w = L->stride, .pad_top = L->pad,
                                  .pad_bottom = L->pad, .pad_left = L->pad, .pad_right = L->pad, .dil_h = 1,
                                  .dil_w = 1, .groups = 1};
            if (fs_conv2d_dims_init(d, err) || d->H_out < 1 || d->W_out < 1) {
                run_free(r);
                return fs_errorf(err, "LPIPS %s: a %dx%d image is too small for features.%d", fs_lpips_net_name(lp),
                                 H, W, i);
            }
            if (next_act(r, i, L->cout, d->H_out, d->W_out)) goto oom;
            fs_conv2d_forward(r->act[i + 1], r->act[i], L->w, L->b, d);
        } else if (L->type == L_RELU) {
            /* in place: the previous conv output becomes this layer's output */
            r->C[i + 1] = C;
            r->H[i + 1] = h;
            r->W[i + 1] = w;
            r->act[i + 1] = r->act[i];
            r->act[i] = NULL;
            fs_relu(r->act[i + 1], r->act[i + 1], numel4(N, C, h, w));
        } else {
            fs_pool2d_dims *d = &r->pd[i];
            *d = (fs_pool2d_dims){.N = N, .C = C, .H = h, .W = w, .KH = L->k, .KW = L->k, .stride_h = L->stride,
                                  .stride_w = L->stride};
            if (fs_pool2d_dims_init(d, err) || d->H_out < 1 || d->W_out < 1) {
                run_free(r);
                return fs_errorf(err, "LPIPS %s: a %dx%d image is too small for features.%d (max-pool)",
                                 fs_lpips_net_name(lp), H, W, i);
            }
            if (next_act(r, i, C, d->H_out, d->W_out)) goto oom;
            if (keep_all) {
                size_t bytes;
                if (!fs_mul_size((size_t)numel4(N, C, d->H_out, d->W_out), sizeof(int32_t), &bytes)) goto oom;
                r->argmax[i] = fs_dev_alloc(bytes, NULL);
                if (!r->argmax[i]) goto oom;
            }
            fs_maxpool2d(r->act[i + 1], r->argmax[i], r->act[i], d);
        }
        /* without backward, an input that is no tap is not needed any more */
        if (!keep_all && r->act[i] && (i == 0 || lp->layers[i - 1].tap < 0)) {
            fs_dev_free(r->act[i]);
            r->act[i] = NULL;
        }
    }
    return FS_OK;
oom:
    run_free(r);
    return fs_errorf(err, "LPIPS: out of memory for a %dx%dx%d batch", N, H, W);
}

/* the layer whose output is tap k */
static int tap_layer(const fs_lpips *lp, int k) {
    for (int i = 0; i < lp->n_layers; i++)
        if (lp->layers[i].tap == k) return i;
    return -1;
}

/* the tap outputs of a forward pass, as device buffers (the caller frees them with fs_dev_free) */
static int features_dev(const fs_lpips *lp, const float *x, int N, int H, int W, float *feats[FS_LPIPS_TAPS],
                        int dims[FS_LPIPS_TAPS][3], fs_err *err) {
    lp_run r;
    if (trunk_forward(lp, x, N, H, W, &r, 0, err)) return FS_ERR;
    for (int k = 0; k < FS_LPIPS_TAPS; k++) {
        int i = tap_layer(lp, k) + 1;
        feats[k] = r.act[i];
        r.act[i] = NULL;
        dims[k][0] = r.C[i];
        dims[k][1] = r.H[i];
        dims[k][2] = r.W[i];
    }
    run_free(&r);
    return FS_OK;
}

int fs_lpips_features(const fs_lpips *lp, const float *x, int N, int H, int W, float *feats[FS_LPIPS_TAPS],
                      int dims[FS_LPIPS_TAPS][3], fs_err *err) {
    float *dev[FS_LPIPS_TAPS];
    if (features_dev(lp, x, N, H, W, dev, dims, err)) return FS_ERR;
    int rc = FS_OK;
    for (int k = 0; k < FS_LPIPS_TAPS; k++) {
        feats[k] = rc ? NULL : fs_dev_to_host_f32(dev[k], numel4(N, dims[k][0], dims[k][1], dims[k][2]));
        if (!rc && !feats[k]) {
            rc = fs_errorf(err, "LPIPS: out of memory for the features");
            for (int j = 0; j < k; j++) free(feats[j]), feats[j] = NULL;
        }
        fs_dev_free(dev[k]);
    }
    return rc;
}

void fs_lpips_target_destroy(fs_lpips_target *t) {
    if (!t) return;
    for (int k = 0; k < FS_LPIPS_TAPS; k++) fs_dev_free(t->nf[k]);
    free(t);
}

int fs_lpips_target_create(fs_lpips_target **out, const fs_lpips *lp, const float *b, int N, int H, int W,
                           fs_err *err) {
    fs_lpips_target *t = calloc(1, sizeof *t);
    if (!t) return fs_errorf(err, "out of memory");
    t->N = N;
    t->H = H;
    t->W = W;
    float *f[FS_LPIPS_TAPS];
    if (features_dev(lp, b, N, H, W, f, t->dims, err)) {
        free(t);
        return FS_ERR;
    }
    for (int k = 0; k < FS_LPIPS_TAPS; k++) {
        /* normalise in place */
        fs_channel_norm(f[k], NULL, f[k], N, t->dims[k][0], (long)t->dims[k][1] * t->dims[k][2]);
        t->nf[k] = f[k];
    }
    *out = t;
    return FS_OK;
}

/* Backward through the trunk, from the last layer to the ScalingLayer: grad_a = d/da of the taps' gradients
 * dtap (device, per tap). */
static int trunk_backward(const fs_lpips *lp, const lp_run *r, float *const dtap[FS_LPIPS_TAPS], float *grad_a,
                          fs_err *err) {
    const int N = r->N, last = lp->n_layers - 1;
    long cap = 0;
    for (int i = 0; i <= lp->n_layers; i++) {
        long e = numel4(N, r->C[i], r->H[i], r->W[i]);
        if (e > cap) cap = e;
    }
    float *g = falloc(cap), *g2 = falloc(cap);
    if (!g || !g2) {
        fs_dev_free(g);
        fs_dev_free(g2);
        return fs_errorf(err, "LPIPS: out of memory for the backward pass");
    }
    fs_dev_zero(g, (size_t)numel4(N, r->C[last + 1], r->H[last + 1], r->W[last + 1]) * sizeof(float));
    for (int i = last; i >= 0; i--) {
        const lp_layer *L = &lp->layers[i];
        long n_out = numel4(N, r->C[i + 1], r->H[i + 1], r->W[i + 1]);
        if (L->tap >= 0) fs_add(g, dtap[L->tap], n_out);
        if (L->type == L_RELU) {
            /* the conv output was overwritten in place: the mask of relu(x) equals that of x */
            fs_relu_grad(g2, g, r->act[i + 1], n_out);
        } else if (L->type == L_CONV) {
            /* conv inputs are kept (only a ReLU's input moves to its output) */
            fs_conv2d_backward(g2, NULL, NULL, g, r->act[i], L->w, &r->cd[i]);
        } else {
            fs_maxpool2d_grad(g2, g, r->argmax[i], &r->pd[i]);
        }
        float *tmp = g;
        g = g2;
        g2 = tmp;
    }
    fs_channel_affine(grad_a, g, NULL, lp->dev_scale, N, 3, (long)r->H[0] * r->W[0]);
    fs_dev_free(g);
    fs_dev_free(g2);
    return FS_OK;
}

int fs_lpips_distance_to(const fs_lpips *lp, const fs_lpips_target *t, const float *a, float *dist,
                         float *per_layer, float *grad_a, float grad_scale, fs_err *err) {
    const int N = t->N, H = t->H, W = t->W;
    lp_run r;
    if (trunk_forward(lp, a, N, H, W, &r, grad_a != NULL, err)) return FS_ERR;
    int rc = FS_OK;
    float *dtap[FS_LPIPS_TAPS] = {0};
    float *nf = NULL, *norm = NULL;
    float *dlayer = malloc(sizeof(float) * (size_t)N), *ddev = falloc(N);
    if (!dlayer || !ddev) rc = fs_errorf(err, "out of memory");
    for (int n = 0; n < N; n++) dist[n] = 0.0f;
    for (int k = 0; k < FS_LPIPS_TAPS && rc == FS_OK; k++) {
        int i = tap_layer(lp, k) + 1;
        int C = r.C[i];
        long HW = (long)r.H[i] * r.W[i];
        if (C != t->dims[k][0] || r.H[i] != t->dims[k][1] || r.W[i] != t->dims[k][2]) {
            rc = fs_errorf(err, "LPIPS: target features do not match the image");
            break;
        }
        nf = falloc(numel4(N, C, 1, 1) * HW);
        norm = falloc((long)N * HW + HW);
        if (grad_a) dtap[k] = falloc(numel4(N, C, 1, 1) * HW);
        if (!nf || !norm || (grad_a && !dtap[k])) {
            rc = fs_errorf(err, "LPIPS: out of memory");
        } else {
            fs_channel_norm(nf, norm, r.act[i], N, C, HW);
            fs_lpips_tap(ddev, dtap[k], norm + (long)N * HW, r.act[i], nf, norm, t->nf[k], lp->lin[k], N, C, HW,
                         grad_scale);
            fs_dev_download(dlayer, ddev, sizeof(float) * (size_t)N);
            for (int n = 0; n < N; n++) {
                dist[n] += dlayer[n];
                if (per_layer) per_layer[(long)k * N + n] = dlayer[n];
            }
        }
        fs_dev_free(nf);
        fs_dev_free(norm);
        nf = norm = NULL;
    }
    if (rc == FS_OK && grad_a) rc = trunk_backward(lp, &r, dtap, grad_a, err);
    for (int k = 0; k < FS_LPIPS_TAPS; k++) fs_dev_free(dtap[k]);
    free(dlayer);
    fs_dev_free(ddev);
    run_free(&r);
    return rc;
}

int fs_lpips_distance(const fs_lpips *lp, const float *a, const float *b, int N, int H, int W, float *dist,
                      float *per_layer, float *grad_a, float grad_scale, fs_err *err) {
    fs_lpips_target *t = NULL;
    if (fs_lpips_target_create(&t, lp, b, N, H, W, err)) return FS_ERR;
    int rc = fs_lpips_distance_to(lp, t, a, dist, per_layer, grad_a, grad_scale, err);
    fs_lpips_target_destroy(t);
    return rc;
}
