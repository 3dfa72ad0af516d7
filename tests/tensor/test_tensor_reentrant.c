/* The fast CPU kernels called at the same time from several threads (tuning several video frames in
 * parallel: an outer fs_parallel_for over frames, each worker running whole forward/backward passes).
 *
 * K independent problems -- conv2d forward + backward (data, weight, bias), conv_transpose2d forward +
 * backward, sgemm + linear forward/backward -- with StyleGAN2-like shapes (3x3 convs of 32-128
 * channels at 16-64 px, grouped, stride 2, 1x1, the stride-2 transposed up-conv, both transposed-conv
 * paths) run concurrently over fs_parallel_for, so each runs nested in a pool worker (single-threaded),
 * with 2, 3 and 4 pool threads, in changing orders, under each conv path (auto / im2col / implicit),
 * while another thread keeps calling fs_conv_cpu_scratch_free. Every output must be bit-identical to
 * the same problem run alone under fs_threads_init(1).
 * Also: plain pthreads calling top-level (multithreaded) ops at the same time as the main thread must
 * get the main thread's bits for that thread count; scratch sets of exited threads are freed (the
 * count of live sets comes back down; ASan's leak check sees the rest).
 * Prints the speed-up of 2 concurrent problems on 2 threads against running them one after the other
 * (informational; no timing assertion). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check.h"
#include "core/threads.h"
#include "gradcheck.h"
#include "tensor/conv2d.h"
#include "tensor/conv_transpose2d.h"
#include "tensor/gemm.h"
#include "tensor/im2col.h"
#include "tensor/linear.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

enum { P_CONV, P_CT, P_GEMM };
#define MAX_IO 6
#define LIN_M 18 /* linear: 18 W+ styles through a 512x512 layer */
#define LIN_K 512
#define LIN_N 512
#define GEMM_M 192

typedef struct {
    int type;
    char name[96];
    fs_conv2d_dims cd;
    fs_conv_transpose2d_dims td;
    float *in[MAX_IO]; /* conv/ct: x, w, b, dy, dw0, db0; gemm: A, B, C0, x, w, b */
    long nin[MAX_IO];
    long nout[MAX_IO]; /* conv/ct: y, dx, dw, db; gemm: C, y, dx, dw, db */
    int nouts;
} problem;

static float *alloc_f(long n) {
    float *p = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    FS_ASSERT(p);
    return p;
}

static void fill_inputs(problem *p, uint64_t *rng) {
    for (int i = 0; i < MAX_IO; i++) {
        p->in[i] = alloc_f(p->nin[i]);
        tr_fill_normal(p->in[i], p->nin[i], 1.0f, rng);
    }
}

static problem make_conv(int N, int C_in, int H, int W, int C_out, int k, int s, int pad, int groups, uint64_t *rng) {
    problem p;
    memset(&p, 0, sizeof p);
    p.type = P_CONV;
    p.cd = fs_conv2d_dims_make(N, C_in, H, W, C_out, k, s, pad);
    p.cd.groups = groups;
    FS_ASSERT(fs_conv2d_dims_init(&p.cd, NULL) == FS_OK);
    snprintf(p.name, sizeof p.name, "conv2d N%d %d->%d %dx%d k%d s%d p%d g%d", N, C_in, C_out, H, W, k, s, pad, groups);
    const long ni = fs_conv2d_in_numel(&p.cd), no = fs_conv2d_out_numel(&p.cd), nw = fs_conv2d_weight_numel(&p.cd);
    const long in[MAX_IO] = {ni, nw, C_out, no, nw, C_out}, out[4] = {no, ni, nw, C_out};
    memcpy(p.nin, in, sizeof in);
    memcpy(p.nout, out, sizeof out);
    p.nouts = 4;
    fill_inputs(&p, rng);
    return p;
}

static problem make_ct(int N, int C_in, int H, int W, int C_out, int k, int s, int pad, int groups, uint64_t *rng) {
    problem p;
    memset(&p, 0, sizeof p);
    p.type = P_CT;
    fs_conv_transpose2d_dims d = {.N = N, .C_in = C_in, .H = H, .W = W, .C_out = C_out, .KH = k, .KW = k,
                                  .stride_h = s, .stride_w = s, .pad_h = pad, .pad_w = pad, .dil_h = 1, .dil_w = 1,
                                  .groups = groups};
    FS_ASSERT(fs_conv_transpose2d_dims_init(&d, NULL) == FS_OK);
    p.td = d;
    snprintf(p.name, sizeof p.name, "conv_transpose2d N%d %d->%d %dx%d k%d s%d p%d g%d", N, C_in, C_out, H, W, k, s,
             pad, groups);
    const long ni = fs_conv_transpose2d_in_numel(&d), no = fs_conv_transpose2d_out_numel(&d),
               nw = fs_conv_transpose2d_weight_numel(&d);
    const long in[MAX_IO] = {ni, nw, C_out, no, nw, C_out}, out[4] = {no, ni, nw, C_out};
    memcpy(p.nin, in, sizeof in);
    memcpy(p.nout, out, sizeof out);
    p.nouts = 4;
    fill_inputs(&p, rng);
    return p;
}

