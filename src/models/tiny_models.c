#include "models/tiny_models.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "core/fileio.h"
#include "core/rng.h"
#include "models/e4e.h"
#include "models/stylegan2.h"
#include "weights/safetensors.h"
#include "weights/torch.h"

/* ---- a tensor map filled with random values ---- */

typedef struct builder {
    fs_tensor_map *m;
    fs_rng rng;
    int failed;
    fs_err *err;
} builder;

/* kinds of initialisation */
enum { INIT_NORMAL, INIT_ONES, INIT_ZEROS, INIT_ABS, INIT_CONST };

static float *add(builder *b, const char *name, int ndim, const int64_t *shape, int init, float scale) {
    if (b->failed) return NULL;
    fs_tensor *t = fs_tensor_create(ndim, shape, b->err);
    if (!t) {
        b->failed = 1;
        return NULL;
    }
    snprintf(t->name, sizeof t->name, "%s", name);
    float *p = fs_tensor_f32(t);
    long n = (long)fs_tensor_numel(t);
    for (long i = 0; i < n; i++) {
        double g = fs_rng_normal(&b->rng);
        switch (init) {
        case INIT_NORMAL: p[i] = (float)(scale * g); break;
        case INIT_ONES: p[i] = (float)(1.0 + scale * g); break;
        case INIT_ZEROS: p[i] = 0; break;
        case INIT_ABS: p[i] = (float)(scale * fabs(g)); break;
        case INIT_CONST: p[i] = scale; break;
        }
    }
    if (fs_tensor_map_add(b->m, t, b->err)) b->failed = 1;
    return p;
}


/* conv weight with He-like scale */
static void conv_w(builder *b, const char *name, int co, int ci, int k) {
    int64_t s[4] = {co, ci, k, k};
    add(b, name, 4, s, INIT_NORMAL, (float)sqrt(2.0 / (ci * k * k)));
}

static void vec(builder *b, const char *name, int n, int init, float scale) {
    int64_t s[1] = {n};
    add(b, name, 1, s, init, scale);
}

/* BatchNorm in eval mode: weight ~1, bias ~0, running stats near (0, 1) */
static void bn(builder *b, const char *prefix, int c) {
    char n[256];
    snprintf(n, sizeof n, "%s.weight", prefix), vec(b, n, c, INIT_ONES, 0.1f);
    snprintf(n, sizeof n, "%s.bias", prefix), vec(b, n, c, INIT_NORMAL, 0.1f);
    snprintf(n, sizeof n, "%s.running_mean", prefix), vec(b, n, c, INIT_NORMAL, 0.1f);
    snprintf(n, sizeof n, "%s.running_var", prefix), vec(b, n, c, INIT_ONES, 0.0f);
}

static int finish(builder *b, const char *path, const char *kind, fs_err *err) {
    if (b->failed) {
        fs_tensor_map_destroy(b->m);
        return FS_ERR;
    }
    fs_tensor_map_set_meta(b->m, "format", "facestitch", err);
    fs_tensor_map_set_meta(b->m, "kind", kind, err);
    fs_tensor_map_set_meta(b->m, "version", "1", err);
    fs_tensor_map_set_meta(b->m, "note", "tiny random-weight test model (facestitch models init --tiny)", err);
    int rc = fs_safetensors_save(path, b->m, err);
    fs_tensor_map_destroy(b->m);
    return rc;
}

/* ---- the four networks ---- */

#define TINY_RES 64
#define TINY_W 64

