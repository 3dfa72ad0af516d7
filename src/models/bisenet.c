/* bisenet.c — BiSeNet face parsing forward (see bisenet.h). Every block is written out as in
 * face-parsing.PyTorch's model.py / resnet.py; feature maps are freed as soon as unused. */
#include "models/bisenet.h"

#include "models/featmap.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "tensor/activation.h"
#include "tensor/batchnorm.h"
#include "tensor/conv2d.h"
#include "tensor/pool.h"
#include "tensor/resize.h"
#include "weights/load.h"

#define BS_EPS 1e-5f

typedef fs_bn_ref bs_bn;
/* conv (no bias) + optional BN */
typedef struct bs_cb {
    const float *w;
    int cout, cin, k;
    bs_bn bn;
} bs_cb;
typedef struct bs_block {
    bs_cb conv1, conv2, down; /* down.w NULL: identity shortcut */
    int stride;
} bs_block;

#define BS_MAX_BLOCKS 8

struct fs_bisenet {
    bs_cb conv1;                     /* resnet stem 7x7 s2 */
    int nblocks[4];
    bs_block layer[4][BS_MAX_BLOCKS];
    bs_cb arm16_conv, arm16_atten, arm32_conv, arm32_atten; /* atten: 1x1 conv + BN */
    bs_cb conv_head32, conv_head16, conv_avg;
    bs_cb ffm_convblk, ffm_conv1, ffm_conv2;               /* conv1/conv2: no BN */
    bs_cb out_conv, out_cls, out16_conv, out16_cls, out32_conv, out32_cls;
    int n_classes;
    fs_tensor_map *owned;
};

/* ---- loading ---- */
static const fs_tensor *need(const fs_tensor_map *m, const char *name, int ndim, fs_err *err) {
    const fs_tensor *t = fs_tensor_map_get(m, name);
    if (!t) {
        fs_errorf(err, "missing tensor '%s' (not a face-parsing BiSeNet state_dict?)", name);
        return NULL;
    }
    if (t->dtype != FS_F32 || t->ndim != ndim || !fs_tensor_is_contiguous(t)) {
        char b[96];
        fs_errorf(err, "tensor '%s' is %s %s, expected a contiguous F32 tensor of %d dims", name,
                  fs_dtype_name(t->dtype), fs_tensor_shape_str(t, b, sizeof b), ndim);
        return NULL;
    }
    return t;
}

/* prefix.weight [Cout, cin, k, k] (cin < 0: any); k < 0: any square kernel */
static int load_conv(const fs_tensor_map *m, const char *prefix, int cin, int k, bs_cb *c, fs_err *err) {
    char name[160];
    snprintf(name, sizeof name, "%s.weight", prefix);
    const fs_tensor *w = need(m, name, 4, err);
    if (!w) return FS_ERR;
    if ((cin >= 0 && w->shape[1] != cin) || (k >= 0 && w->shape[2] != k) || w->shape[2] != w->shape[3] ||
        w->shape[0] < 1 || w->shape[0] > 65536 || w->shape[1] < 1 || w->shape[2] < 1 || w->shape[2] > 15) {
        char b[96];
        return fs_errorf(err, "%s is %s, expected [C_out, %d, %d, %d]", name, fs_tensor_shape_str(w, b, sizeof b), cin,
                         k, k);
    }
    c->w = fs_tensor_f32(w);
    c->cout = (int)w->shape[0];
    c->cin = (int)w->shape[1];
    c->k = (int)w->shape[2];
    return FS_OK;
}

static int load_bn(const fs_tensor_map *m, const char *prefix, int C, bs_bn *bn, fs_err *err) {
    return fs_bn_ref_load(m, prefix, C, bn, err);
}


/* ConvBNReLU: prefix.conv.weight + prefix.bn.* */
static int load_cbr(const fs_tensor_map *m, const char *prefix, int cin, int k, bs_cb *c, fs_err *err) {
    char a[160], b[160];
    snprintf(a, sizeof a, "%s.conv", prefix);
    snprintf(b, sizeof b, "%s.bn", prefix);
    if (load_conv(m, a, cin, k, c, err)) return FS_ERR;
    return load_bn(m, b, c->cout, &c->bn, err);
}

int fs_bisenet_num_classes(const fs_bisenet *bs) { return bs->n_classes; }

