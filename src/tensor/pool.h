/* pool.h — 2-D max / average / adaptive-average pooling (NCHW), PyTorch semantics.
 *
 *   fs_pool2d_dims d = {.N = 1, .C = 64, .H = 112, .W = 112, .KH = 3, .KW = 3,
 *                       .stride_h = 2, .stride_w = 2, .pad_h = 1, .pad_w = 1};
 *   if (fs_pool2d_dims_init(&d, &err)) return FS_ERR;     // fills H_out, W_out (56 x 56)
 *   fs_maxpool2d_forward(y, idx, x, &d);                  // y, idx: (N, C, H_out, W_out)
 *   fs_maxpool2d_backward(dx, dy, idx, &d);               // dx: (N, C, H, W), assigned
 *
 * Output size (torch.nn.functional.max_pool2d / avg_pool2d, dilation 1):
 *   H_out = floor_or_ceil((H + 2 pad_h - KH) / stride_h) + 1, and with ceil_mode the last window
 *   is dropped when it would start in the right padding ((H_out-1)*stride_h >= H + pad_h).
 * Max pool: padding never wins (windows are clipped to the input); a NaN propagates (the last NaN
 *   in the window wins, as in PyTorch); the argmax is the index h*W + w inside the (H, W) plane,
 *   the first maximum in row-major order (PyTorch's).
 * Avg pool: divisor = window size clipped to [-pad, H+pad) when count_include_pad, else the
 *   number of input pixels in the window.
 * Adaptive avg pool: bin i covers [floor(i*H/H_out), ceil((i+1)*H/H_out)).
 * The public functions run over the N*C planes with core/threads.h; each plane is computed by one
 * thread in a fixed order, so results are bit-identical for any thread count. The *_ref
 * functions are the plain single-threaded loops.
 */
#ifndef FS_TENSOR_POOL_H
#define FS_TENSOR_POOL_H

#include <stdint.h>

#include "core/err.h"

typedef struct fs_pool2d_dims { int N, C, H, W, KH, KW, stride_h, stride_w, pad_h, pad_w;
    int ceil_mode; int count_include_pad; int H_out, W_out; } fs_pool2d_dims;
/* Checks (positive sizes, pad <= kernel/2 as PyTorch requires, output >= 1) and fills H_out/W_out. */
int fs_pool2d_dims_init(fs_pool2d_dims *d, fs_err *err);

/* out, argmax: (N, C, H_out, W_out); in: (N, C, H, W). argmax may be NULL. */
void fs_maxpool2d_forward(float *out, int32_t *argmax /*NULL ok*/, const float *in, const fs_pool2d_dims *d);
/* din (N, C, H, W) = scatter of dout to the argmax positions (argmax required). */
void fs_maxpool2d_backward(float *din, const float *dout, const int32_t *argmax, const fs_pool2d_dims *d);
void fs_avgpool2d_forward(float *out, const float *in, const fs_pool2d_dims *d);
void fs_avgpool2d_backward(float *din, const float *dout, const fs_pool2d_dims *d);
/* out: (N, C, H_out, W_out); in: (N, C, H, W). */
void fs_adaptive_avgpool2d_forward(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out);
void fs_adaptive_avgpool2d_backward(float *din, const float *dout, int N, int C, int H, int W, int H_out, int W_out);

/* Single-threaded reference versions (same arguments). */
void fs_maxpool2d_forward_ref(float *out, int32_t *argmax, const float *in, const fs_pool2d_dims *d);
void fs_maxpool2d_backward_ref(float *din, const float *dout, const int32_t *argmax, const fs_pool2d_dims *d);
void fs_avgpool2d_forward_ref(float *out, const float *in, const fs_pool2d_dims *d);
void fs_avgpool2d_backward_ref(float *din, const float *dout, const fs_pool2d_dims *d);
void fs_adaptive_avgpool2d_forward_ref(float *out, const float *in, int N, int C, int H, int W, int H_out,
                                       int W_out);
void fs_adaptive_avgpool2d_backward_ref(float *din, const float *dout, int N, int C, int H, int W, int H_out,
                                        int W_out);

#endif
