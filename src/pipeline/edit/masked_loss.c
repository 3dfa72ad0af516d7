#include "pipeline/edit/masked_loss.h"

static double mask_sum(const float *mask, long hw) {
    double s = 0;
    for (long i = 0; i < hw; i++) s += mask[i];
    return s;
}

double fs_masked_mse_forward(const float *a, const float *b, const float *mask, int N, int C, int H, int W) {
    long hw = (long)H * W;
    double ms = mask_sum(mask, hw);
    if (ms <= 0) return 0;
    double s = 0;
    for (long n = 0; n < (long)N * C; n++) {
        const float *pa = a + n * hw, *pb = b + n * hw;
        for (long i = 0; i < hw; i++) {
            double d = ((double)pa[i] - pb[i]) * mask[i];
            s += d * d;
        }
    }
    return s / (ms * N);
}

void fs_masked_mse_backward(float *da, const float *a, const float *b, const float *mask, int N, int C, int H, int W,
                            double scale, int accumulate) {
    long hw = (long)H * W;
    double ms = mask_sum(mask, hw);
    double k = ms > 0 ? 2.0 * scale / (ms * N) : 0.0;
    for (long n = 0; n < (long)N * C; n++) {
        const float *pa = a + n * hw, *pb = b + n * hw;
        float *pd = da + n * hw;
        for (long i = 0; i < hw; i++) {
            float g = (float)(k * ((double)pa[i] - pb[i]) * mask[i] * mask[i]);
            pd[i] = accumulate ? pd[i] + g : g;
        }
    }
}
