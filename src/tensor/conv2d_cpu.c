/* conv2d_cpu.c — fast CPU conv2d: im2col + single-threaded OpenBLAS SGEMM per work unit, units
 * spread over the core/threads.h pool.
 *
 * Per image n and group g (Cig = C_in/groups, Cog = C_out/groups, K = Cig*KH*KW, P = H_out*W_out):
 *   forward          out_ng (Cog, P)   = W_g (Cog, K) @ col(x_ng) (K, P)
 *   backward-weights dW_g (Cog, K)    += dout_ng (Cog, P) @ col(x_ng)^T
 *   backward-data    din_ng            = col2im(W_g^T @ dout_ng)                   (any stride)
 *                    or, for stride 1:  a forward conv of dout with the flipped, transposed weight
 * The pixel axis P is cut into tiles so a column buffer stays under COL_BUDGET floats and there are
 * enough work units for every thread. 1x1 stride-1 unpadded convs use x directly (no im2col).
 * Stride-1 convs with W_out >= 64, <= 128 output and >= 32 input channels per group, or (forward and
 * backward-data only) <= 256 output and >= 256 input channels (where the im2col copy is expensive next
 * to the GEMM) use an implicit GEMM instead: one GEMM per kernel tap over a shifted
 * view of a padded slab of the input (see "implicit GEMM" below), for forward, backward-weights and
 * (through the flipped-weight forward) backward-data.
 * Forward and backward-weights of small images (<= 1024 output pixels, >= 128 output channels per
 * thread) split the work by output channels instead of pixels (conv_rows): every thread busy, long GEMM
 * inner dimension for the weight gradient, no partial sums.
 * Threads: OpenBLAS runs single-threaded (gemm.h); the work units above are spread over the pool.
 * Work units and tile boundaries depend only on the dims and the thread count, each output element
 * is produced by one thread, and backward-weights sums per-thread partial sums in thread order,
 * so results are deterministic for a given thread count.
 * Scratch: column buffers (im2col.h) that grow once and are reused: no malloc per call. They belong
 * to the calling thread's scratch set (one row per pool thread), and the job structs live on the
 * caller's stack, so ops may run at the same time on different threads (e.g. one per worker of an
 * outer fs_parallel_for). A nested call runs single-threaded and is split as with one thread
 * (fs__conv_threads() == 1), so it gives the same bits as a call under fs_threads_init(1).
 * Out of memory: each path reserves all its scratch before its first parallel loop; when that fails it
 * has written nothing and the entry point runs the reference kernel instead (same contract, slower).
 */
#include <string.h>

#include "core/threads.h"
#include "tensor/conv2d.h"
#include "tensor/gemm.h"
#include "tensor/im2col.h"

#define COL_BUDGET (2L << 20) /* floats in one thread's column buffer (8 MB) */
#define MAX_SLOTS 256

static int is_pointwise(const fs_conv2d_dims *d) {
    return d->KH == 1 && d->KW == 1 && d->stride_h == 1 && d->stride_w == 1 && d->pad_top == 0 &&
           d->pad_left == 0 && d->H_out == d->H && d->W_out == d->W;
}

static int threads(void) {
    int nt = fs__conv_threads();
    return nt > MAX_SLOTS ? MAX_SLOTS : nt;
}

/* Number of parts to cut `len` items into: at least `min_parts` (memory), and where possible enough
 * parts that images*parts is a multiple of the thread count (fs_parallel_for gives each thread one
 * contiguous chunk of units, so e.g. 19 units on 2 threads cost 10), with parts >= min_len. */
static long split_count(long len, long min_parts, long images, int nt, long min_len) {
    long parts = min_parts < 1 ? 1 : min_parts;
    if (nt > 1 && (images * parts < nt || (images * parts) % nt != 0)) {
        long max_parts = len / min_len > parts ? len / min_len : parts;
        for (long p = parts; p <= max_parts && p < parts + 4L * nt; p++)
            if (images * p >= nt && (images * p) % nt == 0) {
                parts = p;
                break;
            }
    }
    if (parts > len) parts = len;
    return parts < 1 ? 1 : parts;
}

typedef struct {
    long P, Pt; /* pixels per image, per tile */
    int T;      /* tiles per image */
} tiling;

static tiling make_tiles(long P, long col_rows, long images, int nt) {
    long pt_max = col_rows > 0 ? COL_BUDGET / col_rows : P;
    if (pt_max < 32) pt_max = 32;
    long T = split_count(P, (P + pt_max - 1) / pt_max, images, nt, 32);
    tiling t = {P, (P + T - 1) / T, 0};
    t.T = (int)((P + t.Pt - 1) / t.Pt);
    return t;
}

/* ---------------------------------------------------------------- forward */

typedef struct {
    fs__conv_scratch_set *s;
    const fs_conv2d_dims *d;
    float *out;
    const float *in, *weight, *bias;
    tiling t;
    int G, Cig, Cog, pw;
    long K;
} fwd_job;

/* The GEMM's B operand for pixels [p0, p1) of one image group x (Cig, P): x itself for a pointwise conv,
 * else its im2col columns (K, p1 - p0) in the thread's scratch (kind 0). Sets *ldb. */
static const float *gemm_cols(fs__conv_scratch_set *s, int tid, const fs_conv2d_dims *d, const float *x, int pw,
                              int Cig, long K, long p0, long p1, long P, long *ldb) {
    if (pw) {
        *ldb = P;
        return x + p0;
    }
    float *col = fs__conv_scratch(s, tid, 0, K * (p1 - p0));
    fs__im2col(col, x, d, 0, Cig, p0, p1);
    *ldb = p1 - p0;
    return col;
}

