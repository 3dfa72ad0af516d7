/* conv_transpose2d_ref.c — plain-loop reference transposed conv (gather form, double accumulation). */
#include "tensor/conv_transpose2d.h"

#include "tensor/conv_ref_common.h"

/* out[n, co, oy, ox] = bias[co] + sum over (ci in group, kh, kw) with oy = ih*stride_h - pad_h + kh*dil_h
 * of in[n, ci, ih, iw] * w[ci, co_local, kh, kw]. */
void fs_conv_transpose2d_forward_ref(float *out, const float *in, const float *weight, const float *bias,
                                     const fs_conv_transpose2d_dims *d) {
    const int Cig = d->C_in / d->groups, Cog = d->C_out / d->groups;
    const long HW = (long)d->H * d->W, KK = (long)d->KH * d->KW;
    for (int n = 0; n < d->N; n++)
        for (int co = 0; co < d->C_out; co++) {
            const int g = co / Cog, col = co % Cog;
            for (int oy = 0; oy < d->H_out; oy++)
                for (int ox = 0; ox < d->W_out; ox++) {
                    double acc = bias ? bias[co] : 0.0;
                    for (int cil = 0; cil < Cig; cil++) {
                        const int ci = g * Cig + cil;
                        const float *x = in + ((long)n * d->C_in + ci) * HW;
                        const float *w = weight + ((long)ci * Cog + col) * KK;
                        for (int kh = 0; kh < d->KH; kh++) {
                            int ih = fs__conv_ref_tap_source(oy, kh, d->pad_h, d->dil_h, d->stride_h, d->H);
                            if (ih < 0) continue;
                            for (int kw = 0; kw < d->KW; kw++) {
                                int iw = fs__conv_ref_tap_source(ox, kw, d->pad_w, d->dil_w, d->stride_w, d->W);
                                if (iw < 0) continue;
                                acc += (double)x[(long)ih * d->W + iw] * w[kh * d->KW + kw];
                            }
                        }
                    }
                    out[(((long)n * d->C_out + co) * d->H_out + oy) * d->W_out + ox] = (float)acc;
                }
        }
}

void fs_conv_transpose2d_backward_ref(float *din, float *dweight, float *dbias, const float *dout,
                                      const float *in, const float *weight, const fs_conv_transpose2d_dims *d) {
    const int Cig = d->C_in / d->groups, Cog = d->C_out / d->groups;
    const long HW = (long)d->H * d->W, HWo = (long)d->H_out * d->W_out, KK = (long)d->KH * d->KW;
    if (dbias) fs__conv_ref_bias_grad(dbias, dout, d->N, d->C_out, HWo);
    if (dweight)
        for (int ci = 0; ci < d->C_in; ci++) {
            const int g = ci / Cig;
            for (int col = 0; col < Cog; col++)
                for (int kh = 0; kh < d->KH; kh++)
                    for (int kw = 0; kw < d->KW; kw++) {
                        double acc = 0;
                        for (int n = 0; n < d->N; n++) {
                            const float *x = in + ((long)n * d->C_in + ci) * HW;
                            const float *dy = dout + ((long)n * d->C_out + (long)g * Cog + col) * HWo;
                            for (int ih = 0; ih < d->H; ih++) {
                                int oy = ih * d->stride_h - d->pad_h + kh * d->dil_h;
                                if (oy < 0 || oy >= d->H_out) continue;
                                for (int iw = 0; iw < d->W; iw++) {
                                    int ox = iw * d->stride_w - d->pad_w + kw * d->dil_w;
                                    if (ox < 0 || ox >= d->W_out) continue;
                                    acc += (double)x[(long)ih * d->W + iw] * dy[(long)oy * d->W_out + ox];
                                }
                            }
                        }
                        dweight[((long)ci * Cog + col) * KK + kh * d->KW + kw] += (float)acc;
                    }
        }
    if (din)
        for (int n = 0; n < d->N; n++)
            for (int ci = 0; ci < d->C_in; ci++) {
                const int g = ci / Cig;
                for (int ih = 0; ih < d->H; ih++)
                    for (int iw = 0; iw < d->W; iw++) {
                        double acc = 0;
                        for (int col = 0; col < Cog; col++) {
                            const float *dy = dout + ((long)n * d->C_out + (long)g * Cog + col) * HWo;
                            const float *w = weight + ((long)ci * Cog + col) * KK;
                            for (int kh = 0; kh < d->KH; kh++) {
                                int oy = ih * d->stride_h - d->pad_h + kh * d->dil_h;
                                if (oy < 0 || oy >= d->H_out) continue;
                                for (int kw = 0; kw < d->KW; kw++) {
                                    int ox = iw * d->stride_w - d->pad_w + kw * d->dil_w;
                                    if (ox < 0 || ox >= d->W_out) continue;
                                    acc += (double)dy[(long)oy * d->W_out + ox] * w[kh * d->KW + kw];
                                }
                            }
                        }
                        din[((long)n * d->C_in + ci) * HW + (long)ih * d->W + iw] = (float)acc;
                    }
            }
}