static problem make_gemm(uint64_t *rng) {
    problem p;
    memset(&p, 0, sizeof p);
    p.type = P_GEMM;
    snprintf(p.name, sizeof p.name, "sgemm %dx%dx%d + linear %dx%d->%d", GEMM_M, GEMM_M, GEMM_M, LIN_M, LIN_K, LIN_N);
    const long G2 = (long)GEMM_M * GEMM_M;
    const long in[MAX_IO] = {G2, G2, G2, (long)LIN_M * LIN_K, (long)LIN_N * LIN_K, LIN_N};
    const long out[5] = {G2, (long)LIN_M * LIN_N, (long)LIN_M * LIN_K, (long)LIN_N * LIN_K, LIN_N};
    memcpy(p.nin, in, sizeof in);
    memcpy(p.nout, out, sizeof out);
    p.nouts = 5;
    fill_inputs(&p, rng);
    return p;
}

/* Runs problem p through the public ops (current backend: fast CPU), outputs into o[0..nouts). */
static void run_problem(const problem *p, float *const *o) {
    float *const *in = p->in;
    if (p->type == P_GEMM) {
        memcpy(o[0], in[2], sizeof(float) * (size_t)p->nout[0]);
        fs_sgemm(0, 1, GEMM_M, GEMM_M, GEMM_M, 0.5f, in[0], GEMM_M, in[1], GEMM_M, 0.25f, o[0], GEMM_M);
        fs_linear_forward(o[1], in[3], in[4], in[5], LIN_M, LIN_K, LIN_N);
        memcpy(o[3], in[4], sizeof(float) * (size_t)p->nout[3]); /* dw, db accumulate onto w, b */
        memcpy(o[4], in[5], sizeof(float) * (size_t)p->nout[4]);
        fs_linear_backward(o[2], o[3], o[4], o[1], in[3], in[4], LIN_M, LIN_K, LIN_N);
        return;
    }
    memcpy(o[2], in[4], sizeof(float) * (size_t)p->nout[2]); /* dweight, dbias accumulate */
    memcpy(o[3], in[5], sizeof(float) * (size_t)p->nout[3]);
    if (p->type == P_CONV) {
        fs_conv2d_forward(o[0], in[0], in[1], in[2], &p->cd);
        fs_conv2d_backward(o[1], o[2], o[3], in[3], in[0], in[1], &p->cd);
    } else {
        fs_conv_transpose2d_forward(o[0], in[0], in[1], in[2], &p->td);
        fs_conv_transpose2d_backward(o[1], o[2], o[3], in[3], in[0], in[1], &p->td);
    }
}

/* outputs of every problem: res[problem][output] */
typedef float *result[MAX_IO];

static result *alloc_results(const problem *ps, int K) {
    result *r = calloc((size_t)K, sizeof *r);
    FS_ASSERT(r);
    for (int k = 0; k < K; k++)
        for (int i = 0; i < ps[k].nouts; i++) r[k][i] = alloc_f(ps[k].nout[i]);
    return r;
}

static void free_results(result *r, const problem *ps, int K) {
    for (int k = 0; k < K; k++)
        for (int i = 0; i < ps[k].nouts; i++) free(r[k][i]);
    free(r);
}

static const char *out_name(int type, int i) {
    static const char *conv[] = {"out", "din", "dweight", "dbias"};
    static const char *gemm[] = {"sgemm C", "linear y", "linear dx", "linear dw", "linear db"};
    return type == P_GEMM ? gemm[i] : conv[i];
}

/* every output of every problem bit-identical; returns the number of differing outputs */
static int compare(const char *what, const problem *ps, int K, result *got, result *want) {
    int bad = 0;
    for (int k = 0; k < K; k++)
        for (int i = 0; i < ps[k].nouts; i++) {
            const long n = ps[k].nout[i];
            if (!memcmp(got[k][i], want[k][i], sizeof(float) * (size_t)n)) continue;
            double maxdiff = 0;
            for (long e = 0; e < n; e++) {
                double d = fabs((double)got[k][i][e] - (double)want[k][i][e]);
                maxdiff = check_max(maxdiff, d);
            }
            fprintf(stderr, "FAIL %s: %s %s differs (max |diff| %.3g)\n", what, ps[k].name, out_name(ps[k].type, i),
                    maxdiff);
            bad++;
        }
    check__count++;
    if (bad) check__failures++;
    else printf("OK %s: %d problems bit-identical\n", what, K);
    return bad;
}

