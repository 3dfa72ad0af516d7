/* conv_transpose2d.c — dims validation and dispatch through the backend table. */
#include "tensor/conv_transpose2d.h"

#include <limits.h>

#include "tensor/backend.h"

int fs_conv_transpose2d_dims_init(fs_conv_transpose2d_dims *d, fs_err *err) {
    if (d->N < 1 || d->C_in < 1 || d->H < 1 || d->W < 1)
        return fs_errorf(err, "conv_transpose2d: input shape (%d, %d, %d, %d) must be positive", d->N, d->C_in,
                         d->H, d->W);
    if (d->C_out < 1 || d->KH < 1 || d->KW < 1)
        return fs_errorf(err, "conv_transpose2d: weight shape (C_out %d, kernel %dx%d) must be positive", d->C_out,
                         d->KH, d->KW);
    if (d->stride_h < 1 || d->stride_w < 1 || d->dil_h < 1 || d->dil_w < 1)
        return fs_errorf(err, "conv_transpose2d: stride (%d, %d) and dilation (%d, %d) must be >= 1", d->stride_h,
                         d->stride_w, d->dil_h, d->dil_w);
    if (d->pad_h < 0 || d->pad_w < 0 || d->out_pad_h < 0 || d->out_pad_w < 0)
        return fs_errorf(err, "conv_transpose2d: padding (%d, %d) and output padding (%d, %d) must be >= 0",
                         d->pad_h, d->pad_w, d->out_pad_h, d->out_pad_w);
    if ((d->out_pad_h >= d->stride_h && d->out_pad_h >= d->dil_h) ||
        (d->out_pad_w >= d->stride_w && d->out_pad_w >= d->dil_w))
        return fs_errorf(err, "conv_transpose2d: output padding (%d, %d) must be smaller than stride or dilation",
                         d->out_pad_h, d->out_pad_w);
    if (d->groups < 1 || d->C_in % d->groups || d->C_out % d->groups)
        return fs_errorf(err, "conv_transpose2d: groups %d must divide C_in %d and C_out %d", d->groups, d->C_in,
                         d->C_out);
    long span_h = (long)(d->H - 1) * d->stride_h + (long)d->dil_h * (d->KH - 1) + d->out_pad_h + 1;
    long span_w = (long)(d->W - 1) * d->stride_w + (long)d->dil_w * (d->KW - 1) + d->out_pad_w + 1;
    if (span_h > INT_MAX / 4 || span_w > INT_MAX / 4 || d->pad_h > INT_MAX / 4 || d->pad_w > INT_MAX / 4)
        return fs_errorf(err, "conv_transpose2d: stride, dilation or padding too large (output span %ldx%ld)", span_h,
                         span_w);
    long ho = span_h - 2L * d->pad_h, wo = span_w - 2L * d->pad_w;
    if (ho < 1 || wo < 1)
        return fs_errorf(err, "conv_transpose2d: padding (%d, %d) leaves an empty output (%ldx%ld)", d->pad_h,
                         d->pad_w, ho, wo);
    long kk = (long)(d->C_out / d->groups) * d->KH * d->KW;
    if ((double)d->C_in * d->H * d->W > INT_MAX || (double)d->C_out * ho * wo > INT_MAX || (double)kk > INT_MAX ||
        (double)d->H * d->W * kk > (double)LONG_MAX / 8 || (double)d->N * d->C_in * d->H * d->W > (double)LONG_MAX / 8 ||
        (double)d->N * d->C_out * ho * wo > (double)LONG_MAX / 8)
        return fs_errorf(err, "conv_transpose2d: tensors too large (N %d, C_in %d, %dx%d, C_out %d)", d->N, d->C_in,
                         d->H, d->W, d->C_out);
    d->H_out = (int)ho;
    d->W_out = (int)wo;
    return FS_OK;
}

long fs_conv_transpose2d_in_numel(const fs_conv_transpose2d_dims *d) { return (long)d->N * d->C_in * d->H * d->W; }
long fs_conv_transpose2d_out_numel(const fs_conv_transpose2d_dims *d) {
    return (long)d->N * d->C_out * d->H_out * d->W_out;
}
long fs_conv_transpose2d_weight_numel(const fs_conv_transpose2d_dims *d) {
    return (long)d->C_in * (d->C_out / d->groups) * d->KH * d->KW;
}
double fs_conv_transpose2d_flops(const fs_conv_transpose2d_dims *d) {
    return 2.0 * d->N * d->C_in * d->H * d->W * (double)(d->C_out / d->groups) * d->KH * d->KW;
}

static void check_dims(const fs_conv_transpose2d_dims *d) {
    FS_ASSERT(d->H_out > 0 && d->W_out > 0 && d->groups > 0 && "call fs_conv_transpose2d_dims_init first");
}

void fs_conv_transpose2d_forward(float *out, const float *in, const float *weight, const float *bias,
                                 const fs_conv_transpose2d_dims *d) {
    check_dims(d);
    fs_backend_get()->conv_transpose2d_forward(out, in, weight, bias, d);
}

void fs_conv_transpose2d_backward(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                                  const float *weight, const fs_conv_transpose2d_dims *d) {
    check_dims(d);
    fs_backend_get()->conv_transpose2d_backward(din, dweight, dbias, dout, in, weight, d);
}
