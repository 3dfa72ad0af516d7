/* bench_networks.c — `facestitch bench networks`: images/s of e4e (256²), LPIPS alex (256², forward
 * and forward+backward) and BiSeNet (512²) with random weights at the real architectures' sizes,
 * each also given as a ratio to one 1024³ SGEMM measured in the same run. */
#include <getopt.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bench.h"
#include "core/log.h"
#include "core/threads.h"
#include "models/bisenet.h"
#include "models/e4e.h"
#include "models/lpips.h"
#include "tensor/gemm.h"
#include "weights/tensormap.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch [--threads N] bench networks [--quick] [--repeat R] [--batch B]\n"
            "\n"
            "Images per second of the three helper networks of STIT, with random weights at the real\n"
            "architectures' sizes (what the official checkpoints hold):\n"
            "  e4e        IR-SE-50 encoder (64..512 channels, 18 style blocks of 512), 256x256 input\n"
            "  lpips      AlexNet trunk (64,192,384,256,256), 256x256: forward, and forward + d/dA (PTI)\n"
            "  bisenet    ResNet-18 face parser, 512x512 input\n"
            "Each line also gives the time per image divided by the time of one 1024x1024x1024 SGEMM\n"
            "measured in the same run (sgemm_units), a figure that compares across machines.\n"
            "\n"
            "Options:\n"
            "  --quick      one timed run each, BiSeNet at 256x256, e4e skipped (a few seconds)\n"
            "  --repeat R   timed runs per figure, the best is kept (default 3)\n"
            "  --batch B    images per call (default 1, as STIT runs them)\n"
            "  -h, --help   this help\n"
            "\n"
            "Examples:\n"
            "  facestitch bench networks\n"
            "  facestitch --threads 1 bench networks --quick\n");
}

/* ---- random models in the official layouts ---- */
typedef struct builder {
    fs_tensor_map *m;
    unsigned seed;
    int failed;
} builder;

enum { W_HE, W_ONE, W_ZERO, W_CONST };

static float urand(unsigned *s) {
    *s = *s * 1664525u + 1013904223u;
    return ((*s >> 8) * (1.0f / 16777216.0f)) - 0.5f;
}

static void add(builder *b, const char *name, int init, float v, int ndim, int64_t d0, int64_t d1, int64_t d2,
                int64_t d3) {
    if (b->failed) return;
    int64_t shape[4] = {d0, d1, d2, d3};
    fs_err err = {0};
    fs_tensor *t = fs_tensor_create(ndim, shape, &err);
    if (!t) {
        b->failed = 1;
        return;
    }
    snprintf(t->name, sizeof t->name, "%.120s", name);
    float *p = t->data;
    long n = (long)fs_tensor_numel(t), fan_in = 1;
    for (int i = 1; i < ndim; i++) fan_in *= shape[i];
    float sc = init == W_HE ? sqrtf(6.0f / (float)fan_in) * 2.0f : 0.0f; /* uniform, He variance */
    for (long i = 0; i < n; i++)
        p[i] = init == W_HE ? sc * urand(&b->seed) : init == W_ONE ? 1.0f : init == W_CONST ? v : 0.0f;
    if (fs_tensor_map_add(b->m, t, &err)) b->failed = 1;
}

static void addf(builder *b, int init, float v, int ndim, int64_t d0, int64_t d1, int64_t d2, int64_t d3,
                 const char *fmt, ...) __attribute__((format(printf, 9, 10)));
static void addf(builder *b, int init, float v, int ndim, int64_t d0, int64_t d1, int64_t d2, int64_t d3,
                 const char *fmt, ...) {
    char name[120];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    add(b, name, init, v, ndim, d0, d1, d2, d3);
}

static void bn(builder *b, const char *prefix, int C) {
    addf(b, W_ZERO, 0, 1, C, 0, 0, 0, "%s.running_mean", prefix);
    addf(b, W_ONE, 0, 1, C, 0, 0, 0, "%s.running_var", prefix);
    addf(b, W_ONE, 0, 1, C, 0, 0, 0, "%s.weight", prefix);
    addf(b, W_ZERO, 0, 1, C, 0, 0, 0, "%s.bias", prefix);
}

static fs_tensor_map *make_lpips_alex(void) {
    builder b = {fs_tensor_map_create(), 1, 0};
    static const int idx[5] = {0, 3, 6, 8, 10}, cout[5] = {64, 192, 384, 256, 256}, k[5] = {11, 5, 3, 3, 3};
    int cin = 3;
    for (int i = 0; i < 5; i++) {
        addf(&b, W_HE, 0, 4, cout[i], cin, k[i], k[i], "features.%d.weight", idx[i]);
        addf(&b, W_ZERO, 0, 1, cout[i], 0, 0, 0, "features.%d.bias", idx[i]);
        addf(&b, W_CONST, 0.1f, 4, 1, cout[i], 1, 1, "lin%d.model.1.weight", i);
        cin = cout[i];
    }
    if (b.failed) {
        fs_tensor_map_destroy(b.m);
        return NULL;
    }
    return b.m;
}

