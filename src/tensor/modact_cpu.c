/* modact_cpu.c — CPU kernels of the StyleGAN2 modulated-conv epilogue (tensor/devops.h: fs_modact_*):
 * demodulation, noise, bias, lrelu * sqrt(2) and clamp in one pass per (n, c) plane, and its backward. */
#include <math.h>

#include "core/threads.h"
#include "tensor/devops.h"
#include "tensor/kernel_math.h"

typedef struct {
    float *out;
    const float *y, *d, *noise, *bias;
    long noise_stride, HW;
    float strength, gain, clamp;
    int C;
    double *dd, *db, *dn; /* backward sums */
} ma_ctx;

static void modact_fwd_fn(void *vc, int64_t b, int64_t e, int t) {
    (void)t;
    const ma_ctx *c = vc;
    for (int64_t p = b; p < e; p++) {
        int n = (int)(p / c->C), ch = (int)(p % c->C);
        float d = c->d[p], bv = c->bias[ch], g = c->gain, cl = c->clamp;
        const float *y = c->y + p * c->HW;
        const float *nz = c->noise ? c->noise + n * c->noise_stride : NULL;
        float *o = c->out + p * c->HW;
        /* same operation order as (y*d + noise) then bias_act (bit-identical); branches hoisted */
        float st = c->strength;
        if (nz && cl < 0) {
            for (long i = 0; i < c->HW; i++) {
                float v = (y[i] * d + nz[i] * st) + bv;
                o[i] = (v > 0 ? v : v * 0.2f) * g;
            }
        } else if (cl < 0) {
            for (long i = 0; i < c->HW; i++) {
                float v = y[i] * d + bv;
                o[i] = (v > 0 ? v : v * 0.2f) * g;
            }
        } else {
            for (long i = 0; i < c->HW; i++) {
                float v = (nz ? y[i] * d + nz[i] * st : y[i] * d) + bv;
                v = (v > 0 ? v : v * 0.2f) * g;
                o[i] = v < -cl ? -cl : (v > cl ? cl : v);
            }
        }
    }
}

void fs_modact_forward_cpu(float *out, const float *y, const float *demod, const float *noise, long noise_stride,
                           const float *strength, const float *bias, float clamp, int N, int C, long HW) {
    ma_ctx c = {out, y, demod, noise, bias, noise_stride, HW, noise ? strength[0] : 0.0f, (float)sqrt(2.0), clamp, C,
                NULL, NULL, NULL};
    fs_parallel_for((int64_t)N * C, 1, modact_fwd_fn, &c);
}

/* Per plane p = (n, o): dz = dout * act'(v), v = y*d + strength*noise + bias (0 where the clamp cut);
 * dout <- dz * d; dd[p] = sum dz*y, db[p] = sum dz, dn[p] = sum dz*noise. */
static void modact_bwd_fn(void *vc, int64_t b, int64_t e, int t) {
    (void)t;
    const ma_ctx *c = vc;
    for (int64_t p = b; p < e; p++) {
        int n = (int)(p / c->C), ch = (int)(p % c->C);
        float d = c->d[p], bv = c->bias[ch], g = c->gain, cl = c->clamp, st = c->strength;
        const float *y = c->y + p * c->HW;
        const float *nz = c->noise ? c->noise + n * c->noise_stride : NULL;
        float *dc = c->out + p * c->HW;
        double sy = 0, sb = 0, sn = 0;
        for (long i = 0; i < c->HW; i++) {
            float v = (nz ? y[i] * d + nz[i] * st : y[i] * d) + bv;
            float dz = fs__modact_dz(dc[i], v, g, cl);
            sy += (double)dz * y[i];
            sb += dz;
            if (nz) sn += (double)dz * nz[i];
            dc[i] = dz * d;
        }
        c->dd[p] = sy;
        c->db[p] = sb;
        c->dn[p] = sn;
    }
}

void fs_modact_backward_cpu(float *dcur, double *dd, double *db, double *dn, const float *y, const float *demod,
                            const float *noise, long noise_stride, const float *strength, const float *bias,
                            float clamp, int N, int C, long HW) {
    ma_ctx c = {dcur, y, demod, noise, bias, noise_stride, HW, noise ? strength[0] : 0.0f, (float)sqrt(2.0), clamp, C,
                dd, db, dn};
    fs_parallel_for((int64_t)N * C, 1, modact_bwd_fn, &c);
}
