/* upfirdn2d.c — see upfirdn2d.h. A plain reference kernel and a table-driven one, parallel over planes. */
#include "tensor/upfirdn2d.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/threads.h"
#include "tensor/backend.h"

int fs_upfirdn2d_dims_init(fs_upfirdn2d_dims *d, fs_err *err) {
    if (d->N < 0 || d->C < 0 || d->H <= 0 || d->W <= 0 || d->KH <= 0 || d->KW <= 0)
        return fs_errorf(err, "upfirdn2d: bad dims N=%d C=%d H=%d W=%d filter %dx%d", d->N, d->C, d->H, d->W, d->KH,
                         d->KW);
    if (d->up_x < 1 || d->up_y < 1 || d->down_x < 1 || d->down_y < 1)
        return fs_errorf(err, "upfirdn2d: up/down factors must be >= 1");
    long hp = (long)d->H * d->up_y + d->pad_y0 + d->pad_y1 - d->KH;
    long wp = (long)d->W * d->up_x + d->pad_x0 + d->pad_x1 - d->KW;
    if (hp < 0 || wp < 0) return fs_errorf(err, "upfirdn2d: empty output (padding too negative or filter too big)");
    d->H_out = (int)(hp / d->down_y + 1);
    d->W_out = (int)(wp / d->down_x + 1);
    return FS_OK;
}

void fs_upfirdn2d_outer(float *f2d, const float *fy, int KH, const float *fx, int KW) {
    for (int i = 0; i < KH; i++)
        for (int j = 0; j < KW; j++) f2d[i * KW + j] = fy[i] * fx[j];
}

/* Input row/col feeding padded position p (upsampled + padded coordinates), or -1 for a zero. */
static int src_index(long p, int pad0, int up, int n) {
    long u = p - pad0;
    if (u < 0 || u % up) return -1;
    u /= up;
    return u < n ? (int)u : -1;
}

/* The reference loops, straight from the definition: every (output pixel, tap) pair whose source in the
 * upsampled, padded input is a real pixel. Forward gathers y[o] = sum_taps x[i] f; backward, its adjoint,
 * scatters dx[i] += dy[o] f over the same pairs in the same order. */
static void ref_run(float *dst, const float *src, const float *f, float gain, const fs_upfirdn2d_dims *d,
                    int backward) {
    long planes = (long)d->N * d->C, in_n = (long)d->H * d->W, out_n = (long)d->H_out * d->W_out;
    if (backward) memset(dst, 0, sizeof(float) * planes * in_n);
    for (long p = 0; p < planes; p++) {
        const float *s = src + p * (backward ? out_n : in_n);
        float *t = dst + p * (backward ? in_n : out_n);
        for (int yo = 0; yo < d->H_out; yo++)
            for (int xo = 0; xo < d->W_out; xo++) {
                long o = (long)yo * d->W_out + xo;
                float acc = 0, g = backward ? s[o] : 0;
                for (int ky = 0; ky < d->KH; ky++) {
                    int iy = src_index((long)yo * d->down_y + ky, d->pad_y0, d->up_y, d->H);
                    if (iy < 0) continue;
                    for (int kx = 0; kx < d->KW; kx++) {
                        int ix = src_index((long)xo * d->down_x + kx, d->pad_x0, d->up_x, d->W);
                        if (ix < 0) continue;
                        float fv = f[(d->KH - 1 - ky) * d->KW + (d->KW - 1 - kx)] * gain; /* true convolution */
                        long i = (long)iy * d->W + ix;
                        if (backward)
                            t[i] += g * fv;
                        else
                            acc += s[i] * fv;
                    }
                }
                if (!backward) t[o] = acc;
            }
    }
}

void fs_upfirdn2d_forward_ref(float *out, const float *in, const float *f, float gain, const fs_upfirdn2d_dims *d) {
    ref_run(out, in, f, gain, d, 0);
}

void fs_upfirdn2d_backward_ref(float *din, const float *dout, const float *f, float gain,
                               const fs_upfirdn2d_dims *d) {
    ref_run(din, dout, f, gain, d, 1);
}

