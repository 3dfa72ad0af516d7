/* resize.h — bilinear and nearest resize of NCHW images, like torch.nn.functional.interpolate.
 *
 *   fs_resize_bilinear_forward(y, x, 1, 3, 1024, 1024, 256, 256, 0);   // align_corners=False
 *   fs_resize_bilinear_backward(dx, dy, 1, 3, 1024, 1024, 256, 256, 0);
 *
 * Bilinear (mode='bilinear', antialias=False, no scale_factor), per axis, in float32 like PyTorch:
 *   align_corners=1: scale = out > 1 ? (in-1)/(out-1) : 0,  src = scale * dst
 *   align_corners=0: scale = in / out,                       src = max(scale * (dst + 0.5) - 0.5, 0)
 *   i0 = min(floor(src), in-1), i1 = i0 + (i0 < in-1), l = clamp(src - i0, 0, 1),
 *   out = (1-l) x[i0] + l x[i1]   (rows and columns alike).
 * Nearest (mode='nearest', PyTorch's rule, not 'nearest-exact'): src = min(floor(dst * (in/out)), in-1)
 *   with in/out in float32 (identity when in == out, dst/2 when out == 2 in).
 * Shapes: in/din (N, C, H, W); out/dout (N, C, H_out, W_out). din is ASSIGNED.
 * Forwards run over output rows, backwards over planes, with core/threads.h; every output value
 * is written by one thread in a fixed order, so results do not depend on the thread count.
 * They allocate small per-row / per-column tables: FS_ERR "out of memory: ..." in err when that fails.
 */
#ifndef FS_TENSOR_RESIZE_H
#define FS_TENSOR_RESIZE_H

#include "core/err.h"

int fs_resize_bilinear_forward(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out,
                               int align_corners, fs_err *err);
int fs_resize_bilinear_backward(float *din, const float *dout, int N, int C, int H, int W, int H_out, int W_out,
                                int align_corners, fs_err *err);
int fs_resize_nearest_forward(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out,
                              fs_err *err);
int fs_resize_nearest_backward(float *din, const float *dout, int N, int C, int H, int W, int H_out, int W_out,
                               fs_err *err);

/* Antialiased bilinear, like F.interpolate(mode='bilinear', antialias=True, align_corners=False),
 * which is PIL's Image.resize(BILINEAR) on float data: when minifying by s = in/out the triangle
 * filter is stretched to a support of s input pixels on each side (a proper low-pass prefilter);
 * when magnifying it equals fs_resize_bilinear_forward(align_corners=0). Per axis, output i:
 *   center = s (i + 0.5), support = max(s, 1), taps j in [trunc(center - support + 0.5),
 *   trunc(center + support + 0.5)) clipped to the input, w_j = tri((j + 0.5 - center) / max(s, 1)),
 *   tri(x) = max(0, 1 - |x|), normalised to sum 1. Width is filtered first, then height (PyTorch's
 *   and PIL's order). Use it for the e4e input (1024 -> 256: 4x minification, see docs/method.md §2.3
 *   for the open question of antialiased vs plain resize).
 * Shapes as above; din ASSIGNED. Threads over rows; results independent of the thread count.
 * They allocate their tap tables and one intermediate image: FS_ERR (out of memory) in err when that fails. */
int fs_resize_bilinear_aa_forward(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out,
                                  fs_err *err);
int fs_resize_bilinear_aa_backward(float *din, const float *dout, int N, int C, int H, int W, int H_out, int W_out,
                                   fs_err *err);
/* F.interpolate(mode='area') = adaptive average pooling (exact box filter when in is a multiple of
 * out, e.g. 1024 -> 256 averages 4x4 blocks). Same as fs_adaptive_avgpool2d_* in tensor/pool.h. */
void fs_resize_area_forward(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out);
void fs_resize_area_backward(float *din, const float *dout, int N, int C, int H, int W, int H_out, int W_out);

/* Single-threaded reference versions. */
int fs_resize_bilinear_forward_ref(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out,
                                   int align_corners, fs_err *err);
int fs_resize_bilinear_backward_ref(float *din, const float *dout, int N, int C, int H, int W, int H_out, int W_out,
                                    int align_corners, fs_err *err);
int fs_resize_nearest_forward_ref(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out,
                                  fs_err *err);
int fs_resize_nearest_backward_ref(float *din, const float *dout, int N, int C, int H, int W, int H_out, int W_out,
                                   fs_err *err);

/* Source index and weights of output position `dst` along one axis (exposed for tests and for
 * callers that resample coordinates the same way): x[i0] * (1 - *lambda) + x[i1] * *lambda. */
void fs_resize_linear_index(int dst, int in_size, int out_size, int align_corners, int *i0, int *i1, float *lambda);
int fs_resize_nearest_index(int dst, int in_size, int out_size);
/* Single-threaded antialiased resize written as a dense weight loop (the reference for tests). */
int fs_resize_bilinear_aa_forward_ref(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out,
                                      fs_err *err);
/* Taps of output position `dst` along one axis for the antialiased filter: fills *first, *count and
 * up to `cap` weights (returns the count needed; a count > cap means the buffer was too small). */
int fs_resize_aa_taps(int dst, int in_size, int out_size, int *first, float *weights, int cap);

/* TensorFlow's bilinear resize (tf.image.resizeBilinear, TF.js CPU semantics; resize_tf.c), NCHW:
 * align_corners and half_pixel as TF's flags (both 0: TF's legacy default, what face-api uses). */
void fs_resize_bilinear_tf_forward(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out,
                                   int align_corners, int half_pixel);

#endif
