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
 * Work units and tile boundaries depend only on the dims and the thread count, each output element
 * is produced by one thread, and backward-weights sums per-thread partial sums in thread order,
 * so results are deterministic for a given thread count.
 * Scratch: per-thread column buffers (im2col.h) that grow once and are reused: no malloc per call.
 */
#include <string.h>

#include "core/threads.h"
#include "tensor/conv2d.h"
#include "tensor/gemm.h"
#include "tensor/im2col.h"

#include <stdlib.h>
static long col_budget(void) { /* floats in one thread's column buffer */
    static long b = 0;
    if (!b) {
        const char *e = getenv("FS_CONV_COL_BUDGET");
        b = e ? atol(e) : (2L << 20);
    }
    return b;
}
#define COL_BUDGET col_budget()
#define MAX_SLOTS 256

static int is_pointwise(const fs_conv2d_dims *d) {
    return d->KH == 1 && d->KW == 1 && d->stride_h == 1 && d->stride_w == 1 && d->pad_top == 0 &&
           d->pad_left == 0 && d->H_out == d->H && d->W_out == d->W;
}

static int threads(void) {
    int nt = fs_threads_count();
    return nt < 1 ? 1 : nt > MAX_SLOTS ? MAX_SLOTS : nt;
}

/* Number of parts to cut `len` items into: at least `min_parts` (memory), and for few images enough
 * parts that images*parts is a multiple of the thread count (balanced chunks), with parts >= min_len. */
