/* bench_conv.c — `facestitch bench conv`: conv2d forward / backward-data / backward-weights GFLOP/s on
 * StyleGAN2 shapes, against the machine's SGEMM measured in the same run. Last line:
 * conv_vs_sgemm=<worst ratio>. */
#include <cblas.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench/bench.h"
#include "core/threads.h"
#include "tensor/backend.h"
#include "tensor/conv2d.h"
#include "tensor/conv_transpose2d.h"
#include "tensor/gemm.h"

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch [--threads N] bench conv [--quick] [--full] [--repeat R]\n"
            "\n"
            "Times the conv kernels of the current backend on StyleGAN2 layer shapes (512->512 at 32x32,\n"
            "a batch of 4 modulated convs as one grouped conv, the stride-2 upsampling conv, 128->64 at\n"
            "256x256, 64->32 at 1024x1024; batch 1 and 4) and prints forward, backward-data and\n"
            "backward-weights GFLOP/s, and the worst of the three as a fraction of the machine's SGEMM\n"
            "GFLOP/s measured in the same run: fs_sgemm 1024x1024x1024 on the same threads, run right after\n"
            "each conv run for as long, so a busy machine slows both sides alike (OpenBLAS's own threading\n"
            "is printed too, for reference). Each figure is the best of R runs after one warm-up.\n"
            "The last line is conv_vs_sgemm=<worst ratio over all shapes and passes> (target >= 0.6).\n"
            "A default run takes about a minute on two idle cores.\n"
            "\n"
            "Options:\n"
            "  --quick       small shapes (about a second; for smoke tests)\n"
            "  --full        also batch 4 at 1024x1024 (needs ~3 GB of memory) and the 1024x1024 upsampling conv\n"
            "  --repeat R    timed runs per figure (default 4, 2 with --quick)\n"
            "  -h, --help    this help\n"
            "Global: --threads N (default: all cores).\n"
            "\n"
            "Examples:\n"
            "  facestitch bench conv\n"
            "  facestitch --threads 1 bench conv --full\n"
            "  facestitch bench conv --quick\n");
}

typedef struct {
    const char *name;
    int transposed; /* 0: conv2d, 1: conv_transpose2d (StyleGAN2 upsampling conv) */
    int N, C_in, H, C_out, k, stride, pad, groups;
} shape;

static float *rand_buf(long n, unsigned *seed) {
    float *p = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    if (!p) return NULL;
    unsigned s = *seed;
    for (long i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        p[i] = ((s >> 8) * (1.0f / 16777216.0f)) - 0.5f;
    }
    *seed = s;
    return p;
}

/* Best seconds of `reps` runs of pass `which` (0 fwd, 1 bwd-data, 2 bwd-weights) after one warm-up. */
typedef struct {
    const shape *s;
    fs_conv2d_dims c;
    fs_conv_transpose2d_dims t;
    float *in, *w, *out, *din, *dw;
} bench_case;

static void run_pass(bench_case *b, int which) {
    if (!b->s->transposed) {
        if (which == 0) fs_conv2d_forward(b->out, b->in, b->w, NULL, &b->c);
        if (which == 1) fs_conv2d_backward(b->din, NULL, NULL, b->out, b->in, b->w, &b->c);
        if (which == 2) fs_conv2d_backward(NULL, b->dw, NULL, b->out, b->in, b->w, &b->c);
    } else {
        if (which == 0) fs_conv_transpose2d_forward(b->out, b->in, b->w, NULL, &b->t);
        if (which == 1) fs_conv_transpose2d_backward(b->din, NULL, NULL, b->out, b->in, b->w, &b->t);
        if (which == 2) fs_conv_transpose2d_backward(NULL, b->dw, NULL, b->out, b->in, b->w, &b->t);
    }
}

/* SGEMM operands for the interleaved baseline. */
typedef struct {
    int n;
    float *A, *B, *C;
} gemm_bufs;

/* SGEMM GFLOP/s over a window of at least `seconds` (whole runs), so that the baseline samples the
 * machine's load over as long a time as the conv run it is compared with. */
static double gemm_window(const gemm_bufs *g, double seconds) {
    double t0 = now_s(), t;
    long runs = 0;
    do {
        fs_sgemm_cpu(0, 0, g->n, g->n, g->n, 1.0f, g->A, g->n, g->B, g->n, 0.0f, g->C, g->n);
        runs++;
        t = now_s() - t0;
    } while (t < seconds);
    return runs * 2.0 * g->n * (double)g->n * g->n / t * 1e-9;
}

/* Best GFLOP/s of `reps` runs of pass `which` after one warm-up; each run is followed by SGEMM for as
 * long as the run took, whose best GFLOP/s goes to *sgemm, so both see the same machine load. */
