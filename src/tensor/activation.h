/* activation.h — pointwise activations and softmax, forward and backward.
 *
 *   fs_leaky_relu_forward(y, x, n, 0.2f);                 // y = x > 0 ? x : 0.2 x
 *   fs_leaky_relu_backward(dx, dy, x, n, 0.2f);           // dx = dy * (x > 0 ? 1 : 0.2)
 *   fs_softmax_forward(p, logits, N, classes, 1);         // softmax over classes of (N, classes)
 *
 * Conventions (docs/ops.md): contiguous float32; input gradients ASSIGNED (=), parameter
 * gradients (PReLU's alpha) ACCUMULATE (+=); a NULL gradient pointer means "not needed".
 * Semantics follow PyTorch: the derivative at a kink (x == 0) is that of the x <= 0 side, as
 * torch.relu / leaky_relu / prelu do (they test x > 0). `din` may alias `dout`; `out` may alias `in`
 * for the forwards.
 */
#ifndef FS_TENSOR_ACTIVATION_H
#define FS_TENSOR_ACTIVATION_H

void fs_relu_forward(float *out, const float *in, long n);                  /* out, in: (n) */
void fs_relu_backward(float *din, const float *dout, const float *in, long n);
void fs_leaky_relu_forward(float *out, const float *in, long n, float slope);
void fs_leaky_relu_backward(float *din, const float *dout, const float *in, long n, float slope);

/* PReLU with one alpha per channel: in/out (N, C, HW), alpha (C). For PyTorch's single shared
 * alpha (nn.PReLU() with num_parameters=1) pass C = 1 and HW = C*H*W. */
void fs_prelu_forward(float *out, const float *in, const float *alpha, int N, int C, long HW);
/* din (N, C, HW) =; dalpha (C) +=. */
void fs_prelu_backward(float *din, float *dalpha, const float *dout, const float *in, const float *alpha,
                       int N, int C, long HW);

/* Numerically stable logistic: never overflows for large |x|. */
void fs_sigmoid_forward(float *out, const float *in, long n);
void fs_sigmoid_backward(float *din, const float *dout, const float *out, long n);   /* uses out */
void fs_tanh_forward(float *out, const float *in, long n);
void fs_tanh_backward(float *din, const float *dout, const float *out, long n);      /* uses out */

/* softmax over the middle axis of (outer, dim, inner); max-subtracted, sums in double. */
void fs_softmax_forward(float *out, const float *in, long outer, int dim, long inner);
/* din = out * (dout - sum_dim(dout * out)). */
void fs_softmax_backward(float *din, const float *dout, const float *out, long outer, int dim, long inner);

#endif