static void fwd_units(void *ctx, int64_t u0, int64_t u1, int tid) {
    const fwd_job *j = ctx;
    const fs_conv2d_dims *d = j->d;
    const long HW = (long)d->H * d->W, P = j->t.P;
    for (int64_t u = u0; u < u1; u++) {
        const long img = u / j->t.T, t = u % j->t.T;
        const int n = (int)(img / j->G), g = (int)(img % j->G);
        const long p0 = t * j->t.Pt, p1 = p0 + j->t.Pt < P ? p0 + j->t.Pt : P;
        const float *x = j->in + ((long)n * d->C_in + (long)g * j->Cig) * HW;
        float *y = j->out + ((long)n * d->C_out + (long)g * j->Cog) * P;
        long ldb;
        const float *B = gemm_cols(j->s, tid, d, x, j->pw, j->Cig, j->K, p0, p1, P, &ldb);
        float beta = 0.0f;
        if (j->bias) {
            for (int co = 0; co < j->Cog; co++) {
                float b = j->bias[g * j->Cog + co], *yr = y + co * P;
                for (long p = p0; p < p1; p++) yr[p] = b;
            }
            beta = 1.0f;
        }
        fs_sgemm_serial(0, 0, j->Cog, (int)(p1 - p0), (int)j->K, 1.0f, j->weight + (long)g * j->Cog * j->K,
                        (int)j->K, B, (int)ldb, beta, y + p0, (int)P);
    }
}

static long forward_im2col(fs__conv_scratch_set *s, float *out, const float *in, const float *weight,
                           const float *bias, const fs_conv2d_dims *d) {
    fwd_job j = {s, d, out, in, weight, bias, {0, 0, 0}, d->groups, d->C_in / d->groups, d->C_out / d->groups,
                 is_pointwise(d), 0};
    j.K = (long)j.Cig * d->KH * d->KW;
    const long images = (long)d->N * d->groups;
    j.t = make_tiles((long)d->H_out * d->W_out, j.pw ? 0 : j.K, images, threads());
    const long miss = j.pw ? 0 : fs__conv_scratch_reserve(s, images * j.t.T, 0, j.K * j.t.Pt);
    if (!miss) fs_parallel_for(images * j.t.T, 1, fwd_units, &j);
    return miss;
}

/* Weight rearrangements, parallel over output channels co = g*Cog + col of W (C_out, Cig, KK):
 *   flip == 0: dst[g][tap][col][ci] = W[co][ci][tap]                  (per-tap matrices, implicit GEMM)
 *   flip == 1: dst[g*Cig + ci][col][KK-1-tap] = W[co][ci][tap]        (flipped transposed conv weight) */
typedef struct {
    float *dst;
    const float *w;
    int G, Cig, Cog;
    long KK;
    int flip;
} wperm_job;

static void wperm_rows(void *ctx, int64_t c0, int64_t c1, int tid) {
    (void)tid;
    const wperm_job *j = ctx;
    for (int64_t co = c0; co < c1; co++) {
        const long g = co / j->Cog, col = co % j->Cog;
        for (long ci = 0; ci < j->Cig; ci++) {
            const float *src = j->w + (co * j->Cig + ci) * j->KK;
            if (j->flip) {
                float *dst = j->dst + ((g * j->Cig + ci) * j->Cog + col) * j->KK;
                for (long k = 0; k < j->KK; k++) dst[k] = src[j->KK - 1 - k];
            } else {
                for (long k = 0; k < j->KK; k++) j->dst[((g * j->KK + k) * j->Cog + col) * j->Cig + ci] = src[k];
            }
        }
    }
}

/* ---------------------------------------------------------------- implicit GEMM (no im2col)
 * Tap (kh, kw) of output pixel (oh, ow) reads the zero-padded input xp at
 * (oh*sh + kh*dh, ow*sw + kw*dw). Split the input into sh x sw phase planes
 * X_{ry,rx}[i][j] = xp[i*sh + ry][j*sw + rx]; with kh*dh = a_h*sh + ry (and likewise for kw) the tap
 * reads X_{ry,rx}[oh + a_h][ow + a_w]: the same plane for every pixel, shifted. So a tile of R output
 * rows is computed on an "extended" grid of R x Wq pixels (Wq = W_out + max a_w): the phase planes
 * of the tile (R + max a_h rows of Wq) are copied once into a slab, and each tap is one GEMM whose
 * B matrix is the slab at an offset (one copy of the input instead of KH*KW). The Wq - W_out extra
 * columns per row are computed and dropped: used where they are few (W_out >= 64). */
typedef struct {
    int R, T;  /* output rows per tile, tiles per image */
    int Wq;    /* extended grid width */
    int ah;    /* extra phase rows below a tile: dil_h*(KH-1) / stride_h */
    int nph;   /* phase planes: stride_h * stride_w */
    long Sp;   /* floats per (phase, channel) plane of the slab */
    unsigned char used[16]; /* phases some tap reads */
} imp_geom;

int fs__conv2d_cpu_path = 0;

/* The implicit GEMM saves the im2col copy, which costs about 1/C_out_per_group of the GEMM work, but
 * its GEMMs have only C_in_per_group as inner dimension. Measured (1 thread, 3x3, W_out 256..1024):
 * 64->32 +18%, 128->64 +10%, 64->3 +55%, >= 128 outputs even or a little worse, 16->64 -7%,
 * 3->64 -35%; strided convs: im2col as fast or faster (their im2col is smaller).
 * 256 outputs from >= 256 inputs (2 threads, 64..256 wide): forward +2..5% (the inner dimension is
 * long enough), but 128->256 -6% and the weight gradient -1..4%, so that case is forward only
 * (`weights` = 0; backward-data runs as a forward conv). */
