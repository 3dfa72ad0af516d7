/* conv_transpose2d_cpu.c — fast transposed conv through the fast conv2d halves.
 *
 * A transposed conv is the backward-data of the conv2d with the same weight, read the other way:
 * conv2d c with input (N, C_out_t, H_out_t, W_out_t), C_out_c = C_in_t, output size (H_t, W_t),
 * padding (pad_h, pad_w). Its weight layout (C_out_c, C_in_c/groups, KH, KW) is exactly the
 * transposed conv's (C_in_t, C_out_t/groups, KH, KW). So:
 *   forward_t(in)  = backward_data_c(dout = in)
 *   din_t          = forward_c(in = dout_t)
 *   dweight_t     += backward_weight_c(dout = in_t, in = dout_t)
 */
#include "tensor/conv_transpose2d.h"

#include "core/threads.h"
#include "tensor/conv2d.h"

static fs_conv2d_dims as_conv2d(const fs_conv_transpose2d_dims *t) {
    fs_conv2d_dims c = {.N = t->N, .C_in = t->C_out, .H = t->H_out, .W = t->W_out, .C_out = t->C_in,
                        .KH = t->KH, .KW = t->KW, .stride_h = t->stride_h, .stride_w = t->stride_w,
                        .pad_top = t->pad_h, .pad_bottom = t->pad_h, .pad_left = t->pad_w, .pad_right = t->pad_w,
                        .dil_h = t->dil_h, .dil_w = t->dil_w, .groups = t->groups, .H_out = t->H, .W_out = t->W};
    return c;
}

typedef struct {
    float *out;
    const float *bias;
    long plane;
    int C;
} bias_job;

static void add_bias_rows(void *ctx, int64_t b, int64_t e, int tid) {
    (void)tid;
    const bias_job *j = ctx;
    for (int64_t r = b; r < e; r++) {
        float v = j->bias[r % j->C], *o = j->out + r * j->plane;
        for (long p = 0; p < j->plane; p++) o[p] += v;
    }
}

void fs_conv_transpose2d_forward_cpu(float *out, const float *in, const float *weight, const float *bias,
                                     const fs_conv_transpose2d_dims *d) {
    fs_conv2d_dims c = as_conv2d(d);
    fs_conv2d_backward_data_cpu(out, in, weight, &c);
    if (bias) {
        bias_job j = {out, bias, (long)d->H_out * d->W_out, d->C_out};
        fs_parallel_for((int64_t)d->N * d->C_out, 1, add_bias_rows, &j);
    }
}

void fs_conv_transpose2d_backward_cpu(float *din, float *dweight, float *dbias, const float *dout,
                                      const float *in, const float *weight, const fs_conv_transpose2d_dims *d) {
    fs_conv2d_dims c = as_conv2d(d);
    if (dbias) {
        /* channel sums of dout_t: conv2d's bias gradient on a dims whose output is dout_t */
        fs_conv2d_dims b = c;
        b.C_out = d->C_out;
        b.H_out = d->H_out;
        b.W_out = d->W_out;
        fs_conv2d_backward_bias_cpu(dbias, dout, &b);
    }
    if (dweight) fs_conv2d_backward_weight_cpu(dweight, in, dout, &c);
    if (din) fs_conv2d_forward_cpu(din, dout, weight, NULL, &c);
}