static int write_generator(const char *path, uint32_t seed, float *w_avg_out, int *num_ws_out, fs_err *err) {
    fs_sg2_config cfg;
    int ch[5] = {64, 48, 32, 32, 16};
    if (fs_sg2_config_init(&cfg, FS_SG2_LAYOUT_NVIDIA, TINY_RES, 3, TINY_W, TINY_W, 2, ch, err)) return FS_ERR;
    fs_sg2 *g = NULL;
    if (fs_sg2_create(&g, &cfg, err)) return FS_ERR;
    fs_sg2_init_random(g, seed, 0.2f);
    /* w_avg = mean mapping output over 256 z (like the official tracking of w_avg) */
    enum { NZ = 256 };
    float *z = malloc(sizeof(float) * NZ * TINY_W), *ws = malloc(sizeof(float) * NZ * cfg.num_ws * TINY_W);
    if (!z || !ws) {
        free(z), free(ws);
        fs_sg2_destroy(g);
        return fs_errorf(err, "out of memory");
    }
    fs_rng r;
    fs_rng_seed(&r, seed + 1);
    fs_rng_normal_f32(&r, z, NZ * TINY_W);
    int rc = fs_sg2_mapping_forward(g, ws, z, NZ, 1.0f, 0, err);
    if (!rc) {
        for (int i = 0; i < TINY_W; i++) {
            double s = 0;
            for (int n = 0; n < NZ; n++) s += ws[(size_t)n * cfg.num_ws * TINY_W + i];
            g->p.w_avg[i] = (float)(s / NZ);
            w_avg_out[i] = g->p.w_avg[i];
        }
        *num_ws_out = cfg.num_ws;
        /* scale the ToRGB layers (the image is linear in their weights and biases) so renders
           have a standard deviation of about 0.5, like a trained generator's [-1, 1] images */
        fs_sg2_acts *a = NULL;
        rc = fs_sg2_acts_create(&a, g, 8, err);
        if (!rc) {
            fs_sg2_opts so = fs_sg2_opts_default();
            fs_sg2_synthesis_forward(g, a, ws, &so);
            long n = 8L * 3 * TINY_RES * TINY_RES;
            double s1 = 0, s2 = 0;
            for (long i = 0; i < n; i++) s1 += a->img[i], s2 += (double)a->img[i] * a->img[i];
            double sd = sqrt(fmax(s2 / n - (s1 / n) * (s1 / n), 1e-12));
            float k = (float)(0.5 / sd);
            for (int l = 0; l < cfg.n_layers; l++) {
                if (cfg.layers[l].kind != FS_SG2_TORGB) continue;
                const fs_sg2_layer_info *li = &cfg.layers[l];
                for (long i = 0; i < (long)li->C_out * li->C_in * li->K * li->K; i++) g->p.layer[l].weight[i] *= k;
                for (int i = 0; i < li->C_out; i++) g->p.layer[l].bias[i] *= k;
            }
            fs_sg2_acts_destroy(a);
        }
        fs_tensor_map *m = NULL;
        if (!rc) rc = fs_sg2_to_map(g, &m, err);
        if (rc) m = NULL;
        if (!rc) {
            fs_tensor_map_set_meta(m, "note", "tiny random-weight test model (facestitch models init --tiny)", err);
            rc = fs_safetensors_save(path, m, err);
            fs_tensor_map_destroy(m);
        }
    }
    free(z), free(ws);
    fs_sg2_destroy(g);
    return rc;
}

