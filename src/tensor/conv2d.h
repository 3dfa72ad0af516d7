/* conv2d.h — 2-D convolution (cross-correlation, PyTorch F.conv2d semantics), NCHW, float32.
 *
 *   fs_conv2d_dims d = {.N = 1, .C_in = 3, .H = 64, .W = 64, .C_out = 16, .KH = 3, .KW = 3,
 *                       .stride_h = 1, .stride_w = 1, .pad_top = 1, .pad_bottom = 1,
 *                       .pad_left = 1, .pad_right = 1, .dil_h = 1, .dil_w = 1, .groups = 1};
 *   if (fs_conv2d_dims_init(&d, &err) != FS_OK) return fs_cli_fail(&err);   // fills H_out, W_out
 *   fs_conv2d_forward(out, in, weight, bias, &d);                          // bias may be NULL
 *   fs_conv2d_backward(din, dweight, dbias, dout, in, weight, &d);         // any grad may be NULL
 *
 * Layouts: in (N, C_in, H, W); weight (C_out, C_in/groups, KH, KW); bias (C_out);
 * out (N, C_out, H_out, W_out), H_out = (H + pad_top + pad_bottom - dil_h*(KH-1) - 1)/stride_h + 1.
 * Grouped conv: output channel co sees input channels [g*C_in/groups, (g+1)*C_in/groups) with
 * g = co / (C_out/groups). A batch of N modulated convolutions (StyleGAN2) is one grouped conv
 * with the batch folded into channels: N'=1, C_in'=N*C_in, C_out'=N*C_out, groups=N.
 *
 * Gradients: din is ASSIGNED, dweight and dbias ACCUMULATE (+=); NULL means "not needed".
 * The public functions dispatch through the backend table (tensor/backend.h). The `_ref` kernels are
 * readable plain loops (accumulating in double) kept as the reference; `_cpu` is the fast CPU path
 * (im2col + SGEMM, multithreaded with core/threads.h), deterministic for a given thread count.
 * All pointers must be non-aliasing contiguous float arrays. Only pad_top / pad_left and H_out / W_out
 * are read by the kernels (pad_bottom / pad_right only decide H_out / W_out in fs_conv2d_dims_init).
 */
#ifndef FS_TENSOR_CONV2D_H
#define FS_TENSOR_CONV2D_H

#include "core/err.h"

typedef struct fs_conv2d_dims {
    int N, C_in, H, W;         /* input */
    int C_out, KH, KW;         /* weight: (C_out, C_in/groups, KH, KW) */
    int stride_h, stride_w;
    int pad_top, pad_bottom, pad_left, pad_right;
    int dil_h, dil_w;
    int groups;
    int H_out, W_out;          /* filled by fs_conv2d_dims_init */
} fs_conv2d_dims;

/* Fills H_out/W_out; returns FS_OK or FS_ERR with a message on inconsistent dims
 * (non-positive sizes, negative padding, channels not divisible by groups, kernel larger than
 * the padded input, or a tensor with more than 2^31 elements per image). */
int fs_conv2d_dims_init(fs_conv2d_dims *d, fs_err *err);

/* Convenience: square kernel k, stride s, symmetric padding p, dilation 1, groups 1. */
fs_conv2d_dims fs_conv2d_dims_make(int N, int C_in, int H, int W, int C_out, int k, int s, int p);

/* Element counts of the arrays. */
long fs_conv2d_in_numel(const fs_conv2d_dims *d);     /* N*C_in*H*W */
long fs_conv2d_out_numel(const fs_conv2d_dims *d);    /* N*C_out*H_out*W_out */
long fs_conv2d_weight_numel(const fs_conv2d_dims *d); /* C_out*(C_in/groups)*KH*KW */

/* Multiply-adds of one forward pass (each of backward-data, backward-weights costs the same). */
double fs_conv2d_flops(const fs_conv2d_dims *d); /* 2 * N*C_out*H_out*W_out*(C_in/groups)*KH*KW */

void fs_conv2d_forward(float *out, const float *in, const float *weight, const float *bias /*NULL ok*/,
                       const fs_conv2d_dims *d);            /* out: (N, C_out, H_out, W_out) */
void fs_conv2d_backward(float *din /*=*/, float *dweight /*+=*/, float *dbias /*+=*/, const float *dout,
                        const float *in, const float *weight, const fs_conv2d_dims *d);

/* Plain-loop reference kernels (same contract). */
void fs_conv2d_forward_ref(float *out, const float *in, const float *weight, const float *bias,
                           const fs_conv2d_dims *d);
void fs_conv2d_backward_ref(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                            const float *weight, const fs_conv2d_dims *d);

/* Fast CPU kernels (same contract): im2col + OpenBLAS SGEMM, 1x1 convs skip im2col, stride-1 convs
 * with few output channels use an implicit GEMM (one GEMM per tap, no im2col). Reentrant: calls from
 * several threads at once (e.g. from the workers of an outer fs_parallel_for) run in parallel, each on
 * its calling thread's scratch; a call nested in a pool worker runs single-threaded and gives the same
 * bits as a call under fs_threads_init(1). They cannot fail: when their scratch cannot be allocated
 * they run the reference kernel instead (a warning 'out of memory: ...', once per process). */
void fs_conv2d_forward_cpu(float *out, const float *in, const float *weight, const float *bias,
                           const fs_conv2d_dims *d);
void fs_conv2d_backward_cpu(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                            const float *weight, const fs_conv2d_dims *d);
/* The three halves of the fast backward, for benchmarks (same accumulate/assign rules). */
void fs_conv2d_backward_data_cpu(float *din, const float *dout, const float *weight, const fs_conv2d_dims *d);
void fs_conv2d_backward_weight_cpu(float *dweight, const float *dout, const float *in, const fs_conv2d_dims *d);
void fs_conv2d_backward_bias_cpu(float *dbias, const float *dout, const fs_conv2d_dims *d);

#endif
