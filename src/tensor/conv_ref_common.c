/* conv_ref_common.c — plain loops shared by the reference conv kernels (see conv_ref_common.h). */
#include "tensor/conv_ref_common.h"

void fs__conv_ref_bias_grad(float *dbias, const float *dout, int N, int C, long HW) {
    for (int c = 0; c < C; c++) {
        double acc = 0;
        for (int n = 0; n < N; n++)
            for (long p = 0; p < HW; p++) acc += dout[((long)n * C + c) * HW + p];
        dbias[c] += (float)acc;
    }
}

int fs__conv_ref_tap_source(int i, int k, int pad, int dil, int stride, int n) {
    int t = i + pad - k * dil;
    if (t < 0 || t % stride) return -1;
    t /= stride;
    return t < n ? t : -1;
}