/* ---- table-driven kernel: per output row/col, the (source index, filter tap) pairs that are not zero ---- */

typedef struct {
    const fs_upfirdn2d_dims *d;
    const float *src;
    float *dst;
    const float *fg;   /* flipped filter times gain, (KH, KW) */
    const int *ty, *tx; /* (H_out, KH) / (W_out, KW): source index or -1 */
} ufd_ctx;

static void fwd_planes(void *vctx, int64_t b, int64_t e, int t) {
    (void)t;
    const ufd_ctx *c = vctx;
    const fs_upfirdn2d_dims *d = c->d;
    int KH = d->KH, KW = d->KW, W = d->W, Wo = d->W_out;
    for (int64_t p = b; p < e; p++) {
        const float *x = c->src + p * d->H * W;
        float *y = c->dst + p * d->H_out * Wo;
        for (int yo = 0; yo < d->H_out; yo++) {
            float *yr = y + (long)yo * Wo;
            for (int xo = 0; xo < Wo; xo++) yr[xo] = 0;
            for (int ky = 0; ky < KH; ky++) {
                int iy = c->ty[yo * KH + ky];
                if (iy < 0) continue;
                const float *xr = x + (long)iy * W;
                const float *fr = c->fg + ky * KW;
                for (int xo = 0; xo < Wo; xo++) {
                    const int *txo = c->tx + xo * KW;
                    float acc = 0;
                    for (int kx = 0; kx < KW; kx++) {
                        int ix = txo[kx];
                        if (ix >= 0) acc += xr[ix] * fr[kx];
                    }
                    yr[xo] += acc;
                }
            }
        }
    }
}

static void bwd_planes(void *vctx, int64_t b, int64_t e, int t) {
    (void)t;
    const ufd_ctx *c = vctx;
    const fs_upfirdn2d_dims *d = c->d;
    int KH = d->KH, KW = d->KW, W = d->W, Wo = d->W_out;
    for (int64_t p = b; p < e; p++) {
        float *dx = c->dst + p * d->H * W;
        const float *dy = c->src + p * d->H_out * Wo;
        memset(dx, 0, sizeof(float) * d->H * W);
        for (int yo = 0; yo < d->H_out; yo++) {
            const float *dyr = dy + (long)yo * Wo;
            for (int ky = 0; ky < KH; ky++) {
                int iy = c->ty[yo * KH + ky];
                if (iy < 0) continue;
                float *dxr = dx + (long)iy * W;
                const float *fr = c->fg + ky * KW;
                for (int xo = 0; xo < Wo; xo++) {
                    const int *txo = c->tx + xo * KW;
                    float g = dyr[xo];
                    for (int kx = 0; kx < KW; kx++) {
                        int ix = txo[kx];
                        if (ix >= 0) dxr[ix] += g * fr[kx];
                    }
                }
            }
        }
    }
}

/* ---- separable path (up = down = 1, rank-1 filter: StyleGAN2's blur after the transposed conv) ----
 * out = vertical(horizontal(in)): 2*K multiply-adds per output instead of K*K, branch-free interiors. */
typedef struct {
    const fs_upfirdn2d_dims *d;
    const float *src;
    float *dst;
    const float *fy, *fx; /* flipped 1-D taps, gain folded into fy */
    float *scratch;       /* (threads, H, W_out): thread t's horizontally filtered planes, allocated by run() */
} sep_ctx;

