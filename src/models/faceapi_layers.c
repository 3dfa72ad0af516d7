/* faceapi_layers.c — shared layers of the face-api networks (see faceapi_layers.h). */
#include "models/faceapi_layers.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tensor/conv2d.h"
#include "tensor/resize.h"
#include "weights/tfjs.h"

void fs_fa_params_free(fs_fa_params *p) {
    for (int i = 0; i < p->n; i++) free(p->arrays[i]);
    free(p->arrays);
    memset(p, 0, sizeof *p);
}

static float *alloc(fs_fa_params *p, size_t n, fs_err *err) {
    if (p->n == p->cap) {
        int cap = p->cap ? 2 * p->cap : 64;
        float **na = realloc(p->arrays, (size_t)cap * sizeof *na);
        if (!na) return fs_errorf(err, "out of memory"), NULL;
        p->arrays = na;
        p->cap = cap;
    }
    float *a = malloc((n ? n : 1) * sizeof(float));
    if (!a) return fs_errorf(err, "out of memory"), NULL;
    p->arrays[p->n++] = a;
    return a;
}

static int need(const fs_tensor_map *m, const char *prefix, const char *name, int ndim, const int64_t *shape,
                const float **out, fs_err *err) {
    char full[256];
    snprintf(full, sizeof full, "%s%s%s", prefix, prefix[0] ? "/" : "", name);
    const fs_tensor *t;
    if (fs_tensor_map_require(m, full, ndim, shape, &t, err)) return FS_ERR;
    *out = (const float *)t->data;
    return FS_OK;
}

/* TF [kh, kw, in, out] -> (out, in, kh, kw). */
static void hwio_to_oihw(float *dst, const float *src, int k, int cin, int cout) {
    for (int ky = 0; ky < k; ky++)
        for (int kx = 0; kx < k; kx++)
            for (int i = 0; i < cin; i++)
                for (int o = 0; o < cout; o++)
                    dst[(((size_t)o * cin + i) * k + ky) * k + kx] = src[(((size_t)ky * k + kx) * cin + i) * cout + o];
}

int fs_fa_conv_load(fs_fa_params *p, const fs_tensor_map *m, const char *prefix, const char *wname, const char *bname,
                    fs_fa_conv *c, fs_err *err) {
    char full[256];
    snprintf(full, sizeof full, "%s/%s", prefix, wname);
    const fs_tensor *t = fs_tensor_map_get(m, full);
    if (!t || t->ndim != 4 || t->shape[0] != t->shape[1])
        return fs_errorf(err, "missing tensor '%s' (a square [k, k, in, out] conv filter)", full);
    c->k = (int)t->shape[0];
    c->cin = (int)t->shape[2];
    c->cout = (int)t->shape[3];
    int64_t bs[1] = {c->cout};
    const float *b;
    if (need(m, prefix, bname, 1, bs, &b, err)) return FS_ERR;
    if (!(c->w = alloc(p, (size_t)c->k * c->k * c->cin * c->cout, err)) || !(c->b = alloc(p, (size_t)c->cout, err)))
        return FS_ERR;
    hwio_to_oihw(c->w, (const float *)t->data, c->k, c->cin, c->cout);
    memcpy(c->b, b, (size_t)c->cout * sizeof(float));
    return FS_OK;
}

int fs_fa_sepconv_load(fs_fa_params *p, const fs_tensor_map *m, const char *prefix, fs_fa_sepconv *c, fs_err *err) {
    char full[256];
    snprintf(full, sizeof full, "%s/pointwise_filter", prefix);
    const fs_tensor *t = fs_tensor_map_get(m, full);
    if (!t || t->ndim != 4 || t->shape[0] != 1 || t->shape[1] != 1)
        return fs_errorf(err, "missing tensor '%s' (a [1, 1, in, out] pointwise filter)", full);
    c->cin = (int)t->shape[2];
    c->cout = (int)t->shape[3];
    int64_t ds[4] = {3, 3, c->cin, 1}, bs[1] = {c->cout};
    const float *dw, *b;
    if (need(m, prefix, "depthwise_filter", 4, ds, &dw, err) || need(m, prefix, "bias", 1, bs, &b, err)) return FS_ERR;
    if (!(c->dw = alloc(p, (size_t)9 * c->cin, err)) || !(c->pw = alloc(p, (size_t)c->cin * c->cout, err)) ||
        !(c->b = alloc(p, (size_t)c->cout, err)))
        return FS_ERR;
    hwio_to_oihw(c->dw, dw, 3, 1, c->cin); /* [3,3,C,1] read as [3,3,1,C]: same bytes */
    hwio_to_oihw(c->pw, (const float *)t->data, 1, c->cin, c->cout);
    memcpy(c->b, b, (size_t)c->cout * sizeof(float));
    return FS_OK;
}

