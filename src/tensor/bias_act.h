/* bias_act.h — StyleGAN2's fused bias + activation + gain + clamp (NVIDIA torch_utils/ops/bias_act.py).
 *
 *   out = clamp(act(in + bias[c]) * gain, -clamp, clamp)
 *
 * act is 'linear' (identity) or 'lrelu' (leaky ReLU with slope alpha, 0.2 in StyleGAN2);
 * the generator's convolutions use lrelu with gain sqrt(2), ToRGB and the affine layers linear
 * with gain 1. clamp < 0 means no clamp (conv_clamp = None). Layout (N, C, HW): bias per channel.
 *
 *   fs_bias_act_forward(out, x, b, N, C, HW, FS_ACT_LRELU, 0.2f, sqrtf(2.0f), -1.0f);
 *   fs_bias_act_backward(dx, db, dout, x, b, N, C, HW, FS_ACT_LRELU, 0.2f, sqrtf(2.0f), -1.0f);
 *
 * Backward recomputes the pre-activation from `in` and `bias` (no saved output needed); like
 * PyTorch's clamp the gradient passes where -clamp <= value <= clamp and is 0 outside.
 * din is assigned, dbias accumulated; either may be NULL. `in` may alias `out` in the forward.
 */
#ifndef FS_TENSOR_BIAS_ACT_H
#define FS_TENSOR_BIAS_ACT_H

typedef enum { FS_ACT_LINEAR = 0, FS_ACT_LRELU = 1 } fs_act;

/* out, in: (N, C, HW); bias: (C) or NULL. */
void fs_bias_act_forward(float *out, const float *in, const float *bias, int N, int C, long HW, fs_act act,
                         float alpha, float gain, float clamp);
/* din (=): (N, C, HW); dbias (+=): (C); dout, in: (N, C, HW); bias: (C) or NULL. */
void fs_bias_act_backward(float *din, float *dbias, const float *dout, const float *in, const float *bias, int N,
                          int C, long HW, fs_act act, float alpha, float gain, float clamp);

/* Plain-loop references. */
void fs_bias_act_forward_ref(float *out, const float *in, const float *bias, int N, int C, long HW, fs_act act,
                             float alpha, float gain, float clamp);
void fs_bias_act_backward_ref(float *din, float *dbias, const float *dout, const float *in, const float *bias,
                              int N, int C, long HW, fs_act act, float alpha, float gain, float clamp);

/* Fast CPU kernels (same contract, parallel over planes), the "cpu" backend's entries. */
void fs_bias_act_forward_cpu(float *out, const float *in, const float *bias, int N, int C, long HW, fs_act act,
                             float alpha, float gain, float clamp);
void fs_bias_act_backward_cpu(float *din, float *dbias, const float *dout, const float *in, const float *bias,
                              int N, int C, long HW, fs_act act, float alpha, float gain, float clamp);

#endif
