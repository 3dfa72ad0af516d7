/* bias_act.c — see bias_act.h. Reference loops plus a version parallel over (n, c) planes;
 * the bias gradient is reduced per channel in a fixed order (deterministic). */
#include "tensor/bias_act.h"

#include <stdlib.h>

#include "core/alloc.h"
#include "core/threads.h"
#include "tensor/backend.h"
#include "tensor/kernel_math.h"

void fs_bias_act_forward_ref(float *out, const float *in, const float *bias, int N, int C, long HW, fs_act act,
                             float alpha, float gain, float clamp) {
    for (int n = 0; n < N; n++)
        for (int c = 0; c < C; c++)
            for (long i = 0; i < HW; i++) {
                long k = ((long)n * C + c) * HW + i;
                out[k] = fs__act_fwd(in[k] + (bias ? bias[c] : 0.0f), act, alpha, gain, clamp);
            }
}

void fs_bias_act_backward_ref(float *din, float *dbias, const float *dout, const float *in, const float *bias,
                              int N, int C, long HW, fs_act act, float alpha, float gain, float clamp) {
    for (int c = 0; c < C; c++) {
        double db = 0;
        for (int n = 0; n < N; n++)
            for (long i = 0; i < HW; i++) {
                long k = ((long)n * C + c) * HW + i;
                float g = dout[k] * fs__act_grad(in[k] + (bias ? bias[c] : 0.0f), act, alpha, gain, clamp);
                if (din) din[k] = g;
                db += g;
            }
        if (dbias) dbias[c] += (float)db;
    }
}

typedef struct {
    float *out, *din;
    const float *in, *bias, *dout;
    int N, C;
    long HW;
    fs_act act;
    float alpha, gain, clamp;
    double *dbias_part; /* (C, N) partial sums, NULL when not needed */
} ba_ctx;

static void fwd_chunk(void *vc, int64_t b, int64_t e, int t) {
    (void)t;
    const ba_ctx *c = vc;
    for (int64_t p = b; p < e; p++) {
        int ch = (int)(p % c->C);
        float bv = c->bias ? c->bias[ch] : 0.0f;
        const float *x = c->in + p * c->HW;
        float *y = c->out + p * c->HW;
        if (c->act == FS_ACT_LRELU && c->clamp < 0) {
            float a = c->alpha, g = c->gain;
            for (long i = 0; i < c->HW; i++) {
                float v = x[i] + bv;
                v = v > 0 ? v : v * a;
                y[i] = v * g;
            }
        } else {
            for (long i = 0; i < c->HW; i++) y[i] = fs__act_fwd(x[i] + bv, c->act, c->alpha, c->gain, c->clamp);
        }
    }
}

static void bwd_chunk(void *vc, int64_t b, int64_t e, int t) {
    (void)t;
    const ba_ctx *c = vc;
    for (int64_t p = b; p < e; p++) {
        int ch = (int)(p % c->C);
        int n = (int)(p / c->C);
        float bv = c->bias ? c->bias[ch] : 0.0f;
        const float *x = c->in + p * c->HW;
        const float *dy = c->dout + p * c->HW;
        float *dx = c->din ? c->din + p * c->HW : NULL;
        double acc = 0;
        for (long i = 0; i < c->HW; i++) {
            float g = dy[i] * fs__act_grad(x[i] + bv, c->act, c->alpha, c->gain, c->clamp);
            if (dx) dx[i] = g;
            acc += g;
        }
        if (c->dbias_part) c->dbias_part[(long)ch * c->N + n] = acc;
    }
}

void fs_bias_act_forward_cpu(float *out, const float *in, const float *bias, int N, int C, long HW, fs_act act,
                             float alpha, float gain, float clamp) {
    ba_ctx c = {out, NULL, in, bias, NULL, N, C, HW, act, alpha, gain, clamp, NULL};
    fs_parallel_for((int64_t)N * C, 1, fwd_chunk, &c);
}

void fs_bias_act_backward_cpu(float *din, float *dbias, const float *dout, const float *in, const float *bias, int N,
                              int C, long HW, fs_act act, float alpha, float gain, float clamp) {
    if (!din && !dbias) return;
    double *part = NULL;
    if (dbias) {
        part = fs_scratch_calloc((size_t)N * C, sizeof(double));
        if (!part) {
            fs_bias_act_backward_ref(din, dbias, dout, in, bias, N, C, HW, act, alpha, gain, clamp);
            return;
        }
    }
    ba_ctx c = {NULL, din, in, bias, dout, N, C, HW, act, alpha, gain, clamp, part};
    fs_parallel_for((int64_t)N * C, 1, bwd_chunk, &c);
    if (dbias) {
        for (int ch = 0; ch < C; ch++) {
            double s = 0;
            for (int n = 0; n < N; n++) s += part[(long)ch * N + n];
            dbias[ch] += (float)s;
        }
        free(part);
    }
}

void fs_bias_act_forward(float *out, const float *in, const float *bias, int N, int C, long HW, fs_act act,
                         float alpha, float gain, float clamp) {
    fs_backend_get()->bias_act_forward(out, in, bias, N, C, HW, act, alpha, gain, clamp);
}

void fs_bias_act_backward(float *din, float *dbias, const float *dout, const float *in, const float *bias, int N,
                          int C, long HW, fs_act act, float alpha, float gain, float clamp) {
    fs_backend_get()->bias_act_backward(din, dbias, dout, in, bias, N, C, HW, act, alpha, gain, clamp);
}
