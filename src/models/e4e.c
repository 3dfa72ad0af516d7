/* e4e.c — Encoder4Editing forward (see e4e.h). */
#include "models/e4e.h"

#include "models/featmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "tensor/activation.h"
#include "tensor/batchnorm.h"
#include "tensor/conv2d.h"
#include "tensor/linear.h"
#include "tensor/pool.h"
#include "tensor/resize.h"
#include "weights/load.h"

#define E4E_EPS 1e-5f
#define E4E_MAX_UNITS 64
#define E4E_MAX_STYLES 32
#define E4E_MAX_CONVS 12
/* the official taps and FPN split points (psp_encoders.Encoder4Editing) */
#define TAP_C1 6
#define TAP_C2 20
#define TAP_C3 23
#define COARSE_IND 3
#define MIDDLE_IND 7

typedef fs_bn_ref e_bn;

typedef struct e_unit {
    int cin, depth, stride;
    e_bn bn0;               /* res_layer.0 (on the input, cin) */
    const float *conv1;     /* res_layer.1 [depth, cin, 3, 3] */
    const float *prelu;     /* res_layer.2 [depth] */
    const float *conv2;     /* res_layer.3 [depth, depth, 3, 3] (stride) */
    e_bn bn4;               /* res_layer.4 */
    const float *se1, *se2; /* res_layer.5.fc1 [depth/16, depth], fc2 [depth, depth/16] */
    int se_c;
    const float *sc_conv;   /* shortcut_layer.0 [depth, cin, 1, 1] or NULL (subsampling) */
    e_bn sc_bn;
} e_unit;

typedef struct e_style {
    int nconv;
    int cout[E4E_MAX_CONVS];
    const float *w[E4E_MAX_CONVS], *b[E4E_MAX_CONVS];
    float *lin_w;           /* EqualLinear weight * 1/sqrt(in) (owned) */
    const float *lin_b;
} e_style;

struct fs_e4e {
    int c0;                 /* input layer width */
    const float *in_conv, *in_prelu;
    e_bn in_bn;
    int n_units;
    e_unit units[E4E_MAX_UNITS];
    int c_fpn;              /* FPN / style width (512 in the real model) */
    const float *lat1_w, *lat1_b, *lat2_w, *lat2_b;
    int n_styles, w_dim;
    e_style styles[E4E_MAX_STYLES];
    float *latent_avg;      /* (n_styles, w_dim), owned; NULL when absent */
    int stage;
    fs_tensor_map *owned;
};

/* ---- loading ---- */
static const float *need(const fs_tensor_map *m, const char *name, int ndim, const int64_t *shape, fs_err *err) {
    const fs_tensor *t = fs_tensor_map_get(m, name);
    if (!t) {
        fs_errorf(err, "missing tensor '%s' (not an e4e encoder checkpoint?)", name);
        return NULL;
    }
    int ok = t->dtype == FS_F32 && t->ndim == ndim && fs_tensor_is_contiguous(t);
    for (int i = 0; ok && shape && i < ndim; i++)
        if (shape[i] >= 0 && t->shape[i] != shape[i]) ok = 0;
    if (!ok) {
        char b[96], w[96] = "";
        size_t len = 0;
        for (int i = 0; shape && i < ndim; i++)
            len += (size_t)snprintf(w + len, sizeof w - len, "%s%lld", i ? ", " : "", (long long)shape[i]);
        fs_errorf(err, "tensor '%s' is %s %s, expected F32 [%s] (-1 = any)", name, fs_dtype_name(t->dtype),
                  fs_tensor_shape_str(t, b, sizeof b), w);
        return NULL;
    }
    return fs_tensor_f32(t);
}

static int load_bn(const fs_tensor_map *m, const char *prefix, int C, e_bn *bn, fs_err *err) {
    return fs_bn_ref_load(m, prefix, C, bn, err);
}


static int dim_of(const fs_tensor_map *m, const char *name, int axis, int *out, fs_err *err) {
    const fs_tensor *t = fs_tensor_map_get(m, name);
    if (!t) return fs_errorf(err, "missing tensor '%s' (not an e4e encoder checkpoint?)", name);
    if (t->ndim <= axis || t->shape[axis] < 1 || t->shape[axis] > 65536)
        return fs_errorf(err, "tensor '%s' has an unusable shape", name);
    *out = (int)t->shape[axis];
    return FS_OK;
}