static void cbr(builder *b, const char *prefix, int cout, int cin, int k) {
    addf(b, W_HE, 0, 4, cout, cin, k, k, "%s.conv.weight", prefix);
    char p[160];
    snprintf(p, sizeof p, "%s.bn", prefix);
    bn(b, p, cout);
}

static fs_tensor_map *make_bisenet(void) {
    builder b = {fs_tensor_map_create(), 2, 0};
    char p[160];
    addf(&b, W_HE, 0, 4, 64, 3, 7, 7, "cp.resnet.conv1.weight");
    bn(&b, "cp.resnet.bn1", 64);
    int cin = 64;
    for (int l = 1; l <= 4; l++) {
        int c = 64 << (l - 1);
        for (int k = 0; k < 2; k++) {
            addf(&b, W_HE, 0, 4, c, k ? c : cin, 3, 3, "cp.resnet.layer%d.%d.conv1.weight", l, k);
            snprintf(p, sizeof p, "cp.resnet.layer%d.%d.bn1", l, k);
            bn(&b, p, c);
            addf(&b, W_HE, 0, 4, c, c, 3, 3, "cp.resnet.layer%d.%d.conv2.weight", l, k);
            snprintf(p, sizeof p, "cp.resnet.layer%d.%d.bn2", l, k);
            bn(&b, p, c);
            if (k == 0 && l > 1) {
                addf(&b, W_HE, 0, 4, c, cin, 1, 1, "cp.resnet.layer%d.0.downsample.0.weight", l);
                snprintf(p, sizeof p, "cp.resnet.layer%d.0.downsample.1", l);
                bn(&b, p, c);
            }
        }
        cin = c;
    }
    cbr(&b, "cp.arm16.conv", 128, 256, 3);
    addf(&b, W_HE, 0, 4, 128, 128, 1, 1, "cp.arm16.conv_atten.weight");
    bn(&b, "cp.arm16.bn_atten", 128);
    cbr(&b, "cp.arm32.conv", 128, 512, 3);
    addf(&b, W_HE, 0, 4, 128, 128, 1, 1, "cp.arm32.conv_atten.weight");
    bn(&b, "cp.arm32.bn_atten", 128);
    cbr(&b, "cp.conv_head32", 128, 128, 3);
    cbr(&b, "cp.conv_head16", 128, 128, 3);
    cbr(&b, "cp.conv_avg", 128, 512, 1);
    cbr(&b, "ffm.convblk", 256, 256, 1);
    addf(&b, W_HE, 0, 4, 64, 256, 1, 1, "ffm.conv1.weight");
    addf(&b, W_HE, 0, 4, 256, 64, 1, 1, "ffm.conv2.weight");
    cbr(&b, "conv_out.conv", 256, 256, 3);
    addf(&b, W_HE, 0, 4, 19, 256, 1, 1, "conv_out.conv_out.weight");
    if (b.failed) {
        fs_tensor_map_destroy(b.m);
        return NULL;
    }
    return b.m;
}

