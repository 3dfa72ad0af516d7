/* conv_transpose2d_cpu.c — fast transposed conv through the fast conv2d halves.
 *
 * A transposed conv is the backward-data of the conv2d with the same weight, read the other way:
 * conv2d c with input (N, C_out_t, H_out_t, W_out_t), C_out_c = C_in_t, output size (H_t, W_t),
 * padding (pad_h, pad_w). Its weight layout (C_out_c, C_in_c/groups, KH, KW) is exactly the
 * transposed conv's (C_in_t, C_out_t/groups, KH, KW). So:
 *   forward_t(in)  = backward_data_c(dout = in)
 *   din_t          = forward_c(in = dout_t)
 *   dweight_t     += backward_weight_c(dout = in_t, in = dout_t)
 * The forward of large outputs with few channels has its own implicit-GEMM kernel (output phases,
 * below), which avoids the column buffer and the col2im scatter. Reentrant like conv2d_cpu.c: scratch
 * from the calling thread's set (im2col.h), job structs on the caller's stack.
 */
#include "tensor/conv_transpose2d.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/threads.h"
#include "tensor/conv2d.h"
#include "tensor/gemm.h"
#include "tensor/im2col.h"

static fs_conv2d_dims as_conv2d(const fs_conv_transpose2d_dims *t) {
    fs_conv2d_dims c = {.N = t->N, .C_in = t->C_out, .H = t->H_out, .W = t->W_out, .C_out = t->C_in,
                        .KH = t->KH, .KW = t->KW, .stride_h = t->stride_h, .stride_w = t->stride_w,
                        .pad_top = t->pad_h, .pad_bottom = t->pad_h, .pad_left = t->pad_w, .pad_right = t->pad_w,
                        .dil_h = t->dil_h, .dil_w = t->dil_w, .groups = t->groups, .H_out = t->H, .W_out = t->W};
    return c;
}

typedef struct {
    float *out;
    const float *bias;
    long plane;
    int C;
} bias_job;

static void add_bias_rows(void *ctx, int64_t b, int64_t e, int tid) {
    (void)tid;
    const bias_job *j = ctx;
    for (int64_t r = b; r < e; r++) {
        float v = j->bias[r % j->C], *o = j->out + r * j->plane;
        for (long p = 0; p < j->plane; p++) o[p] += v;
    }
}

/* ---------------------------------------------------------------- forward by output phases
 * Output row oy = sh*qy + ry (phase ry). Tap kh reaches phase ry when kh*dil_h - pad_h - ry = sh*dh
 * for an integer dh, and then out[sh*qy + ry] gets W_tap^T x[qy - dh]: for each output phase, a
 * stride-1 correlation of x with that phase's taps. As in conv2d's implicit GEMM, a tile of R phase
 * rows is computed on an extended grid of R x Wx (Wx = Qw + spread of the column shifts) from one
 * zero-padded slab of x, one GEMM per tap, then scattered to every sw-th column of every sh-th row. */
#define PH_MAX_TAPS 16
typedef struct {
    int Qh, Qw;            /* rows / columns of the output in this phase */
    int nh, nw;            /* taps reaching it */
    int kh[PH_MAX_TAPS], dh[PH_MAX_TAPS], kw[PH_MAX_TAPS], dw[PH_MAX_TAPS];
    int dh_min, dh_max, dw_min, dw_max, Wx;
    long Sp;               /* floats per channel of the slab */
} ct_phase;

typedef struct {
    fs__conv_scratch_set *s;
    const fs_conv_transpose2d_dims *d;
    float *out;
    const float *in, *wt, *bias;
    int G, Cig, Cog, R, T, nph, Wx_max;
    long Sp_max;
    ct_phase ph[16];
} ct_job;

static int phase_ok(const fs_conv_transpose2d_dims *d) {
    if (d->stride_h > 4 || d->stride_w > 4 || d->KH > PH_MAX_TAPS || d->KW > PH_MAX_TAPS) return 0;
    if (fs__conv2d_cpu_path) return fs__conv2d_cpu_path == 2;
    /* measured against the col2im path: +8% for 64->32 up to 1025x1025, worse with more channels */
    return d->W_out >= 256 && d->C_out / d->groups <= 32;
}