int fs_e4e_num_ws(const fs_e4e *e) { return e->n_styles; }
int fs_e4e_w_dim(const fs_e4e *e) { return e->w_dim; }
int fs_e4e_has_latent_avg(const fs_e4e *e) { return e->latent_avg != NULL; }
void fs_e4e_set_stage(fs_e4e *e, int stage) { e->stage = stage; }

void fs_e4e_destroy(fs_e4e *e) {
    if (!e) return;
    for (int i = 0; i < E4E_MAX_STYLES; i++) free(e->styles[i].lin_w);
    free(e->latent_avg);
    fs_tensor_map_destroy(e->owned);
    free(e);
}

int fs_e4e_create(fs_e4e **out, fs_tensor_map *m, int take_ownership, fs_err *err) {
    fs_e4e *e = calloc(1, sizeof *e);
    if (!e) {
        if (take_ownership) fs_tensor_map_destroy(m);
        return fs_errorf(err, "out of memory");
    }
    if (take_ownership) e->owned = m;
    e->stage = 1 << 30;
    char n[160], p[160];
    if (dim_of(m, "encoder.input_layer.0.weight", 0, &e->c0, err)) goto fail;
    {
        int64_t s[4] = {e->c0, 3, 3, 3}, s1[1] = {e->c0};
        if (!(e->in_conv = need(m, "encoder.input_layer.0.weight", 4, s, err)) ||
            load_bn(m, "encoder.input_layer.1", e->c0, &e->in_bn, err) ||
            !(e->in_prelu = need(m, "encoder.input_layer.2.weight", 1, s1, err)))
            goto fail;
    }
    int c = e->c0;
    for (int i = 0; i < E4E_MAX_UNITS; i++) {
        snprintf(n, sizeof n, "encoder.body.%d.res_layer.1.weight", i);
        if (!fs_tensor_map_get(m, n)) break;
        e_unit *U = &e->units[i];
        U->cin = c;
        if (dim_of(m, n, 0, &U->depth, err)) goto fail;
        const int d = U->depth;
        snprintf(n, sizeof n, "encoder.body.%d.shortcut_layer.0.weight", i);
        int has_sc = fs_tensor_map_get(m, n) != NULL;
        /* stride 2 at the first unit and where a stage begins (the width changes) */
        U->stride = (i == 0 || has_sc) ? 2 : 1;
        if (!has_sc && c != d) {
            fs_errorf(err, "encoder.body.%d changes width %d -> %d without a shortcut conv", i, c, d);
            goto fail;
        }
        int64_t s_c1[4] = {d, c, 3, 3}, s_c2[4] = {d, d, 3, 3}, s_d[1] = {d};
        snprintf(p, sizeof p, "encoder.body.%d.res_layer.0", i);
        if (load_bn(m, p, c, &U->bn0, err)) goto fail;
        snprintf(n, sizeof n, "encoder.body.%d.res_layer.1.weight", i);
        if (!(U->conv1 = need(m, n, 4, s_c1, err))) goto fail;
        snprintf(n, sizeof n, "encoder.body.%d.res_layer.2.weight", i);
        if (!(U->prelu = need(m, n, 1, s_d, err))) goto fail;
        snprintf(n, sizeof n, "encoder.body.%d.res_layer.3.weight", i);
        if (!(U->conv2 = need(m, n, 4, s_c2, err))) goto fail;
        snprintf(p, sizeof p, "encoder.body.%d.res_layer.4", i);
        if (load_bn(m, p, d, &U->bn4, err)) goto fail;
        snprintf(n, sizeof n, "encoder.body.%d.res_layer.5.fc1.weight", i);
        if (dim_of(m, n, 0, &U->se_c, err)) goto fail;
        int64_t s_f1[4] = {U->se_c, d, 1, 1}, s_f2[4] = {d, U->se_c, 1, 1};
        if (!(U->se1 = need(m, n, 4, s_f1, err))) goto fail;
        snprintf(n, sizeof n, "encoder.body.%d.res_layer.5.fc2.weight", i);
        if (!(U->se2 = need(m, n, 4, s_f2, err))) goto fail;
        if (has_sc) {
            int64_t s_sc[4] = {d, c, 1, 1};
            snprintf(n, sizeof n, "encoder.body.%d.shortcut_layer.0.weight", i);
            if (!(U->sc_conv = need(m, n, 4, s_sc, err))) goto fail;
            snprintf(p, sizeof p, "encoder.body.%d.shortcut_layer.1", i);
            if (load_bn(m, p, d, &U->sc_bn, err)) goto fail;
        }
        c = d;
        e->n_units++;
    }
    snprintf(p, sizeof p, "encoder.body.%d.", e->n_units);
    if (fs_map_has_prefix(m, p)) {
        fs_errorf(err, "incomplete unit: missing tensor '%sres_layer.1.weight'", p);
        goto fail;
    }
    if (e->n_units <= TAP_C3) {
        fs_errorf(err, "the encoder body has %d units; e4e taps units %d, %d and %d", e->n_units, TAP_C1, TAP_C2,
                  TAP_C3);
        goto fail;
    }
    const int cc1 = e->units[TAP_C1].depth, cc2 = e->units[TAP_C2].depth, cc3 = e->units[TAP_C3].depth;
    e->c_fpn = cc3;
    {
        int64_t s1[4] = {cc3, cc2, 1, 1}, s2[4] = {cc3, cc1, 1, 1}, sb[1] = {cc3};
        if (!(e->lat1_w = need(m, "encoder.latlayer1.weight", 4, s1, err)) ||
            !(e->lat1_b = need(m, "encoder.latlayer1.bias", 1, sb, err)) ||
            !(e->lat2_w = need(m, "encoder.latlayer2.weight", 4, s2, err)) ||
            !(e->lat2_b = need(m, "encoder.latlayer2.bias", 1, sb, err)))
            goto fail;
    }
    for (int i = 0; i < E4E_MAX_STYLES; i++) {
        snprintf(n, sizeof n, "encoder.styles.%d.linear.weight", i);
        if (!fs_tensor_map_get(m, n)) break;
        e_style *S = &e->styles[i];
        int cin = cc3, cout = 0;
        for (int k = 0; k < E4E_MAX_CONVS; k++) {
            snprintf(n, sizeof n, "encoder.styles.%d.convs.%d.weight", i, 2 * k);
            if (!fs_tensor_map_get(m, n)) break;
            if (dim_of(m, n, 0, &cout, err)) goto fail;
            int64_t sw[4] = {cout, cin, 3, 3}, sb[1] = {cout};
            if (!(S->w[k] = need(m, n, 4, sw, err))) goto fail;
            snprintf(n, sizeof n, "encoder.styles.%d.convs.%d.bias", i, 2 * k);
            if (!(S->b[k] = need(m, n, 1, sb, err))) goto fail;
            S->cout[k] = cout;
            cin = cout;
            S->nconv++;
        }
        if (!S->nconv) {
            fs_errorf(err, "missing tensor 'encoder.styles.%d.convs.0.weight'", i);
            goto fail;
        }
        /* GradualStyleBlock(spatial 16 / 32 / 64): one more stride-2 conv after each FPN level */
        int want = e->styles[0].nconv + (i >= COARSE_IND) + (i >= MIDDLE_IND);
        if (i > 0 && S->nconv != want) {
            fs_errorf(err, "style block %d has %d convs, expected %d (%d for block 0, one more from block %d and "
                           "from block %d on): missing tensor 'encoder.styles.%d.convs.%d.weight'?", i, S->nconv, want,
                      e->styles[0].nconv, COARSE_IND, MIDDLE_IND, i, 2 * S->nconv);
            goto fail;
        }
        /* a gap in the conv chain (convs.{2k} missing but a later one present) is damage */
        for (int j = 2 * S->nconv; j < 2 * E4E_MAX_CONVS + 2; j++) {
            snprintf(p, sizeof p, "encoder.styles.%d.convs.%d.", i, j);
            if (fs_map_has_prefix(m, p)) {
                fs_errorf(err, "missing tensor 'encoder.styles.%d.convs.%d.weight' (style block %d is incomplete)", i,
                          2 * S->nconv, i);
                goto fail;
            }
        }
        int wd;
        snprintf(n, sizeof n, "encoder.styles.%d.linear.weight", i);
        if (dim_of(m, n, 0, &wd, err)) goto fail;
        if (i == 0) e->w_dim = wd;
        int64_t sl[2] = {e->w_dim, cin}, sb[1] = {e->w_dim};
        const float *lw = need(m, n, 2, sl, err);
        if (!lw) goto fail;
        snprintf(n, sizeof n, "encoder.styles.%d.linear.bias", i);
        if (!(S->lin_b = need(m, n, 1, sb, err))) goto fail;
        /* EqualLinear(lr_mul=1): F.linear(x, weight * (1/sqrt(in)), bias) */
        S->lin_w = malloc(sizeof(float) * (size_t)e->w_dim * (size_t)cin);
        if (!S->lin_w) {
            fs_errorf(err, "out of memory");
            goto fail;
        }
        const float scale = (float)(1.0 / sqrt((double)cin));
        for (long j = 0; j < (long)e->w_dim * cin; j++) S->lin_w[j] = lw[j] * scale;
        e->n_styles++;
    }
    snprintf(p, sizeof p, "encoder.styles.%d.", e->n_styles);
    if (fs_map_has_prefix(m, p)) {
        fs_errorf(err, "incomplete style block: missing tensor '%slinear.weight'", p);
        goto fail;
    }
    if (!e->n_styles) {
        fs_errorf(err, "missing tensor 'encoder.styles.0.linear.weight' (not an e4e encoder checkpoint?)");
        goto fail;
    }
    const fs_tensor *la = fs_tensor_map_get(m, "latent_avg");
    if (la) {
        long nla = (long)fs_tensor_numel(la);
        int rows = la->ndim == 2 ? (int)la->shape[0] : 1;
        if (la->dtype != FS_F32 || !fs_tensor_is_contiguous(la) || la->ndim < 1 || la->ndim > 2 ||
            la->shape[la->ndim - 1] != e->w_dim || (rows != 1 && rows != e->n_styles)) {
            char b[96];
            fs_errorf(err, "latent_avg is %s %s; expected F32 [%d, %d] or [%d]", fs_dtype_name(la->dtype),
                      fs_tensor_shape_str(la, b, sizeof b), e->n_styles, e->w_dim, e->w_dim);
            goto fail;
        }
        e->latent_avg = malloc(sizeof(float) * (size_t)e->n_styles * (size_t)e->w_dim);
        if (!e->latent_avg) {
            fs_errorf(err, "out of memory");
            goto fail;
        }
        const float *src = fs_tensor_f32(la);
        for (int r = 0; r < e->n_styles; r++)
            memcpy(e->latent_avg + (long)r * e->w_dim, src + (rows == 1 ? 0 : (long)r * e->w_dim),
                   sizeof(float) * (size_t)e->w_dim);
        (void)nla;
    }
    *out = e;
    return FS_OK;
fail:
    fs_e4e_destroy(e);
    return FS_ERR;
}

