/* cmd_generate.c — `facestitch generate`: render images from a StyleGAN2 generator, optionally with the
 * gradient of an L2 loss against a target (for parity checks). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/threads.h"
#include "image/image.h"
#include "models/stylegan2.h"
#include "weights/safetensors.h"

static void usage(FILE *fp) {
    fprintf(fp,
            "Usage: facestitch generate --model G [--seed N | --ws WS.safetensors] [options]\n"
            "\n"
            "Renders images with a StyleGAN2 generator ('skip' architecture, any resolution), computing exactly\n"
            "what the official PyTorch code computes (NVIDIA stylegan2-ada-pytorch or rosinality layout).\n"
            "\n"
            "Input (one of):\n"
            "  --seed N            z of image i = numpy RandomState(N+i).randn(1, z_dim), like the official\n"
            "                      gen_images.py --seeds N,N+1,... (default: seed 0)\n"
            "  --batch N           number of images for --seed (default 1): seeds N..N+batch-1\n"
            "  --ws FILE           safetensors with tensor 'ws' [N,num_ws,w_dim] (W+), or\n"
            "                      'w' [N,w_dim] (broadcast to every layer; truncation applies), or\n"
            "                      'z' [N,z_dim] (mapping + truncation apply), or per-layer styles (S space,\n"
            "                      the affine outputs): 'styles.b4.conv1', 'styles.b4.torgb', 'styles.b8.conv0', ...\n"
            "                      each [N,C_in] (the tensor names of the official fixtures' io files)\n"
            "\n"
            "Options:\n"
            "  --model G           generator weights: facestitch safetensors, NVIDIA .pkl / state_dict .pt,\n"
            "                      rosinality .pt, or their safetensors twins (required)\n"
            "  --trunc PSI         truncation w_avg + PSI (w - w_avg) on the ws rows (default 1 = none), applied\n"
            "                      to z, w and ws inputs alike (the official mapping truncates its broadcast ws)\n"
            "  --trunc-cutoff K    truncate only the first K ws rows (default: all)\n"
            "  --noise MODE        const (checkpoint noise buffers, default, as STIT), none, or random\n"
            "  --noise-seed S      random noise of image i is drawn from seed S+i (default 0)\n"
            "  --noise inject --noise-maps FILE\n"
            "                      noise maps from a safetensors file, one tensor per conv layer named like the\n"
            "                      layer ('synthesis.b8.conv0' or 'b8.conv0'), [N,1,res,res] or [N,res,res] (per\n"
            "                      image) or [res,res] / [1,1,res,res] (shared); a layer without a map gets none\n"
            "  -o, --out OUT.png   8-bit PNG, pixel = clamp(floor(x*127.5 + 128), 0, 255) like gen_images.py;\n"
            "                      several images are laid out in one grid (ceil(sqrt N) columns, row-major)\n"
            "  --raw OUT.st        safetensors: 'image' [N,C,H,W] float32 unclamped, plus the 'ws' used\n"
            "  --target T.st       with --grad: target image, tensor 'target' (or 'image') [N,C,H,W]\n"
            "  --grad OUT.st       gradients of L = mean((G(ws) - target)^2): 'ws' = dL/dws, dL/dparameter for\n"
            "                      every parameter under its canonical name (docs/canonical-names.md), 'loss';\n"
            "                      the mapping's are 0 unless it ran (z inputs, which also give 'z' = dL/dz);\n"
            "                      with styles inputs 'styles.*' = dL/dstyles instead of 'ws'\n"
            "  -h, --help          this help\n"
            "\n"
            "Examples:\n"
            "  facestitch generate --model ffhq.pkl --seed 42 -o face.png\n"
            "  facestitch generate --model ffhq.pkl --seed 0 --batch 16 --trunc 0.7 -o grid.png\n"
            "  facestitch generate --model G.safetensors --ws pivots.safetensors --raw out.safetensors\n"
            "  facestitch generate --model G.safetensors --ws ws.safetensors --target t.safetensors --grad g.safetensors\n");
}

static int parse_int(const char *s, long lo, long hi, long *out) {
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

/* Float tensor `name` (or NULL if absent) with its element count. */
static const fs_tensor *get_f32(const fs_tensor_map *m, const char *name) {
    const fs_tensor *t = fs_tensor_map_get(m, name);
    return t && t->dtype == FS_F32 ? t : NULL;
}