typedef struct {
    const problem *ps;
    result *res;
    const int *order; /* problem run at position i */
} batch_ctx;

static void batch_fn(void *ctx, int64_t b, int64_t e, int tid) {
    (void)tid;
    const batch_ctx *c = ctx;
    for (int64_t i = b; i < e; i++) run_problem(&c->ps[c->order[i]], c->res[c->order[i]]);
}

/* a thread calling fs_conv_cpu_scratch_free while the batch runs: it must leave the buffers of running
 * ops alone (ASan would see a use after free) and never block them */
typedef struct {
    pthread_mutex_t mu;
    int stop;
} freer_ctx;

static void *freer(void *arg) {
    freer_ctx *f = arg;
    for (;;) {
        pthread_mutex_lock(&f->mu);
        int stop = f->stop;
        pthread_mutex_unlock(&f->mu);
        if (stop) break;
        fs_conv_cpu_scratch_free();
        struct timespec ts = {0, 2000000};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

static void run_batch(const problem *ps, int K, result *res, const int *order, int with_freer) {
    batch_ctx c = {ps, res, order};
    freer_ctx f;
    memset(&f, 0, sizeof f);
    pthread_mutex_init(&f.mu, NULL);
    pthread_t th;
    if (with_freer) FS_ASSERT(pthread_create(&th, NULL, freer, &f) == 0);
    fs_parallel_for(K, 1, batch_fn, &c);
    if (with_freer) {
        pthread_mutex_lock(&f.mu);
        f.stop = 1;
        pthread_mutex_unlock(&f.mu);
        pthread_join(th, NULL);
    }
    pthread_mutex_destroy(&f.mu);
}

static void run_sequential(const problem *ps, int K, result *res) {
    for (int k = 0; k < K; k++) run_problem(&ps[k], res[k]);
}

/* plain pthreads making top-level calls: each runs every problem in its own order */
typedef struct {
    const problem *ps;
    int K, shift;
    result *res;
} caller_ctx;

static void *caller(void *arg) {
    caller_ctx *c = arg;
    for (int i = 0; i < c->K; i++) {
        int k = (i + c->shift) % c->K;
        run_problem(&c->ps[k], c->res[k]);
    }
    return NULL;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

/* Speed-up of two concurrent problems on 2 threads (one per worker) over the same two one after the
 * other, with 1 thread and with 2 threads splitting each op. Informational only. */
static void speedup(uint64_t *rng) {
    problem ps[2] = {make_conv(1, 64, 64, 64, 64, 3, 1, 1, 1, rng), make_conv(1, 64, 64, 64, 64, 3, 1, 1, 1, rng)};
    result *r = alloc_results(ps, 2);
    const int order[2] = {0, 1}, reps = SANITIZED ? 1 : 3;
    double t_seq1 = 1e30, t_seq2 = 1e30, t_conc = 1e30;
    for (int rep = 0; rep < reps; rep++) {
        fs_threads_init(1);
        run_sequential(ps, 2, r); /* warm the scratch */
        double t0 = now();
        run_sequential(ps, 2, r);
        double t = now() - t0;
        if (t < t_seq1) t_seq1 = t;
        fs_threads_init(2);
        run_sequential(ps, 2, r);
        t0 = now();
        run_sequential(ps, 2, r);
        t = now() - t0;
        if (t < t_seq2) t_seq2 = t;
        run_batch(ps, 2, r, order, 0);
        t0 = now();
        run_batch(ps, 2, r, order, 0);
        t = now() - t0;
        if (t < t_conc) t_conc = t;
    }
    printf("speed: 2 x (%s fwd+bwd): sequential 1 thread %.1f ms, sequential 2 threads %.1f ms, "
           "concurrent on 2 threads %.1f ms: speed-up %.2fx over 1 thread, %.2fx over 2 threads splitting each op%s\n",
           ps[0].name, 1e3 * t_seq1, 1e3 * t_seq2, 1e3 * t_conc, t_seq1 / t_conc, t_seq2 / t_conc,
           SANITIZED ? " (sanitizer build: not meaningful)" : "");
    free_results(r, ps, 2);
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < MAX_IO; i++) free(ps[k].in[i]);
}

int main(void) {
    uint64_t rng = 0x51ab1e5eedull;
    problem ps[] = {
        make_conv(1, 32, 64, 64, 32, 3, 1, 1, 1, &rng),  /* implicit GEMM forward / backward-weights */
        make_conv(2, 64, 16, 16, 64, 3, 1, 1, 1, &rng),  /* im2col; flipped-weight backward-data */
        make_conv(1, 32, 32, 32, 64, 3, 2, 1, 1, &rng),  /* stride 2: col2im backward-data */
        make_conv(1, 64, 32, 32, 64, 3, 1, 1, 4, &rng),  /* grouped */
        make_conv(2, 128, 16, 16, 64, 1, 1, 0, 1, &rng), /* 1x1: no im2col */
        make_conv(1, 128, 16, 16, 128, 3, 1, 1, 1, &rng),
        make_conv(1, 3, 64, 64, 32, 3, 1, 1, 1, &rng),   /* few input channels */
        make_ct(1, 64, 32, 32, 32, 3, 2, 0, 1, &rng),    /* StyleGAN2 up-conv: col2im path */
        make_ct(1, 16, 128, 128, 8, 3, 2, 0, 1, &rng),   /* wide output, few channels: output phases */
        make_gemm(&rng),
    };
    const int K = (int)(sizeof ps / sizeof ps[0]);
    int order[16], rev[16], mix[16];
    for (int k = 0; k < K; k++) order[k] = k, rev[k] = K - 1 - k, mix[k] = (k * 3 + 1) % K; /* K = 10: 3 is coprime */

    /* references: each problem alone, one thread, for each conv path */
    result *ref[3], *got = alloc_results(ps, K);
    fs_threads_init(1);
    for (int path = 0; path < 3; path++) {
        fs__conv2d_cpu_path = path;
        ref[path] = alloc_results(ps, K);
        run_sequential(ps, K, ref[path]);
    }
    fs__conv2d_cpu_path = 0;
    /* sanity: the one-thread results are the real thing (fast vs reference kernels, loose tolerance) */
    {
        problem *p = &ps[0];
        float *y = alloc_f(p->nout[0]);
        fs_conv2d_forward_ref(y, p->in[0], p->in[1], p->in[2], &p->cd);
        check_allclose("1-thread fast conv vs reference", ref[0][0][0], y, p->nout[0], 1e-3, 1e-4);
        free(y);
    }

    /* the batch, nested in pool workers, for 2..4 threads, several orders and every conv path */
    for (int nt = 2; nt <= 4; nt++) {
        fs_threads_init(nt);
        for (int path = 0; path < 3; path++) {
            if (path && nt != 3) continue;
            fs__conv2d_cpu_path = path;
            const int *orders[3] = {order, rev, mix};
            for (int o = 0; o < (path ? 1 : 3); o++) {
                char what[160];
                snprintf(what, sizeof what, "%d threads, path %d, order %d, concurrent in workers%s", nt, path, o,
                         o == 1 ? " + scratch_free thread" : "");
                run_batch(ps, K, got, orders[o], o == 1);
                compare(what, ps, K, got, ref[path]);
            }
        }
        fs__conv2d_cpu_path = 0;
        fs_conv_cpu_scratch_free();
    }

    /* plain pthreads and the main thread making top-level (multithreaded) calls at the same time:
     * each gets the main thread's bits for 2 pool threads */
    {
        fs_threads_init(2);
        result *ref2 = alloc_results(ps, K), *r[3];
        run_sequential(ps, K, ref2);
        pthread_t th[2];
        caller_ctx cc[3];
        for (int i = 0; i < 3; i++) {
            r[i] = alloc_results(ps, K);
            cc[i] = (caller_ctx){ps, K, 3 * i + 1, r[i]};
        }
        const int sets_before = fs__conv_scratch_live_sets();
        for (int i = 0; i < 2; i++) FS_ASSERT(pthread_create(&th[i], NULL, caller, &cc[i]) == 0);
        caller(&cc[2]);
        for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
        for (int i = 0; i < 3; i++) {
            char what[64];
            snprintf(what, sizeof what, "top-level caller %d of 3 at once (2 threads)", i);
            compare(what, ps, K, r[i], ref2);
            free_results(r[i], ps, K);
        }
        /* the two callers' scratch sets went away with them */
        CHECK_MSG(fs__conv_scratch_live_sets() == sets_before, "live scratch sets %d, want %d",
                  fs__conv_scratch_live_sets(), sets_before);
        free_results(ref2, ps, K);
    }

    /* pool workers' sets are freed when the pool is rebuilt or shut down: only the main thread's is left */
    fs_threads_init(3);
    run_batch(ps, K, got, order, 0);
    compare("3 threads again after the pthreads", ps, K, got, ref[0]);
    fs_threads_shutdown();
    CHECK_MSG(fs__conv_scratch_live_sets() == 1, "live scratch sets after shutdown: %d", fs__conv_scratch_live_sets());

    speedup(&rng);

    fs_threads_shutdown();
    fs_conv_cpu_scratch_free();
    for (int path = 0; path < 3; path++) free_results(ref[path], ps, K);
    free_results(got, ps, K);
    for (int k = 0; k < K; k++)
        for (int i = 0; i < MAX_IO; i++) free(ps[k].in[i]);
    return check_finish();
}