void fs_bisenet_destroy(fs_bisenet *bs) {
    if (!bs) return;
    fs_tensor_map_destroy(bs->owned);
    free(bs);
}

int fs_bisenet_create(fs_bisenet **out, fs_tensor_map *m, int take_ownership, fs_err *err) {
    fs_bisenet *bs = calloc(1, sizeof *bs);
    if (!bs) {
        if (take_ownership) fs_tensor_map_destroy(m);
        return fs_errorf(err, "out of memory");
    }
    if (take_ownership) bs->owned = m;
    char p[160], q[160];
    if (load_conv(m, "cp.resnet.conv1", 3, 7, &bs->conv1, err) ||
        load_bn(m, "cp.resnet.bn1", bs->conv1.cout, &bs->conv1.bn, err))
        goto fail;
    int c = bs->conv1.cout;
    int cl[4];
    for (int l = 0; l < 4; l++) {
        for (int b = 0; b < BS_MAX_BLOCKS; b++) {
            snprintf(p, sizeof p, "cp.resnet.layer%d.%d.conv1.weight", l + 1, b);
            if (!fs_tensor_map_get(m, p)) break;
            bs_block *B = &bs->layer[l][b];
            B->stride = (l > 0 && b == 0) ? 2 : 1;
            snprintf(p, sizeof p, "cp.resnet.layer%d.%d.conv1", l + 1, b);
            snprintf(q, sizeof q, "cp.resnet.layer%d.%d.bn1", l + 1, b);
            if (load_conv(m, p, c, 3, &B->conv1, err) || load_bn(m, q, B->conv1.cout, &B->conv1.bn, err)) goto fail;
            snprintf(p, sizeof p, "cp.resnet.layer%d.%d.conv2", l + 1, b);
            snprintf(q, sizeof q, "cp.resnet.layer%d.%d.bn2", l + 1, b);
            if (load_conv(m, p, B->conv1.cout, 3, &B->conv2, err) || load_bn(m, q, B->conv2.cout, &B->conv2.bn, err))
                goto fail;
            snprintf(p, sizeof p, "cp.resnet.layer%d.%d.downsample.0.weight", l + 1, b);
            int cout = B->conv2.cout;
            if (fs_tensor_map_get(m, p)) {
                snprintf(p, sizeof p, "cp.resnet.layer%d.%d.downsample.0", l + 1, b);
                snprintf(q, sizeof q, "cp.resnet.layer%d.%d.downsample.1", l + 1, b);
                if (load_conv(m, p, c, 1, &B->down, err) || load_bn(m, q, B->down.cout, &B->down.bn, err)) goto fail;
                if (B->down.cout != cout) {
                    fs_errorf(err, "%s.weight has %d outputs, the block %d", p, B->down.cout, cout);
                    goto fail;
                }
            } else if (c != cout || B->stride != 1) {
                fs_errorf(err, "cp.resnet.layer%d.%d changes shape but has no downsample", l + 1, b);
                goto fail;
            }
            c = cout;
            bs->nblocks[l]++;
        }
        snprintf(p, sizeof p, "cp.resnet.layer%d.%d.", l + 1, bs->nblocks[l]);
        if (fs_map_has_prefix(m, p)) {
            fs_errorf(err, "incomplete block: missing tensor '%sconv1.weight'", p);
            goto fail;
        }
        if (!bs->nblocks[l]) {
            fs_errorf(err, "missing tensor 'cp.resnet.layer%d.0.conv1.weight' (not a face-parsing BiSeNet?)", l + 1);
            goto fail;
        }
        cl[l] = c;
    }
    const int c8 = cl[1], c16 = cl[2], c32 = cl[3];
    if (load_cbr(m, "cp.arm32.conv", c32, 3, &bs->arm32_conv, err) ||
        load_conv(m, "cp.arm32.conv_atten", bs->arm32_conv.cout, 1, &bs->arm32_atten, err) ||
        load_bn(m, "cp.arm32.bn_atten", bs->arm32_atten.cout, &bs->arm32_atten.bn, err) ||
        load_cbr(m, "cp.arm16.conv", c16, 3, &bs->arm16_conv, err) ||
        load_conv(m, "cp.arm16.conv_atten", bs->arm16_conv.cout, 1, &bs->arm16_atten, err) ||
        load_bn(m, "cp.arm16.bn_atten", bs->arm16_atten.cout, &bs->arm16_atten.bn, err) ||
        load_cbr(m, "cp.conv_avg", c32, 1, &bs->conv_avg, err))
        goto fail;
    const int ca = bs->arm32_conv.cout;
    if (bs->arm32_atten.cout != ca || bs->conv_avg.cout != ca || bs->arm16_atten.cout != bs->arm16_conv.cout) {
        fs_errorf(err, "BiSeNet context path widths disagree (arm32 %d, conv_avg %d)", ca, bs->conv_avg.cout);
        goto fail;
    }
    if (load_cbr(m, "cp.conv_head32", ca, 3, &bs->conv_head32, err) ||
        load_cbr(m, "cp.conv_head16", bs->arm16_conv.cout, 3, &bs->conv_head16, err))
        goto fail;
    if (bs->conv_head32.cout != bs->arm16_conv.cout) {
        fs_errorf(err, "cp.conv_head32 has %d outputs but arm16 %d", bs->conv_head32.cout, bs->arm16_conv.cout);
        goto fail;
    }
    const int ccp8 = bs->conv_head16.cout;
    if (load_cbr(m, "ffm.convblk", c8 + ccp8, 1, &bs->ffm_convblk, err) ||
        load_conv(m, "ffm.conv1", bs->ffm_convblk.cout, 1, &bs->ffm_conv1, err) ||
        load_conv(m, "ffm.conv2", bs->ffm_conv1.cout, 1, &bs->ffm_conv2, err))
        goto fail;
    if (bs->ffm_conv2.cout != bs->ffm_convblk.cout) {
        fs_errorf(err, "ffm.conv2 has %d outputs, expected %d", bs->ffm_conv2.cout, bs->ffm_convblk.cout);
        goto fail;
    }
    if (load_cbr(m, "conv_out.conv", bs->ffm_convblk.cout, 3, &bs->out_conv, err) ||
        load_conv(m, "conv_out.conv_out", bs->out_conv.cout, 1, &bs->out_cls, err))
        goto fail;
    bs->n_classes = bs->out_cls.cout;
    if (bs->n_classes > 255) {
        fs_errorf(err, "conv_out.conv_out has %d classes (at most 255 supported)", bs->n_classes);
        goto fail;
    }
    /* auxiliary heads: optional (STIT never uses them) */
    if (fs_tensor_map_get(m, "conv_out16.conv.conv.weight")) {
        if (load_cbr(m, "conv_out16.conv", ccp8, 3, &bs->out16_conv, err) ||
            load_conv(m, "conv_out16.conv_out", bs->out16_conv.cout, 1, &bs->out16_cls, err) ||
            load_cbr(m, "conv_out32.conv", bs->conv_head32.cout, 3, &bs->out32_conv, err) ||
            load_conv(m, "conv_out32.conv_out", bs->out32_conv.cout, 1, &bs->out32_cls, err))
            goto fail;
    }
    *out = bs;
    return FS_OK;
fail:
    fs_bisenet_destroy(bs);
    return FS_ERR;
}

