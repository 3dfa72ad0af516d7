/* bench_generator.c — `facestitch bench generator`: StyleGAN2 forward and forward+backward speed at the
 * official FFHQ channel configuration (channel_base 32768, channel_max 512, z = w = 512, 8 mapping layers),
 * random weights, against the SGEMM throughput measured in the same run. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "bench/bench.h"
#include "core/log.h"
#include "core/threads.h"
#include "models/stylegan2.h"
#include "tensor/device.h"
#include "tensor/gemm.h"

/* Waits for the device's queued work (a 4-byte download is synchronous). */
static void device_sync(const float *dev) {
    float x;
    fs_dev_download(&x, dev, sizeof x);
}

/* SGEMM 1024^3 GFLOP/s: best of 3 windows of `window` seconds each. */
static double sgemm_gflops_for(double window) {
    int n = fs_dev_is_host() ? 1024 : 4096; /* a GPU needs a bigger product to reach its SGEMM rate */
    float *h = malloc(sizeof(float) * n * n);
    float *a = fs_dev_alloc_f32((long)n * n, NULL), *b = fs_dev_alloc_f32((long)n * n, NULL);
    float *c = fs_dev_alloc_f32((long)n * n, NULL);
    if (!h || !a || !b || !c) {
        free(h), fs_dev_free(a), fs_dev_free(b), fs_dev_free(c);
        return 0;
    }
    for (long i = 0; i < (long)n * n; i++) h[i] = (float)(i % 7) * 0.1f;
    fs_dev_upload(a, h, sizeof(float) * n * n);
    for (long i = 0; i < (long)n * n; i++) h[i] = (float)(i % 5) * 0.1f;
    fs_dev_upload(b, h, sizeof(float) * n * n);
    free(h);
    fs_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n); /* warm up */
    device_sync(c);
    double best = 0;
    for (int rep = 0; rep < 3; rep++) {
        double t0 = fs_now_seconds();
        int it = 0;
        do {
            fs_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
            device_sync(c);
            it++;
        } while (fs_now_seconds() - t0 < window);
        double gf = 2.0 * n * n * (double)n * it / (fs_now_seconds() - t0) / 1e9;
        if (gf > best) best = gf;
    }
    fs_dev_free(a), fs_dev_free(b), fs_dev_free(c);
    return best;
}

static double sgemm_gflops(void) { return sgemm_gflops_for(0.3); }

static long peak_rss_mib(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss / 1024;
}

typedef struct {
    double fwd_s, fb_s; /* seconds per batch */
    long arena_mib;
} result;