static int implicit_ok(const fs_conv2d_dims *d, int weights) {
    if (is_pointwise(d) || d->stride_h > 4 || d->stride_w > 4) return 0;
    if (fs__conv2d_cpu_path) return fs__conv2d_cpu_path == 2;
    const int Cig = d->C_in / d->groups, Cog = d->C_out / d->groups;
    return d->stride_h == 1 && d->stride_w == 1 && d->W_out >= 64 && Cig >= 32 &&
           (Cog <= 128 || (!weights && Cog <= 256 && Cig >= 256));
}

static imp_geom imp_geometry(const fs_conv2d_dims *d, int Cig, long images) {
    imp_geom q;
    memset(&q, 0, sizeof q);
    const int aw = d->dil_w * (d->KW - 1) / d->stride_w;
    q.ah = d->dil_h * (d->KH - 1) / d->stride_h;
    q.Wq = d->W_out + aw;
    q.nph = d->stride_h * d->stride_w;
    for (int kh = 0; kh < d->KH; kh++)
        for (int kw = 0; kw < d->KW; kw++)
            q.used[(kh * d->dil_h % d->stride_h) * d->stride_w + kw * d->dil_w % d->stride_w] = 1;
    long rows_mem = COL_BUDGET / 4 / ((long)q.nph * Cig * q.Wq) - q.ah; /* slab of ~2 MB */
    long rows_gemm = (8192 + q.Wq - 1) / q.Wq;                          /* GEMMs of ~8k columns */
    long R = rows_mem < rows_gemm ? rows_mem : rows_gemm;
    if (R < 1) R = 1;
    long T = split_count(d->H_out, (d->H_out + R - 1) / R, images, threads(), 1);
    q.R = (int)((d->H_out + T - 1) / T);
    q.T = (d->H_out + q.R - 1) / q.R;
    q.Sp = (long)(q.R + q.ah) * q.Wq + aw;
    return q;
}

/* B matrix of tap (kh, kw) inside a slab */
static const float *tap_B(const float *slab, const fs_conv2d_dims *d, const imp_geom *q, int Cig, int kh, int kw) {
    const int eh = kh * d->dil_h, ew = kw * d->dil_w;
    const int ph = (eh % d->stride_h) * d->stride_w + ew % d->stride_w;
    return slab + (long)ph * Cig * q->Sp + (long)(eh / d->stride_h) * q->Wq + ew / d->stride_w;
}

static int ceil_div_pos(int a, int b) { return a <= 0 ? 0 : (a + b - 1) / b; }

/* slab[phase][ci][r][j] = x[ci][(i0 + r)*sh + ry - pad_top][j*sw + rx - pad_left] (0 outside),
 * r < rows, j < Wq; the slack after each plane is zeroed. */
static void fill_slab(float *slab, const float *x, const fs_conv2d_dims *d, const imp_geom *q, int Cig, int i0,
                      int rows) {
    const long HW = (long)d->H * d->W;
    const int sh = d->stride_h, sw = d->stride_w, Wq = q->Wq;
    for (int ph = 0; ph < q->nph; ph++) {
        if (!q->used[ph]) continue;
        const int ry = ph / sw, rx = ph % sw;
        /* plane columns [jl, jh) hold input columns jl*sw + rx - pad_left ... */
        int jl = ceil_div_pos(d->pad_left - rx, sw), jh = ceil_div_pos(d->W + d->pad_left - rx, sw);
        if (jh > Wq) jh = Wq;
        if (jl > jh) jl = jh;
        for (int ci = 0; ci < Cig; ci++) {
            float *sp = slab + ((long)ph * Cig + ci) * q->Sp;
            for (int r = 0; r < rows; r++, sp += Wq) {
                const int ih = (i0 + r) * sh + ry - d->pad_top;
                if (ih < 0 || ih >= d->H || jl == jh) {
                    memset(sp, 0, sizeof(float) * (size_t)Wq);
                    continue;
                }
                const float *src = x + ci * HW + (long)ih * d->W + (long)jl * sw + rx - d->pad_left;
                memset(sp, 0, sizeof(float) * (size_t)jl);
                if (sw == 1)
                    memcpy(sp + jl, src, sizeof(float) * (size_t)(jh - jl));
                else
                    for (int j = 0; j < jh - jl; j++) sp[jl + j] = src[(long)j * sw];
                memset(sp + jh, 0, sizeof(float) * (size_t)(Wq - jh));
            }
            memset(sp, 0, sizeof(float) * (size_t)(q->Sp - (long)rows * Wq));
        }
    }
}

typedef struct {
    fs__conv_scratch_set *s;
    const fs_conv2d_dims *d;
    float *out;
    const float *in, *wtaps, *bias;
    int G, Cig, Cog;
    imp_geom q;
} imp_job;

/* One unit of the implicit GEMM: image (n, g) and output rows [oh0, oh0 + R), whose phase planes
 * are copied into the thread's slab (scratch kind 0). */
typedef struct {
    int n, g, oh0, R;
    long Ne; /* R * Wq: columns of the extended grid */
    float *slab;
} imp_unit;

static imp_unit imp_unit_begin(fs__conv_scratch_set *s, int tid, const fs_conv2d_dims *d, const imp_geom *q,
                               const float *in, int G, int Cig, int64_t u) {
    imp_unit r;
    const long img = u / q->T;
    const int t = (int)(u % q->T);
    r.n = (int)(img / G);
    r.g = (int)(img % G);
    r.oh0 = t * q->R;
    r.R = r.oh0 + q->R < d->H_out ? q->R : d->H_out - r.oh0;
    r.Ne = (long)r.R * q->Wq;
    const float *x = in + ((long)r.n * d->C_in + (long)r.g * Cig) * ((long)d->H * d->W);
    r.slab = fs__conv_scratch(s, tid, 0, (long)q->nph * Cig * q->Sp);
    fill_slab(r.slab, x, d, q, Cig, r.oh0, r.R + q->ah);
    return r;
}