int fs_bisenet_load(const char *path, fs_bisenet **out, fs_err *err) {
    fs_tensor_map *m = NULL;
    if (fs_weights_load_canonical(path, "bisenet", &m, err)) return FS_ERR;
    if (fs_bisenet_create(out, m, 1, err)) return fs_err_prefix(err, path);
    return FS_OK;
}

/* ---- forward ---- */
typedef fs_fmap fmap;

static int fm_alloc(fmap *f, int N, int C, int H, int W, fs_err *err) { return fs_fmap_alloc(f, N, C, H, W, "BiSeNet", err); }

/* out = BN(conv(in)) [ReLU]; stride s, padding k/2 */
static int conv_bn(fmap *out, const fmap *in, const bs_cb *c, int s, int relu, fs_err *err) {
    fs_conv2d_dims d = fs_conv2d_dims_make(in->N, in->C, in->H, in->W, c->cout, c->k, s, c->k / 2);
    if (fs_conv2d_dims_init(&d, err)) return FS_ERR;
    if (fm_alloc(out, in->N, c->cout, d.H_out, d.W_out, err)) return FS_ERR;
    fs_conv2d_forward(out->d, in->d, c->w, NULL, &d);
    long hw = (long)out->H * out->W;
    if (c->bn.mean)
        fs_batchnorm_forward(out->d, out->d, c->bn.mean, c->bn.var, c->bn.gamma, c->bn.beta, BS_EPS, out->N, out->C, hw);
    if (relu) fs_relu_forward(out->d, out->d, fs_fmap_numel(out));
    return FS_OK;
}