int fs_e4e_load(const char *path, fs_e4e **out, fs_err *err) {
    fs_tensor_map *m = NULL;
    if (fs_weights_load_canonical(path, "e4e", &m, err)) return FS_ERR;
    if (fs_e4e_create(out, m, 1, err)) return fs_err_prefix(err, path);
    return FS_OK;
}

/* ---- forward ---- */
typedef fs_fmap fmap;

static int fm_alloc(fmap *f, int N, int C, int H, int W, fs_err *err) { return fs_fmap_alloc(f, N, C, H, W, "e4e", err); }

static int conv(fmap *out, const fmap *in, const float *w, const float *b, int cout, int k, int s, int p,
                fs_err *err) {
    fs_conv2d_dims d = fs_conv2d_dims_make(in->N, in->C, in->H, in->W, cout, k, s, p);
    if (fs_conv2d_dims_init(&d, err)) return FS_ERR;
    if (fm_alloc(out, in->N, cout, d.H_out, d.W_out, err)) return FS_ERR;
    fs_conv2d_forward(out->d, in->d, w, b, &d);
    return FS_OK;
}

static void bn(fmap *x, const fmap *in, const e_bn *b) {
    fs_batchnorm_forward(x->d, in->d, b->mean, b->var, b->gamma, b->beta, E4E_EPS, in->N, in->C, fs_fmap_hw(in));
}