/* e4e: input layer, 4 stages of IR-SE units (3,4,14,3 as IR-SE-50), FPN, num_ws style blocks */
static int write_encoder(const char *path, uint32_t seed, const float *w_avg, int num_ws, fs_err *err) {
    builder b = {.m = fs_tensor_map_create(), .err = err};
    fs_rng_seed(&b.rng, seed);
    const int stage_units[4] = {3, 4, 14, 3};
    const int widths[4] = {16, 24, 32, TINY_W};
    char n[256];
    conv_w(&b, "encoder.input_layer.0.weight", widths[0], 3, 3);
    bn(&b, "encoder.input_layer.1", widths[0]);
    vec(&b, "encoder.input_layer.2.weight", widths[0], INIT_CONST, 0.25f);
    int unit = 0, cin = widths[0];
    for (int s = 0; s < 4; s++) {
        for (int u = 0; u < stage_units[s]; u++, unit++) {
            int d = widths[s];
            snprintf(n, sizeof n, "encoder.body.%d.res_layer.0", unit), bn(&b, n, cin);
            snprintf(n, sizeof n, "encoder.body.%d.res_layer.1.weight", unit), conv_w(&b, n, d, cin, 3);
            snprintf(n, sizeof n, "encoder.body.%d.res_layer.2.weight", unit), vec(&b, n, d, INIT_CONST, 0.25f);
            snprintf(n, sizeof n, "encoder.body.%d.res_layer.3.weight", unit), conv_w(&b, n, d, d, 3);
            snprintf(n, sizeof n, "encoder.body.%d.res_layer.4", unit), bn(&b, n, d);
            int r = d / 16 > 0 ? d / 16 : 1;
            snprintf(n, sizeof n, "encoder.body.%d.res_layer.5.fc1.weight", unit), conv_w(&b, n, r, d, 1);
            snprintf(n, sizeof n, "encoder.body.%d.res_layer.5.fc2.weight", unit), conv_w(&b, n, d, r, 1);
            if (cin != d) {
                snprintf(n, sizeof n, "encoder.body.%d.shortcut_layer.0.weight", unit), conv_w(&b, n, d, cin, 1);
                snprintf(n, sizeof n, "encoder.body.%d.shortcut_layer.1", unit), bn(&b, n, d);
            }
            cin = d;
        }
    }
    int c3 = widths[3];
    conv_w(&b, "encoder.latlayer1.weight", c3, widths[2], 1);
    vec(&b, "encoder.latlayer1.bias", c3, INIT_NORMAL, 0.01f);
    conv_w(&b, "encoder.latlayer2.weight", c3, widths[1], 1);
    vec(&b, "encoder.latlayer2.bias", c3, INIT_NORMAL, 0.01f);
    for (int i = 0; i < num_ws; i++) {
        int spatial = i < 3 ? 16 : i < 7 ? 32 : 64;
        int nconv = (int)lround(log2(spatial));
        for (int c = 0; c < nconv; c++) {
            snprintf(n, sizeof n, "encoder.styles.%d.convs.%d.weight", i, 2 * c), conv_w(&b, n, c3, c3, 3);
            snprintf(n, sizeof n, "encoder.styles.%d.convs.%d.bias", i, 2 * c), vec(&b, n, c3, INIT_NORMAL, 0.01f);
        }
        int64_t ls[2] = {TINY_W, c3};
        snprintf(n, sizeof n, "encoder.styles.%d.linear.weight", i), add(&b, n, 2, ls, INIT_NORMAL, 0.05f);
        snprintf(n, sizeof n, "encoder.styles.%d.linear.bias", i), vec(&b, n, TINY_W, INIT_ZEROS, 0);
    }
    int64_t la[2] = {num_ws, TINY_W};
    float *lat = add(&b, "latent_avg", 2, la, INIT_ZEROS, 0);
    if (lat)
        for (int l = 0; l < num_ws; l++) memcpy(lat + (size_t)l * TINY_W, w_avg, sizeof(float) * TINY_W);
    /* calibrate: scale the style heads so the codes (offsets from latent_avg) of a smooth test
       image have an RMS of about 0.3, like a trained e4e's */
    if (!b.failed) {
        fs_e4e *e = NULL;
        float *x = malloc(sizeof(float) * 3 * 256 * 256), *codes = malloc(sizeof(float) * (size_t)num_ws * TINY_W);
        int ok = x && codes && fs_e4e_create(&e, b.m, 0, err) == FS_OK;
        for (int i = 0; ok && i < 3 * 256 * 256; i++) {
            int ch = i / 65536, y = (i / 256) % 256, xx = i % 256;
            x[i] = (float)(0.8 * sin(0.05 * (xx + 17 * ch)) * cos(0.031 * y));
        }
        if (ok) ok = fs_e4e_encode(e, x, 1, 256, 256, codes, 0, NULL, NULL, err) == FS_OK;
        fs_e4e_destroy(e);
        if (ok) {
            double s2 = 0;
            for (int i = 0; i < num_ws * TINY_W; i++) s2 += (double)codes[i] * codes[i];
            double rms = sqrt(s2 / (num_ws * TINY_W));
            float k = rms > 0 ? (float)(0.3 / rms) : 1.0f;
            for (int i = 0; i < num_ws; i++) {
                snprintf(n, sizeof n, "encoder.styles.%d.linear.weight", i);
                fs_tensor *t = fs_tensor_map_get_mut(b.m, n);
                float *w = fs_tensor_f32(t);
                for (long j = 0; j < fs_tensor_numel(t); j++) w[j] *= k;
            }
        } else {
            b.failed = 1;
        }
        free(x), free(codes);
    }
    return finish(&b, path, "e4e", err);
}