static void sep_fwd_planes(void *vctx, int64_t b, int64_t e, int t) {
    const sep_ctx *c = vctx;
    const fs_upfirdn2d_dims *d = c->d;
    int H = d->H, W = d->W, Ho = d->H_out, Wo = d->W_out, KH = d->KH, KW = d->KW;
    int px = d->pad_x0, py = d->pad_y0;
    float *tmp = c->scratch + (size_t)t * H * Wo;
    /* interior x range: every tap inside [0, W) */
    int x_lo = px, x_hi = W - KW + px; /* xo in [x_lo, x_hi] */
    for (int64_t p = b; p < e; p++) {
        const float *x = c->src + p * H * W;
        float *y = c->dst + p * Ho * Wo;
        for (int yi = 0; yi < H; yi++) {
            const float *xr = x + (long)yi * W;
            float *tr = tmp + (long)yi * Wo;
            for (int xo = 0; xo < Wo; xo++) {
                float acc = 0;
                if (xo >= x_lo && xo <= x_hi) {
                    const float *xs = xr + xo - px;
                    for (int k = 0; k < KW; k++) acc += xs[k] * c->fx[k];
                } else {
                    for (int k = 0; k < KW; k++) {
                        int xi = xo + k - px;
                        if (xi >= 0 && xi < W) acc += xr[xi] * c->fx[k];
                    }
                }
                tr[xo] = acc;
            }
        }
        for (int yo = 0; yo < Ho; yo++) {
            float *yr = y + (long)yo * Wo;
            for (int xo = 0; xo < Wo; xo++) yr[xo] = 0;
            for (int k = 0; k < KH; k++) {
                int yi = yo + k - py;
                if (yi < 0 || yi >= H) continue;
                const float *tr = tmp + (long)yi * Wo;
                float f = c->fy[k];
                for (int xo = 0; xo < Wo; xo++) yr[xo] += tr[xo] * f;
            }
        }
    }
}

static void sep_bwd_planes(void *vctx, int64_t b, int64_t e, int t) {
    const sep_ctx *c = vctx;
    const fs_upfirdn2d_dims *d = c->d;
    int H = d->H, W = d->W, Ho = d->H_out, Wo = d->W_out, KH = d->KH, KW = d->KW;
    int px = d->pad_x0, py = d->pad_y0;
    float *tmp = c->scratch + (size_t)t * H * Wo;
    for (int64_t p = b; p < e; p++) {
        const float *dy = c->src + p * Ho * Wo;
        float *dx = c->dst + p * H * W;
        /* adjoint of the vertical pass: dtmp[yi] = sum_k dy[yi - k + py] fy[k] */
        for (int yi = 0; yi < H; yi++) {
            float *tr = tmp + (long)yi * Wo;
            for (int xo = 0; xo < Wo; xo++) tr[xo] = 0;
            for (int k = 0; k < KH; k++) {
                int yo = yi - k + py;
                if (yo < 0 || yo >= Ho) continue;
                const float *dr = dy + (long)yo * Wo;
                float f = c->fy[k];
                for (int xo = 0; xo < Wo; xo++) tr[xo] += dr[xo] * f;
            }
        }
        /* adjoint of the horizontal pass: dx[yi][xi] = sum_k dtmp[yi][xi - k + px] fx[k] */
        int x_lo = KW - 1 - px, x_hi = Wo - 1 - px; /* xi range where every tap is inside [0, Wo) */
        for (int yi = 0; yi < H; yi++) {
            const float *tr = tmp + (long)yi * Wo;
            float *xr = dx + (long)yi * W;
            for (int xi = 0; xi < W; xi++) {
                float acc = 0;
                if (xi >= x_lo && xi <= x_hi) {
                    const float *ts = tr + xi + px;
                    for (int k = 0; k < KW; k++) acc += ts[-k] * c->fx[k];
                } else {
                    for (int k = 0; k < KW; k++) {
                        int xo = xi - k + px;
                        if (xo >= 0 && xo < Wo) acc += tr[xo] * c->fx[k];
                    }
                }
                xr[xi] = acc;
            }
        }
    }
}

