/* batchnorm.c — eval-mode batch norm (see batchnorm.h). */
#include "tensor/batchnorm.h"

#include <math.h>
#include <stdint.h>

#include "core/threads.h"

typedef struct bn_job {
    float *out, *din, *dgamma, *dbeta;
    const float *in, *dout, *mean, *var, *gamma, *beta;
    float eps;
    int N, C;
    long HW;
} bn_job;

static void bn_fwd_channels(void *ctx, int64_t c0, int64_t c1, int ti) {
    (void)ti;
    const bn_job *j = ctx;
    for (int64_t c = c0; c < c1; c++) {
        const float invstd = 1.0f / sqrtf(j->var[c] + j->eps);
        const float a = j->gamma ? j->gamma[c] * invstd : invstd;
        const float b = (j->beta ? j->beta[c] : 0.0f) - j->mean[c] * a;
        for (int n = 0; n < j->N; n++) {
            const long off = ((long)n * j->C + c) * j->HW;
            const float *x = j->in + off;
            float *y = j->out + off;
            for (long i = 0; i < j->HW; i++) y[i] = x[i] * a + b;
        }
    }
}

static void bn_bwd_channels(void *ctx, int64_t c0, int64_t c1, int ti) {
    (void)ti;
    const bn_job *j = ctx;
    for (int64_t c = c0; c < c1; c++) {
        const float invstd = 1.0f / sqrtf(j->var[c] + j->eps);
        const float a = j->gamma ? j->gamma[c] * invstd : invstd;
        const float mu = j->mean[c];
        double sg = 0.0, sb = 0.0;
        for (int n = 0; n < j->N; n++) {
            const long off = ((long)n * j->C + c) * j->HW;
            const float *x = j->in + off, *dy = j->dout + off;
            if (j->dgamma) /* sums before din is written: din may alias dout */
                for (long i = 0; i < j->HW; i++) sg += (double)dy[i] * ((double)x[i] - mu);
            if (j->dbeta)
                for (long i = 0; i < j->HW; i++) sb += dy[i];
            if (j->din) {
                float *dx = j->din + off;
                for (long i = 0; i < j->HW; i++) dx[i] = dy[i] * a;
            }
        }
        if (j->dgamma) j->dgamma[c] += (float)(sg * invstd);
        if (j->dbeta) j->dbeta[c] += (float)sb;
    }
}

static int64_t bn_grain(long N, long HW) {
    const long per = N * HW;
    return per >= 32768 ? 1 : (32768 + per - 1) / (per > 0 ? per : 1);
}

/* One job runs either across the thread pool (the public kernels) or in one call on this thread (the
 * _ref kernels, the serial definition the threaded ones are tested against). */
static void bn_run(bn_job *j, fs_parallel_fn fn, int threaded) {
    if (threaded)
        fs_parallel_for(j->C, bn_grain(j->N, j->HW), fn, j);
    else
        fn(j, 0, j->C, 0);
}

static void bn_forward(float *out, const float *in, const float *mean, const float *var, const float *gamma,
                       const float *beta, float eps, int N, int C, long HW, int threaded) {
    bn_job j = {.out = out,
                .in = in,
                .mean = mean,
                .var = var,
                .gamma = gamma,
                .beta = beta,
                .eps = eps,
                .N = N,
                .C = C,
                .HW = HW};
    bn_run(&j, bn_fwd_channels, threaded);
}

static void bn_backward(float *din, float *dgamma, float *dbeta, const float *dout, const float *in,
                        const float *mean, const float *var, const float *gamma, float eps, int N, int C, long HW,
                        int threaded) {
    bn_job j = {.din = din,
                .dgamma = dgamma,
                .dbeta = dbeta,
                .dout = dout,
                .in = in,
                .mean = mean,
                .var = var,
                .gamma = gamma,
                .eps = eps,
                .N = N,
                .C = C,
                .HW = HW};
    bn_run(&j, bn_bwd_channels, threaded);
}

void fs_batchnorm_forward(float *out, const float *in, const float *mean, const float *var, const float *gamma,
                          const float *beta, float eps, int N, int C, long HW) {
    bn_forward(out, in, mean, var, gamma, beta, eps, N, C, HW, 1);
}

void fs_batchnorm_forward_ref(float *out, const float *in, const float *mean, const float *var, const float *gamma,
                              const float *beta, float eps, int N, int C, long HW) {
    bn_forward(out, in, mean, var, gamma, beta, eps, N, C, HW, 0);
}

void fs_batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout, const float *in,
                           const float *mean, const float *var, const float *gamma, float eps, int N, int C, long HW) {
    bn_backward(din, dgamma, dbeta, dout, in, mean, var, gamma, eps, N, C, HW, 1);
}

void fs_batchnorm_backward_ref(float *din, float *dgamma, float *dbeta, const float *dout, const float *in,
                               const float *mean, const float *var, const float *gamma, float eps, int N, int C,
                               long HW) {
    bn_backward(din, dgamma, dbeta, dout, in, mean, var, gamma, eps, N, C, HW, 0);
}