static int write_lpips(const char *path, uint32_t seed, fs_err *err) {
    builder b = {.m = fs_tensor_map_create(), .err = err};
    fs_rng_seed(&b.rng, seed);
    /* alexnet features: conv idx, out, in, kernel */
    const int idx[5] = {0, 3, 6, 8, 10}, co[5] = {16, 48, 96, 64, 64}, ci[5] = {3, 16, 48, 96, 64},
              k[5] = {11, 5, 3, 3, 3};
    char n[128];
    for (int i = 0; i < 5; i++) {
        snprintf(n, sizeof n, "features.%d.weight", idx[i]), conv_w(&b, n, co[i], ci[i], k[i]);
        snprintf(n, sizeof n, "features.%d.bias", idx[i]), vec(&b, n, co[i], INIT_NORMAL, 0.01f);
        int64_t s[4] = {1, co[i], 1, 1};
        snprintf(n, sizeof n, "lin%d.model.1.weight", i), add(&b, n, 4, s, INIT_ABS, 0.1f);
    }
    int64_t s3[4] = {1, 3, 1, 1};
    float *shift = add(&b, "scaling_layer.shift", 4, s3, INIT_ZEROS, 0);
    float *scale = add(&b, "scaling_layer.scale", 4, s3, INIT_ZEROS, 0);
    if (shift && scale) {
        const float sh[3] = {-.030f, -.088f, -.188f}, sc[3] = {.458f, .448f, .450f};
        memcpy(shift, sh, sizeof sh), memcpy(scale, sc, sizeof sc);
    }
    fs_tensor_map_set_meta(b.m, "net", "alex", err);
    return finish(&b, path, "lpips", err);
}

static void cbr(builder *b, const char *prefix, int co, int ci, int k) {
    char n[256];
    snprintf(n, sizeof n, "%s.conv.weight", prefix), conv_w(b, n, co, ci, k);
    snprintf(n, sizeof n, "%s.bn", prefix), bn(b, n, co);
}

static int write_parser(const char *path, uint32_t seed, fs_err *err) {
    builder b = {.m = fs_tensor_map_create(), .err = err};
    fs_rng_seed(&b.rng, seed);
    const int w[4] = {8, 16, 32, 64};
    char n[256];
    conv_w(&b, "cp.resnet.conv1.weight", w[0], 3, 7);
    bn(&b, "cp.resnet.bn1", w[0]);
    int cin = w[0];
    for (int l = 0; l < 4; l++) {
        for (int k = 0; k < 2; k++) {
            int in = k == 0 ? cin : w[l];
            snprintf(n, sizeof n, "cp.resnet.layer%d.%d.conv1.weight", l + 1, k), conv_w(&b, n, w[l], in, 3);
            snprintf(n, sizeof n, "cp.resnet.layer%d.%d.bn1", l + 1, k), bn(&b, n, w[l]);
            snprintf(n, sizeof n, "cp.resnet.layer%d.%d.conv2.weight", l + 1, k), conv_w(&b, n, w[l], w[l], 3);
            snprintf(n, sizeof n, "cp.resnet.layer%d.%d.bn2", l + 1, k), bn(&b, n, w[l]);
            if (k == 0 && in != w[l]) {
                snprintf(n, sizeof n, "cp.resnet.layer%d.0.downsample.0.weight", l + 1), conv_w(&b, n, w[l], in, 1);
                snprintf(n, sizeof n, "cp.resnet.layer%d.0.downsample.1", l + 1), bn(&b, n, w[l]);
            }
        }
        cin = w[l];
    }
    int cp = 16;
    cbr(&b, "cp.arm16.conv", cp, w[2], 3);
    conv_w(&b, "cp.arm16.conv_atten.weight", cp, cp, 1);
    bn(&b, "cp.arm16.bn_atten", cp);
    cbr(&b, "cp.arm32.conv", cp, w[3], 3);
    conv_w(&b, "cp.arm32.conv_atten.weight", cp, cp, 1);
    bn(&b, "cp.arm32.bn_atten", cp);
    cbr(&b, "cp.conv_avg", cp, w[3], 1);
    cbr(&b, "cp.conv_head16", cp, cp, 3);
    cbr(&b, "cp.conv_head32", cp, cp, 3);
    int ffm = 32, fin = w[1] + cp;
    cbr(&b, "ffm.convblk", ffm, fin, 1);
    conv_w(&b, "ffm.conv1.weight", ffm / 4, ffm, 1);
    conv_w(&b, "ffm.conv2.weight", ffm, ffm / 4, 1);
    cbr(&b, "conv_out.conv", ffm, ffm, 3);
    conv_w(&b, "conv_out.conv_out.weight", 19, ffm, 1);
    cbr(&b, "conv_out16.conv", 8, cp, 3);
    conv_w(&b, "conv_out16.conv_out.weight", 19, 8, 1);
    cbr(&b, "conv_out32.conv", 8, cp, 3);
    conv_w(&b, "conv_out32.conv_out.weight", 19, 8, 1);
    return finish(&b, path, "bisenet", err);
}

