/* faceapi_layers.h — the building blocks the face-api networks share (faceapi_*.c): TF-layout
 * weights from a TF.js manifest turned into the backend's NCHW layouts, TF "same"-padded convs,
 * separable convs, dense layers, and face-api's input preparation.
 *
 *   fs_fa_params p = {0};
 *   fs_fa_conv c;
 *   if (fs_fa_conv_load(&p, map, "dense0/conv0", &c, &err)) ...;  // filters [k,k,in,out] + bias
 *   fs_fa_conv_forward(out, in, &c, H, W, 2, &Ho, &Wo);            // TF padding 'same', stride 2
 *   fs_fa_params_free(&p);                                          // frees every loaded array
 *
 * Activations are NCHW float32 with N = 1. TF "same" padding: H_out = ceil(H / s), the missing
 * rows split with the smaller half on top (so stride 2 on an even size pads only bottom/right).
 */
#ifndef FS_MODELS_FACEAPI_LAYERS_H
#define FS_MODELS_FACEAPI_LAYERS_H

#include <stdint.h>

#include "weights/tensormap.h"

/* Reads a TF.js manifest and hands its tensors to fn(net, map) (which copies what it keeps); errors are
 * prefixed with the manifest path. */
typedef int (*fs_fa_load_fn)(void *net, const fs_tensor_map *m, fs_err *err);
int fs_fa_load(const char *manifest, fs_fa_load_fn fn, void *net, fs_err *err);

/* Owner of every array a network loads. */
typedef struct fs_fa_params {
    float **arrays;
    int n, cap;
} fs_fa_params;
void fs_fa_params_free(fs_fa_params *p);

typedef struct fs_fa_conv {  /* a plain conv */
    float *w, *b;            /* w: (cout, cin, k, k); b: (cout) */
    int cin, cout, k;
} fs_fa_conv;
typedef struct fs_fa_sepconv { /* depthwise 3x3 (multiplier 1) then pointwise 1x1, then bias */
    float *dw, *pw, *b;        /* dw: (cin, 1, 3, 3); pw: (cout, cin, 1, 1); b: (cout) */
    int cin, cout;
} fs_fa_sepconv;
typedef struct fs_fa_fc {    /* out = in · w + b */
    float *w, *b;            /* w: (in, out) as TF stores it; b: (out) */
    int in, out;
} fs_fa_fc;

/* Loaders: <prefix>/filters + <prefix>/bias (names given by wname/bname), shapes checked; errors
 * name the tensor. */
int fs_fa_conv_load(fs_fa_params *p, const fs_tensor_map *m, const char *prefix, const char *wname, const char *bname,
                    fs_fa_conv *c, fs_err *err);
int fs_fa_sepconv_load(fs_fa_params *p, const fs_tensor_map *m, const char *prefix, fs_fa_sepconv *c, fs_err *err);
int fs_fa_fc_load(fs_fa_params *p, const fs_tensor_map *m, const char *prefix, int in, int out, fs_fa_fc *c,
                  fs_err *err);
/* A copy of a named 1-D tensor of n values (owned by p). */
int fs_fa_vec_load(fs_fa_params *p, const fs_tensor_map *m, const char *name, int n, float **out, fs_err *err);
/* A copy of a named tensor of the given shape (owned by p). */
int fs_fa_tensor_load(fs_fa_params *p, const fs_tensor_map *m, const char *name, int ndim, const int64_t *shape,
                      float **out, fs_err *err);
/* A copy of a named (rows, cols) matrix (owned by p). */
int fs_fa_mat_load(fs_fa_params *p, const fs_tensor_map *m, const char *name, int rows, int cols, float **out,
                   fs_err *err);

/* A depthwise 3x3 filter [3, 3, c, 1] as (c, 1, 3, 3) (owned by p), and its TF "same" forward. */
int fs_fa_depthwise_load(fs_fa_params *p, const fs_tensor_map *m, const char *name, int c, float **out, fs_err *err);
void fs_fa_depthwise_forward(float *out, const float *in, const float *dw, int C, int H, int W, int stride, int *Ho,
                             int *Wo); /* in: (1, C, H, W); out: (1, C, Ho, Wo) */

/* TF "same" output size of a stride-s conv. */
static inline int fs_fa_same_out(int in, int s) { return (in + s - 1) / s; }

void fs_fa_conv_forward(float *out, const float *in, const fs_fa_conv *c, int H, int W, int stride, int *Ho,
                        int *Wo); /* in: (1, cin, H, W); out: (1, cout, Ho, Wo) */
/* The same conv with TF "valid" padding (none). */
void fs_fa_conv_valid_forward(float *out, const float *in, const fs_fa_conv *c, int H, int W, int stride, int *Ho,
                              int *Wo);
/* tmp: cin * Ho * Wo floats (the depthwise result). */
void fs_fa_sepconv_forward(float *out, float *tmp, const float *in, const fs_fa_sepconv *c, int H, int W, int stride,
                           int *Ho, int *Wo); /* in: (1, cin, H, W); out: (1, cout, Ho, Wo) */
void fs_fa_fc_forward(float *out, const float *in, const fs_fa_fc *c); /* in: (in); out: (out) */
void fs_fa_relu(float *x, long n);
void fs_fa_add(float *acc, const float *x, long n); /* acc += x */
void fs_fa_softmax(float *out, const float *in, int n); /* NaN in gives NaN out */
/* TF maxPool(k, s, 'same'): padded cells never win. in: (1, C, H, W); out: (1, C, Ho, Wo). */
void fs_fa_maxpool_same(float *out, const float *in, int C, int H, int W, int k, int s, int *Ho, int *Wo);
/* face-api's normalize(x, [122.782, 117.001, 104.298]) / 255 of an (1, 3, S, S) 0..255 input. */
void fs_fa_normalize(float *x, const float *img, int S);

/* face-api's NetInput.toBatchTensor(size, centre=true) on the crop rgb[y:y+h, x:x+w] (3 bytes per
 * pixel, `stride` bytes per row): zero-pad the short side to a square (round(diff/2) after, the
 * rest before), TF-bilinear-resize to size x size unless already that size.
 * out: (1, 3, size, size) floats in 0..255. */
int fs_fa_input(float *out, const uint8_t *rgb, int stride, int x, int y, int w, int h, int size, fs_err *err);
/* The same with centre = 0 (toBatchTensor(size, false), the SSD's): all padding after the image. */
int fs_fa_input_ex(float *out, const uint8_t *rgb, int stride, int x, int y, int w, int h, int size, int centre,
                   fs_err *err);

#endif