int fs_fa_fc_load(fs_fa_params *p, const fs_tensor_map *m, const char *prefix, int in, int out, fs_fa_fc *c,
                  fs_err *err) {
    int64_t ws[2] = {in, out}, bs[1] = {out};
    const float *w, *b;
    if (need(m, prefix, "weights", 2, ws, &w, err) || need(m, prefix, "bias", 1, bs, &b, err)) return FS_ERR;
    if (!(c->w = alloc(p, (size_t)in * out, err)) || !(c->b = alloc(p, (size_t)out, err))) return FS_ERR;
    memcpy(c->w, w, (size_t)in * out * sizeof(float));
    memcpy(c->b, b, (size_t)out * sizeof(float));
    c->in = in;
    c->out = out;
    return FS_OK;
}

int fs_fa_tensor_load(fs_fa_params *p, const fs_tensor_map *m, const char *name, int ndim, const int64_t *shape,
                      float **out, fs_err *err) {
    size_t n = 1;
    for (int i = 0; i < ndim; i++) n *= (size_t)shape[i];
    const float *v;
    if (need(m, "", name, ndim, shape, &v, err) || !(*out = alloc(p, n, err))) return FS_ERR;
    memcpy(*out, v, n * sizeof(float));
    return FS_OK;
}

int fs_fa_vec_load(fs_fa_params *p, const fs_tensor_map *m, const char *name, int n, float **out, fs_err *err) {
    int64_t s[1] = {n};
    return fs_fa_tensor_load(p, m, name, 1, s, out, err);
}

int fs_fa_mat_load(fs_fa_params *p, const fs_tensor_map *m, const char *name, int rows, int cols, float **out,
                   fs_err *err) {
    int64_t s[2] = {rows, cols};
    return fs_fa_tensor_load(p, m, name, 2, s, out, err);
}

/* TF "same" geometry of a k x k, stride-s conv on H x W. */
static fs_conv2d_dims same_dims(int cin, int H, int W, int cout, int k, int s, int groups) {
    fs_conv2d_dims d = {.N = 1, .C_in = cin, .H = H, .W = W, .C_out = cout, .KH = k, .KW = k, .stride_h = s,
                        .stride_w = s, .dil_h = 1, .dil_w = 1, .groups = groups};
    int ph = (fs_fa_same_out(H, s) - 1) * s + k - H, pw = (fs_fa_same_out(W, s) - 1) * s + k - W;
    if (ph < 0) ph = 0;
    if (pw < 0) pw = 0;
    d.pad_top = ph / 2;
    d.pad_bottom = ph - ph / 2;
    d.pad_left = pw / 2;
    d.pad_right = pw - pw / 2;
    fs_err err;
    int rc = fs_conv2d_dims_init(&d, &err);
    (void)rc;
    return d;
}

void fs_fa_conv_forward(float *out, const float *in, const fs_fa_conv *c, int H, int W, int stride, int *Ho,
                        int *Wo) {
    fs_conv2d_dims d = same_dims(c->cin, H, W, c->cout, c->k, stride, 1);
    fs_conv2d_forward(out, in, c->w, c->b, &d);
    *Ho = d.H_out;
    *Wo = d.W_out;
}

void fs_fa_sepconv_forward(float *out, float *tmp, const float *in, const fs_fa_sepconv *c, int H, int W, int stride,
                           int *Ho, int *Wo) {
    fs_conv2d_dims d = same_dims(c->cin, H, W, c->cin, 3, stride, c->cin);
    fs_conv2d_forward(tmp, in, c->dw, NULL, &d);
    fs_conv2d_dims p = same_dims(c->cin, d.H_out, d.W_out, c->cout, 1, 1, 1);
    fs_conv2d_forward(out, tmp, c->pw, c->b, &p);
    *Ho = d.H_out;
    *Wo = d.W_out;
}

void fs_fa_fc_forward(float *out, const float *in, const fs_fa_fc *c) {
    for (int o = 0; o < c->out; o++) {
        double s = 0;
        for (int i = 0; i < c->in; i++) s += (double)in[i] * c->w[(size_t)i * c->out + o];
        out[o] = (float)(s + c->b[o]);
    }
}

void fs_fa_relu(float *x, long n) {
    for (long i = 0; i < n; i++)
        if (!(x[i] > 0)) x[i] = x[i] != x[i] ? x[i] : 0; /* NaN stays NaN */
}

void fs_fa_add(float *acc, const float *x, long n) {
    for (long i = 0; i < n; i++) acc[i] += x[i];
}

int fs_fa_input(float *out, const uint8_t *rgb, int stride, int x, int y, int w, int h, int size, fs_err *err) {
    return fs_fa_input_ex(out, rgb, stride, x, y, w, h, size, 1, err);
}