/* taps k of one axis reaching phase r: k*dil - pad - r = stride*delta */
static int phase_taps(int K, int dil, int pad, int stride, int r, int *ks, int *deltas) {
    int n = 0;
    for (int k = 0; k < K; k++) {
        int e = k * dil - pad - r;
        if (((e % stride) + stride) % stride) continue;
        ks[n] = k;
        deltas[n] = (e - (((e % stride) + stride) % stride)) / stride;
        n++;
    }
    return n;
}

/* ext (Cog, R*Wx) = sum over the taps of phase ph of W_tap^T @ shifted slab, for phase rows
 * [q0, q0 + R); returns 0 when no tap reaches the phase (ext untouched, read as zeros). */
static int phase_gemms(const ct_job *j, const ct_phase *ph, int n, int g, int q0, int R, float *slab, float *ext) {
    const fs_conv_transpose2d_dims *d = j->d;
    if (ph->nh == 0 || ph->nw == 0) return 0;
    const long HW = (long)d->H * d->W, KK = (long)d->KH * d->KW;
    const float *x = j->in + ((long)n * d->C_in + (long)g * j->Cig) * HW;
    const int Wx = ph->Wx, rows = R + ph->dh_max - ph->dh_min;
    /* slab[ci][r][c] = x[ci][q0 - dh_max + r][c - dw_max] */
    int c_lo = ph->dw_max > 0 ? ph->dw_max : 0, c_hi = ph->dw_max + d->W < Wx ? ph->dw_max + d->W : Wx;
    if (c_lo > c_hi) c_lo = c_hi;
    for (int ci = 0; ci < j->Cig; ci++) {
        float *sp = slab + ci * ph->Sp;
        for (int r = 0; r < rows; r++, sp += Wx) {
            const int xr = q0 - ph->dh_max + r;
            if (xr < 0 || xr >= d->H || c_lo == c_hi) {
                memset(sp, 0, sizeof(float) * (size_t)Wx);
                continue;
            }
            memset(sp, 0, sizeof(float) * (size_t)c_lo);
            memcpy(sp + c_lo, x + ci * HW + (long)xr * d->W + (c_lo - ph->dw_max), sizeof(float) * (size_t)(c_hi - c_lo));
            memset(sp + c_hi, 0, sizeof(float) * (size_t)(Wx - c_hi));
        }
        memset(sp, 0, sizeof(float) * (size_t)(ph->Sp - (long)rows * Wx));
    }
    const long Ne = (long)R * Wx;
    int first = 1;
    for (int a = 0; a < ph->nh; a++)
        for (int b = 0; b < ph->nw; b++) {
            const long tap = (long)ph->kh[a] * d->KW + ph->kw[b];
            const float *A = j->wt + ((long)g * KK + tap) * j->Cog * j->Cig;
            const float *B = slab + (long)(ph->dh_max - ph->dh[a]) * Wx + (ph->dw_max - ph->dw[b]);
            fs_sgemm_serial(0, 0, j->Cog, (int)Ne, j->Cig, 1.0f, A, j->Cig, B, (int)ph->Sp, first ? 0.0f : 1.0f, ext,
                            (int)Ne);
            first = 0;
        }
    return 1;
}

/* Unit = (image, tile of phase rows): for each row phase ry, the sw column phases are computed into
 * sw extended grids, then each output row is written once, left to right, interleaving them. */