static void imp_units(void *ctx, int64_t u0, int64_t u1, int tid) {
    const imp_job *j = ctx;
    const fs_conv2d_dims *d = j->d;
    const imp_geom *q = &j->q;
    const long P = (long)d->H_out * d->W_out, KK = (long)d->KH * d->KW;
    for (int64_t u = u0; u < u1; u++) {
        const imp_unit un = imp_unit_begin(j->s, tid, d, q, j->in, j->G, j->Cig, u);
        const int n = un.n, g = un.g, oh0 = un.oh0, R = un.R;
        const long Ne = un.Ne;
        float *slab = un.slab;
        float *cext = fs__conv_scratch(j->s, tid, 2, j->Cog * Ne);
        for (int kh = 0, tap = 0; kh < d->KH; kh++)
            for (int kw = 0; kw < d->KW; kw++, tap++) {
                const float *A = j->wtaps + ((long)g * KK + tap) * j->Cog * j->Cig;
                fs_sgemm_serial(0, 0, j->Cog, (int)Ne, j->Cig, 1.0f, A, j->Cig, tap_B(slab, d, q, j->Cig, kh, kw),
                                (int)q->Sp, tap ? 1.0f : 0.0f, cext, (int)Ne);
            }
        float *y = j->out + ((long)n * d->C_out + (long)g * j->Cog) * P + (long)oh0 * d->W_out;
        for (int co = 0; co < j->Cog; co++) {
            const float b = j->bias ? j->bias[g * j->Cog + co] : 0.0f;
            for (int r = 0; r < R; r++) {
                float *yr = y + co * P + (long)r * d->W_out;
                const float *cr = cext + co * Ne + (long)r * q->Wq;
                for (int ow = 0; ow < d->W_out; ow++) yr[ow] = cr[ow] + b;
            }
        }
    }
}

/* Reserves the slab (kind 0) of the implicit GEMM's units and their extended grids of Cog rows (kind 2). */
static long reserve_implicit(fs__conv_scratch_set *s, const imp_geom *q, int Cig, int Cog, long images) {
    const long units = images * q->T, miss = fs__conv_scratch_reserve(s, units, 0, (long)q->nph * Cig * q->Sp);
    return miss ? miss : fs__conv_scratch_reserve(s, units, 2, (long)Cog * q->R * q->Wq);
}

static long forward_implicit(fs__conv_scratch_set *s, float *out, const float *in, const float *weight,
                             const float *bias, const fs_conv2d_dims *d) {
    const int G = d->groups, Cig = d->C_in / G, Cog = d->C_out / G;
    const long KK = (long)d->KH * d->KW, images = (long)d->N * G;
    imp_job j = {s, d, out, in, NULL, bias, G, Cig, Cog, imp_geometry(d, Cig, images)};
    long miss = fs__conv_scratch_reserve(s, 1, 4, (long)d->C_out * Cig * KK);
    if (!miss) miss = reserve_implicit(s, &j.q, Cig, Cog, images);
    if (miss) return miss;
    /* weights regrouped per tap: wtaps[g][tap][co][ci] = W[g*Cog + co][ci][tap] */
    float *wt = fs__conv_scratch(s, 0, 4, (long)d->C_out * Cig * KK);
    wperm_job wp = {wt, weight, G, Cig, Cog, KK, 0};
    fs_parallel_for(d->C_out, 8, wperm_rows, &wp);
    j.wtaps = wt;
    fs_parallel_for(images * j.q.T, 1, imp_units, &j);
    return 0;
}

/* ---------------------------------------------------------------- small images, split by channels
 * With few output pixels the pixel split leaves threads idle (one 4x4 image is one unit) or gives each
 * GEMM a handful of columns. Instead, per image and group, all threads fill one column buffer (blocks
 * of input channels), then each thread computes its block of output channels over all the pixels
 * (forward), or adds its block of dW rows (backward-weights, straight into dweight: no partial sums).
 * Each output element is written by one thread: deterministic for a thread count. */
typedef struct {
    const fs_conv2d_dims *d;
    float *col;
    float *y;                    /* forward: out of the current image and group (Cog, P) */
    float *dweight;              /* backward-weights */
    const float *x, *dy, *w, *bias; /* current image and group: x (Cig, H, W), dy (Cog, P); w, bias of group g */
    int g, Cog;
    long K, KK, P;
} rows_job;

static void rows_im2col(void *ctx, int64_t c0, int64_t c1, int tid) {
    (void)tid;
    const rows_job *j = ctx;
    fs__im2col(j->col + c0 * j->KK * j->P, j->x, j->d, (int)c0, (int)c1, 0, j->P);
}

static void rows_fwd_gemm(void *ctx, int64_t r0, int64_t r1, int tid) {
    (void)tid;
    const rows_job *j = ctx;
    float *y = j->y + r0 * j->P;
    float beta = 0.0f;
    if (j->bias) {
        for (int64_t r = r0; r < r1; r++)
            for (long p = 0; p < j->P; p++) y[(r - r0) * j->P + p] = j->bias[r];
        beta = 1.0f;
    }
    fs_sgemm_serial(0, 0, (int)(r1 - r0), (int)j->P, (int)j->K, 1.0f, j->w + r0 * j->K, (int)j->K, j->col, (int)j->P,
                    beta, y, (int)j->P);
}

static void rows_w_gemm(void *ctx, int64_t r0, int64_t r1, int tid) {
    (void)tid;
    const rows_job *j = ctx;
    /* dW_g[r0:r1] (r1-r0, K) += dout_ng[r0:r1] (r1-r0, P) @ col^T (P, K) */
    fs_sgemm_serial(0, 1, (int)(r1 - r0), (int)j->K, (int)j->P, 1.0f, j->dy + r0 * j->P, (int)j->P, j->col, (int)j->P,
                    1.0f, j->dweight + ((long)j->g * j->Cog + r0) * j->K, (int)j->K);
}