/* global average pool: out (N, C, 1, 1) */
static int gap(fmap *out, const fmap *in, fs_err *err) {
    if (fm_alloc(out, in->N, in->C, 1, 1, err)) return FS_ERR;
    fs_adaptive_avgpool2d_forward(out->d, in->d, in->N, in->C, in->H, in->W, 1, 1);
    return FS_OK;
}

static int nearest(fmap *out, const fmap *in, int H, int W, fs_err *err) {
    if (fm_alloc(out, in->N, in->C, H, W, err)) return FS_ERR;
    if (fs_resize_nearest_forward(out->d, in->d, in->N, in->C, in->H, in->W, H, W, err)) {
        fs_fmap_free(out);
        return FS_ERR;
    }
    return FS_OK;
}

/* x *= a per (n, c) (a: (N, C, 1, 1)) */
static void scale_channels(fmap *x, const float *a) {
    long hw = (long)x->H * x->W;
    for (long nc = 0; nc < (long)x->N * x->C; nc++)
        for (long i = 0; i < hw; i++) x->d[nc * hw + i] *= a[nc];
}

static void add_into(fmap *x, const fmap *y) {
    long n = fs_fmap_numel(x);
    for (long i = 0; i < n; i++) x->d[i] += y->d[i];
}

/* AttentionRefinementModule: feat = ConvBNReLU3x3(x); feat * sigmoid(BN(conv1x1(gap(feat)))) */
static int arm(fmap *out, const fmap *x, const bs_cb *conv, const bs_cb *atten, fs_err *err) {
    fmap g = {0}, a = {0};
    if (conv_bn(out, x, conv, 1, 1, err)) return FS_ERR;
    if (gap(&g, out, err) || conv_bn(&a, &g, atten, 1, 0, err)) goto fail;
    fs_sigmoid_forward(a.d, a.d, fs_fmap_numel(&a));
    scale_channels(out, a.d);
    fs_fmap_free(&g);
    fs_fmap_free(&a);
    return FS_OK;
fail:
    fs_fmap_free(&g);
    fs_fmap_free(out);
    return FS_ERR;
}

/* BasicBlock: relu(BN(conv(relu(BN(conv(x))))) + shortcut) */
static int basic_block(fmap *out, const fmap *x, const bs_block *B, fs_err *err) {
    fmap r = {0}, s = {0};
    if (conv_bn(&r, x, &B->conv1, B->stride, 1, err)) return FS_ERR;
    if (conv_bn(out, &r, &B->conv2, 1, 0, err)) goto fail;
    fs_fmap_free(&r);
    if (B->down.w) {
        if (conv_bn(&s, x, &B->down, B->stride, 0, err)) goto fail;
        add_into(out, &s);
        fs_fmap_free(&s);
    } else {
        add_into(out, x);
    }
    fs_relu_forward(out->d, out->d, fs_fmap_numel(out));
    return FS_OK;
fail:
    fs_fmap_free(&r);
    fs_fmap_free(out);
    return FS_ERR;
}

/* BiSeNetOutput head: 1x1 classifier on ConvBNReLU3x3 */
static int head(fmap *out, const fmap *x, const bs_cb *conv, const bs_cb *cls, fs_err *err) {
    fmap h = {0};
    if (conv_bn(&h, x, conv, 1, 1, err)) return FS_ERR;
    int rc = conv_bn(out, &h, cls, 1, 0, err);
    fs_fmap_free(&h);
    return rc;
}

#define HOOK(name, f)                                                        \
    do {                                                                     \
        if (hook) hook(user, name, (f).d, (f).N, (f).C, (f).H, (f).W);       \
    } while (0)

