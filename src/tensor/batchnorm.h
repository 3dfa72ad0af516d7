/* batchnorm.h — batch normalisation with running statistics (inference / eval mode).
 *
 *   fs_batchnorm_forward(y, x, bn.running_mean, bn.running_var, bn.weight, bn.bias, 1e-5f, N, C, H*W);
 *
 * out = (in - mean) / sqrt(var + eps) * gamma + beta, computed as PyTorch's CPU kernel does:
 *   a = gamma / sqrt(var + eps), b = beta - mean * a, out = in * a + b   (float32).
 * Shapes: in/out/din/dout (N, C, HW); mean, var, gamma, beta, dgamma, dbeta (C).
 * Backward treats mean and var as constants (eval mode): din = dout * a (=);
 * dgamma += sum dout * (in - mean) / sqrt(var + eps); dbeta += sum dout. NULL = not needed.
 * din may alias dout (in-place backward); out may alias in.
 * Channels are spread over threads; each channel's sums are done by one thread in a fixed
 * order (double accumulation), so results do not depend on the thread count.
 */
#ifndef FS_TENSOR_BATCHNORM_H
#define FS_TENSOR_BATCHNORM_H

void fs_batchnorm_forward(float *out, const float *in, const float *mean, const float *var,
                          const float *gamma /*NULL=1*/, const float *beta /*NULL=0*/, float eps,
                          int N, int C, long HW);
void fs_batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout, const float *in,
                           const float *mean, const float *var, const float *gamma, float eps,
                           int N, int C, long HW);
/* Single-threaded reference versions. */
void fs_batchnorm_forward_ref(float *out, const float *in, const float *mean, const float *var,
                              const float *gamma, const float *beta, float eps, int N, int C, long HW);
void fs_batchnorm_backward_ref(float *din, float *dgamma, float *dbeta, const float *dout, const float *in,
                               const float *mean, const float *var, const float *gamma, float eps,
                               int N, int C, long HW);

#endif