/* Measured (2 threads, 3x3, 512 channels, batch 1): weight gradient at 4x4 and 8x8 +33..73%, 16x16
 * +10..17%, forward at 4x4 +60%, 8x8 up to 2x; batch 4 at 16x16 (256-pixel units already) and <= 128
 * channels (GEMMs of <= 64 rows) were slower, hence the limits. */
static int rows_ok(const fs_conv2d_dims *d, int nt, int weights) {
    const long P = (long)d->H_out * d->W_out, K = (long)(d->C_in / d->groups) * d->KH * d->KW;
    const long images = (long)d->N * d->groups;
    if (nt < 2 || is_pointwise(d) || K * P > COL_BUDGET) return 0;
    if (fs__conv2d_cpu_path == 1) return 1; /* tests: wherever it applies */
    if (P > 1024 || d->C_out / d->groups < 128 * nt) return 0;
    if (!weights) /* forward: only where the pixel split starves threads (batch 4 at 4x4 was 4..10% slower) */
        return images < nt && P < 256;
    return make_tiles(P, K, images, nt).Pt < 256; /* the pixel split's inner dimension */
}

/* weights == 0: out = conv(in) (+ bias); weights == 1: dweight += ... (dout, in) */
static long conv_rows(fs__conv_scratch_set *s, int weights, float *out, float *dweight, const float *dout,
                      const float *in, const float *weight, const float *bias, const fs_conv2d_dims *d) {
    const int G = d->groups, Cig = d->C_in / G, Cog = d->C_out / G;
    rows_job j;
    memset(&j, 0, sizeof j);
    j.d = d;
    j.dweight = dweight;
    j.Cog = Cog;
    j.KK = (long)d->KH * d->KW;
    j.K = Cig * j.KK;
    j.P = (long)d->H_out * d->W_out;
    const long miss = fs__conv_scratch_reserve(s, 1, 0, j.K * j.P);
    if (miss) return miss;
    j.col = fs__conv_scratch(s, 0, 0, j.K * j.P);
    const long HW = (long)d->H * d->W;
    for (int n = 0; n < d->N; n++)
        for (int g = 0; g < G; g++) {
            j.g = g;
            j.x = in + ((long)n * d->C_in + (long)g * Cig) * HW;
            fs_parallel_for(Cig, 1, rows_im2col, &j);
            if (weights) {
                j.dy = dout + ((long)n * d->C_out + (long)g * Cog) * j.P;
                fs_parallel_for(Cog, 16, rows_w_gemm, &j);
            } else {
                j.y = out + ((long)n * d->C_out + (long)g * Cog) * j.P;
                j.w = weight + (long)g * Cog * j.K;
                j.bias = bias ? bias + (long)g * Cog : NULL;
                fs_parallel_for(Cog, 16, rows_fwd_gemm, &j);
            }
        }
    return 0;
}

/* 0, or the bytes of scratch that could not be allocated (then nothing was written) */
static long forward_any(fs__conv_scratch_set *s, float *out, const float *in, const float *weight,
                        const float *bias, const fs_conv2d_dims *d) {
    if (implicit_ok(d, 0)) return forward_implicit(s, out, in, weight, bias, d);
    if (rows_ok(d, threads(), 0)) return conv_rows(s, 0, out, NULL, NULL, in, weight, bias, d);
    return forward_im2col(s, out, in, weight, bias, d);
}

void fs_conv2d_forward_cpu(float *out, const float *in, const float *weight, const float *bias,
                           const fs_conv2d_dims *d) {
    fs_gemm_cpu_init();
    fs__conv_scratch_set *s = fs__conv_scratch_acquire();
    const long miss = s ? forward_any(s, out, in, weight, bias, d) : -1;
    if (fs__conv_scratch_end(s, "conv2d forward", miss))
        fs_conv2d_forward_ref(out, in, weight, bias, d);
}

/* ---------------------------------------------------------------- backward-data */

typedef struct {
    fs__conv_scratch_set *s;
    const fs_conv2d_dims *d;
    float *din;
    const float *dout, *weight;
    tiling t;
    int G, Cig, Cog, CB, cbs; /* channel blocks per image and their size */
    long K, KK;
} bwd_data_job;

/* Unit = (image, block of input channels): din channels are written by exactly one unit. */
static void bwd_data_units(void *ctx, int64_t u0, int64_t u1, int tid) {
    const bwd_data_job *j = ctx;
    const fs_conv2d_dims *d = j->d;
    const long HW = (long)d->H * d->W, P = j->t.P;
    for (int64_t u = u0; u < u1; u++) {
        const long img = u / j->CB;
        const int cb = (int)(u % j->CB), n = (int)(img / j->G), g = (int)(img % j->G);
        const int c0 = cb * j->cbs, c1 = c0 + j->cbs < j->Cig ? c0 + j->cbs : j->Cig;
        if (c0 >= c1) continue;
        float *dx = j->din + ((long)n * d->C_in + (long)g * j->Cig) * HW;
        const float *dy = j->dout + ((long)n * d->C_out + (long)g * j->Cog) * P;
        const float *Wg = j->weight + (long)g * j->Cog * j->K;
        memset(dx + c0 * HW, 0, sizeof(float) * (size_t)((c1 - c0) * HW));
        const long rows = (c1 - c0) * j->KK;
        float *col = fs__conv_scratch(j->s, tid, 0, rows * j->t.Pt);
        for (int t = 0; t < j->t.T; t++) {
            const long p0 = t * j->t.Pt, p1 = p0 + j->t.Pt < P ? p0 + j->t.Pt : P;
            /* col (rows, Pt) = W_g[:, c0*KK : c1*KK]^T @ dout_ng[:, p0:p1] */
            fs_sgemm_serial(1, 0, (int)rows, (int)(p1 - p0), j->Cog, 1.0f, Wg + c0 * j->KK, (int)j->K, dy + p0,
                            (int)P, 0.0f, col, (int)(p1 - p0));
            fs__col2im_add(dx, col, d, c0, c1, p0, p1);
        }
    }
}