int fs_fa_input_ex(float *out, const uint8_t *rgb, int stride, int x, int y, int w, int h, int size, int centre,
                   fs_err *err) {
    if (w <= 0 || h <= 0 || size <= 0) return fs_errorf(err, "face-api input: empty crop %dx%d", w, h);
    int side = w > h ? w : h, diff = side - (w > h ? h : w);
    int after = centre ? (int)floor(diff * 0.5 + 0.5) : diff, before = diff - after; /* JS Math.round */
    int ox = w < h ? before : 0, oy = h < w ? before : 0;
    float *sq = calloc((size_t)3 * side * side, sizeof(float));
    if (!sq) return fs_errorf(err, "out of memory");
    for (int yy = 0; yy < h; yy++) {
        const uint8_t *row = rgb + (size_t)(y + yy) * stride + 3 * (size_t)x;
        for (int xx = 0; xx < w; xx++)
            for (int ch = 0; ch < 3; ch++) sq[((size_t)ch * side + oy + yy) * side + ox + xx] = row[3 * xx + ch];
    }
    if (side == size) memcpy(out, sq, (size_t)3 * side * side * sizeof(float));
    else fs_resize_bilinear_tf_forward(out, sq, 1, 3, side, side, size, size, 0, 0);
    free(sq);
    return FS_OK;
}

void fs_fa_softmax(float *out, const float *in, int n) {
    double mx = in[0], s = 0;
    for (int i = 1; i < n; i++)
        if (!(in[i] <= mx)) mx = in[i];
    for (int i = 0; i < n; i++) s += exp((double)in[i] - mx);
    for (int i = 0; i < n; i++) out[i] = (float)(exp((double)in[i] - mx) / s);
}

void fs_fa_maxpool_same(float *out, const float *in, int C, int H, int W, int k, int s, int *Ho, int *Wo) {
    int ho = fs_fa_same_out(H, s), wo = fs_fa_same_out(W, s);
    int ph = (ho - 1) * s + k - H, pw = (wo - 1) * s + k - W;
    int top = ph > 0 ? ph / 2 : 0, left = pw > 0 ? pw / 2 : 0;
    for (int c = 0; c < C; c++)
        for (int oy = 0; oy < ho; oy++)
            for (int ox = 0; ox < wo; ox++) {
                float m = -INFINITY;
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++) {
                        int iy = oy * s + ky - top, ix = ox * s + kx - left;
                        if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue; /* padding never wins */
                        float v = in[((size_t)c * H + iy) * W + ix];
                        if (!(v <= m)) m = v;
                    }
                out[((size_t)c * ho + oy) * wo + ox] = m;
            }
    *Ho = ho;
    *Wo = wo;
}

void fs_fa_normalize(float *x, const float *img, int S) {
    const float mean[3] = {122.782f, 117.001f, 104.298f};
    for (int c = 0; c < 3; c++)
        for (long i = 0; i < (long)S * S; i++) {
            float v = (float)((double)img[c * (long)S * S + i] - mean[c]);
            x[c * (long)S * S + i] = (float)((double)v / 255.0);
        }
}

void fs_fa_conv_valid_forward(float *out, const float *in, const fs_fa_conv *c, int H, int W, int stride, int *Ho,
                              int *Wo) {
    fs_conv2d_dims d = {.N = 1, .C_in = c->cin, .H = H, .W = W, .C_out = c->cout, .KH = c->k, .KW = c->k,
                        .stride_h = stride, .stride_w = stride, .dil_h = 1, .dil_w = 1, .groups = 1};
    fs_err err;
    int rc = fs_conv2d_dims_init(&d, &err);
    (void)rc;
    fs_conv2d_forward(out, in, c->w, c->b, &d);
    *Ho = d.H_out;
    *Wo = d.W_out;
}

int fs_fa_depthwise_load(fs_fa_params *p, const fs_tensor_map *m, const char *name, int c, float **out, fs_err *err) {
    int64_t s[4] = {3, 3, c, 1};
    const float *v;
    if (need(m, "", name, 4, s, &v, err) || !(*out = alloc(p, (size_t)9 * c, err))) return FS_ERR;
    hwio_to_oihw(*out, v, 3, 1, c); /* [3,3,C,1] read as [3,3,1,C]: same bytes */
    return FS_OK;
}

void fs_fa_depthwise_forward(float *out, const float *in, const float *dw, int C, int H, int W, int stride, int *Ho,
                             int *Wo) {
    fs_conv2d_dims d = same_dims(C, H, W, C, 3, stride, C);
    fs_conv2d_forward(out, in, dw, NULL, &d);
    *Ho = d.H_out;
    *Wo = d.W_out;
}

int fs_fa_load(const char *manifest, fs_fa_load_fn fn, void *net, fs_err *err) {
    fs_tensor_map *m = NULL;
    if (fs_tfjs_load(manifest, &m, err)) return FS_ERR;
    int rc = fn(net, m, err);
    fs_tensor_map_destroy(m);
    if (rc) return fs_err_prefix(err, manifest);
    return FS_OK;
}