static int save_png(const float *img, int N, int C, int R, const char *path, fs_err *err) {
    if (C != 3 && C != 1) return fs_errorf(err, "%s: a %d-channel generator cannot be written as PNG (use --raw)", path, C);
    int cols = (int)ceil(sqrt((double)N)), rows = (N + cols - 1) / cols;
    fs_image *im = fs_image_create(cols * R, rows * R, err);
    if (!im) return FS_ERR;
    long HW = (long)R * R;
    for (int n = 0; n < N; n++) {
        int ox = (n % cols) * R, oy = (n / cols) * R;
        for (int y = 0; y < R; y++)
            for (int x = 0; x < R; x++) {
                uint8_t *px = fs_image_px(im, ox + x, oy + y);
                for (int c = 0; c < 3; c++) {
                    float v = img[((long)n * C + (C == 1 ? 0 : c)) * HW + (long)y * R + x] * 127.5f + 128.0f;
                    px[c] = (uint8_t)(v <= 0 ? 0 : v >= 255 ? 255 : (int)v);
                }
            }
    }
    int rc = fs_image_save_png(im, path, err);
    fs_image_destroy(im);
    return rc;
}

static int add_tensor(fs_tensor_map *m, const char *name, int ndim, const int64_t *shape, const float *data,
                      fs_err *err) {
    fs_tensor *t = fs_tensor_create(ndim, shape, err);
    if (!t) return FS_ERR;
    snprintf(t->name, sizeof t->name, "%s", name);
    memcpy(t->data, data, fs_tensor_nbytes(t));
    return fs_tensor_map_add(m, t, err);
}

static int set_meta(fs_tensor_map *m, const char *what, fs_err *err) {
    if (fs_tensor_map_set_meta(m, "format", "facestitch", err) || fs_tensor_map_set_meta(m, "kind", what, err) ||
        fs_tensor_map_set_meta(m, "version", "1", err))
        return FS_ERR;
    return FS_OK;
}

typedef struct {
    const char *model, *ws_path, *out, *raw, *target_path, *grad_path, *noise_maps;
    long seed, batch, cutoff, noise_seed;
    int have_seed;
    float psi;
    fs_sg2_noise noise;
} gen_opts;

/* The latents of --ws FILE: 'ws' [N,num_ws,w_dim] or 'w' [N,w_dim] (both truncated as the official
 * mapping does), per-layer S-space 'styles.*' [N,C_in] (views into *in) or 'z' [N,z_dim]. Fills *N
 * and one of *ws, *z or sty; clears *from_z unless z was read. The caller frees *in, *ws and *z. */