static fs_tensor_map *make_e4e(void) {
    builder b = {fs_tensor_map_create(), 3, 0};
    char p[160];
    addf(&b, W_HE, 0, 4, 64, 3, 3, 3, "encoder.input_layer.0.weight");
    bn(&b, "encoder.input_layer.1", 64);
    addf(&b, W_CONST, 0.25f, 1, 64, 0, 0, 0, "encoder.input_layer.2.weight");
    static const int depth[4] = {64, 128, 256, 512}, units[4] = {3, 4, 14, 3};
    int u = 0, cin = 64;
    for (int s = 0; s < 4; s++)
        for (int k = 0; k < units[s]; k++, u++) {
            int d = depth[s], in = k ? d : cin;
            snprintf(p, sizeof p, "encoder.body.%d.res_layer.0", u);
            bn(&b, p, in);
            addf(&b, W_HE, 0, 4, d, in, 3, 3, "encoder.body.%d.res_layer.1.weight", u);
            addf(&b, W_CONST, 0.25f, 1, d, 0, 0, 0, "encoder.body.%d.res_layer.2.weight", u);
            addf(&b, W_HE, 0, 4, d, d, 3, 3, "encoder.body.%d.res_layer.3.weight", u);
            snprintf(p, sizeof p, "encoder.body.%d.res_layer.4", u);
            bn(&b, p, d);
            addf(&b, W_HE, 0, 4, d / 16, d, 1, 1, "encoder.body.%d.res_layer.5.fc1.weight", u);
            addf(&b, W_HE, 0, 4, d, d / 16, 1, 1, "encoder.body.%d.res_layer.5.fc2.weight", u);
            if (k == 0 && in != d) {
                addf(&b, W_HE, 0, 4, d, in, 1, 1, "encoder.body.%d.shortcut_layer.0.weight", u);
                snprintf(p, sizeof p, "encoder.body.%d.shortcut_layer.1", u);
                bn(&b, p, d);
            }
            if (k == units[s] - 1) cin = d;
        }
    addf(&b, W_HE, 0, 4, 512, 256, 1, 1, "encoder.latlayer1.weight");
    addf(&b, W_ZERO, 0, 1, 512, 0, 0, 0, "encoder.latlayer1.bias");
    addf(&b, W_HE, 0, 4, 512, 128, 1, 1, "encoder.latlayer2.weight");
    addf(&b, W_ZERO, 0, 1, 512, 0, 0, 0, "encoder.latlayer2.bias");
    for (int i = 0; i < 18; i++) {
        int nconv = i < 3 ? 4 : i < 7 ? 5 : 6;
        for (int k = 0; k < nconv; k++) {
            addf(&b, W_HE, 0, 4, 512, 512, 3, 3, "encoder.styles.%d.convs.%d.weight", i, 2 * k);
            addf(&b, W_ZERO, 0, 1, 512, 0, 0, 0, "encoder.styles.%d.convs.%d.bias", i, 2 * k);
        }
        addf(&b, W_HE, 0, 2, 512, 512, 0, 0, "encoder.styles.%d.linear.weight", i);
        addf(&b, W_ZERO, 0, 1, 512, 0, 0, 0, "encoder.styles.%d.linear.bias", i);
    }
    addf(&b, W_ZERO, 0, 2, 18, 512, 0, 0, "latent_avg");
    if (b.failed) {
        fs_tensor_map_destroy(b.m);
        return NULL;
    }
    return b.m;
}

/* ---- timing ---- */
static double sgemm_seconds(void) {
    const int n = 1024;
    float *a = malloc(sizeof(float) * n * n), *b = malloc(sizeof(float) * n * n), *c = malloc(sizeof(float) * n * n);
    if (!a || !b || !c) {
        free(a), free(b), free(c);
        return NAN;
    }
    unsigned s = 9;
    for (long i = 0; i < (long)n * n; i++) a[i] = urand(&s), b[i] = urand(&s);
    fs_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n); /* warm-up */
    double best = INFINITY;
    for (int r = 0; r < 3; r++) {
        double t0 = fs_now_seconds();
        fs_sgemm(0, 0, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n);
        double t = fs_now_seconds() - t0;
        if (t < best) best = t;
    }
    free(a), free(b), free(c);
    return best;
}

typedef int (*run_fn)(void *ctx, fs_err *err);

/* best time of `repeat` runs after one warm-up; NAN on error */
static double time_it(run_fn fn, void *ctx, int repeat, fs_err *err) {
    if (fn(ctx, err)) return NAN;
    double best = INFINITY;
    for (int r = 0; r < repeat; r++) {
        double t0 = fs_now_seconds();
        if (fn(ctx, err)) return NAN;
        double t = fs_now_seconds() - t0;
        if (t < best) best = t;
    }
    return best;
}

typedef struct net_ctx {
    const void *model;
    float *x, *y, *out, *grad;
    int N, H, W;
} net_ctx;

static int run_e4e(void *p, fs_err *err) {
    net_ctx *c = p;
    return fs_e4e_encode(c->model, c->x, c->N, c->H, c->W, c->out, 1, NULL, NULL, err);
}
static int run_lpips(void *p, fs_err *err) {
    net_ctx *c = p;
    return fs_lpips_distance(c->model, c->x, c->y, c->N, c->H, c->W, c->out, NULL, NULL, 1.0f, err);
}
static int run_lpips_bwd(void *p, fs_err *err) {
    net_ctx *c = p;
    return fs_lpips_distance(c->model, c->x, c->y, c->N, c->H, c->W, c->out, NULL, c->grad, 1.0f, err);
}
static int run_bisenet(void *p, fs_err *err) {
    net_ctx *c = p;
    return fs_bisenet_parse(c->model, c->x, c->N, c->H, c->W, c->out, err);
}

static int alloc_ctx(net_ctx *c, const void *model, int N, int H, int W, long out_per_image) {
    memset(c, 0, sizeof *c);
    c->model = model;
    c->N = N, c->H = H, c->W = W;
    long n = (long)N * 3 * H * W;
    c->x = malloc(sizeof(float) * (size_t)n);
    c->y = malloc(sizeof(float) * (size_t)n);
    c->grad = malloc(sizeof(float) * (size_t)n);
    c->out = malloc(sizeof(float) * (size_t)(N * out_per_image));
    if (!c->x || !c->y || !c->grad || !c->out) return FS_ERR;
    unsigned s = 5;
    for (long i = 0; i < n; i++) {
        c->x[i] = 2.0f * urand(&s);
        c->y[i] = c->x[i] + 0.2f * urand(&s);
    }
    return FS_OK;
}