typedef struct {
    const fs_conv2d_dims *d;
    float *din;
    const float *dout, *weight;
    tiling t;
    int G, Cig, Cog;
} bwd_pw_job;

static void bwd_data_pw_units(void *ctx, int64_t u0, int64_t u1, int tid) {
    (void)tid;
    const bwd_pw_job *j = ctx;
    const fs_conv2d_dims *d = j->d;
    const long P = j->t.P;
    for (int64_t u = u0; u < u1; u++) {
        const long img = u / j->t.T, t = u % j->t.T;
        const int n = (int)(img / j->G), g = (int)(img % j->G);
        const long p0 = t * j->t.Pt, p1 = p0 + j->t.Pt < P ? p0 + j->t.Pt : P;
        float *dx = j->din + ((long)n * d->C_in + (long)g * j->Cig) * P;
        const float *dy = j->dout + ((long)n * d->C_out + (long)g * j->Cog) * P;
        fs_sgemm_serial(1, 0, j->Cig, (int)(p1 - p0), j->Cog, 1.0f, j->weight + (long)g * j->Cog * j->Cig, j->Cig,
                        dy + p0, (int)P, 0.0f, dx + p0, (int)P);
    }
}

/* Stride 1: din = conv2d(dout, W') with W'[g*Cig + ci, co, kh, kw] = W[g*Cog + co, ci, KH-1-kh, KW-1-kw]
 * and padding dil*(K-1) - pad on the top/left; output size (H, W). */
static int flip_ok(const fs_conv2d_dims *d) {
    return d->stride_h == 1 && d->stride_w == 1 && d->pad_top <= d->dil_h * (d->KH - 1) &&
           d->pad_left <= d->dil_w * (d->KW - 1);
}

static long backward_data_flipped(fs__conv_scratch_set *s, float *din, const float *dout, const float *weight,
                                  const fs_conv2d_dims *d) {
    const int G = d->groups, Cig = d->C_in / G, Cog = d->C_out / G, KH = d->KH, KW = d->KW;
    const long KK = (long)KH * KW;
    const long miss = fs__conv_scratch_reserve(s, 1, 3, (long)d->C_in * Cog * KK);
    if (miss) return miss;
    float *wf = fs__conv_scratch(s, 0, 3, (long)d->C_in * Cog * KK);
    wperm_job wp = {wf, weight, G, Cig, Cog, KK, 1};
    fs_parallel_for(d->C_out, 8, wperm_rows, &wp);
    fs_conv2d_dims f = {.N = d->N, .C_in = d->C_out, .H = d->H_out, .W = d->W_out, .C_out = d->C_in,
                        .KH = KH, .KW = KW, .stride_h = 1, .stride_w = 1,
                        .pad_top = d->dil_h * (KH - 1) - d->pad_top, .pad_left = d->dil_w * (KW - 1) - d->pad_left,
                        .dil_h = d->dil_h, .dil_w = d->dil_w, .groups = G, .H_out = d->H, .W_out = d->W};
    f.pad_bottom = f.pad_top; /* unused by the kernels */
    f.pad_right = f.pad_left;
    return forward_any(s, din, dout, wf, NULL, &f);
}

/* The col2im path: units = (image, block of input channels). */
static long backward_data_col2im(fs__conv_scratch_set *s, float *din, const float *dout, const float *weight,
                                 const fs_conv2d_dims *d) {
    const long images = (long)d->N * d->groups, P = (long)d->H_out * d->W_out;
    const int Cig = d->C_in / d->groups, Cog = d->C_out / d->groups;
    bwd_data_job j = {s, d, din, dout, weight, {0, 0, 0}, d->groups, Cig, Cog, 1, Cig, 0, (long)d->KH * d->KW};
    j.K = (long)Cig * j.KK;
    j.CB = (int)split_count(Cig, 1, images, threads(), 1);
    j.cbs = (Cig + j.CB - 1) / j.CB;
    j.CB = (Cig + j.cbs - 1) / j.cbs;
    j.t = make_tiles(P, (long)j.cbs * j.KK, 1, 1); /* tiles only bound the column buffer here */
    const long miss = fs__conv_scratch_reserve(s, images * j.CB, 0, j.cbs * j.KK * j.t.Pt);
    if (!miss) fs_parallel_for(images * j.CB, 1, bwd_data_units, &j);
    return miss;
}

void fs_conv2d_backward_data_cpu(float *din, const float *dout, const float *weight, const fs_conv2d_dims *d) {
    fs_gemm_cpu_init();
    if (is_pointwise(d)) { /* no scratch */
        const long images = (long)d->N * d->groups, P = (long)d->H_out * d->W_out;
        bwd_pw_job j = {d, din, dout, weight, make_tiles(P, 0, images, threads()), d->groups, d->C_in / d->groups,
                        d->C_out / d->groups};
        fs_parallel_for(images * j.t.T, 1, bwd_data_pw_units, &j);
        return;
    }
    fs__conv_scratch_set *s = fs__conv_scratch_acquire();
    const long miss = !s ? -1
                      : flip_ok(d) ? backward_data_flipped(s, din, dout, weight, d)
                                   : backward_data_col2im(s, din, dout, weight, d);
    if (fs__conv_scratch_end(s, "conv2d backward-data", miss))
        fs_conv2d_backward_ref(din, NULL, NULL, dout, NULL, weight, d);
}