static int read_latents(const gen_opts *o, fs_sg2 *g, fs_tensor_map **in, float **ws, float **z, const float **sty,
                        long *N, int *from_z, int *from_styles, fs_err *err) {
    const fs_sg2_config *c = &g->cfg;
    if (fs_safetensors_load(o->ws_path, FS_ST_TO_F32, in, err)) return FS_ERR;
    const fs_tensor *t = get_f32(*in, "ws");
    if (t) {
        int ok = (t->ndim == 3 && t->shape[1] == c->num_ws && t->shape[2] == c->w_dim) ||
                 (t->ndim == 2 && t->shape[0] == c->num_ws && t->shape[1] == c->w_dim);
        if (!ok || fs_tensor_numel(t) == 0) {
            char b[96];
            fs_errorf(err, "%s: tensor 'ws' has shape %s, the generator needs [N, %d, %d]", o->ws_path,
                      fs_tensor_shape_str(t, b, sizeof b), c->num_ws, c->w_dim);
            return FS_ERR;
        }
        *N = t->ndim == 3 ? t->shape[0] : 1;
        *from_z = 0;
        *ws = malloc(sizeof(float) * (size_t)*N * c->num_ws * c->w_dim);
        if (!*ws) return fs_errorf(err, "generate: out of memory");
        memcpy(*ws, t->data, sizeof(float) * (size_t)*N * c->num_ws * c->w_dim);
        fs_sg2_truncate(g, *ws, (int)*N, o->psi, (int)o->cutoff); /* same as the official mapping's truncation */
    } else if ((t = get_f32(*in, "w"))) {
        int ok = (t->ndim == 2 && t->shape[1] == c->w_dim) || (t->ndim == 1 && t->shape[0] == c->w_dim);
        if (!ok || fs_tensor_numel(t) == 0) {
            char b[96];
            fs_errorf(err, "%s: tensor 'w' has shape %s, the generator needs [N, %d]", o->ws_path,
                      fs_tensor_shape_str(t, b, sizeof b), c->w_dim);
            return FS_ERR;
        }
        *N = t->ndim == 2 ? t->shape[0] : 1;
        *from_z = 0;
        *ws = malloc(sizeof(float) * (size_t)*N * c->num_ws * c->w_dim);
        if (!*ws) return fs_errorf(err, "generate: out of memory");
        for (long n = 0; n < *N; n++)
            for (int r = 0; r < c->num_ws; r++)
                memcpy(*ws + (n * c->num_ws + r) * c->w_dim, fs_tensor_f32(t) + n * c->w_dim, sizeof(float) * c->w_dim);
        fs_sg2_truncate(g, *ws, (int)*N, o->psi, (int)o->cutoff);
    } else if (get_f32(*in, "styles.b4.conv1")) { /* S space: one tensor per layer */
        *from_z = 0;
        for (int l = 0; l < c->n_layers; l++) {
            char nm[64];
            snprintf(nm, sizeof nm, "styles.%s", c->layers[l].name + strlen("synthesis."));
            t = get_f32(*in, nm);
            long n = t ? (t->ndim == 2 ? t->shape[0] : 1) : 0;
            if (l == 0) *N = n;
            if (!t || n != *N || *N < 1 || fs_tensor_numel(t) != *N * c->layers[l].C_in) {
                fs_errorf(err, "%s: S-space input needs float32 '%s' [%ld, %d]", o->ws_path, nm, *N > 0 ? *N : 1,
                          c->layers[l].C_in);
                return FS_ERR;
            }
            sty[l] = fs_tensor_f32(t);
        }
        *from_styles = 1;
    } else if ((t = get_f32(*in, "z"))) {
        int ok = (t->ndim == 2 && t->shape[1] == c->z_dim) || (t->ndim == 1 && t->shape[0] == c->z_dim);
        if (!ok || fs_tensor_numel(t) == 0) {
            char b[96];
            fs_errorf(err, "%s: tensor 'z' has shape %s, the generator needs [N, %d]", o->ws_path,
                      fs_tensor_shape_str(t, b, sizeof b), c->z_dim);
            return FS_ERR;
        }
        *N = t->ndim == 2 ? t->shape[0] : 1;
        *z = malloc(sizeof(float) * (size_t)*N * c->z_dim);
        if (!*z) return fs_errorf(err, "generate: out of memory");
        memcpy(*z, t->data, sizeof(float) * (size_t)*N * c->z_dim);
    } else {
        fs_errorf(err,
                  "%s: no float32 tensor 'ws' [N,%d,%d], 'w' [N,%d], 'z' [N,%d] or per-layer 'styles.b4.conv1'... "
                  "in this file",
                  o->ws_path, c->num_ws, c->w_dim, c->w_dim, c->z_dim);
        return FS_ERR;
    }
    return FS_OK;
}

