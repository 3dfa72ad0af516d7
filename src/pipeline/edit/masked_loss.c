#include "pipeline/edit/masked_loss.h"

#include <math.h>

static double mask_sum(const float *mask, long hw) {
    double s = 0;
    for (long i = 0; i < hw; i++) s += mask[i];
    return s;
}

/* Σ ((a − b)·M)² (or Σ |(a − b)·M| with l1) / (N · Σ M) */
static double masked_forward(const float *a, const float *b, const float *mask, int N, int C, int H, int W, int l1) {
    long hw = (long)H * W;
    double ms = mask_sum(mask, hw);
    if (ms <= 0) return 0;
    double s = 0;
    for (long n = 0; n < (long)N * C; n++) {
        const float *pa = a + n * hw, *pb = b + n * hw;
        for (long i = 0; i < hw; i++) {
            double d = ((double)pa[i] - pb[i]) * mask[i];
            s += l1 ? fabs(d) : d * d;
        }
    }
    return s / (ms * N);
}

double fs_masked_mse_forward(const float *a, const float *b, const float *mask, int N, int C, int H, int W) {
    return masked_forward(a, b, mask, N, C, H, W, 0);
}

/* da = scale · d/da of masked_forward (assigned, or added with accumulate) */
static void masked_backward(float *da, const float *a, const float *b, const float *mask, int N, int C, int H, int W,
                            double scale, int accumulate, int l1) {
    long hw = (long)H * W;
    double ms = mask_sum(mask, hw);
    double k = ms > 0 ? (l1 ? 1.0 : 2.0) * scale / (ms * N) : 0.0;
    for (long n = 0; n < (long)N * C; n++) {
        const float *pa = a + n * hw, *pb = b + n * hw;
        float *pd = da + n * hw;
        for (long i = 0; i < hw; i++) {
            double d = (double)pa[i] - pb[i], m = mask[i];
            float g = (float)(l1 ? k * (d > 0 ? 1.0 : d < 0 ? -1.0 : 0.0) * fabs(m) : k * d * m * m);
            pd[i] = accumulate ? pd[i] + g : g;
        }
    }
}

void fs_masked_mse_backward(float *da, const float *a, const float *b, const float *mask, int N, int C, int H, int W,
                            double scale, int accumulate) {
    masked_backward(da, a, b, mask, N, C, H, W, scale, accumulate, 0);
}

double fs_masked_l1_forward(const float *a, const float *b, const float *mask, int N, int C, int H, int W) {
    return masked_forward(a, b, mask, N, C, H, W, 1);
}

void fs_masked_l1_backward(float *da, const float *a, const float *b, const float *mask, int N, int C, int H, int W,
                           double scale, int accumulate) {
    masked_backward(da, a, b, mask, N, C, H, W, scale, accumulate, 1);
}
