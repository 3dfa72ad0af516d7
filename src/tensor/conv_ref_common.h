/* conv_ref_common.h — plain loops shared by the reference conv2d and transposed-conv kernels
 * (conv2d_ref.c, conv_transpose2d_ref.c). Private to src/tensor. */
#ifndef FS_TENSOR_CONV_REF_COMMON_H
#define FS_TENSOR_CONV_REF_COMMON_H

/* dbias[c] += sum over n and p of dout[n, c, p], one double sum per channel.
 * dbias: (C), dout: (N, C, HW). */
void fs__conv_ref_bias_grad(float *dbias, const float *dout, int N, int C, long HW);

/* The coordinate t with t*stride - pad + k*dil == i, or -1 when there is none in [0, n):
 * which output pixel input i feeds through tap k (conv2d), or which input pixel feeds output i
 * (transposed conv). */
int fs__conv_ref_tap_source(int i, int k, int pad, int dil, int stride, int n);

#endif
