/* resize.c — bilinear / nearest resize (see resize.h). */
#include "tensor/resize.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/err.h"
#include "core/threads.h"

void fs_resize_linear_index(int dst, int in_size, int out_size, int align_corners, int *i0, int *i1, float *lambda) {
    float src;
    if (align_corners) {
        const float scale = out_size > 1 ? (float)(in_size - 1) / (float)(out_size - 1) : 0.0f;
        src = scale * (float)dst;
    } else {
        const float scale = (float)in_size / (float)out_size;
        src = scale * ((float)dst + 0.5f) - 0.5f;
        if (src < 0.0f) src = 0.0f;
    }
    int i = (int)floorf(src);
    if (i > in_size - 1) i = in_size - 1;
    float l = src - (float)i;
    if (l < 0.0f) l = 0.0f;
    if (l > 1.0f) l = 1.0f;
    *i0 = i;
    *i1 = i + (i < in_size - 1 ? 1 : 0);
    *lambda = l;
}

int fs_resize_nearest_index(int dst, int in_size, int out_size) {
    if (out_size == in_size) return dst;
    if (out_size == 2 * in_size) return dst >> 1;
    const float scale = (float)in_size / (float)out_size;
    long s = (long)floorf((float)dst * scale);
    return s > in_size - 1 ? in_size - 1 : (int)s;
}

typedef struct rs_job {
    int N, C, H, W, Ho, Wo, align, nearest;
    float *dst;
    const float *src;
    int *wi0, *wi1, *hi0, *hi1; /* per output column / row */
    float *wl, *hl;
} rs_job;

/* Fills the per-row / per-column tables; FS_ERR (out of memory, nothing held) when they cannot be allocated. */
static int rs_prepare(rs_job *j, fs_err *err) {
    const size_t n = (size_t)j->Wo + (size_t)j->Ho;
    j->wi0 = fs_scratch_malloc(sizeof(int) * 2 * n);
    j->wl = fs_scratch_malloc(sizeof(float) * n);
    if (!j->wi0 || !j->wl) {
        free(j->wi0), free(j->wl);
        return fs_errorf(err, "out of memory: resize tables for %dx%d -> %dx%d (%zu bytes)", j->W, j->H, j->Wo, j->Ho,
                         (sizeof(int) * 2 + sizeof(float)) * n);
    }
    j->wi1 = j->wi0 + j->Wo;
    j->hi0 = j->wi1 + j->Wo;
    j->hi1 = j->hi0 + j->Ho;
    j->hl = j->wl + j->Wo;
    for (int x = 0; x < j->Wo; x++) {
        if (j->nearest) {
            j->wi0[x] = j->wi1[x] = fs_resize_nearest_index(x, j->W, j->Wo);
            j->wl[x] = 0.0f;
        } else {
            fs_resize_linear_index(x, j->W, j->Wo, j->align, &j->wi0[x], &j->wi1[x], &j->wl[x]);
        }
    }
    for (int y = 0; y < j->Ho; y++) {
        if (j->nearest) {
            j->hi0[y] = j->hi1[y] = fs_resize_nearest_index(y, j->H, j->Ho);
            j->hl[y] = 0.0f;
        } else {
            fs_resize_linear_index(y, j->H, j->Ho, j->align, &j->hi0[y], &j->hi1[y], &j->hl[y]);
        }
    }
    return FS_OK;
}

static void rs_release(rs_job *j) {
    free(j->wi0);
    free(j->wl);
}

/* forward: items are (plane, output row) pairs */
static void rs_fwd_rows(void *ctx, int64_t begin, int64_t end, int ti) {
    (void)ti;
    const rs_job *j = ctx;
    for (int64_t r = begin; r < end; r++) {
        const int64_t p = r / j->Ho;
        const int y = (int)(r % j->Ho);
        const float *x = j->src + p * (int64_t)j->H * j->W;
        float *o = j->dst + p * (int64_t)j->Ho * j->Wo + (int64_t)y * j->Wo;
        const float *row0 = x + (int64_t)j->hi0[y] * j->W;
        if (j->nearest) {
            for (int xo = 0; xo < j->Wo; xo++) o[xo] = row0[j->wi0[xo]];
            continue;
        }
        const float *row1 = x + (int64_t)j->hi1[y] * j->W;
        const float lh = j->hl[y], lh0 = 1.0f - lh;
        for (int xo = 0; xo < j->Wo; xo++) {
            const int a = j->wi0[xo], b = j->wi1[xo];
            const float lw = j->wl[xo], lw0 = 1.0f - lw;
            const float t0 = row0[a] * lw0 + row0[b] * lw;
            const float t1 = row1[a] * lw0 + row1[b] * lw;
            o[xo] = t0 * lh0 + t1 * lh;
        }
    }
}

