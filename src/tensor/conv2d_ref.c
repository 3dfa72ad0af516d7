/* conv2d_ref.c — plain-loop reference conv2d (the definition every fast kernel is tested against).
 * Every output / gradient element is one sum accumulated in double. */
#include "tensor/conv2d.h"

#include "tensor/conv_ref_common.h"

#include <string.h>

/* out[n, co, oh, ow] = bias[co] + sum_{ci, kh, kw} in[n, g*Cig + ci, ih, iw] * w[co, ci, kh, kw]
 * with ih = oh*stride_h - pad_top + kh*dil_h (zero outside the input). */
void fs_conv2d_forward_ref(float *out, const float *in, const float *weight, const float *bias,
                           const fs_conv2d_dims *d) {
    const int Cig = d->C_in / d->groups, Cog = d->C_out / d->groups;
    for (int n = 0; n < d->N; n++)
        for (int co = 0; co < d->C_out; co++) {
            const int g = co / Cog;
            for (int oh = 0; oh < d->H_out; oh++)
                for (int ow = 0; ow < d->W_out; ow++) {
                    double acc = bias ? bias[co] : 0.0;
                    for (int ci = 0; ci < Cig; ci++) {
                        const float *x = in + ((long)n * d->C_in + (long)g * Cig + ci) * d->H * d->W;
                        const float *w = weight + ((long)co * Cig + ci) * d->KH * d->KW;
                        for (int kh = 0; kh < d->KH; kh++) {
                            int ih = oh * d->stride_h - d->pad_top + kh * d->dil_h;
                            if (ih < 0 || ih >= d->H) continue;
                            for (int kw = 0; kw < d->KW; kw++) {
                                int iw = ow * d->stride_w - d->pad_left + kw * d->dil_w;
                                if (iw < 0 || iw >= d->W) continue;
                                acc += (double)x[(long)ih * d->W + iw] * w[kh * d->KW + kw];
                            }
                        }
                    }
                    out[(((long)n * d->C_out + co) * d->H_out + oh) * d->W_out + ow] = (float)acc;
                }
        }
}

void fs_conv2d_backward_ref(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                            const float *weight, const fs_conv2d_dims *d) {
    const int Cig = d->C_in / d->groups, Cog = d->C_out / d->groups;
    const long HWo = (long)d->H_out * d->W_out, HW = (long)d->H * d->W;
    if (dbias) fs__conv_ref_bias_grad(dbias, dout, d->N, d->C_out, HWo);
    if (dweight)
        for (int co = 0; co < d->C_out; co++) {
            const int g = co / Cog;
            for (int ci = 0; ci < Cig; ci++)
                for (int kh = 0; kh < d->KH; kh++)
                    for (int kw = 0; kw < d->KW; kw++) {
                        double acc = 0;
                        for (int n = 0; n < d->N; n++) {
                            const float *x = in + ((long)n * d->C_in + (long)g * Cig + ci) * HW;
                            const float *dy = dout + ((long)n * d->C_out + co) * HWo;
                            for (int oh = 0; oh < d->H_out; oh++) {
                                int ih = oh * d->stride_h - d->pad_top + kh * d->dil_h;
                                if (ih < 0 || ih >= d->H) continue;
                                for (int ow = 0; ow < d->W_out; ow++) {
                                    int iw = ow * d->stride_w - d->pad_left + kw * d->dil_w;
                                    if (iw < 0 || iw >= d->W) continue;
                                    acc += (double)dy[(long)oh * d->W_out + ow] * x[(long)ih * d->W + iw];
                                }
                            }
                        }
                        dweight[(((long)co * Cig + ci) * d->KH + kh) * d->KW + kw] += (float)acc;
                    }
        }
    if (din)
        for (int n = 0; n < d->N; n++)
            for (int c = 0; c < d->C_in; c++) {
                const int g = c / Cig, ci = c % Cig;
                for (int ih = 0; ih < d->H; ih++)
                    for (int iw = 0; iw < d->W; iw++) {
                        double acc = 0;
                        for (int col = 0; col < Cog; col++) {
                            const int co = g * Cog + col;
                            const float *dy = dout + ((long)n * d->C_out + co) * HWo;
                            const float *w = weight + ((long)co * Cig + ci) * d->KH * d->KW;
                            for (int kh = 0; kh < d->KH; kh++) {
                                int oh = fs__conv_ref_tap_source(ih, kh, d->pad_top, d->dil_h, d->stride_h, d->H_out);
                                if (oh < 0) continue;
                                for (int kw = 0; kw < d->KW; kw++) {
                                    int ow = fs__conv_ref_tap_source(iw, kw, d->pad_left, d->dil_w, d->stride_w, d->W_out);
                                    if (ow < 0) continue;
                                    acc += (double)dy[(long)oh * d->W_out + ow] * w[kh * d->KW + kw];
                                }
                            }
                        }
                        din[((long)n * d->C_in + c) * HW + (long)ih * d->W + iw] = (float)acc;
                    }
            }
}