/* bottleneck_IR_SE */
static int unit_forward(fmap *out, const fmap *x, const e_unit *U, fs_err *err) {
    fmap t = {0}, r = {0}, s = {0};
    const int N = x->N, d = U->depth;
    if (fm_alloc(&t, N, x->C, x->H, x->W, err)) return FS_ERR;
    bn(&t, x, &U->bn0);
    if (conv(&r, &t, U->conv1, NULL, d, 3, 1, 1, err)) goto fail;
    fs_fmap_free(&t);
    fs_prelu_forward(r.d, r.d, U->prelu, N, d, fs_fmap_hw(&r));
    if (conv(out, &r, U->conv2, NULL, d, 3, U->stride, 1, err)) goto fail;
    fs_fmap_free(&r);
    bn(out, out, &U->bn4);
    /* SE: x * sigmoid(fc2(relu(fc1(gap(x))))) */
    {
        float *g = malloc(sizeof(float) * (size_t)N * (size_t)d), *h = malloc(sizeof(float) * (size_t)N * U->se_c),
              *a = malloc(sizeof(float) * (size_t)N * (size_t)d);
        if (!g || !h || !a) {
            free(g), free(h), free(a);
            fs_errorf(err, "e4e: out of memory");
            goto fail;
        }
        fs_adaptive_avgpool2d_forward(g, out->d, N, d, out->H, out->W, 1, 1);
        fs_linear_forward(h, g, U->se1, NULL, N, d, U->se_c);
        fs_relu_forward(h, h, (long)N * U->se_c);
        fs_linear_forward(a, h, U->se2, NULL, N, U->se_c, d);
        fs_sigmoid_forward(a, a, (long)N * d);
        long hw = fs_fmap_hw(out);
        for (long nc = 0; nc < (long)N * d; nc++)
            for (long i = 0; i < hw; i++) out->d[nc * hw + i] *= a[nc];
        free(g), free(h), free(a);
    }
    /* shortcut */
    if (U->sc_conv) {
        if (conv(&s, x, U->sc_conv, NULL, d, 1, U->stride, 0, err)) goto fail;
        bn(&s, &s, &U->sc_bn);
    } else {
        /* MaxPool2d(kernel 1, stride): every stride-th pixel */
        if (fm_alloc(&s, N, d, (x->H - 1) / U->stride + 1, (x->W - 1) / U->stride + 1, err)) goto fail;
        for (long nc = 0; nc < (long)N * d; nc++)
            for (int y = 0; y < s.H; y++)
                for (int xx = 0; xx < s.W; xx++)
                    s.d[(nc * s.H + y) * s.W + xx] = x->d[(nc * x->H + (long)y * U->stride) * x->W + (long)xx * U->stride];
    }
    if (s.H != out->H || s.W != out->W) {
        fs_errorf(err, "e4e: shortcut and residual sizes differ (%dx%d vs %dx%d)", s.H, s.W, out->H, out->W);
        goto fail;
    }
    {
        long n = fs_fmap_numel(out);
        for (long i = 0; i < n; i++) out->d[i] += s.d[i];
    }
    fs_fmap_free(&s);
    return FS_OK;
fail:
    fs_fmap_free(&t), fs_fmap_free(&r), fs_fmap_free(&s), fs_fmap_free(out);
    return FS_ERR;
}

