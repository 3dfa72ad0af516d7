/* conv2d_cpu.c — fast CPU conv2d (TEMPORARY: forwards to the reference; im2col + SGEMM comes next). */
#include "tensor/conv2d.h"

#include <string.h>

void fs_conv2d_forward_cpu(float *out, const float *in, const float *weight, const float *bias,
                           const fs_conv2d_dims *d) {
    fs_conv2d_forward_ref(out, in, weight, bias, d);
}
void fs_conv2d_backward_data_cpu(float *din, const float *dout, const float *weight, const fs_conv2d_dims *d) {
    fs_conv2d_backward_ref(din, NULL, NULL, dout, NULL, weight, d);
}
void fs_conv2d_backward_weight_cpu(float *dweight, const float *dout, const float *in, const fs_conv2d_dims *d) {
    fs_conv2d_backward_ref(NULL, dweight, NULL, dout, in, NULL, d);
}
void fs_conv2d_backward_bias_cpu(float *dbias, const float *dout, const fs_conv2d_dims *d) {
    fs_conv2d_backward_ref(NULL, NULL, dbias, dout, NULL, NULL, d);
}
void fs_conv2d_backward_cpu(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                            const float *weight, const fs_conv2d_dims *d) {
    if (dbias) fs_conv2d_backward_bias_cpu(dbias, dout, d);
    if (dweight) fs_conv2d_backward_weight_cpu(dweight, dout, in, d);
    if (din) fs_conv2d_backward_data_cpu(din, dout, weight, d);
}