static long split_count(long len, long min_parts, long images, int nt, long min_len) {
    long parts = min_parts < 1 ? 1 : min_parts;
    if (nt > 1 && images * parts < 4L * nt) {
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
    const fs_conv2d_dims *d;
    float *out;
    const float *in, *weight, *bias;
    tiling t;
    int G, Cig, Cog, pw;
    long K;
} fwd_job;

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
        const float *B;
        long ldb;
        if (j->pw) {
            B = x + p0;
            ldb = P;
        } else {
            float *col = fs__conv_scratch(tid, 0, j->K * (p1 - p0));
            fs__im2col(col, x, d, 0, j->Cig, p0, p1);
            B = col;
            ldb = p1 - p0;
        }
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

static void forward_unlocked(float *out, const float *in, const float *weight, const float *bias,
                             const fs_conv2d_dims *d) {
    fwd_job j = {d, out, in, weight, bias, {0, 0, 0}, d->groups, d->C_in / d->groups, d->C_out / d->groups,
                 is_pointwise(d), 0};
    j.K = (long)j.Cig * d->KH * d->KW;
    const long images = (long)d->N * d->groups;
    j.t = make_tiles((long)d->H_out * d->W_out, j.pw ? 0 : j.K, images, threads());
    fs_parallel_for(images * j.t.T, 1, fwd_units, &j);
}

void fs_conv2d_forward_cpu(float *out, const float *in, const float *weight, const float *bias,
                           const fs_conv2d_dims *d) {
    fs_gemm_cpu_init();
    fs__conv_scratch_lock();
    forward_unlocked(out, in, weight, bias, d);
    fs__conv_scratch_unlock();
}

/* ---------------------------------------------------------------- backward-data */

typedef struct {
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
        float *col = fs__conv_scratch(tid, 0, rows * j->t.Pt);
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

static void backward_data_flipped(float *din, const float *dout, const float *weight, const fs_conv2d_dims *d) {
    const int G = d->groups, Cig = d->C_in / G, Cog = d->C_out / G, KH = d->KH, KW = d->KW;
    const long KK = (long)KH * KW;
    float *wf = fs__conv_scratch(0, 3, (long)d->C_in * Cog * KK);
    for (int g = 0; g < G; g++)
        for (int co = 0; co < Cog; co++)
            for (int ci = 0; ci < Cig; ci++) {
                const float *src = weight + (((long)g * Cog + co) * Cig + ci) * KK;
                float *dst = wf + (((long)g * Cig + ci) * Cog + co) * KK;
                for (long k = 0; k < KK; k++) dst[k] = src[KK - 1 - k];
            }
    fs_conv2d_dims f = {.N = d->N, .C_in = d->C_out, .H = d->H_out, .W = d->W_out, .C_out = d->C_in,
                        .KH = KH, .KW = KW, .stride_h = 1, .stride_w = 1,
                        .pad_top = d->dil_h * (KH - 1) - d->pad_top, .pad_left = d->dil_w * (KW - 1) - d->pad_left,
                        .dil_h = d->dil_h, .dil_w = d->dil_w, .groups = G, .H_out = d->H, .W_out = d->W};
    f.pad_bottom = f.pad_top; /* unused by the kernels */
    f.pad_right = f.pad_left;
    forward_unlocked(din, dout, wf, NULL, &f);
}

void fs_conv2d_backward_data_cpu(float *din, const float *dout, const float *weight, const fs_conv2d_dims *d) {
    fs_gemm_cpu_init();
    fs__conv_scratch_lock();
    const int nt = threads();
    const long images = (long)d->N * d->groups, P = (long)d->H_out * d->W_out;
    const int Cig = d->C_in / d->groups, Cog = d->C_out / d->groups;
    if (is_pointwise(d)) {
        bwd_pw_job j = {d, din, dout, weight, make_tiles(P, 0, images, nt), d->groups, Cig, Cog};
        fs_parallel_for(images * j.t.T, 1, bwd_data_pw_units, &j);
    } else if (flip_ok(d)) {
        backward_data_flipped(din, dout, weight, d);
    } else {
        bwd_data_job j = {d, din, dout, weight, {0, 0, 0}, d->groups, Cig, Cog, 1, Cig, 0, (long)d->KH * d->KW};
        j.K = (long)Cig * j.KK;
        j.CB = (int)split_count(Cig, 1, images, nt, 1);
        j.cbs = (Cig + j.CB - 1) / j.CB;
        j.CB = (Cig + j.cbs - 1) / j.cbs;
        j.t = make_tiles(P, (long)j.cbs * j.KK, 1, 1); /* tiles only bound the column buffer here */
        fs_parallel_for(images * j.CB, 1, bwd_data_units, &j);
    }
    fs__conv_scratch_unlock();
}

/* ---------------------------------------------------------------- backward-weights */

typedef struct {
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
        acc = fs__conv_scratch(tid, 1, j->nw);
        memset(acc, 0, sizeof(float) * (size_t)j->nw);
        j->part[tid] = acc;
    }
    for (int64_t u = u0; u < u1; u++) {
        const long img = u / j->t.T, t = u % j->t.T;
        const int n = (int)(img / j->G), g = (int)(img % j->G);
        const long p0 = t * j->t.Pt, p1 = p0 + j->t.Pt < P ? p0 + j->t.Pt : P;
        const float *x = j->in + ((long)n * d->C_in + (long)g * j->Cig) * HW;
        const float *dy = j->dout + ((long)n * d->C_out + (long)g * j->Cog) * P;
        const float *B;
        long ldb;
        if (j->pw) {
            B = x + p0;
            ldb = P;
        } else {
            float *col = fs__conv_scratch(tid, 0, j->K * (p1 - p0));
            fs__im2col(col, x, d, 0, j->Cig, p0, p1);
            B = col;
            ldb = p1 - p0;
        }
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

void fs_conv2d_backward_weight_cpu(float *dweight, const float *dout, const float *in, const fs_conv2d_dims *d) {
    fs_gemm_cpu_init();
    fs__conv_scratch_lock();
    const int nt = threads();
    static bwd_w_job j; /* large (part[]); guarded by the scratch lock */
    memset(&j, 0, sizeof j);
    j.d = d;
    j.dweight = dweight;
    j.dout = dout;
    j.in = in;
    j.G = d->groups;
    j.Cig = d->C_in / d->groups;
    j.Cog = d->C_out / d->groups;
    j.pw = is_pointwise(d);
    j.K = (long)j.Cig * d->KH * d->KW;
    j.nw = (long)d->C_out * j.K;
    const long images = (long)d->N * d->groups;
    j.t = make_tiles((long)d->H_out * d->W_out, j.pw ? 0 : j.K, images, nt);
    const long units = images * j.t.T;
    j.direct = nt == 1 || units == 1;
    fs_parallel_for(units, 1, bwd_w_units, &j);
    if (!j.direct) fs_parallel_for(j.nw, 16384, bwd_w_reduce, &j);
    fs__conv_scratch_unlock();
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
