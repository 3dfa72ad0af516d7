/* e4e.h — the Encoder4Editing image encoder (omertov/encoder4editing, IR-SE-50 backbone) that
 * gives STIT its per-frame W+ pivots. Inference only.
 *
 *   fs_e4e *e = NULL;
 *   if (fs_e4e_load("e4e_ffhq_encode.pt", &e, &err)) ...;            // or its .safetensors
 *   float *ws = malloc(N * fs_e4e_num_ws(e) * fs_e4e_w_dim(e) * sizeof(float));
 *   fs_e4e_encode(e, x, N, 256, 256, ws, 1, NULL, NULL, &err);       // x: (N,3,256,256) in [-1,1]
 *   fs_e4e_destroy(e);
 *
 * Network (psp_encoders.Encoder4Editing + helpers.bottleneck_IR_SE): input layer conv3x3 -> BN ->
 * PReLU; body units (residual BN -> conv3x3 -> PReLU -> conv3x3(stride) -> BN -> SE, plus the
 * shortcut: every s-th pixel when in == out channels, else conv1x1(stride) + BN); FPN taps after
 * units 6, 20, 23 (c1, c2, c3); p2 = up(c3) + latlayer1(c2), p1 = up(p2) + latlayer2(c1) with
 * bilinear align_corners=True; GradualStyleBlocks (log2(spatial) x [conv3x3 s2 + LeakyReLU 0.01],
 * EqualLinear with weight / sqrt(in)) on c3 (styles 0-2), p2 (3-6), p1 (7..); codes row 0 = w0 =
 * style 0, row i = w0 + style i; W+ = codes + latent_avg.
 * Widths, unit count, stage strides (the first unit and every unit that changes width have stride
 * 2), style count and w_dim are read from the weights' names and shapes.
 *
 * Weights: canonical kind "e4e" = the checkpoint's `encoder.*` names plus `latent_avg`
 * [num_ws, w_dim] (or [w_dim]); `decoder.*` is ignored here.
 */
#ifndef FS_MODELS_E4E_H
#define FS_MODELS_E4E_H

#include "core/err.h"
#include "weights/tensormap.h"

typedef struct fs_e4e fs_e4e;

/* Intermediate activations: "c1", "c2", "c3", "p2", "p1" (N, C, H, W) and "w0" (N, w_dim, 1, 1). */
typedef void (*fs_e4e_hook)(void *user, const char *name, const float *data, int N, int C, int H, int W);

int fs_e4e_create(fs_e4e **out, fs_tensor_map *m, int take_ownership, fs_err *err);
int fs_e4e_load(const char *path, fs_e4e **out, fs_err *err);
void fs_e4e_destroy(fs_e4e *e);
int fs_e4e_num_ws(const fs_e4e *e);
int fs_e4e_w_dim(const fs_e4e *e);
int fs_e4e_has_latent_avg(const fs_e4e *e);
/* Progressive-training stage: deltas 1..stage are added (default: all, e4e's Inference stage). */
void fs_e4e_set_stage(fs_e4e *e, int stage);

/* x: (N, 3, H, W) RGB in [-1, 1], normally 256x256 (at most 256: the style blocks must reach
 * 1x1). ws: (N, num_ws, w_dim) = codes (+ latent_avg when add_latent_avg). */
int fs_e4e_encode(const fs_e4e *e, const float *x, int N, int H, int W, float *ws, int add_latent_avg,
                  fs_e4e_hook hook, void *user, fs_err *err);

/* STIT's input step: a (3, H, W) image in [-1,1] to (3, S, S). antialias = 0: bilinear with
 * align_corners=False and no prefilter (torchvision Resize on a tensor, what STIT does; a 1024->256
 * minification then samples only 2x2 of every 4x4 block). antialias = 1: a triangle filter widened
 * by the scale factor (PIL / F.interpolate antialias=True, what e4e was trained with); both are
 * the tensor/resize.h ops. FS_ERR (out of memory) in err when the antialiased resize cannot allocate. */
int fs_e4e_resize_input(float *out, const float *in, int H, int W, int S, int antialias, fs_err *err);

#endif