static double best_gflops(bench_case *b, int which, int reps, double flops, const gemm_bufs *g, double *sgemm) {
    run_pass(b, which);
    double best = 0, best_g = 0;
    for (int r = 0; r < reps; r++) {
        double t0 = now_s();
        run_pass(b, which);
        double t = now_s() - t0, gf = flops / t * 1e-9;
        if (gf > best) best = gf;
        double gg = gemm_window(g, t);
        if (gg > best_g) best_g = gg;
    }
    *sgemm = best_g;
    return best;
}

static double sgemm_gflops(int n, int reps, int openblas_threads) {
    unsigned seed = 12345;
    float *A = rand_buf((long)n * n, &seed), *B = rand_buf((long)n * n, &seed), *C = rand_buf((long)n * n, &seed);
    if (!A || !B || !C) {
        free(A), free(B), free(C);
        return 0;
    }
    double best = 1e30;
    for (int r = 0; r <= reps; r++) {
        double t0 = now_s();
        if (openblas_threads) {
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
        } else {
            fs_sgemm_cpu(0, 0, n, n, n, 1.0f, A, n, B, n, 0.0f, C, n);
        }
        double t = now_s() - t0;
        if (r > 0 && t < best) best = t; /* r == 0 is the warm-up */
    }
    free(A), free(B), free(C);
    return 2.0 * n * (double)n * n / best * 1e-9;
}

static double measure_sgemm(int n, int reps, double *ours, double *theirs) {
    if (reps < 2) reps = 2;
    fs_gemm_cpu_init();
    *ours = sgemm_gflops(n, reps, 0);
    int nt = fs_threads_count();
    openblas_set_num_threads(nt);
    *theirs = sgemm_gflops(n, reps, 1);
    openblas_set_num_threads(1); /* our policy: OpenBLAS single-threaded, we split the work */
    return *ours > *theirs ? *ours : *theirs;
}

