/* conv_transpose2d.h — transposed 2-D convolution (PyTorch F.conv_transpose2d semantics), NCHW.
 *
 *   // StyleGAN2 upsampling conv: 3x3, stride 2, no padding: 32x32 -> 65x65
 *   fs_conv_transpose2d_dims d = {.N = 1, .C_in = 512, .H = 32, .W = 32, .C_out = 512, .KH = 3, .KW = 3,
 *                                 .stride_h = 2, .stride_w = 2, .dil_h = 1, .dil_w = 1, .groups = 1};
 *   if (fs_conv_transpose2d_dims_init(&d, &err) != FS_OK) ...;           // fills H_out, W_out
 *   fs_conv_transpose2d_forward(out, in, weight, NULL, &d);
 *
 * Layouts: in (N, C_in, H, W); weight (C_in, C_out/groups, KH, KW) (PyTorch's layout); bias (C_out);
 * out (N, C_out, H_out, W_out), H_out = (H-1)*stride_h - 2*pad_h + dil_h*(KH-1) + out_pad_h + 1.
 * Input pixel (ih, iw) of channel ci adds in*weight[ci, co_local, kh, kw] to output pixel
 * (ih*stride_h - pad_h + kh*dil_h, iw*stride_w - pad_w + kw*dil_w) of channel
 * g*(C_out/groups) + co_local, g = ci / (C_in/groups).
 * It is the adjoint (backward-data) of fs_conv2d with the same weight; the fast path reuses it.
 * Gradients: din ASSIGNED, dweight / dbias ACCUMULATE, NULL = not needed.
 */
#ifndef FS_TENSOR_CONV_TRANSPOSE2D_H
#define FS_TENSOR_CONV_TRANSPOSE2D_H

#include "core/err.h"

typedef struct fs_conv_transpose2d_dims {
    int N, C_in, H, W, C_out, KH, KW, stride_h, stride_w, pad_h, pad_w, out_pad_h, out_pad_w, dil_h, dil_w,
        groups, H_out, W_out;
} fs_conv_transpose2d_dims;

/* Fills H_out/W_out; FS_ERR with a message on inconsistent dims (PyTorch's rule: output padding
 * must be smaller than the stride or the dilation). */
int fs_conv_transpose2d_dims_init(fs_conv_transpose2d_dims *d, fs_err *err);

long fs_conv_transpose2d_in_numel(const fs_conv_transpose2d_dims *d);
long fs_conv_transpose2d_out_numel(const fs_conv_transpose2d_dims *d);
long fs_conv_transpose2d_weight_numel(const fs_conv_transpose2d_dims *d); /* C_in*(C_out/groups)*KH*KW */
double fs_conv_transpose2d_flops(const fs_conv_transpose2d_dims *d);

void fs_conv_transpose2d_forward(float *out, const float *in, const float *weight, const float *bias,
                                 const fs_conv_transpose2d_dims *d);   /* out: (N, C_out, H_out, W_out) */
void fs_conv_transpose2d_backward(float *din, float *dweight, float *dbias, const float *dout,
                                  const float *in, const float *weight, const fs_conv_transpose2d_dims *d);

/* Plain-loop reference kernels. */
void fs_conv_transpose2d_forward_ref(float *out, const float *in, const float *weight, const float *bias,
                                     const fs_conv_transpose2d_dims *d);
void fs_conv_transpose2d_backward_ref(float *din, float *dweight, float *dbias, const float *dout,
                                      const float *in, const float *weight, const fs_conv_transpose2d_dims *d);

/* Fast CPU kernels (through the conv2d fast path). */
void fs_conv_transpose2d_forward_cpu(float *out, const float *in, const float *weight, const float *bias,
                                     const fs_conv_transpose2d_dims *d);
void fs_conv_transpose2d_backward_cpu(float *din, float *dweight, float *dbias, const float *dout,
                                      const float *in, const float *weight, const fs_conv_transpose2d_dims *d);

#endif