int fs_bisenet_forward(const fs_bisenet *bs, const float *x, int N, int H, int W, float *logits,
                       fs_bisenet_hook hook, void *user, fs_err *err) {
    if (N < 1 || H < 1 || W < 1 || H > 16384 || W > 16384)
        return fs_errorf(err, "BiSeNet: bad input size %dx3x%dx%d", N, H, W);
    fmap in = {(float *)x, N, 3, H, W};
    fmap a = {0}, b = {0}, feat8 = {0}, feat16 = {0}, feat32 = {0}, t = {0}, u = {0};
    fmap cp16 = {0}, cp8 = {0}, fuse = {0}, o = {0};
    /* ResNet-18 stem: conv 7x7 s2 -> BN -> ReLU -> maxpool 3/2 pad 1 */
    if (conv_bn(&a, &in, &bs->conv1, 2, 1, err)) goto fail;
    fs_pool2d_dims pd = {0};
    pd.N = N, pd.C = a.C, pd.H = a.H, pd.W = a.W, pd.KH = pd.KW = 3, pd.stride_h = pd.stride_w = 2;
    pd.pad_h = pd.pad_w = 1;
    if (fs_pool2d_dims_init(&pd, err) || fm_alloc(&b, N, a.C, pd.H_out, pd.W_out, err)) goto fail;
    fs_maxpool2d_forward(b.d, NULL, a.d, &pd);
    fs_fmap_free(&a);
    fmap *taps[4] = {NULL, &feat8, &feat16, &feat32};
    for (int l = 0; l < 4; l++) {
        for (int k = 0; k < bs->nblocks[l]; k++) {
            if (basic_block(&a, &b, &bs->layer[l][k], err)) goto fail;
            fs_fmap_free(&b);
            b = a;
            a.d = NULL;
        }
        if (taps[l]) {
            /* keep this stage's output; the next stage reads it */
            if (fm_alloc(taps[l], b.N, b.C, b.H, b.W, err)) goto fail;
            memcpy(taps[l]->d, b.d, sizeof(float) * (size_t)fs_fmap_numel(&b));
        }
    }
    fs_fmap_free(&b);
    HOOK("feat8", feat8);
    HOOK("feat16", feat16);
    HOOK("feat32", feat32);

    /* ContextPath */
    if (gap(&a, &feat32, err) || conv_bn(&b, &a, &bs->conv_avg, 1, 1, err)) goto fail;
    fs_fmap_free(&a);
    if (nearest(&t, &b, feat32.H, feat32.W, err)) goto fail; /* avg_up (a broadcast) */
    fs_fmap_free(&b);
    if (arm(&a, &feat32, &bs->arm32_conv, &bs->arm32_atten, err)) goto fail;
    add_into(&a, &t); /* feat32_sum */
    fs_fmap_free(&t);
    if (nearest(&t, &a, feat16.H, feat16.W, err)) goto fail;
    fs_fmap_free(&a);
    if (conv_bn(&cp16, &t, &bs->conv_head32, 1, 1, err)) goto fail; /* feat32_up */
    fs_fmap_free(&t);
    if (arm(&a, &feat16, &bs->arm16_conv, &bs->arm16_atten, err)) goto fail;
    add_into(&a, &cp16); /* feat16_sum */
    if (nearest(&t, &a, feat8.H, feat8.W, err)) goto fail;
    fs_fmap_free(&a);
    if (conv_bn(&cp8, &t, &bs->conv_head16, 1, 1, err)) goto fail; /* feat16_up */
    fs_fmap_free(&t);
    fs_fmap_free(&feat16);
    fs_fmap_free(&feat32);
    HOOK("feat_cp8", cp8);
    HOOK("feat_cp16", cp16);

    /* FeatureFusionModule on concat(feat8, feat_cp8) */
    if (fm_alloc(&t, N, feat8.C + cp8.C, feat8.H, feat8.W, err)) goto fail;
    {
        long hw = (long)feat8.H * feat8.W;
        for (int n = 0; n < N; n++) {
            memcpy(t.d + (long)n * t.C * hw, feat8.d + (long)n * feat8.C * hw, sizeof(float) * (size_t)(feat8.C * hw));
            memcpy(t.d + ((long)n * t.C + feat8.C) * hw, cp8.d + (long)n * cp8.C * hw,
                   sizeof(float) * (size_t)(cp8.C * hw));
        }
    }
    fs_fmap_free(&feat8);
    if (conv_bn(&fuse, &t, &bs->ffm_convblk, 1, 1, err)) goto fail;
    fs_fmap_free(&t);
    if (gap(&a, &fuse, err) || conv_bn(&b, &a, &bs->ffm_conv1, 1, 1, err)) goto fail;
    fs_fmap_free(&a);
    if (conv_bn(&a, &b, &bs->ffm_conv2, 1, 0, err)) goto fail;
    fs_fmap_free(&b);
    fs_sigmoid_forward(a.d, a.d, fs_fmap_numel(&a));
    {
        /* feat * atten + feat = feat * (1 + atten) written as PyTorch does (mul, then add) */
        long hw = (long)fuse.H * fuse.W;
        for (long nc = 0; nc < (long)N * fuse.C; nc++)
            for (long i = 0; i < hw; i++) {
                float f = fuse.d[nc * hw + i];
                fuse.d[nc * hw + i] = f * a.d[nc] + f;
            }
    }
    fs_fmap_free(&a);
    HOOK("feat_fuse", fuse);

    /* main head, bilinear (align_corners=True) to the input size */
    if (head(&o, &fuse, &bs->out_conv, &bs->out_cls, err)) goto fail;
    fs_fmap_free(&fuse);
    HOOK("conv_out_lowres", o);
    if (fs_resize_bilinear_forward(logits, o.d, N, o.C, o.H, o.W, H, W, 1, err)) goto fail;
    fs_fmap_free(&o);
    if (hook && bs->out16_cls.w) {
        if (head(&u, &cp8, &bs->out16_conv, &bs->out16_cls, err)) goto fail;
        HOOK("conv_out16_lowres", u);
        fs_fmap_free(&u);
        if (head(&u, &cp16, &bs->out32_conv, &bs->out32_cls, err)) goto fail;
        HOOK("conv_out32_lowres", u);
        fs_fmap_free(&u);
    }
    fs_fmap_free(&cp8);
    fs_fmap_free(&cp16);
    return FS_OK;
fail:
    fs_fmap_free(&a), fs_fmap_free(&b), fs_fmap_free(&feat8), fs_fmap_free(&feat16), fs_fmap_free(&feat32), fs_fmap_free(&t), fs_fmap_free(&u);
    fs_fmap_free(&cp16), fs_fmap_free(&cp8), fs_fmap_free(&fuse), fs_fmap_free(&o);
    return FS_ERR;
}