/* f (KH, KW) == outer(col, row) exactly? Fills the flipped taps fy (times gain) and fx. */
static int separable(const float *f, int KH, int KW, float gain, float *fy, float *fx) {
    int i0 = -1, j0 = -1;
    for (int i = 0; i < KH * KW && i0 < 0; i++)
        if (f[i] != 0) i0 = i / KW, j0 = i % KW;
    if (i0 < 0) return 0;
    float p = f[i0 * KW + j0];
    for (int i = 0; i < KH; i++)
        for (int j = 0; j < KW; j++) {
            double lhs = (double)f[i * KW + j] * p, rhs = (double)f[i * KW + j0] * f[i0 * KW + j];
            if (fabs(lhs - rhs) > 1e-7 * (fabs(lhs) + fabs(rhs)) + 1e-30) return 0;
        }
    for (int i = 0; i < KH; i++) fy[KH - 1 - i] = f[i * KW + j0] * gain;
    for (int j = 0; j < KW; j++) fx[KW - 1 - j] = f[i0 * KW + j] / p;
    return 1;
}

static int run(float *dst, const float *src, const float *f, float gain, const fs_upfirdn2d_dims *d, int backward) {
    int KH = d->KH, KW = d->KW;
    if (d->up_x == 1 && d->up_y == 1 && d->down_x == 1 && d->down_y == 1 && KH <= 64 && KW <= 64) {
        float fy[64], fx[64];
        float *scratch = NULL;
        if (separable(f, KH, KW, gain, fy, fx) &&
            (scratch = fs_scratch_malloc(sizeof(float) * (size_t)fs_threads_available() * d->H * d->W_out))) {
            sep_ctx c = {d, src, dst, fy, fx, scratch};
            fs_parallel_for((int64_t)d->N * d->C, 1, backward ? sep_bwd_planes : sep_fwd_planes, &c);
            free(scratch);
            return 1;
        } /* not separable, or out of memory for the scratch: the table-driven kernel */
    }
    size_t nt = (size_t)d->H_out * KH + (size_t)d->W_out * KW;
    int *tab = fs_scratch_malloc(sizeof(int) * nt);
    float *fg = fs_scratch_malloc(sizeof(float) * (size_t)KH * KW);
    if (!tab || !fg) {
        free(tab);
        free(fg);
        return 0;
    }
    int *ty = tab, *tx = tab + (size_t)d->H_out * KH;
    for (int yo = 0; yo < d->H_out; yo++)
        for (int ky = 0; ky < KH; ky++) ty[yo * KH + ky] = src_index((long)yo * d->down_y + ky, d->pad_y0, d->up_y, d->H);
    for (int xo = 0; xo < d->W_out; xo++)
        for (int kx = 0; kx < KW; kx++) tx[xo * KW + kx] = src_index((long)xo * d->down_x + kx, d->pad_x0, d->up_x, d->W);
    for (int ky = 0; ky < KH; ky++)
        for (int kx = 0; kx < KW; kx++) fg[ky * KW + kx] = f[(KH - 1 - ky) * KW + (KW - 1 - kx)] * gain;
    ufd_ctx c = {d, src, dst, fg, ty, tx};
    fs_parallel_for((int64_t)d->N * d->C, 1, backward ? bwd_planes : fwd_planes, &c);
    free(tab);
    free(fg);
    return 1;
}

void fs_upfirdn2d_forward_cpu(float *out, const float *in, const float *f, float gain, const fs_upfirdn2d_dims *d) {
    if (!run(out, in, f, gain, d, 0)) fs_upfirdn2d_forward_ref(out, in, f, gain, d); /* out of memory: slow path */
}

void fs_upfirdn2d_backward_cpu(float *din, const float *dout, const float *f, float gain, const fs_upfirdn2d_dims *d) {
    if (!run(din, dout, f, gain, d, 1)) fs_upfirdn2d_backward_ref(din, dout, f, gain, d);
}

void fs_upfirdn2d_forward(float *out, const float *in, const float *f, float gain, const fs_upfirdn2d_dims *d) {
    fs_backend_get()->upfirdn2d_forward(out, in, f, gain, d);
}

void fs_upfirdn2d_backward(float *din, const float *dout, const float *f, float gain, const fs_upfirdn2d_dims *d) {
    fs_backend_get()->upfirdn2d_backward(din, dout, f, gain, d);
}