static int run(const gen_opts *o, fs_err *err) {
    fs_sg2 *g = NULL;
    fs_tensor_map *in = NULL, *tmap = NULL, *outm = NULL, *nmap = NULL;
    fs_sg2_acts *a = NULL;
    fs_sg2_grads *gr = NULL;
    float *ws = NULL, *z = NULL, *img = NULL, *dws = NULL, *dimg = NULL, *dz = NULL;
    const float *sty[FS_SG2_MAX_LAYERS] = {0}; /* S-space input, (N, C_in) per layer */
    float *dsty[FS_SG2_MAX_LAYERS] = {0};
    int rc = FS_ERR;
    if (fs_sg2_load(o->model, &g, err)) goto done;
    const fs_sg2_config *c = &g->cfg;
    char clamp_s[32] = "none";
    if (c->conv_clamp >= 0) snprintf(clamp_s, sizeof clamp_s, "%g", c->conv_clamp);
    fs_info("generator %s: %dx%d, %d channels, z_dim %d, w_dim %d, num_ws %d, %d mapping layers, %s layout, "
            "conv_clamp %s, %.1f MiB; cpu, %d threads",
            o->model, c->resolution, c->resolution, c->img_channels, c->z_dim, c->w_dim, c->num_ws, c->mapping_layers,
            c->layout == FS_SG2_LAYOUT_ROSINALITY ? "rosinality" : "nvidia", clamp_s, c->n_floats * 4.0 / 1048576.0,
            fs_threads_count());
    /* inputs: z (seeds or file) or ws */
    long N = 0;
    int from_z = 1, from_styles = 0;
    if (o->ws_path) {
        if (read_latents(o, g, &in, &ws, &z, sty, &N, &from_z, &from_styles, err)) goto done;
    } else {
        N = o->batch;
        z = malloc(sizeof(float) * (size_t)N * c->z_dim);
        if (!z) goto oom;
        for (long n = 0; n < N; n++) {
            fs_rng r;
            fs_rng_seed(&r, (uint32_t)(o->seed + n));
            fs_rng_normal_f32(&r, z + n * c->z_dim, c->z_dim);
        }
    }
    long nws = N * c->num_ws * c->w_dim, R = c->resolution, nimg = N * c->img_channels * R * R;
    if (from_z) {
        ws = malloc(sizeof(float) * (size_t)nws);
        if (!ws) goto oom;
        if (fs_sg2_mapping_forward(g, ws, z, (int)N, o->psi, (int)o->cutoff, err)) goto done;
    } else if (o->psi != 1.0f && from_styles) {
        fs_warn("--trunc does not apply to S-space styles; the styles of %s are used as they are", o->ws_path);
    }
    const float *target = NULL;
    if (o->grad_path) {
        if (fs_safetensors_load(o->target_path, FS_ST_TO_F32, &tmap, err)) goto done;
        const fs_tensor *t = get_f32(tmap, "target");
        if (!t) t = get_f32(tmap, "image");
        if (!t && tmap->count == 1) t = get_f32(tmap, tmap->items[0]->name);
        if (!t || fs_tensor_numel(t) != nimg) {
            fs_errorf(err, "%s: needs a float32 tensor 'target' [%ld, %d, %ld, %ld] (the generated images' shape)",
                      o->target_path, N, c->img_channels, R, R);
            goto done;
        }
        target = fs_tensor_f32(t);
    }
    img = malloc(sizeof(float) * (size_t)nimg);
    if (!img) goto oom;
    if (o->grad_path) {
        dws = calloc((size_t)nws, sizeof(float));
        dimg = malloc(sizeof(float) * (size_t)nimg);
        if (!dws || !dimg || fs_sg2_grads_create(&gr, g, err)) goto oom;
        for (int l = 0; from_styles && l < c->n_layers; l++)
            if (!(dsty[l] = malloc(sizeof(float) * (size_t)N * c->layers[l].C_in))) goto oom;
    }
    /* synthesis in chunks of at most 4 images (one arena, reused) */
    int chunk = N < 4 ? (int)N : 4;
    if (fs_sg2_acts_create(&a, g, chunk, err)) goto done;
    fs_verbose("activation arena: %.1f MiB for batch %d", fs_sg2_acts_bytes(a) / 1048576.0, chunk);
    fs_sg2_opts so = fs_sg2_opts_default();
    so.noise = o->noise;
    const float *maps_all[FS_SG2_MAX_LAYERS] = {0};
    int maps_per_image = -1;
    if (o->noise == FS_SG2_NOISE_INJECT) {
        if (fs_safetensors_load(o->noise_maps, FS_ST_TO_F32, &nmap, err)) goto done;
        for (int l = 0; l < c->n_layers; l++) {
            if (c->layers[l].kind == FS_SG2_TORGB) continue;
            const fs_tensor *t = get_f32(nmap, c->layers[l].name);
            if (!t) t = get_f32(nmap, c->layers[l].name + strlen("synthesis."));
            if (!t) continue;
            long HW = (long)c->layers[l].res * c->layers[l].res, n = (long)fs_tensor_numel(t);
            int per = n == N * HW && N > 1 ? 1 : n == HW ? 0 : -1;
            if (per < 0 || (maps_per_image >= 0 && per != maps_per_image)) {
                char b[96];
                fs_errorf(err, "%s: noise map '%s' has shape %s; expected [%ld,1,%d,%d] or [%d,%d] like the others",
                          o->noise_maps, t->name, fs_tensor_shape_str(t, b, sizeof b), N, c->layers[l].res,
                          c->layers[l].res, c->layers[l].res, c->layers[l].res);
                goto done;
            }
            maps_per_image = per;
            maps_all[l] = fs_tensor_f32(t);
        }
        if (maps_per_image < 0) {
            fs_errorf(err, "%s: no noise map named after a conv layer (e.g. 'synthesis.b4.conv1')", o->noise_maps);
            goto done;
        }
    }
    long per_img = (long)c->img_channels * R * R, per_ws = (long)c->num_ws * c->w_dim;
    double loss = 0;
    fs_progress p;
    fs_progress_begin(&p, "generate", N);
    for (long n0 = 0; n0 < N; n0 += chunk) {
        int nb = (int)(N - n0 < chunk ? N - n0 : chunk);
        if (nb != a->N) {
            fs_sg2_acts_destroy(a);
            a = NULL;
            if (fs_sg2_acts_create(&a, g, nb, err)) goto done;
        }
        so.noise_seed = (uint64_t)o->noise_seed + (uint64_t)n0; /* chunking does not change which maps an image gets */
        const float *maps[FS_SG2_MAX_LAYERS] = {0};
        for (int l = 0; l < c->n_layers; l++)
            if (maps_all[l]) maps[l] = maps_all[l] + (maps_per_image ? n0 * (long)c->layers[l].res * c->layers[l].res : 0);
        so.noise_maps = maps;
        so.noise_maps_per_sample = maps_per_image > 0;
        if (from_styles) {
            const float *st[FS_SG2_MAX_LAYERS];
            for (int l = 0; l < c->n_layers; l++) st[l] = sty[l] + n0 * c->layers[l].C_in;
            fs_sg2_synthesis_forward_styles(g, a, st, &so);
        } else {
            fs_sg2_synthesis_forward(g, a, ws + n0 * per_ws, &so);
        }
        memcpy(img + n0 * per_img, a->img, sizeof(float) * nb * per_img);
        if (o->grad_path) {
            for (long k = 0; k < nb * per_img; k++) {
                double d = (double)a->img[k] - target[n0 * per_img + k];
                loss += d * d;
                dimg[k] = (float)(2.0 * d / nimg);
            }
            float *dst[FS_SG2_MAX_LAYERS] = {0};
            for (int l = 0; from_styles && l < c->n_layers; l++) dst[l] = dsty[l] + n0 * c->layers[l].C_in;
            fs_sg2_synthesis_backward(g, a, dimg, from_styles ? NULL : dws + n0 * per_ws, gr, dst);
        }
        fs_progress_step(&p, nb, "%ldx%ld", R, R);
        if (fs_should_abort()) {
            fs_errorf(err, "generate: interrupted");
            goto done;
        }
    }
    fs_progress_end(&p);
    if (o->out && save_png(img, (int)N, c->img_channels, (int)R, o->out, err)) goto done;
    if (o->raw) {
        outm = fs_tensor_map_create();
        if (!outm) goto oom;
        int64_t si[4] = {N, c->img_channels, R, R}, sw[3] = {N, c->num_ws, c->w_dim};
        if (add_tensor(outm, "image", 4, si, img, err) || (ws && add_tensor(outm, "ws", 3, sw, ws, err)) ||
            set_meta(outm, "generate", err) || fs_safetensors_save(o->raw, outm, err))
            goto done;
        fs_tensor_map_destroy(outm);
        outm = NULL;
    }
    if (o->grad_path) {
        loss /= nimg;
        outm = fs_tensor_map_create();
        if (!outm) goto oom;
        if (from_z) {
            dz = malloc(sizeof(float) * (size_t)N * c->z_dim);
            if (!dz || fs_sg2_mapping_backward(g, dz, gr, dws, z, (int)N, o->psi, (int)o->cutoff, err)) goto oom;
            int64_t sz[2] = {N, c->z_dim};
            if (add_tensor(outm, "z", 2, sz, dz, err)) goto done;
        }
        int64_t sw[3] = {N, c->num_ws, c->w_dim};
        float lf = (float)loss;
        for (int l = 0; from_styles && l < c->n_layers; l++) {
            char nm[64];
            int64_t ss[2] = {N, c->layers[l].C_in};
            snprintf(nm, sizeof nm, "styles.%s", c->layers[l].name + strlen("synthesis."));
            if (add_tensor(outm, nm, 2, ss, dsty[l], err)) goto done;
        }
        if ((!from_styles && add_tensor(outm, "ws", 3, sw, dws, err)) || add_tensor(outm, "loss", 0, sw, &lf, err) ||
            fs_sg2_grads_to_map(g, gr, "", outm, err) || set_meta(outm, "stylegan2-grad", err) ||
            fs_safetensors_save(o->grad_path, outm, err))
            goto done;
        fs_info("loss %.9g", loss);
    }
    rc = FS_OK;
    goto done;
oom:
    if (!err || !err->msg[0] || err->code == FS_OK) fs_errorf(err, "generate: out of memory");
done:
    fs_sg2_acts_destroy(a);
    fs_sg2_grads_destroy(gr);
    fs_tensor_map_destroy(in);
    fs_tensor_map_destroy(tmap);
    fs_tensor_map_destroy(nmap);
    fs_tensor_map_destroy(outm);
    fs_sg2_destroy(g);
    free(ws), free(z), free(img), free(dws), free(dimg), free(dz);
    for (int l = 0; l < FS_SG2_MAX_LAYERS; l++) free(dsty[l]);
    return rc;
}