/* ---------------------------------------------------------------- backward-weights */

typedef struct {
    fs__conv_scratch_set *s;
    const fs_conv2d_dims *d;
    float *dweight;
    const float *dout, *in;
    tiling t;
    int G, Cig, Cog, pw, direct;
    long K, nw;
    float *part[MAX_SLOTS]; /* per-thread partial sums (NULL = thread unused) */
} bwd_w_job;

static void bwd_w_units(void *ctx, int64_t u0, int64_t u1, int tid) {
    bwd_w_job *j = ctx;
    const fs_conv2d_dims *d = j->d;
    const long HW = (long)d->H * d->W, P = j->t.P;
    float *acc = j->dweight;
    if (!j->direct) {
        acc = fs__conv_scratch(j->s, tid, 1, j->nw);
        memset(acc, 0, sizeof(float) * (size_t)j->nw);
        j->part[tid] = acc;
    }
    for (int64_t u = u0; u < u1; u++) {
        const long img = u / j->t.T, t = u % j->t.T;
        const int n = (int)(img / j->G), g = (int)(img % j->G);
        const long p0 = t * j->t.Pt, p1 = p0 + j->t.Pt < P ? p0 + j->t.Pt : P;
        const float *x = j->in + ((long)n * d->C_in + (long)g * j->Cig) * HW;
        const float *dy = j->dout + ((long)n * d->C_out + (long)g * j->Cog) * P;
        long ldb;
        const float *B = gemm_cols(j->s, tid, d, x, j->pw, j->Cig, j->K, p0, p1, P, &ldb);
        /* dW_g (Cog, K) += dout_ng[:, p0:p1] (Cog, Pt) @ col^T (Pt, K) */
        fs_sgemm_serial(0, 1, j->Cog, (int)j->K, (int)(p1 - p0), 1.0f, dy + p0, (int)P, B, (int)ldb, 1.0f,
                        acc + (long)g * j->Cog * j->K, (int)j->K);
    }
}

static void bwd_w_reduce(void *ctx, int64_t i0, int64_t i1, int tid) {
    (void)tid;
    const bwd_w_job *j = ctx;
    for (int t = 0; t < MAX_SLOTS; t++) {
        const float *p = j->part[t];
        if (!p) continue;
        for (int64_t i = i0; i < i1; i++) j->dweight[i] += p[i];
    }
}

/* Implicit GEMM for backward-weights: per tap, dW_tap (Cog, Cig) += dout_ext (Cog, R*Wq) @ slab_tap^T,
 * with dout copied onto the extended grid (zeros in the extra columns, so they add nothing).
 * Per-thread partial sums are kept per tap ([g][tap][co][ci], or [g][tap][ci][co] when C_in >= C_out)
 * and added into dweight's (co, ci, kh, kw) layout at the end. */
typedef struct {
    fs__conv_scratch_set *s;
    const fs_conv2d_dims *d;
    float *dweight;
    const float *dout, *in;
    int G, Cig, Cog, swap;
    imp_geom q;
    long nw;
    int nparts;
    float *part[MAX_SLOTS];
} imp_w_job;

static void imp_w_units(void *ctx, int64_t u0, int64_t u1, int tid) {
    imp_w_job *j = ctx;
    const fs_conv2d_dims *d = j->d;
    const imp_geom *q = &j->q;
    const long P = (long)d->H_out * d->W_out, KK = (long)d->KH * d->KW;
    float *acc = fs__conv_scratch(j->s, tid, 1, j->nw);
    memset(acc, 0, sizeof(float) * (size_t)j->nw);
    j->part[tid] = acc;
    for (int64_t u = u0; u < u1; u++) {
        const imp_unit un = imp_unit_begin(j->s, tid, d, q, j->in, j->G, j->Cig, u);
        const int g = un.g, R = un.R;
        const long Ne = un.Ne;
        const float *slab = un.slab;
        const float *dy = j->dout + ((long)un.n * d->C_out + (long)g * j->Cog) * P + (long)un.oh0 * d->W_out;
        float *dext = fs__conv_scratch(j->s, tid, 2, j->Cog * Ne);
        for (int co = 0; co < j->Cog; co++)
            for (int r = 0; r < R; r++) {
                float *er = dext + co * Ne + (long)r * q->Wq;
                memcpy(er, dy + co * P + (long)r * d->W_out, sizeof(float) * (size_t)d->W_out);
                memset(er + d->W_out, 0, sizeof(float) * (size_t)(q->Wq - d->W_out));
            }
        for (int kh = 0, tap = 0; kh < d->KH; kh++)
            for (int kw = 0; kw < d->KW; kw++, tap++) {
                const float *B = tap_B(slab, d, q, j->Cig, kh, kw);
                float *C = acc + ((long)g * KK + tap) * j->Cog * j->Cig;
                if (j->swap) /* C (Cig, Cog) += slab_tap @ dext^T: OpenBLAS prefers the larger side as M */
                    fs_sgemm_serial(0, 1, j->Cig, j->Cog, (int)Ne, 1.0f, B, (int)q->Sp, dext, (int)Ne, 1.0f, C, j->Cog);
                else /* C (Cog, Cig) += dext @ slab_tap^T */
                    fs_sgemm_serial(0, 1, j->Cog, j->Cig, (int)Ne, 1.0f, dext, (int)Ne, B, (int)q->Sp, 1.0f, C, j->Cig);
            }
    }
}

/* Rows r = g*Cog + co of dweight: dweight[r][ci][tap] += sum over threads of part[g][tap][co][ci]
 * (or part[g][tap][ci][co]); the used partial buffers are listed in part[0..nparts). */