static int write_direction(const char *path, uint32_t seed, int num_ws, float norm, fs_err *err) {
    float *d = malloc(sizeof(float) * (size_t)num_ws * TINY_W);
    if (!d) return fs_errorf(err, "out of memory");
    fs_rng r;
    fs_rng_seed(&r, seed);
    double s = 0;
    for (int i = 0; i < TINY_W; i++) {
        d[i] = (float)fs_rng_normal(&r);
        s += (double)d[i] * d[i];
    }
    for (int i = 0; i < TINY_W; i++) d[i] = (float)(d[i] * norm / sqrt(s));
    for (int l = 1; l < num_ws; l++) memcpy(d + (size_t)l * TINY_W, d, sizeof(float) * TINY_W);
    int64_t shape[2] = {num_ws, TINY_W};
    int rc = fs_npy_write_f32(path, d, 2, shape, err);
    free(d);
    return rc;
}

int fs_tiny_models_write(const char *dir, uint32_t seed, fs_err *err) {
    char p[FS_PATH_MAX];
    float w_avg[TINY_W];
    int num_ws = 0;
    if (fs_mkdirs(dir, err)) return FS_ERR;
    if (fs_path_join(p, sizeof p, dir, "directions", err)) return FS_ERR;
    if (fs_mkdirs(p, err)) return FS_ERR;
    if (fs_path_join(p, sizeof p, dir, "generator.safetensors", err)) return FS_ERR;
    if (write_generator(p, seed, w_avg, &num_ws, err)) return FS_ERR;
    if (fs_path_join(p, sizeof p, dir, "encoder.safetensors", err)) return FS_ERR;
    if (write_encoder(p, seed + 10, w_avg, num_ws, err)) return FS_ERR;
    if (fs_path_join(p, sizeof p, dir, "lpips.safetensors", err)) return FS_ERR;
    if (write_lpips(p, seed + 20, err)) return FS_ERR;
    if (fs_path_join(p, sizeof p, dir, "parser.safetensors", err)) return FS_ERR;
    if (write_parser(p, seed + 30, err)) return FS_ERR;
    if (fs_path_join(p, sizeof p, dir, "directions/age.npy", err)) return FS_ERR;
    if (write_direction(p, seed + 40, num_ws, 0.731f, err)) return FS_ERR;
    if (fs_path_join(p, sizeof p, dir, "directions/smile.npy", err)) return FS_ERR;
    if (write_direction(p, seed + 50, num_ws, 1.007f, err)) return FS_ERR;
    return FS_OK;
}