static int bench_one(fs_sg2 *g, int N, int do_bwd, double min_time, result *r, fs_err *err) {
    const fs_sg2_config *c = &g->cfg;
    fs_sg2_acts *a = NULL;
    fs_sg2_grads *gr = NULL;
    if (fs_sg2_acts_create(&a, g, N, err)) return FS_ERR;
    long nws = (long)N * c->num_ws * c->w_dim, nimg = (long)N * c->img_channels * c->resolution * c->resolution;
    /* inputs made on the host, uploaded once: ws, dimg (and dws) live on the device */
    float *hws = malloc(sizeof(float) * nws), *hdimg = malloc(sizeof(float) * nimg);
    float *ws = fs_dev_alloc_f32(nws, NULL), *dws = fs_dev_alloc_f32(nws, NULL), *dimg = fs_dev_alloc_f32(nimg, NULL);
    if (!hws || !hdimg || !ws || !dws || !dimg || (do_bwd && fs_sg2_grads_create(&gr, g, err))) {
        free(hws), free(hdimg), fs_dev_free(ws), fs_dev_free(dws), fs_dev_free(dimg);
        fs_sg2_acts_destroy(a);
        return fs_errorf(err, "bench: out of memory");
    }
    for (long i = 0; i < nws; i++) hws[i] = (float)((i * 2654435761u) % 1000) / 500.0f - 1.0f;
    for (long i = 0; i < nimg; i++) hdimg[i] = (float)((i * 40503u) % 1000) / 5e5f;
    fs_dev_upload(ws, hws, sizeof(float) * nws);
    fs_dev_upload(dimg, hdimg, sizeof(float) * nimg);
    free(hws), free(hdimg);
    fs_sg2_opts o = fs_sg2_opts_default();
    r->arena_mib = fs_sg2_acts_bytes(a) >> 20;
    /* forward */
    fs_sg2_synthesis_forward(g, a, ws, &o); /* warm-up */
    device_sync(a->img);
    double t0 = fs_now_seconds();
    int it = 0;
    do {
        fs_sg2_synthesis_forward(g, a, ws, &o);
        device_sync(a->img);
        it++;
    } while (fs_now_seconds() - t0 < min_time);
    r->fwd_s = (fs_now_seconds() - t0) / it;
    r->fb_s = 0;
    if (do_bwd) {
        t0 = fs_now_seconds();
        it = 0;
        do {
            fs_sg2_synthesis_forward(g, a, ws, &o);
            fs_sg2_synthesis_backward(g, a, dimg, dws, gr, NULL);
            device_sync(dws);
            it++;
        } while (fs_now_seconds() - t0 < min_time);
        r->fb_s = (fs_now_seconds() - t0) / it;
    }
    fs_dev_free(ws), fs_dev_free(dws), fs_dev_free(dimg);
    fs_sg2_grads_destroy(gr);
    fs_sg2_acts_destroy(a);
    return FS_OK;
}

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch bench generator [--quick] [--res R]... [--batch N]... [--min-time S]\n"
            "\n"
            "StyleGAN2 synthesis speed with the official FFHQ channel table (512 up to 64x64, then 256, 128, 64,\n"
            "32), z = w = 512, random weights, noise const. For each resolution and batch: images/s of the\n"
            "forward and of forward + backward (gradients of ws and of every synthesis weight), the activation\n"
            "arena, and end-to-end GFLOP/s (forward = convolutions + affines; backward counted as 2x forward)\n"
            "as a fraction of the SGEMM GFLOP/s measured in the same run (before, and again after each row for\n"
            "about as long; the best baseline seen so far is used, so a busy machine lowers the ratios rather than\n"
            "inflating them). Peak RSS at the end.\n"
            "\n"
            "  --quick        256x256, batch 1 only (about a minute on 2 cores)\n"
            "  --res R        resolution to run (repeatable; default 256 and 1024)\n"
            "  --batch N      batch size to run (repeatable; default 1 and 4)\n"
            "  --min-time S   seconds per measurement (default 2; at least one iteration)\n"
            "  --no-backward  forward only\n"
            "\n"
            "On a device (--device cuda, --precision tf32|bf16) the same rows come from the GPU, the SGEMM\n"
            "baseline is the device's (cuBLAS, 4096^3) and every timing waits for the device to finish.\n"
            "\n"
            "Example: facestitch --threads 2 bench generator --quick\n"
            "         facestitch bench generator --device cuda --res 1024 --batch 1 --batch 8\n");
}