static void imp_w_reduce(void *ctx, int64_t r0, int64_t r1, int tid) {
    (void)tid;
    const imp_w_job *j = ctx;
    const long KK = (long)j->d->KH * j->d->KW, Cig = j->Cig, Cog = j->Cog;
    for (int64_t r = r0; r < r1; r++) {
        const long g = r / Cog, co = r % Cog;
        float *dw = j->dweight + r * Cig * KK;
        for (long tap = 0; tap < KK; tap++) {
            const long base = (g * KK + tap) * Cog * Cig;
            for (long ci = 0; ci < Cig; ci++) {
                const long k = base + (j->swap ? ci * Cog + co : co * Cig + ci);
                float s = 0.0f;
                for (int t = 0; t < j->nparts; t++) s += j->part[t][k];
                dw[ci * KK + tap] += s;
            }
        }
    }
}

static long backward_weight_implicit(fs__conv_scratch_set *s, float *dweight, const float *dout, const float *in,
                                     const fs_conv2d_dims *d) {
    /* ~2 KB (part[], zeroed), on the caller's stack: one per concurrent op */
    imp_w_job j = {.s = s, .d = d, .dweight = dweight, .dout = dout, .in = in, .G = d->groups,
                   .Cig = d->C_in / d->groups, .Cog = d->C_out / d->groups};
    j.swap = j.Cig >= j.Cog;
    j.nw = fs_conv2d_weight_numel(d);
    const long images = (long)d->N * j.G;
    j.q = imp_geometry(d, j.Cig, images);
    long miss = fs__conv_scratch_reserve(s, images * j.q.T, 1, j.nw);
    if (!miss) miss = reserve_implicit(s, &j.q, j.Cig, j.Cog, images);
    if (miss) return miss;
    fs_parallel_for(images * j.q.T, 1, imp_w_units, &j);
    for (int t = 0; t < MAX_SLOTS; t++) /* compact the list of used partial sums, in thread order */
        if (j.part[t]) j.part[j.nparts++] = j.part[t];
    fs_parallel_for(d->C_out, 4, imp_w_reduce, &j);
    return 0;
}

/* The pixel-split path: per-thread partial sums of dW (kind 1) unless one thread does it all. */
static long backward_weight_pixels(fs__conv_scratch_set *s, float *dweight, const float *dout, const float *in,
                                   const fs_conv2d_dims *d) {
    /* ~2 KB (part[], zeroed), on the caller's stack: one per concurrent op */
    bwd_w_job j = {.s = s, .d = d, .dweight = dweight, .dout = dout, .in = in, .G = d->groups,
                   .Cig = d->C_in / d->groups, .Cog = d->C_out / d->groups};
    const int nt = threads();
    j.pw = is_pointwise(d);
    j.K = (long)j.Cig * d->KH * d->KW;
    j.nw = (long)d->C_out * j.K;
    const long images = (long)d->N * d->groups;
    j.t = make_tiles((long)d->H_out * d->W_out, j.pw ? 0 : j.K, images, nt);
    const long units = images * j.t.T;
    j.direct = nt == 1 || units == 1;
    long miss = j.direct ? 0 : fs__conv_scratch_reserve(s, units, 1, j.nw);
    if (!miss && !j.pw) miss = fs__conv_scratch_reserve(s, units, 0, j.K * j.t.Pt);
    if (miss) return miss; /* before anything is added into dweight */
    fs_parallel_for(units, 1, bwd_w_units, &j);
    if (!j.direct) fs_parallel_for(j.nw, 16384, bwd_w_reduce, &j);
    return 0;
}

void fs_conv2d_backward_weight_cpu(float *dweight, const float *dout, const float *in, const fs_conv2d_dims *d) {
    fs_gemm_cpu_init();
    fs__conv_scratch_set *s = fs__conv_scratch_acquire();
    const long miss = !s                     ? -1
                      : implicit_ok(d, 1)    ? backward_weight_implicit(s, dweight, dout, in, d)
                      : rows_ok(d, threads(), 1) ? conv_rows(s, 1, NULL, dweight, dout, in, NULL, NULL, d)
                                             : backward_weight_pixels(s, dweight, dout, in, d);
    if (fs__conv_scratch_end(s, "conv2d backward-weights", miss))
        fs_conv2d_backward_ref(NULL, dweight, NULL, dout, in, NULL, d);
}

/* ---------------------------------------------------------------- backward-bias */

typedef struct {
    const fs_conv2d_dims *d;
    float *dbias;
    const float *dout;
} bwd_b_job;

static void bwd_b_units(void *ctx, int64_t c0, int64_t c1, int tid) {
    (void)tid;
    const bwd_b_job *j = ctx;
    const long P = (long)j->d->H_out * j->d->W_out;
    for (int64_t co = c0; co < c1; co++) {
        double acc = 0;
        for (int n = 0; n < j->d->N; n++) {
            const float *dy = j->dout + ((long)n * j->d->C_out + co) * P;
            for (long p = 0; p < P; p++) acc += dy[p];
        }
        j->dbias[co] += (float)acc;
    }
}

void fs_conv2d_backward_bias_cpu(float *dbias, const float *dout, const fs_conv2d_dims *d) {
    bwd_b_job j = {d, dbias, dout};
    fs_parallel_for(d->C_out, 1, bwd_b_units, &j);
}

void fs_conv2d_backward_cpu(float *din, float *dweight, float *dbias, const float *dout, const float *in,
                            const float *weight, const fs_conv2d_dims *d) {
    if (dbias) fs_conv2d_backward_bias_cpu(dbias, dout, d);
    if (dweight) fs_conv2d_backward_weight_cpu(dweight, dout, in, d);
    if (din) fs_conv2d_backward_data_cpu(din, dout, weight, d);
}