int fs_bench_conv(int argc, char **argv, fs_err *err) {
    int quick = 0, full = 0, reps = 0;
    static const struct option opts[] = {{"quick", no_argument, 0, 'q'},
                                         {"full", no_argument, 0, 'f'},
                                         {"repeat", required_argument, 0, 'r'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'q': quick = 1; break;
        case 'f': full = 1; break;
        case 'r': {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 100) return fs__bench_usage(err, "--repeat needs 1..100");
            reps = (int)v;
            break;
        }
        case 'h': usage(stdout); return 0;
        default: return fs__bench_usage(err, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return fs__bench_usage(err, "unexpected argument '%s'", argv[optind]);
    if (!reps) reps = quick ? 2 : 4;

    static const shape full_shapes[] = {
        {"512->512 3x3 32x32 N=1", 0, 1, 512, 32, 512, 3, 1, 1, 1},
        {"512->512 3x3 32x32 N=4", 0, 4, 512, 32, 512, 3, 1, 1, 1},
        {"modconv 512->512 3x3 32x32 N=4 (groups=4)", 0, 1, 4 * 512, 32, 4 * 512, 3, 1, 1, 4},
        {"up 512->512 3x3 s2 32->65 N=1 (transposed)", 1, 1, 512, 32, 512, 3, 2, 0, 1},
        {"128->64 3x3 256x256 N=1", 0, 1, 128, 256, 64, 3, 1, 1, 1},
        {"128->64 3x3 256x256 N=4", 0, 4, 128, 256, 64, 3, 1, 1, 1},
        {"64->32 3x3 1024x1024 N=1", 0, 1, 64, 1024, 32, 3, 1, 1, 1},
        {"64->32 3x3 1024x1024 N=4", 0, 4, 64, 1024, 32, 3, 1, 1, 1},            /* --full only */
        {"up 64->32 3x3 s2 512->1025 N=1 (transposed)", 1, 1, 64, 512, 32, 3, 2, 0, 1}, /* --full only */
    };
    static const shape quick_shapes[] = {
        {"256->256 3x3 16x16 N=1", 0, 1, 256, 16, 256, 3, 1, 1, 1},
        {"modconv 128->128 3x3 16x16 N=2 (groups=2)", 0, 1, 2 * 128, 16, 2 * 128, 3, 1, 1, 2},
        {"up 128->128 3x3 s2 16->33 N=1 (transposed)", 1, 1, 128, 16, 128, 3, 2, 0, 1},
        {"64->32 3x3 128x128 N=1", 0, 1, 64, 128, 32, 3, 1, 1, 1},
    };
    const shape *shapes = quick ? quick_shapes : full_shapes;
    int nshapes = quick ? 4 : (full ? 9 : 7);
    const int gemm_n = quick ? 512 : 1024;

    printf("facestitch bench conv: backend %s, %d threads, %s\n", fs_backend_get()->name, fs_threads_count(),
           openblas_get_config());
    double ours, theirs;
    measure_sgemm(gemm_n, reps, &ours, &theirs);
    printf("SGEMM %dx%dx%d: fs_sgemm (our pool, the baseline) %.1f GFLOP/s, OpenBLAS's own threads %.1f GFLOP/s\n",
           gemm_n, gemm_n, gemm_n, ours, theirs);
    printf("Each conv run is followed by SGEMM runs for as long; ratio = best conv / best SGEMM of those windows.\n");
    printf("%-44s %7s %8s %8s %8s %8s %6s\n", "shape", "GFLOP", "fwd", "bwd-data", "bwd-wgt", "sgemm", "worst");
    printf("%-44s %7s %8s %8s %8s %8s %6s\n", "", "", "GFLOP/s", "GFLOP/s", "GFLOP/s", "GFLOP/s", "ratio");

    unsigned gseed = 99;
    gemm_bufs gb = {gemm_n, rand_buf((long)gemm_n * gemm_n, &gseed), rand_buf((long)gemm_n * gemm_n, &gseed),
                    rand_buf((long)gemm_n * gemm_n, &gseed)};
    if (!gb.A || !gb.B || !gb.C) {
        free(gb.A), free(gb.B), free(gb.C);
        fprintf(stderr, "facestitch: bench conv: out of memory\n");
        return 1;
    }
    double worst_ratio = 1e30, sg_min = 1e30, sg_max = 0;
    for (int i = 0; i < nshapes; i++) {
        const shape *s = &shapes[i];
        bench_case b = {.s = s};
        fs_err e2 = {0};
        long ni, no, nw;
        double flops;
        if (!s->transposed) {
            b.c = fs_conv2d_dims_make(s->N, s->C_in, s->H, s->H, s->C_out, s->k, s->stride, s->pad);
            b.c.groups = s->groups;
            if (fs_conv2d_dims_init(&b.c, &e2) != FS_OK) return fs__bench_fail(err, &e2);
            ni = fs_conv2d_in_numel(&b.c), no = fs_conv2d_out_numel(&b.c), nw = fs_conv2d_weight_numel(&b.c);
            flops = fs_conv2d_flops(&b.c);
        } else {
            b.t = (fs_conv_transpose2d_dims){.N = s->N, .C_in = s->C_in, .H = s->H, .W = s->H, .C_out = s->C_out,
                                             .KH = s->k, .KW = s->k, .stride_h = s->stride, .stride_w = s->stride,
                                             .pad_h = s->pad, .pad_w = s->pad, .dil_h = 1, .dil_w = 1,
                                             .groups = s->groups};
            if (fs_conv_transpose2d_dims_init(&b.t, &e2) != FS_OK) return fs__bench_fail(err, &e2);
            ni = fs_conv_transpose2d_in_numel(&b.t), no = fs_conv_transpose2d_out_numel(&b.t);
            nw = fs_conv_transpose2d_weight_numel(&b.t);
            flops = fs_conv_transpose2d_flops(&b.t);
        }
        unsigned seed = 777u + (unsigned)i;
        b.in = rand_buf(ni, &seed), b.w = rand_buf(nw, &seed), b.out = rand_buf(no, &seed);
        b.din = rand_buf(ni, &seed), b.dw = rand_buf(nw, &seed);
        if (!b.in || !b.w || !b.out || !b.din || !b.dw) {
            free(b.in), free(b.w), free(b.out), free(b.din), free(b.dw);
            free(gb.A), free(gb.B), free(gb.C);
            fprintf(stderr, "facestitch: bench conv: out of memory for shape %s\n", s->name);
            return 1;
        }
        double gf[3], sg[3], worst = 1e30, sg_best = 0;
        for (int p = 0; p < 3; p++) {
            gf[p] = best_gflops(&b, p, reps, flops, &gb, &sg[p]);
            if (gf[p] / sg[p] < worst) worst = gf[p] / sg[p];
            if (sg[p] > sg_best) sg_best = sg[p];
            if (sg[p] < sg_min) sg_min = sg[p];
            if (sg[p] > sg_max) sg_max = sg[p];
        }
        free(b.in), free(b.w), free(b.out), free(b.din), free(b.dw);
        printf("%-44s %7.2f %8.1f %8.1f %8.1f %8.1f %6.2f\n", s->name, flops * 1e-9, gf[0], gf[1], gf[2], sg_best,
               worst);
        fflush(stdout);
        if (worst < worst_ratio) worst_ratio = worst;
    }
    free(gb.A), free(gb.B), free(gb.C);
    measure_sgemm(gemm_n, reps, &ours, &theirs);
    printf("SGEMM at the end: fs_sgemm %.1f, OpenBLAS's own threads %.1f GFLOP/s; interleaved runs ranged %.1f .. %.1f\n"
           "(a wide range means other processes were busy; rerun on an idle machine for stable figures)\n",
           ours, theirs, sg_min, sg_max);
    printf("conv_vs_sgemm=%.2f\n", worst_ratio);
    return 0;
}
