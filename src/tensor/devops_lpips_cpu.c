/* devops_lpips_cpu.c — the CPU kernels of the loss ops of tensor/devops.h (LPIPS: relu, max-pool, the
 * ScalingLayer, channel normalisation, one tap's distance and gradient; the L2 loss of PTI and stitching). The reference for every other backend.
 * The per-pixel work runs over blocks of pixels in parallel, channels in the outer loop (unit stride); every
 * pixel's sums still go over c = 0..C-1 in order, so results do not depend on the thread count. */
#include <math.h>

#include "core/threads.h"
#include "tensor/activation.h"
#include "tensor/devops.h"

#define LP_PIX_BLOCK 1024

void fs_relu_cpu(float *out, const float *in, long n) { fs_relu_forward(out, in, n); }
void fs_relu_grad_cpu(float *din, const float *dout, const float *in, long n) { fs_relu_backward(din, dout, in, n); }
void fs_maxpool2d_cpu(float *out, int32_t *argmax, const float *in, const fs_pool2d_dims *d) {
    fs_maxpool2d_forward(out, argmax, in, d);
}
void fs_maxpool2d_grad_cpu(float *din, const float *dout, const int32_t *argmax, const fs_pool2d_dims *d) {
    fs_maxpool2d_backward(din, dout, argmax, d);
}

void fs_channel_affine_cpu(float *out, const float *x, const float *shift, const float *scale, int N, int C,
                           long HW) {
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++) {
            const float *s = x + ((long)n * C + c) * HW;
            float *d = out + ((long)n * C + c) * HW;
            const float sh = shift ? shift[c] : 0.0f, sc = scale[c];
            for (long i = 0; i < HW; i++) d[i] = (s[i] - sh) / sc;
        }
}

typedef struct norm_job {
    float *nf, *norm;
    const float *f;
    int C;
    long HW;
} norm_job;

static void norm_run(void *ctx, int64_t b0, int64_t b1, int ti) {
    (void)ti;
    const norm_job *j = ctx;
    const long HW = j->HW;
    float s[LP_PIX_BLOCK];
    for (int64_t blk = b0; blk < b1; blk++) {
        long p0 = blk * LP_PIX_BLOCK, np = HW - p0 < LP_PIX_BLOCK ? HW - p0 : LP_PIX_BLOCK;
        for (long q = 0; q < np; q++) s[q] = 0.0f;
        for (int c = 0; c < j->C; c++) {
            const float *fc = j->f + c * HW + p0;
            for (long q = 0; q < np; q++) s[q] += fc[q] * fc[q];
        }
        for (long q = 0; q < np; q++) {
            float nr = sqrtf(s[q]);
            if (j->norm) j->norm[p0 + q] = nr;
            s[q] = nr + 1e-10f;
        }
        for (int c = 0; c < j->C; c++) { /* a division, as normalize_tensor does */
            const float *fc = j->f + c * HW + p0;
            float *nc = j->nf + c * HW + p0;
            for (long q = 0; q < np; q++) nc[q] = fc[q] / s[q];
        }
    }
}

void fs_channel_norm_cpu(float *nf, float *norm, const float *f, int N, int C, long HW) {
    for (int n = 0; n < N; n++) {
        norm_job j = {nf + (long)n * C * HW, norm ? norm + (long)n * HW : NULL, f + (long)n * C * HW, C, HW};
        fs_parallel_for((HW + LP_PIX_BLOCK - 1) / LP_PIX_BLOCK, 1, norm_run, &j);
    }
}

typedef struct tap_job {
    float *pix;       /* (HW) per-pixel lin-weighted squared distance */
    float *g;         /* (C, HW) gradient w.r.t. f, or NULL */
    const float *f, *a, *b, *norm, *lin;
    int C;
    long HW;
    float k;          /* gscale / HW */
} tap_job;

static void tap_run(void *ctx, int64_t b0, int64_t b1, int ti) {
    (void)ti;
    const tap_job *j = ctx;
    const long HW = j->HW;
    float dot[LP_PIX_BLOCK];
    for (int64_t blk = b0; blk < b1; blk++) {
        long p0 = blk * LP_PIX_BLOCK, np = HW - p0 < LP_PIX_BLOCK ? HW - p0 : LP_PIX_BLOCK;
        float *s = j->pix + p0;
        for (long q = 0; q < np; q++) s[q] = 0.0f, dot[q] = 0.0f;
        for (int c = 0; c < j->C; c++) {
            const float *ac = j->a + c * HW + p0, *bc = j->b + c * HW + p0;
            const float w = j->lin[c];
            for (long q = 0; q < np; q++) {
                float e = ac[q] - bc[q];
                s[q] += w * e * e;
            }
        }
        if (!j->g) continue;
        /* dn_c = 2 k lin_c (a_c - b_c); df_c = dn_c / (nr + eps) - f_c (sum_j dn_j f_j) / ((nr + eps)^2 nr) */
        for (int c = 0; c < j->C; c++) {
            const float *ac = j->a + c * HW + p0, *bc = j->b + c * HW + p0, *fc = j->f + c * HW + p0;
            float *gc = j->g + c * HW + p0;
            const float w2k = 2.0f * j->k * j->lin[c];
            for (long q = 0; q < np; q++) {
                float dn = w2k * (ac[q] - bc[q]);
                gc[q] = dn;
                dot[q] += dn * fc[q];
            }
        }
        const float *nr = j->norm + p0;
        for (long q = 0; q < np; q++) {
            /* all channels 0 (nr = 0): the ReLU before blocks the gradient anyway; give 0, not NaN */
            float den = nr[q] + 1e-10f;
            dot[q] = nr[q] > 0.0f ? dot[q] / (den * den * nr[q]) : 0.0f;
        }
        for (int c = 0; c < j->C; c++) {
            const float *fc = j->f + c * HW + p0;
            float *gc = j->g + c * HW + p0;
            for (long q = 0; q < np; q++) gc[q] = nr[q] > 0.0f ? gc[q] / (nr[q] + 1e-10f) - fc[q] * dot[q] : 0.0f;
        }
    }
}

void fs_lpips_tap_cpu(float *dist, float *df, float *pix, const float *f, const float *nf, const float *norm,
                      const float *tnf, const float *lin, int N, int C, long HW, float gscale) {
    for (int n = 0; n < N; n++) {
        const long off = (long)n * C * HW;
        tap_job j = {pix, df ? df + off : NULL, f + off, nf + off, tnf + off, norm + (long)n * HW, lin, C, HW,
                     gscale / (float)HW};
        fs_parallel_for((HW + LP_PIX_BLOCK - 1) / LP_PIX_BLOCK, 1, tap_run, &j);
        double acc = 0.0;
        for (long p = 0; p < HW; p++) acc += pix[p];
        dist[n] = (float)(acc / (double)HW);
    }
}

void fs_l2_diff_cpu(double *sum, float *grad, const float *x, const float *y, double k, long n) {
    double s = 0;
    for (long j = 0; j < n; j++) {
        double e = (double)x[j] - y[j];
        s += e * e;
        if (grad) grad[j] += (float)(k * e);
    }
    sum[0] = s;
}
