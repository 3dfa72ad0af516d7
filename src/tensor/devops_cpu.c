/* devops_cpu.c — CPU kernels of the small device ops (tensor/devops.h): plain loops, the per-plane ones
 * parallel over planes with core/threads.h (each plane reduced by one thread in index order: deterministic). */
#include <math.h>

#include "core/threads.h"
#include "tensor/devops.h"

typedef struct {
    float *out;
    const float *a, *b; /* planes */
    const float *scale; /* one per plane */
    float gain;
    long HW;
    double *red; /* per plane reduction result */
} plane_ctx;

static void scale_planes_fn(void *vc, int64_t b, int64_t e, int t) {
    (void)t;
    const plane_ctx *c = vc;
    for (int64_t p = b; p < e; p++) {
        float s = c->scale[p] * c->gain;
        const float *a = c->a + p * c->HW;
        float *o = c->out + p * c->HW;
        for (long i = 0; i < c->HW; i++) o[i] = a[i] * s;
    }
}
void fs_scale_planes_cpu(float *out, const float *a, const float *scale, float gain, long planes, long HW) {
    plane_ctx c = {out, a, NULL, scale, gain, HW, NULL};
    fs_parallel_for(planes, 1, scale_planes_fn, &c);
}

static void dot_planes_fn(void *vc, int64_t b, int64_t e, int t) {
    (void)t;
    const plane_ctx *c = vc;
    for (int64_t p = b; p < e; p++) {
        const float *x = c->a + p * c->HW, *y = c->b + p * c->HW;
        double acc = 0;
        for (long i = 0; i < c->HW; i++) acc += (double)x[i] * y[i];
        c->red[p] = acc;
    }
}
void fs_dot_planes_cpu(double *red, const float *a, const float *b, long planes, long HW) {
    plane_ctx c = {NULL, a, b, NULL, 1, HW, red};
    fs_parallel_for(planes, 1, dot_planes_fn, &c);
}

static void dot_scale_fn(void *vc, int64_t b, int64_t e, int t) {
    (void)t;
    const plane_ctx *c = vc;
    for (int64_t p = b; p < e; p++) {
        float *a = c->out + p * c->HW;
        const float *x = c->b + p * c->HW;
        float sc = c->scale[p] * c->gain;
        double acc = 0;
        for (long i = 0; i < c->HW; i++) {
            acc += (double)a[i] * x[i];
            a[i] = a[i] * sc;
        }
        c->red[p] = acc;
    }
}
void fs_dot_scale_planes_cpu(double *red, float *a, const float *x, const float *scale, float gain, long planes,
                             long HW) {
    plane_ctx c = {a, NULL, x, scale, gain, HW, red};
    fs_parallel_for(planes, 1, dot_scale_fn, &c);
}

void fs_add_cpu(float *dst, const float *src, long n) {
    for (long k = 0; k < n; k++) dst[k] += src[k];
}

void fs_sum_rows_f32_cpu(float *dst, const float *src, long rows, long cols) {
    for (long r = 0; r < rows; r++)
        for (long c = 0; c < cols; c++) dst[c] += src[r * cols + c];
}

void fs_sum_rows_f64_cpu(float *dst, const double *src, long rows, long cols) {
    for (long c = 0; c < cols; c++) {
        double acc = 0;
        for (long r = 0; r < rows; r++) acc += src[r * cols + c];
        dst[c] += (float)acc;
    }
}

void fs_row_sumsq_cpu(float *dst, const float *src, long rows, long len) {
    for (long r = 0; r < rows; r++) {
        const float *w = src + r * len;
        float acc = 0;
        for (long k = 0; k < len; k++) acc += w[k] * w[k];
        dst[r] = acc;
    }
}

void fs_permute01_cpu(float *dst, const float *src, int A, int B, int KK, int accumulate) {
    for (int a = 0; a < A; a++)
        for (int b = 0; b < B; b++) {
            float *d = dst + ((long)b * A + a) * KK;
            const float *s = src + ((long)a * B + b) * KK;
            if (accumulate)
                for (int k = 0; k < KK; k++) d[k] += s[k];
            else
                for (int k = 0; k < KK; k++) d[k] = s[k];
        }
}

void fs_square_scaled_cpu(float *out, const float *s, float g, long n) {
    for (long k = 0; k < n; k++) out[k] = (s[k] * g) * (s[k] * g);
}

void fs_rsqrt_eps_cpu(float *x, float eps, long n) {
    for (long k = 0; k < n; k++) x[k] = 1.0f / sqrtf(x[k] + eps);
}

void fs_demod_q_cpu(float *q, const double *dd, const float *d, long n) {
    for (long k = 0; k < n; k++) q[k] = (float)dd[k] * d[k] * d[k] * d[k];
}

void fs_f64_scaled_cpu(float *out, const double *src, float g, long n) {
    for (long k = 0; k < n; k++) out[k] = (float)src[k] * g;
}

void fs_sub_prod_cpu(float *dst, float c, const float *a, const float *b, long n) {
    for (long k = 0; k < n; k++) dst[k] -= c * a[k] * b[k];
}

void fs_sub_rows_scaled_cpu(float *dst, const float *w, const float *u, long rows, long len) {
    for (long r = 0; r < rows; r++) {
        float *d = dst + r * len;
        const float *wv = w + r * len;
        for (long k = 0; k < len; k++) d[k] -= wv[k] * u[r];
    }
}

void fs_scale_add_bias_cpu(float *x, float gain, const float *b, long rows, long C) {
    for (long k = 0; k < rows * C; k++) x[k] = x[k] * gain + b[k % C];
}

void fs_fill_cpu(float *x, float value, long n) {
    for (long k = 0; k < n; k++) x[k] = value;
}

typedef struct {
    float *x, *m, *v;
    const float *g;
    const fs_adam_consts *k;
} adam_ctx;

/* Elements are independent, so any split over threads gives the same bits. */
static void adam_range(void *ctx, int64_t begin, int64_t end, int ti) {
    (void)ti;
    const adam_ctx *j = ctx;
    float *x = j->x, *m = j->m, *v = j->v;
    const float *gr = j->g;
    const float wd = j->k->wd, w1 = j->k->w1, b2 = j->k->b2, one_m_b2 = j->k->one_m_b2, bc2s = j->k->bc2s,
                eps = j->k->eps, neg_step = j->k->neg_step;
    for (int64_t k = begin; k < end; k++) {
        float g = gr[k];
        if (wd != 0.0f) g = g + wd * x[k];
        /* torch.lerp: weight < 0.5 ? self + w (end - self) : end - (end - self)(1 - w) */
        m[k] = w1 < 0.5f ? m[k] + w1 * (g - m[k]) : g - (g - m[k]) * (1.0f - w1);
        v[k] = v[k] * b2 + one_m_b2 * g * g;          /* addcmul: v + (1-b2) g g */
        const float denom = sqrtf(v[k]) / bc2s + eps; /* sqrt(v) / sqrt(bc2) + eps */
        x[k] = x[k] + neg_step * m[k] / denom;        /* addcdiv: p + (-lr/bc1) m / denom */
    }
}

void fs_adam_update_cpu(float *x, float *m, float *v, const float *g, const fs_adam_consts *k, long n) {
    adam_ctx c = {x, m, v, g, k};
    fs_parallel_for(n, 65536, adam_range, &c);
}