int fs_cmd_generate(int argc, char **argv) {
    gen_opts o = {0};
    o.batch = 1;
    o.psi = 1.0f;
    o.noise = FS_SG2_NOISE_CONST;
    enum { O_SEED = 256, O_WS, O_TRUNC, O_CUTOFF, O_NOISE, O_NSEED, O_RAW, O_BATCH, O_TARGET, O_GRAD, O_MODEL, O_NMAPS };
    static const struct option lo[] = {{"model", required_argument, 0, O_MODEL}, {"seed", required_argument, 0, O_SEED},
                                       {"ws", required_argument, 0, O_WS},       {"trunc", required_argument, 0, O_TRUNC},
                                       {"trunc-cutoff", required_argument, 0, O_CUTOFF},
                                       {"noise", required_argument, 0, O_NOISE},
                                       {"noise-maps", required_argument, 0, O_NMAPS},
                                       {"noise-seed", required_argument, 0, O_NSEED},
                                       {"out", required_argument, 0, 'o'},       {"raw", required_argument, 0, O_RAW},
                                       {"batch", required_argument, 0, O_BATCH},
                                       {"target", required_argument, 0, O_TARGET},
                                       {"grad", required_argument, 0, O_GRAD},   {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
    optind = 1;
    opterr = 0;
    int ch;
    while ((ch = getopt_long(argc, argv, ":ho:", lo, NULL)) != -1) {
        switch (ch) {
        case 'h':
            usage(stdout);
            return 0;
        case O_MODEL: o.model = optarg; break;
        case O_WS: o.ws_path = optarg; break;
        case 'o': o.out = optarg; break;
        case O_RAW: o.raw = optarg; break;
        case O_TARGET: o.target_path = optarg; break;
        case O_GRAD: o.grad_path = optarg; break;
        case O_NMAPS: o.noise_maps = optarg; break;
        case O_SEED:
            if (!parse_int(optarg, 0, 4294967295L, &o.seed))
                return fs_cli_usage_error("generate", "--seed needs an integer from 0 to 2^32-1, got '%s'", optarg);
            o.have_seed = 1;
            break;
        case O_BATCH:
            if (!parse_int(optarg, 1, 100000, &o.batch))
                return fs_cli_usage_error("generate", "--batch needs an integer from 1 to 100000, got '%s'", optarg);
            break;
        case O_CUTOFF:
            if (!parse_int(optarg, 1, 1000, &o.cutoff))
                return fs_cli_usage_error("generate", "--trunc-cutoff needs a positive integer, got '%s'", optarg);
            break;
        case O_NSEED:
            if (!parse_int(optarg, 0, 4294967295L, &o.noise_seed))
                return fs_cli_usage_error("generate", "--noise-seed needs an integer from 0 to 2^32-1, got '%s'", optarg);
            break;
        case O_TRUNC: {
            char *end;
            double v = strtod(optarg, &end);
            if (!*optarg || *end || !isfinite(v) || fabs(v) > 100)
                return fs_cli_usage_error("generate", "--trunc needs a number (e.g. 0.7), got '%s'", optarg);
            o.psi = (float)v;
            break;
        }
        case O_NOISE:
            if (!strcmp(optarg, "const"))
                o.noise = FS_SG2_NOISE_CONST;
            else if (!strcmp(optarg, "random"))
                o.noise = FS_SG2_NOISE_RANDOM;
            else if (!strcmp(optarg, "none"))
                o.noise = FS_SG2_NOISE_NONE;
            else if (!strcmp(optarg, "inject"))
                o.noise = FS_SG2_NOISE_INJECT;
            else
                return fs_cli_usage_error("generate", "--noise is const, random, none or inject, got '%s'", optarg);
            break;
        case ':': return fs_cli_usage_error("generate", "option '%s' needs a value", argv[optind - 1]);
        default: return fs_cli_usage_error("generate", "unknown option '%s'", argv[optind - 1]);
        }
    }
    if (optind < argc) return fs_cli_usage_error("generate", "unexpected argument '%s'", argv[optind]);
    if (!o.model) return fs_cli_usage_error("generate", "--model is required");
    if (o.have_seed && o.ws_path) return fs_cli_usage_error("generate", "give either --seed or --ws, not both");
    if (o.ws_path && o.batch != 1) return fs_cli_usage_error("generate", "--batch goes with --seed (--ws has its own N)");
    if (!!o.target_path != !!o.grad_path) return fs_cli_usage_error("generate", "--target and --grad go together");
    if ((o.noise == FS_SG2_NOISE_INJECT) != !!o.noise_maps)
        return fs_cli_usage_error("generate", "--noise inject and --noise-maps FILE go together");
    if (!o.out && !o.raw && !o.grad_path)
        return fs_cli_usage_error("generate", "nothing to write: give -o OUT.png, --raw OUT.safetensors or --grad");
    fs_err err = {0};
    if (run(&o, &err)) return fs_cli_fail(&err);
    return 0;
}
