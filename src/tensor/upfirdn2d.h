/* upfirdn2d.h — upsample, FIR filter, downsample: StyleGAN2's resampling op.
 *
 * Same semantics as NVIDIA stylegan2-ada-pytorch `torch_utils/ops/upfirdn2d.py` (its `_upfirdn2d_ref`):
 *   1. upsample each plane by inserting up-1 zeros after every sample (H -> H*up),
 *   2. pad with zeros (pad_y0 rows before, pad_y1 after, same in x); NEGATIVE pads crop,
 *   3. convolve with the filter (a true convolution: the filter is flipped, like flip_filter=False there),
 *      the filter being multiplied by `gain`,
 *   4. keep every down-th sample.
 *   H_out = (H*up_y + pad_y0 + pad_y1 - KH + down_y) / down_y   (same in x)
 *
 * StyleGAN2 uses f = outer([1,3,3,1],[1,3,3,1]) / 64 with gain 4:
 *   upsample2d (skip images):        up 2, pad (2, 1)              -> 2H
 *   blur after transposed conv:      up 1, pad (1, 1) on 2H+1 input -> 2H
 *
 *   fs_upfirdn2d_dims d = {.N = 1, .C = 3, .H = 8, .W = 8, .KH = 4, .KW = 4,
 *                          .up_x = 2, .up_y = 2, .down_x = 1, .down_y = 1,
 *                          .pad_x0 = 2, .pad_x1 = 1, .pad_y0 = 2, .pad_y1 = 1};
 *   if (fs_upfirdn2d_dims_init(&d, &err)) ...;             // d.H_out = d.W_out = 16
 *   fs_upfirdn2d_forward(out, in, f, 4.0f, &d);
 *
 * The filter f is HOST memory (a small constant, passed to a device like a kernel argument); in and out are
 * device memory (tensor/backend.h).
 * The filter is 2-D (KH, KW); a separable filter is passed as its outer product
 * (fs_upfirdn2d_outer builds it). Backward assigns din (= the adjoint op).
 */
#ifndef FS_TENSOR_UPFIRDN2D_H
#define FS_TENSOR_UPFIRDN2D_H

#include "core/err.h"

typedef struct fs_upfirdn2d_dims {
    int N, C, H, W;               /* input (N, C, H, W) */
    int KH, KW;                   /* filter (KH, KW) */
    int up_x, up_y, down_x, down_y;
    int pad_x0, pad_x1, pad_y0, pad_y1; /* may be negative (crop) */
    int H_out, W_out;             /* filled by fs_upfirdn2d_dims_init */
} fs_upfirdn2d_dims;

/* Fills H_out/W_out; FS_ERR with a message when factors/filter are invalid or the output is empty. */
int fs_upfirdn2d_dims_init(fs_upfirdn2d_dims *d, fs_err *err);

/* f2d (KH, KW) = outer(fy (KH), fx (KW)). */
void fs_upfirdn2d_outer(float *f2d, const float *fy, int KH, const float *fx, int KW);

/* out: (N, C, H_out, W_out); in: (N, C, H, W); f: (KH, KW), used times `gain`. */
void fs_upfirdn2d_forward(float *out, const float *in, const float *f, float gain, const fs_upfirdn2d_dims *d);
/* din (=): (N, C, H, W); dout: (N, C, H_out, W_out). */
void fs_upfirdn2d_backward(float *din, const float *dout, const float *f, float gain, const fs_upfirdn2d_dims *d);

/* Plain-loop reference kernels (straight from the definition above); tests compare against them. */
void fs_upfirdn2d_forward_ref(float *out, const float *in, const float *f, float gain, const fs_upfirdn2d_dims *d);
void fs_upfirdn2d_backward_ref(float *din, const float *dout, const float *f, float gain,
                               const fs_upfirdn2d_dims *d);

/* Fast CPU kernels (same contract), the "cpu" backend's entries. They cannot fail: when their work tables or
 * per-thread scratch cannot be allocated they fall back to a kernel that needs less (at last the reference). */
void fs_upfirdn2d_forward_cpu(float *out, const float *in, const float *f, float gain, const fs_upfirdn2d_dims *d);
void fs_upfirdn2d_backward_cpu(float *din, const float *dout, const float *f, float gain,
                               const fs_upfirdn2d_dims *d);

#endif