static void ct_units(void *ctx, int64_t u0, int64_t u1, int tid) {
    const ct_job *j = ctx;
    const fs_conv_transpose2d_dims *d = j->d;
    const long P = (long)d->H_out * d->W_out;
    const int sh = d->stride_h, sw = d->stride_w;
    for (int64_t u = u0; u < u1; u++) {
        const long img = u / j->T;
        const int t = (int)(u % j->T), n = (int)(img / j->G), g = (int)(img % j->G), q0 = t * j->R;
        float *y = j->out + ((long)n * d->C_out + (long)g * j->Cog) * P;
        float *slab = fs__conv_scratch(j->s, tid, 0, j->Cig * j->Sp_max);
        for (int ry = 0; ry < sh; ry++) {
            const int Qh = j->ph[ry * sw].Qh;
            if (q0 >= Qh) continue;
            const int R = q0 + j->R < Qh ? j->R : Qh - q0;
            const float *e[4];
            long Ne[4];
            int has[4];
            const long ext_size = (long)j->Cog * j->R * j->Wx_max;
            float *ext_all = fs__conv_scratch(j->s, tid, 2, sw * ext_size); /* one grid per column phase */
            for (int rx = 0; rx < sw; rx++) {
                const ct_phase *ph = &j->ph[ry * sw + rx];
                float *ext = ext_all + rx * ext_size;
                has[rx] = phase_gemms(j, ph, n, g, q0, R, slab, ext);
                e[rx] = ext;
                Ne[rx] = (long)R * ph->Wx;
            }
            for (int co = 0; co < j->Cog; co++) {
                const float bv = j->bias ? j->bias[g * j->Cog + co] : 0.0f;
                for (int r = 0; r < R; r++) {
                    float *yr = y + co * P + (long)(sh * (q0 + r) + ry) * d->W_out;
                    const float *er[4];
                    for (int rx = 0; rx < sw; rx++) er[rx] = e[rx] + co * Ne[rx] + (long)r * j->ph[ry * sw + rx].Wx;
                    if (sw == 2 && has[0] && has[1]) {
                        int ox = 0, q = 0;
#ifdef __SSE2__
                        const __m128 b4 = _mm_set1_ps(bv);
                        for (; ox + 8 <= d->W_out && q + 4 <= j->ph[ry * 2 + 1].Qw; q += 4, ox += 8) {
                            __m128 a = _mm_add_ps(_mm_loadu_ps(er[0] + q), b4), c = _mm_add_ps(_mm_loadu_ps(er[1] + q), b4);
                            _mm_storeu_ps(yr + ox, _mm_unpacklo_ps(a, c));
                            _mm_storeu_ps(yr + ox + 4, _mm_unpackhi_ps(a, c));
                        }
#endif
                        for (; ox + 1 < d->W_out; q++, ox += 2) {
                            yr[ox] = er[0][q] + bv;
                            yr[ox + 1] = er[1][q] + bv;
                        }
                        if (ox < d->W_out) yr[ox] = er[0][ox / 2] + bv;
                    } else {
                        for (int ox = 0, rx = 0, q = 0; ox < d->W_out; ox++) {
                            yr[ox] = (has[rx] ? er[rx][q] : 0.0f) + bv;
                            if (++rx == sw) rx = 0, q++;
                        }
                    }
                }
            }
        }
    }
}

typedef struct {
    float *wt;
    const float *w;
    int G, Cig, Cog;
    long KK;
} ct_wperm_job;

/* wt[g][tap][co][ci] = W[g*Cig + ci][co][tap], parallel over input channels */
static void ct_wperm(void *ctx, int64_t c0, int64_t c1, int tid) {
    (void)tid;
    const ct_wperm_job *j = ctx;
    for (int64_t c = c0; c < c1; c++) {
        const long g = c / j->Cig, ci = c % j->Cig;
        for (long co = 0; co < j->Cog; co++)
            for (long k = 0; k < j->KK; k++)
                j->wt[((g * j->KK + k) * j->Cog + co) * j->Cig + ci] = j->w[(c * j->Cog + co) * j->KK + k];
    }
}

static int ceil_div(int a, int b) { return (a + b - 1) / b; }