static void free_ctx(net_ctx *c) {
    free(c->x), free(c->y), free(c->grad), free(c->out);
}

static void report(const char *what, int N, double t, double t_gemm) {
    if (isnan(t)) {
        printf("%-26s failed\n", what);
        return;
    }
    printf("%-26s %9.2f images/s  %8.1f ms/image  %7.2f sgemm_units\n", what, N / t, 1e3 * t / N,
           (t / N) / t_gemm);
}

int fs_bench_networks(int argc, char **argv, fs_err *err) {
    static const struct option opts[] = {{"quick", no_argument, 0, 'q'},
                                         {"repeat", required_argument, 0, 'r'},
                                         {"batch", required_argument, 0, 'b'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    int quick = 0, repeat = 3, batch = 1, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'q': quick = 1; break;
        case 'r':
        case 'b': {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (*end || end == optarg || v < 1 || v > 1000)
                return fs__bench_usage(err, "--%s needs a number from 1 to 1000", c == 'r' ? "repeat" : "batch");
            if (c == 'r') repeat = (int)v;
            else batch = (int)v;
            break;
        }
        case 'h': usage(stdout); return 0;
        default: return fs__bench_usage(err, "unknown or incomplete option '%s'", argv[optind - 1]);
        }
    }
    if (quick) repeat = 1;
    fs_err e2 = {0};
    double tg = sgemm_seconds();
    printf("threads %d, batch %d; baseline: 1024^3 SGEMM %.1f ms (%.1f GFLOP/s)\n", fs_threads_count(), batch,
           1e3 * tg, 2.0 * 1024 * 1024 * 1024 / tg * 1e-9);
    int rc = 0;
    net_ctx ctx;

    /* LPIPS alex at 256x256 */
    fs_tensor_map *m = make_lpips_alex();
    fs_lpips *lp = NULL;
    if (!m || fs_lpips_create(&lp, m, 1, &e2)) {
        fprintf(stderr, "facestitch: bench networks: lpips: %s\n", m ? e2.msg : "out of memory");
        return 1;
    }
    if (alloc_ctx(&ctx, lp, batch, 256, 256, 1) == FS_OK) {
        report("lpips-alex 256 forward", batch, time_it(run_lpips, &ctx, repeat, &e2), tg);
        report("lpips-alex 256 fwd+bwd", batch, time_it(run_lpips_bwd, &ctx, repeat, &e2), tg);
        if (!quick) {
            free_ctx(&ctx);
            if (alloc_ctx(&ctx, lp, 1, 1024, 1024, 1) == FS_OK)
                report("lpips-alex 1024 fwd+bwd", 1, time_it(run_lpips_bwd, &ctx, repeat, &e2), tg);
        }
    } else {
        rc = 1;
    }
    free_ctx(&ctx);
    fs_lpips_destroy(lp);

    /* BiSeNet at 512x512 (256 with --quick) */
    m = make_bisenet();
    fs_bisenet *bs = NULL;
    if (!m || fs_bisenet_create(&bs, m, 1, &e2)) {
        fprintf(stderr, "facestitch: bench networks: bisenet: %s\n", m ? e2.msg : "out of memory");
        return 1;
    }
    int S = quick ? 256 : 512;
    if (alloc_ctx(&ctx, bs, batch, S, S, 19L * S * S) == FS_OK) {
        char name[64];
        snprintf(name, sizeof name, "bisenet %d", S);
        report(name, batch, time_it(run_bisenet, &ctx, repeat, &e2), tg);
    } else {
        rc = 1;
    }
    free_ctx(&ctx);
    fs_bisenet_destroy(bs);

    /* e4e IR-SE-50 at 256x256 (about 1 GB of random weights) */
    if (!quick) {
        m = make_e4e();
        fs_e4e *e = NULL;
        if (!m || fs_e4e_create(&e, m, 1, &e2)) {
            fprintf(stderr, "facestitch: bench networks: e4e: %s\n", m ? e2.msg : "out of memory");
            return 1;
        }
        if (alloc_ctx(&ctx, e, batch, 256, 256, 18L * 512) == FS_OK)
            report("e4e 256", batch, time_it(run_e4e, &ctx, repeat, &e2), tg);
        else
            rc = 1;
        free_ctx(&ctx);
        fs_e4e_destroy(e);
    }
    if (e2.msg[0]) fprintf(stderr, "facestitch: bench networks: %s\n", e2.msg);
    return rc;
}