/* p = bilinear(align_corners=True)(x -> size of y) + latlayer(y) */
static int upsample_add(fmap *p, const fmap *x, const fmap *y, const float *lw, const float *lb, fs_err *err) {
    if (conv(p, y, lw, lb, x->C, 1, 1, 0, err)) return FS_ERR;
    fmap u = {0};
    if (fm_alloc(&u, x->N, x->C, y->H, y->W, err)) {
        fs_fmap_free(p);
        return FS_ERR;
    }
    if (fs_resize_bilinear_forward(u.d, x->d, x->N, x->C, x->H, x->W, y->H, y->W, 1, err)) {
        fs_fmap_free(&u), fs_fmap_free(p);
        return FS_ERR;
    }
    long n = fs_fmap_numel(p);
    for (long i = 0; i < n; i++) p->d[i] = u.d[i] + p->d[i];
    fs_fmap_free(&u);
    return FS_OK;
}

/* GradualStyleBlock: out (N, w_dim) */
static int style_forward(float *out, const fmap *f, const e_style *S, int w_dim, fs_err *err) {
    fmap a = {0}, b = {0};
    const fmap *cur = f;
    for (int k = 0; k < S->nconv; k++) {
        if (conv(&b, cur, S->w[k], S->b[k], S->cout[k], 3, 2, 1, err)) {
            fs_fmap_free(&a);
            return FS_ERR;
        }
        fs_leaky_relu_forward(b.d, b.d, fs_fmap_numel(&b), 0.01f);
        fs_fmap_free(&a);
        a = b;
        b.d = NULL;
        cur = &a;
    }
    if (a.H != 1 || a.W != 1) {
        int h = a.H, w = a.W;
        fs_fmap_free(&a);
        return fs_errorf(err, "e4e: the style block ends at %dx%d, not 1x1: the input must be at most 256x256 "
                              "(e4e takes 256x256 crops)", h, w);
    }
    fs_linear_forward(out, a.d, S->lin_w, S->lin_b, a.N, a.C, w_dim);
    fs_fmap_free(&a);
    return FS_OK;
}

