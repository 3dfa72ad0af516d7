/* resize_aa.c — antialiased (PIL / antialias=True) bilinear resize and area resize (see resize.h). */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/threads.h"
#include "tensor/pool.h"
#include "tensor/resize.h"

static double tri(double x) {
    x = fabs(x);
    return x < 1.0 ? 1.0 - x : 0.0;
}

int fs_resize_aa_taps(int dst, int in_size, int out_size, int *first, float *weights, int cap) {
    const double scale = (double)in_size / (double)out_size;
    const double support = scale >= 1.0 ? scale : 1.0;
    const double invscale = scale >= 1.0 ? 1.0 / scale : 1.0;
    const double center = scale * (dst + 0.5);
    long xmin = (long)(center - support + 0.5); /* truncation, as PyTorch / PIL */
    if (xmin < 0) xmin = 0;
    long xmax = (long)(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    long n = xmax - xmin;
    if (n < 0) n = 0;
    *first = (int)xmin;
    if (n > cap) return (int)n;
    double total = 0.0; /* two passes over the same formula: no buffer, nothing to allocate */
    for (long j = 0; j < n; j++) total += tri(((double)(j + xmin) - center + 0.5) * invscale);
    for (long j = 0; j < n; j++) {
        double wj = tri(((double)(j + xmin) - center + 0.5) * invscale);
        weights[j] = (float)(total != 0.0 ? wj / total : wj);
    }
    return (int)n;
}

/* Per-axis tap tables: first[o], count[o], weights[o * k .. o * k + count) */
typedef struct aa_axis {
    int in, out, k;
    int *first, *count;
    float *w;
} aa_axis;

static int axis_make(aa_axis *a, int in, int out) {
    a->in = in, a->out = out;
    const double scale = (double)in / (double)out;
    a->k = (int)ceil(scale >= 1.0 ? scale : 1.0) * 2 + 2;
    a->first = fs_scratch_malloc(sizeof(int) * 2 * (size_t)out);
    a->w = fs_scratch_malloc(sizeof(float) * (size_t)out * (size_t)a->k);
    if (!a->first || !a->w) return FS_ERR;
    a->count = a->first + out;
    for (int o = 0; o < out; o++) {
        int n = fs_resize_aa_taps(o, in, out, &a->first[o], a->w + (size_t)o * a->k, a->k);
        FS_ASSERT(n <= a->k);
        a->count[o] = n;
    }
    return FS_OK;
}

static void axis_free(aa_axis *a) {
    free(a->first);
    free(a->w);
}

typedef struct aa_job {
    int H, W, Ho, Wo;
    aa_axis ax, ay;
    const float *src;
    float *tmp, *dst;
} aa_job;

/* forward pass 1, items = (plane, input row): tmp[p][h][:] = row filtered along width */
static void aa_fwd_w(void *ctx, int64_t b, int64_t e, int ti) {
    (void)ti;
    const aa_job *j = ctx;
    for (int64_t r = b; r < e; r++) {
        const float *x = j->src + r * j->W;
        float *t = j->tmp + r * j->Wo;
        for (int o = 0; o < j->Wo; o++) {
            const float *w = j->ax.w + (size_t)o * j->ax.k;
            const float *xs = x + j->ax.first[o];
            float s = 0.0f;
            for (int k = 0; k < j->ax.count[o]; k++) s += w[k] * xs[k];
            t[o] = s;
        }
    }
}

/* forward pass 2, items = (plane, output row): out[p][ho][:] = sum_k w_k tmp[p][first+k][:] */
static void aa_fwd_h(void *ctx, int64_t b, int64_t e, int ti) {
    (void)ti;
    const aa_job *j = ctx;
    for (int64_t r = b; r < e; r++) {
        const int64_t p = r / j->Ho;
        const int ho = (int)(r % j->Ho);
        const float *w = j->ay.w + (size_t)ho * j->ay.k;
        const float *t = j->tmp + (p * j->H + j->ay.first[ho]) * j->Wo;
        float *o = j->dst + r * j->Wo;
        for (int c = 0; c < j->Wo; c++) o[c] = 0.0f;
        for (int k = 0; k < j->ay.count[ho]; k++) {
            const float wk = w[k];
            const float *tr = t + (int64_t)k * j->Wo;
            for (int c = 0; c < j->Wo; c++) o[c] += wk * tr[c];
        }
    }
}

/* backward pass 1, items = planes: dtmp[p] = Wy^T dout[p] (scatter over rows) */
static void aa_bwd_h(void *ctx, int64_t b, int64_t e, int ti) {
    (void)ti;
    const aa_job *j = ctx;
    for (int64_t p = b; p < e; p++) {
        float *t = j->tmp + p * j->H * j->Wo;
        memset(t, 0, sizeof(float) * (size_t)j->H * (size_t)j->Wo);
        for (int ho = 0; ho < j->Ho; ho++) {
            const float *g = j->src + (p * j->Ho + ho) * j->Wo;
            const float *w = j->ay.w + (size_t)ho * j->ay.k;
            for (int k = 0; k < j->ay.count[ho]; k++) {
                float *tr = t + (int64_t)(j->ay.first[ho] + k) * j->Wo;
                const float wk = w[k];
                for (int c = 0; c < j->Wo; c++) tr[c] += wk * g[c];
            }
        }
    }
}

/* backward pass 2, items = (plane, input row): din[p][h][:] = Wx^T dtmp[p][h][:] */
static void aa_bwd_w(void *ctx, int64_t b, int64_t e, int ti) {
    (void)ti;
    const aa_job *j = ctx;
    for (int64_t r = b; r < e; r++) {
        const float *t = j->tmp + r * j->Wo;
        float *dx = j->dst + r * j->W;
        memset(dx, 0, sizeof(float) * (size_t)j->W);
        for (int o = 0; o < j->Wo; o++) {
            const float *w = j->ax.w + (size_t)o * j->ax.k;
            float *d = dx + j->ax.first[o];
            for (int k = 0; k < j->ax.count[o]; k++) d[k] += w[k] * t[o];
        }
    }
}

static int64_t grain_for(int64_t per_item) {
    return per_item >= 4096 ? 1 : 4096 / (per_item > 0 ? per_item : 1);
}

/* the tap tables of both axes and the intermediate (N*C*H, W_out) image; nothing held on failure */
static int aa_job_init(aa_job *j, int N, int C, int H, int W, int H_out, int W_out, fs_err *err) {
    const int64_t planes = (int64_t)N * C;
    int ok = axis_make(&j->ax, W, W_out) == FS_OK;
    ok &= axis_make(&j->ay, H, H_out) == FS_OK;
    const size_t tmp_n = (size_t)(planes * H * W_out > 0 ? planes * H * W_out : 1);
    if (ok) ok = (j->tmp = fs_scratch_malloc(sizeof(float) * tmp_n)) != NULL;
    if (ok) return FS_OK;
    axis_free(&j->ax);
    axis_free(&j->ay);
    return fs_errorf(err, "out of memory: antialiased resize %dx%d -> %dx%d (%.0f bytes)", W, H, W_out, H_out,
                     4.0 * ((double)planes * H * W_out + 3.0 * ((double)W_out * j->ax.k + (double)H_out * j->ay.k)));
}

static void aa_job_free(aa_job *j) {
    free(j->tmp);
    axis_free(&j->ax);
    axis_free(&j->ay);
}

int fs_resize_bilinear_aa_forward(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out,
                                  fs_err *err) {
    FS_ASSERT(N >= 0 && C >= 0 && H > 0 && W > 0 && H_out > 0 && W_out > 0);
    aa_job j = {.H = H, .W = W, .Ho = H_out, .Wo = W_out, .src = in, .dst = out};
    if (aa_job_init(&j, N, C, H, W, H_out, W_out, err)) return FS_ERR;
    const int64_t planes = (int64_t)N * C;
    fs_parallel_for(planes * H, grain_for((int64_t)W + W_out), aa_fwd_w, &j);
    fs_parallel_for(planes * H_out, grain_for((int64_t)W_out * j.ay.k), aa_fwd_h, &j);
    aa_job_free(&j);
    return FS_OK;
}

int fs_resize_bilinear_aa_backward(float *din, const float *dout, int N, int C, int H, int W, int H_out, int W_out,
                                   fs_err *err) {
    if (!din) return FS_OK;
    FS_ASSERT(N >= 0 && C >= 0 && H > 0 && W > 0 && H_out > 0 && W_out > 0);
    aa_job j = {.H = H, .W = W, .Ho = H_out, .Wo = W_out, .src = dout, .dst = din};
    if (aa_job_init(&j, N, C, H, W, H_out, W_out, err)) return FS_ERR;
    const int64_t planes = (int64_t)N * C;
    fs_parallel_for(planes, grain_for((int64_t)H_out * W_out * j.ay.k), aa_bwd_h, &j);
    fs_parallel_for(planes * H, grain_for((int64_t)W + W_out * j.ax.k), aa_bwd_w, &j);
    aa_job_free(&j);
    return FS_OK;
}

int fs_resize_bilinear_aa_forward_ref(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out,
                                      fs_err *err) {
    /* dense separable weights, double accumulation: out = Wy X Wx^T per plane */
    double *wx = fs_scratch_calloc((size_t)W_out * W, sizeof(double));
    double *wy = fs_scratch_calloc((size_t)H_out * H, sizeof(double));
    float *taps = fs_scratch_malloc(sizeof(float) * (size_t)(H > W ? H : W) + sizeof(float));
    if (!wx || !wy || !taps) {
        free(wx), free(wy), free(taps);
        return fs_errorf(err, "out of memory: dense resize weights %dx%d -> %dx%d (%.0f bytes)", W, H, W_out, H_out,
                         8.0 * ((double)W_out * W + (double)H_out * H));
    }
    for (int o = 0; o < W_out; o++) {
        int first, n = fs_resize_aa_taps(o, W, W_out, &first, taps, W);
        for (int k = 0; k < n; k++) wx[(size_t)o * W + first + k] = taps[k];
    }
    for (int o = 0; o < H_out; o++) {
        int first, n = fs_resize_aa_taps(o, H, H_out, &first, taps, H);
        for (int k = 0; k < n; k++) wy[(size_t)o * H + first + k] = taps[k];
    }
    for (long p = 0; p < (long)N * C; p++)
        for (int ho = 0; ho < H_out; ho++)
            for (int wo = 0; wo < W_out; wo++) {
                double s = 0.0;
                for (int h = 0; h < H; h++) {
                    const double a = wy[(size_t)ho * H + h];
                    if (a == 0.0) continue;
                    for (int w = 0; w < W; w++) s += a * wx[(size_t)wo * W + w] * in[(p * H + h) * W + w];
                }
                out[(p * H_out + ho) * W_out + wo] = (float)s;
            }
    free(wx), free(wy), free(taps);
    return FS_OK;
}

void fs_resize_area_forward(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out) {
    fs_adaptive_avgpool2d_forward(out, in, N, C, H, W, H_out, W_out);
}

void fs_resize_area_backward(float *din, const float *dout, int N, int C, int H, int W, int H_out, int W_out) {
    if (!din) return;
    fs_adaptive_avgpool2d_backward(din, dout, N, C, H, W, H_out, W_out);
}