/* backward: items are planes (scatter-add inside one plane) */
static void rs_bwd_planes(void *ctx, int64_t begin, int64_t end, int ti) {
    (void)ti;
    const rs_job *j = ctx;
    for (int64_t p = begin; p < end; p++) {
        float *dx = j->dst + p * (int64_t)j->H * j->W;
        const float *dy = j->src + p * (int64_t)j->Ho * j->Wo;
        memset(dx, 0, sizeof(float) * (size_t)j->H * (size_t)j->W);
        for (int y = 0; y < j->Ho; y++) {
            const float *g = dy + (int64_t)y * j->Wo;
            float *row0 = dx + (int64_t)j->hi0[y] * j->W;
            if (j->nearest) {
                for (int xo = 0; xo < j->Wo; xo++) row0[j->wi0[xo]] += g[xo];
                continue;
            }
            float *row1 = dx + (int64_t)j->hi1[y] * j->W;
            const float lh = j->hl[y], lh0 = 1.0f - lh;
            for (int xo = 0; xo < j->Wo; xo++) {
                const int a = j->wi0[xo], b = j->wi1[xo];
                const float lw = j->wl[xo], lw0 = 1.0f - lw;
                const float g0 = g[xo] * lh0, g1 = g[xo] * lh;
                row0[a] += g0 * lw0;
                row0[b] += g0 * lw;
                row1[a] += g1 * lw0;
                row1[b] += g1 * lw;
            }
        }
    }
}

static int rs_run(int backward, int nearest, int threaded, float *dst, const float *src, int N, int C, int H, int W,
                  int Ho, int Wo, int align, fs_err *err) {
    if (!dst) return FS_OK;
    FS_ASSERT(N >= 0 && C >= 0 && H > 0 && W > 0 && Ho > 0 && Wo > 0);
    rs_job j = {
        .N = N, .C = C, .H = H, .W = W, .Ho = Ho, .Wo = Wo, .align = align, .nearest = nearest, .dst = dst, .src = src};
    if (rs_prepare(&j, err)) return FS_ERR;
    const int64_t planes = (int64_t)N * C;
    if (!backward) {
        const int64_t rows = planes * Ho;
        const int64_t grain = Wo >= 4096 ? 1 : 4096 / Wo;
        if (threaded)
            fs_parallel_for(rows, grain, rs_fwd_rows, &j);
        else
            rs_fwd_rows(&j, 0, rows, 0);
    } else {
        const int64_t work = (int64_t)Ho * Wo + (int64_t)H * W;
        const int64_t grain = work >= 16384 ? 1 : 16384 / work;
        if (threaded)
            fs_parallel_for(planes, grain, rs_bwd_planes, &j);
        else
            rs_bwd_planes(&j, 0, planes, 0);
    }
    rs_release(&j);
    return FS_OK;
}

int fs_resize_bilinear_forward(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out,
                               int align_corners, fs_err *err) {
    return rs_run(0, 0, 1, out, in, N, C, H, W, H_out, W_out, align_corners, err);
}
int fs_resize_bilinear_forward_ref(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out,
                                   int align_corners, fs_err *err) {
    return rs_run(0, 0, 0, out, in, N, C, H, W, H_out, W_out, align_corners, err);
}
int fs_resize_bilinear_backward(float *din, const float *dout, int N, int C, int H, int W, int H_out, int W_out,
                                int align_corners, fs_err *err) {
    return rs_run(1, 0, 1, din, dout, N, C, H, W, H_out, W_out, align_corners, err);
}
int fs_resize_bilinear_backward_ref(float *din, const float *dout, int N, int C, int H, int W, int H_out, int W_out,
                                    int align_corners, fs_err *err) {
    return rs_run(1, 0, 0, din, dout, N, C, H, W, H_out, W_out, align_corners, err);
}
int fs_resize_nearest_forward(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out,
                              fs_err *err) {
    return rs_run(0, 1, 1, out, in, N, C, H, W, H_out, W_out, 0, err);
}
int fs_resize_nearest_forward_ref(float *out, const float *in, int N, int C, int H, int W, int H_out, int W_out,
                                  fs_err *err) {
    return rs_run(0, 1, 0, out, in, N, C, H, W, H_out, W_out, 0, err);
}
int fs_resize_nearest_backward(float *din, const float *dout, int N, int C, int H, int W, int H_out, int W_out,
                               fs_err *err) {
    return rs_run(1, 1, 1, din, dout, N, C, H, W, H_out, W_out, 0, err);
}
int fs_resize_nearest_backward_ref(float *din, const float *dout, int N, int C, int H, int W, int H_out, int W_out,
                                   fs_err *err) {
    return rs_run(1, 1, 0, din, dout, N, C, H, W, H_out, W_out, 0, err);
}