int fs_bench_generator(int argc, char **argv, fs_err *err) {
    int res_list[8], nres = 0, batch_list[8], nbatch = 0, quick = 0, do_bwd = 1;
    double min_time = 2.0;
    static const struct option lo[] = {{"quick", no_argument, 0, 'q'},      {"res", required_argument, 0, 'r'},
                                       {"batch", required_argument, 0, 'b'}, {"min-time", required_argument, 0, 't'},
                                       {"no-backward", no_argument, 0, 'n'}, {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", lo, NULL)) != -1) {
        char *end;
        long v;
        switch (ch) {
        case 'h': usage(stdout); return 0;
        case 'q': quick = 1; break;
        case 'n': do_bwd = 0; break;
        case 'r':
            v = strtol(optarg, &end, 10);
            if (*end || v < 8 || v > 4096 || (v & (v - 1)) || nres >= 8)
                return fs__bench_usage(err, "--res needs a power of two from 8 to 4096");
            res_list[nres++] = (int)v;
            break;
        case 'b':
            v = strtol(optarg, &end, 10);
            if (*end || v < 1 || v > 64 || nbatch >= 8)
                return fs__bench_usage(err, "--batch needs a number from 1 to 64");
            batch_list[nbatch++] = (int)v;
            break;
        case 't':
            min_time = strtod(optarg, &end);
            if (*end || !(min_time >= 0) || min_time > 600)
                return fs__bench_usage(err, "--min-time needs seconds (0..600)");
            break;
        default: return fs__bench_usage(err, "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (quick) {
        if (!nres) res_list[nres++] = 256;
        if (!nbatch) batch_list[nbatch++] = 1;
    }
    if (!nres) res_list[nres++] = 256, res_list[nres++] = 1024;
    if (!nbatch) batch_list[nbatch++] = 1, batch_list[nbatch++] = 4;
    fs_gemm_cpu_init();
    double sg = sgemm_gflops();
    char dev[256];
    printf("device %s, precision %s\n", fs_device_describe(dev, sizeof dev), fs_precision_name(fs_precision_get()));
    printf("threads %d, SGEMM %d^3: %.1f GFLOP/s\n", fs_threads_count(), fs_dev_is_host() ? 1024 : 4096, sg);
    printf("%-6s %-5s %10s %10s %12s %12s %10s %10s %8s\n", "res", "batch", "fwd img/s", "f+b img/s", "fwd GFLOP/s",
           "f+b GFLOP/s", "fwd/sgemm", "f+b/sgemm", "arenaMiB");
    double last_ratio = 0;
    for (int i = 0; i < nres; i++) {
        int R = res_list[i], nb = 0, chans[FS_SG2_MAX_BLOCKS];
        while ((4 << nb) < R) nb++;
        for (int b = 0; b <= nb; b++) {
            int c = 32768 / (4 << b);
            chans[b] = c > 512 ? 512 : c;
        }
        fs_err e2 = {0};
        fs_sg2_config cfg;
        fs_sg2 *g = NULL;
        if (fs_sg2_config_init(&cfg, FS_SG2_LAYOUT_NVIDIA, R, 3, 512, 512, 8, chans, &e2) ||
            fs_sg2_create(&g, &cfg, &e2))
            return fs__bench_fail(err, &e2);
        fs_sg2_init_random(g, 1, 0.2f);
        double flops = fs_sg2_forward_flops(g);
        for (int j = 0; j < nbatch; j++) {
            int N = batch_list[j];
            result r = {0, 0, 0};
            if (bench_one(g, N, do_bwd, min_time, &r, &e2)) {
                fs_sg2_destroy(g);
                return fs__bench_fail(err, &e2);
            }
            /* SGEMM again right after, for about as long: on a busy machine both sides see the same load */
            double w = (r.fwd_s + r.fb_s) / 3;
            double sg_row = sgemm_gflops_for(w < 0.3 ? 0.3 : w > 3 ? 3 : w);
            if (sg_row > sg) sg = sg_row; /* the best baseline seen so far (conservative ratios) */
            double gf = flops * N / r.fwd_s / 1e9, gfb = do_bwd ? 3 * flops * N / r.fb_s / 1e9 : 0;
            printf("%-6d %-5d %10.3f %10.3f %12.1f %12.1f %10.2f %10.2f %8ld  (sgemm %.1f)\n", R, N, N / r.fwd_s,
                   do_bwd ? N / r.fb_s : 0.0, gf, gfb, gf / sg, gfb / sg, r.arena_mib, sg);
            fflush(stdout);
            last_ratio = do_bwd ? gfb / sg : gf / sg;
        }
        printf("  (%dx%d: %.1f GFLOP per image forward, %.1f M parameters)\n", R, R, flops / 1e9, cfg.n_floats / 1e6);
        fs_sg2_destroy(g);
    }
    double sg2 = sgemm_gflops(); /* again at the end: on a busy machine keep the better baseline */
    if (sg2 > sg) {
        last_ratio *= sg / sg2;
        printf("SGEMM at the end: %.1f GFLOP/s (ratios above used %.1f; the last one is rescaled)\n", sg2, sg);
    }
    printf("peak RSS %ld MiB\n", peak_rss_mib());
    printf("generator_vs_sgemm=%.2f\n", last_ratio);
    return 0;
}
