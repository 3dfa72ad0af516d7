/* conv2d.c — dims validation and dispatch through the backend table. */
#include "tensor/conv2d.h"

#include <limits.h>

#include "tensor/backend.h"

int fs_conv2d_dims_init(fs_conv2d_dims *d, fs_err *err) {
    if (d->N < 1 || d->C_in < 1 || d->H < 1 || d->W < 1)
        return fs_errorf(err, "conv2d: input shape (%d, %d, %d, %d) must be positive", d->N, d->C_in, d->H, d->W);
    if (d->C_out < 1 || d->KH < 1 || d->KW < 1)
        return fs_errorf(err, "conv2d: weight shape (C_out %d, kernel %dx%d) must be positive", d->C_out, d->KH,
                         d->KW);
    if (d->stride_h < 1 || d->stride_w < 1 || d->dil_h < 1 || d->dil_w < 1)
        return fs_errorf(err, "conv2d: stride (%d, %d) and dilation (%d, %d) must be >= 1", d->stride_h,
                         d->stride_w, d->dil_h, d->dil_w);
    if (d->pad_top < 0 || d->pad_bottom < 0 || d->pad_left < 0 || d->pad_right < 0)
        return fs_errorf(err, "conv2d: padding (%d, %d, %d, %d) must be >= 0", d->pad_top, d->pad_bottom,
                         d->pad_left, d->pad_right);
    if (d->groups < 1 || d->C_in % d->groups || d->C_out % d->groups)
        return fs_errorf(err, "conv2d: groups %d must divide C_in %d and C_out %d", d->groups, d->C_in, d->C_out);
    long eh = (long)d->dil_h * (d->KH - 1) + 1, ew = (long)d->dil_w * (d->KW - 1) + 1;
    long ph = (long)d->H + d->pad_top + d->pad_bottom, pw = (long)d->W + d->pad_left + d->pad_right;
    if (eh > ph || ew > pw)
        return fs_errorf(err, "conv2d: dilated kernel %ldx%ld is larger than the padded input %ldx%ld", eh, ew, ph,
                         pw);
    if (ph > INT_MAX / 4 || pw > INT_MAX / 4 || eh > INT_MAX / 4 || ew > INT_MAX / 4)
        return fs_errorf(err, "conv2d: padded input %ldx%ld or dilated kernel %ldx%ld too large", ph, pw, eh, ew);
    long ho = (ph - eh) / d->stride_h + 1, wo = (pw - ew) / d->stride_w + 1;
    /* per-image planes and the im2col row length must fit in int */
    long kk = (long)(d->C_in / d->groups) * d->KH * d->KW;
    if ((double)d->C_in * d->H * d->W > INT_MAX || (double)d->C_out * ho * wo > INT_MAX || (double)kk > INT_MAX ||
        (double)ho * wo * kk > (double)LONG_MAX / 8 || (double)d->N * d->C_in * d->H * d->W > (double)LONG_MAX / 8 ||
        (double)d->N * d->C_out * ho * wo > (double)LONG_MAX / 8)
        return fs_errorf(err, "conv2d: tensors too large (N %d, C_in %d, %dx%d, C_out %d)", d->N, d->C_in, d->H,
                         d->W, d->C_out);
    d->H_out = (int)ho;
    d->W_out = (int)wo;
    return FS_OK;
}

fs_conv2d_dims fs_conv2d_dims_make(int N, int C_in, int H, int W, int C_out, int k, int s, int p) {
    fs_conv2d_dims d = {.N = N, .C_in = C_in, .H = H, .W = W, .C_out = C_out, .KH = k, .KW = k,
                        .stride_h = s, .stride_w = s, .pad_top = p, .pad_bottom = p, .pad_left = p,
                        .pad_right = p, .dil_h = 1, .dil_w = 1, .groups = 1};
    return d;
}

long fs_conv2d_in_numel(const fs_conv2d_dims *d) { return (long)d->N * d->C_in * d->H * d->W; }
long fs_conv2d_out_numel(const fs_conv2d_dims *d) { return (long)d->N * d->C_out * d->H_out * d->W_out; }
long fs_conv2d_weight_numel(const fs_conv2d_dims *d) {
    return (long)d->C_out * (d->C_in / d->groups) * d->KH * d->KW;
}
double fs_conv2d_flops(const fs_conv2d_dims *d) {
    return 2.0 * d->N * d->C_out * d->H_out * d->W_out * (double)(d->C_in / d->groups) * d->KH * d->KW;
}

static void check_dims(const fs_conv2d_dims *d) {
    FS_ASSERT(d->H_out > 0 && d->W_out > 0 && d->groups > 0 && "call fs_conv2d_dims_init first");
}

void fs_conv2d_forward(float *out, const float *in, const float *weight, const float *bias,
                       const fs_conv2d_dims *d) {
    check_dims(d);
    fs_backend_get()->conv2d_forward(out, in, weight, bias, d);
}

void fs_conv2d_backward(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                        const float *weight, const fs_conv2d_dims *d) {
    check_dims(d);
    fs_backend_get()->conv2d_backward(din, dweight, dbias, dout, in, weight, d);
}