#define HOOK(name, f)                                                  \
    do {                                                               \
        if (hook) hook(user, name, (f).d, (f).N, (f).C, (f).H, (f).W); \
    } while (0)

int fs_e4e_encode(const fs_e4e *e, const float *x, int N, int H, int W, float *ws, int add_latent_avg,
                  fs_e4e_hook hook, void *user, fs_err *err) {
    if (N < 1 || H < 1 || W < 1 || H > 4096 || W > 4096) return fs_errorf(err, "e4e: bad input size %dx3x%dx%d", N, H, W);
    if (add_latent_avg && !e->latent_avg)
        return fs_errorf(err, "e4e: the checkpoint has no latent_avg (needed for W+ = codes + latent_avg)");
    fmap in = {(float *)x, N, 3, H, W};
    fmap a = {0}, b = {0}, c1 = {0}, c2 = {0}, c3 = {0}, p2 = {0}, p1 = {0};
    float *delta = NULL;
    const int D = e->w_dim, S = e->n_styles;
    /* input layer */
    if (conv(&a, &in, e->in_conv, NULL, e->c0, 3, 1, 1, err)) goto fail;
    bn(&a, &a, &e->in_bn);
    fs_prelu_forward(a.d, a.d, e->in_prelu, N, e->c0, fs_fmap_hw(&a));
    /* body up to the last tap */
    for (int i = 0; i <= TAP_C3; i++) {
        if (unit_forward(&b, &a, &e->units[i], err)) goto fail;
        fs_fmap_free(&a);
        a = b;
        b.d = NULL;
        fmap *tap = i == TAP_C1 ? &c1 : i == TAP_C2 ? &c2 : NULL;
        if (tap) {
            if (fm_alloc(tap, a.N, a.C, a.H, a.W, err)) goto fail;
            memcpy(tap->d, a.d, sizeof(float) * (size_t)fs_fmap_numel(&a));
        }
    }
    c3 = a;
    a.d = NULL;
    HOOK("c1", c1);
    HOOK("c2", c2);
    HOOK("c3", c3);
    delta = malloc(sizeof(float) * (size_t)N * (size_t)D);
    if (!delta) {
        fs_errorf(err, "e4e: out of memory");
        goto fail;
    }
    /* w0 on every row, then the deltas */
    if (style_forward(delta, &c3, &e->styles[0], D, err)) goto fail;
    if (hook) hook(user, "w0", delta, N, D, 1, 1);
    for (int n = 0; n < N; n++)
        for (int s = 0; s < S; s++) memcpy(ws + ((long)n * S + s) * D, delta + (long)n * D, sizeof(float) * (size_t)D);
    const fmap *feat = &c3;
    int last = S - 1 < e->stage ? S - 1 : e->stage;
    for (int i = 1; i <= last; i++) {
        if (i == COARSE_IND) {
            if (upsample_add(&p2, &c3, &c2, e->lat1_w, e->lat1_b, err)) goto fail;
            HOOK("p2", p2);
            feat = &p2;
        } else if (i == MIDDLE_IND) {
            if (upsample_add(&p1, &p2, &c1, e->lat2_w, e->lat2_b, err)) goto fail;
            HOOK("p1", p1);
            feat = &p1;
        }
        if (style_forward(delta, feat, &e->styles[i], D, err)) goto fail;
        for (int n = 0; n < N; n++) {
            float *row = ws + ((long)n * S + i) * D;
            for (int j = 0; j < D; j++) row[j] += delta[(long)n * D + j];
        }
    }
    if (add_latent_avg)
        for (int n = 0; n < N; n++)
            for (long j = 0; j < (long)S * D; j++) ws[(long)n * S * D + j] += e->latent_avg[j];
    free(delta);
    fs_fmap_free(&c1), fs_fmap_free(&c2), fs_fmap_free(&c3), fs_fmap_free(&p2), fs_fmap_free(&p1);
    return FS_OK;
fail:
    free(delta);
    fs_fmap_free(&a), fs_fmap_free(&b), fs_fmap_free(&c1), fs_fmap_free(&c2), fs_fmap_free(&c3), fs_fmap_free(&p2), fs_fmap_free(&p1);
    return FS_ERR;
}

/* ---- input resize ---- */
int fs_e4e_resize_input(float *out, const float *in, int H, int W, int S, int antialias, fs_err *err) {
    if (antialias) return fs_resize_bilinear_aa_forward(out, in, 1, 3, H, W, S, S, err);
    return fs_resize_bilinear_forward(out, in, 1, 3, H, W, S, S, 0, err);
}