/* 0, or the bytes of scratch that could not be allocated (then nothing was written) */
static long forward_phases(fs__conv_scratch_set *s, float *out, const float *in, const float *weight,
                           const float *bias, const fs_conv_transpose2d_dims *d) {
    ct_job j; /* ~5 KB (ph[]), on the caller's stack: one per concurrent op */
    memset(&j, 0, sizeof j);
    j.s = s, j.d = d, j.out = out, j.in = in, j.bias = bias;
    j.G = d->groups, j.Cig = d->C_in / d->groups, j.Cog = d->C_out / d->groups;
    const long KK = (long)d->KH * d->KW;
    j.nph = d->stride_h * d->stride_w;
    long max_plane = 1;
    int Qh_max = 1, Wx_max = 1;
    for (int p = 0; p < j.nph; p++) {
        ct_phase *ph = &j.ph[p];
        const int ry = p / d->stride_w, rx = p % d->stride_w;
        ph->Qh = ry < d->H_out ? ceil_div(d->H_out - ry, d->stride_h) : 0;
        ph->Qw = rx < d->W_out ? ceil_div(d->W_out - rx, d->stride_w) : 0;
        ph->nh = phase_taps(d->KH, d->dil_h, d->pad_h, d->stride_h, ry, ph->kh, ph->dh);
        ph->nw = phase_taps(d->KW, d->dil_w, d->pad_w, d->stride_w, rx, ph->kw, ph->dw);
        ph->dh_min = ph->dh_max = ph->nh ? ph->dh[0] : 0;
        for (int a = 1; a < ph->nh; a++) {
            if (ph->dh[a] < ph->dh_min) ph->dh_min = ph->dh[a];
            if (ph->dh[a] > ph->dh_max) ph->dh_max = ph->dh[a];
        }
        ph->dw_min = ph->dw_max = ph->nw ? ph->dw[0] : 0;
        for (int b = 1; b < ph->nw; b++) {
            if (ph->dw[b] < ph->dw_min) ph->dw_min = ph->dw[b];
            if (ph->dw[b] > ph->dw_max) ph->dw_max = ph->dw[b];
        }
        ph->Wx = ph->Qw + ph->dw_max - ph->dw_min;
        if (ph->Qh > Qh_max) Qh_max = ph->Qh;
        if (ph->Wx > Wx_max) Wx_max = ph->Wx;
        const long halo_plane = (long)(ph->dh_max - ph->dh_min + 1) * ph->Wx;
        if (halo_plane > max_plane) max_plane = halo_plane;
    }
    /* rows per tile: GEMMs of ~8k columns, slab of ~2 MB */
    long R = ceil_div(8192, Wx_max);
    long rows_mem = (512L << 10) / ((long)j.Cig * Wx_max) - (max_plane / Wx_max - 1);
    if (rows_mem < R) R = rows_mem;
    if (R < 1) R = 1;
    if (R > Qh_max) R = Qh_max;
    j.R = (int)R;
    j.T = ceil_div(Qh_max, j.R);
    j.Wx_max = Wx_max;
    for (int p = 0; p < j.nph; p++) {
        ct_phase *ph = &j.ph[p];
        ph->Sp = (long)(j.R + ph->dh_max - ph->dh_min) * ph->Wx + (ph->dw_max - ph->dw_min);
        if (ph->Sp > j.Sp_max) j.Sp_max = ph->Sp;
    }
    const long units = (long)d->N * j.G * j.T;
    long miss = fs__conv_scratch_reserve(s, 1, 4, (long)d->C_in * j.Cog * KK);
    if (!miss) miss = fs__conv_scratch_reserve(s, units, 0, j.Cig * j.Sp_max);
    if (!miss) miss = fs__conv_scratch_reserve(s, units, 2, d->stride_w * ((long)j.Cog * j.R * j.Wx_max));
    if (miss) return miss;
    float *wt = fs__conv_scratch(s, 0, 4, (long)d->C_in * j.Cog * KK);
    ct_wperm_job wp = {wt, weight, j.G, j.Cig, j.Cog, KK};
    fs_parallel_for(d->C_in, 8, ct_wperm, &wp);
    j.wt = wt;
    fs_parallel_for(units, 1, ct_units, &j);
    return 0;
}

void fs_conv_transpose2d_forward_cpu(float *out, const float *in, const float *weight, const float *bias,
                                     const fs_conv_transpose2d_dims *d) {
    if (phase_ok(d)) {
        fs_gemm_cpu_init();
        fs__conv_scratch_set *s = fs__conv_scratch_acquire();
        const long miss = s ? forward_phases(s, out, in, weight, bias, d) : -1;
        if (fs__conv_scratch_end(s, "conv_transpose2d forward", miss))
            fs_conv_transpose2d_forward_ref(out, in, weight, bias, d);
        return;
    }
    fs_conv2d_dims c = as_conv2d(d);
    fs_conv2d_backward_data_cpu(out, in, weight, &c);
    if (bias) {
        bias_job j = {out, bias, (long)d->H_out * d->W_out, d->C_out};
        fs_parallel_for((int64_t)d->N * d->C_out, 1, add_bias_rows, &j);
    }
}

void fs_conv_transpose2d_backward_cpu(float *din, float *dweight, float *dbias, const float *dout,
                                      const float *in, const float *weight, const fs_conv_transpose2d_dims *d) {
    fs_conv2d_dims c = as_conv2d(d);
    if (dbias) {
        /* channel sums of dout_t: conv2d's bias gradient on a dims whose output is dout_t */
        fs_conv2d_dims b = c;
        b.C_out = d->C_out;
        b.H_out = d->H_out;
        b.W_out = d->W_out;
        fs_conv2d_backward_bias_cpu(dbias, dout, &b);
    }
    if (dweight) fs_conv2d_backward_weight_cpu(dweight, in, dout, &c);
    if (din) fs_conv2d_forward_cpu(din, dout, weight, NULL, &c);
}