void fs_bisenet_normalize(float *x, const float *img, int N, long HW) {
    static const float mean[3] = {0.485f, 0.456f, 0.406f}, std[3] = {0.229f, 0.224f, 0.225f};
    for (int n = 0; n < N; n++)
        for (int c = 0; c < 3; c++) {
            const float *s = img + ((long)n * 3 + c) * HW;
            float *d = x + ((long)n * 3 + c) * HW;
            for (long i = 0; i < HW; i++) {
                float v = s[i] < -1.0f ? -1.0f : s[i] > 1.0f ? 1.0f : s[i];
                d[i] = ((v + 1.0f) / 2.0f - mean[c]) / std[c];
            }
        }
}

int fs_bisenet_parse(const fs_bisenet *bs, const float *img, int N, int H, int W, float *logits, fs_err *err) {
    size_t n;
    if (N < 1 || H < 1 || W < 1 || !fs_mul_size((size_t)N * 3, (size_t)H * (size_t)W, &n))
        return fs_errorf(err, "BiSeNet: bad input size");
    float *x = malloc(n * sizeof(float));
    if (!x) return fs_errorf(err, "BiSeNet: out of memory");
    fs_bisenet_normalize(x, img, N, (long)H * W);
    int rc = fs_bisenet_forward(bs, x, N, H, W, logits, NULL, NULL, err);
    free(x);
    return rc;
}

void fs_bisenet_argmax(uint8_t *labels, const float *logits, int N, int C, long HW) {
    for (int n = 0; n < N; n++)
        for (long p = 0; p < HW; p++) {
            const float *l = logits + (long)n * C * HW + p;
            int best = 0;
            float bv = l[0];
            for (int c = 1; c < C; c++)
                if (l[c * HW] > bv) bv = l[c * HW], best = c;
            labels[(long)n * HW + p] = (uint8_t)best;
        }
}
