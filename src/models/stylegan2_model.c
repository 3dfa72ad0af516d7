/* stylegan2_model.c — configuration, the parameter table (one allocation, named pointers), random init,
 * gradient storage, export to canonical tensor maps. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/rng.h"
#include "models/stylegan2.h"
#include "models/stylegan2_internal.h"
#include "nn/param.h"
#include "tensor/device.h"

static int add_tensor(fs_sg2_config *c, const char *name, int ndim, int64_t s0, int64_t s1, int64_t s2, int64_t s3,
                      int is_buffer) {
    if (c->n_tensors >= FS_SG2_MAX_TENSORS) return 0;
    fs_sg2_tensor_info *t = &c->tensors[c->n_tensors++];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->ndim = ndim;
    int64_t s[4] = {s0, s1, s2, s3};
    t->numel = 1;
    for (int i = 0; i < 4; i++) {
        t->shape[i] = i < ndim ? s[i] : 0;
        if (i < ndim) t->numel *= s[i];
    }
    t->offset = c->n_floats;
    t->is_buffer = is_buffer;
    c->n_floats += t->numel;
    return 1;
}

/* Builds layers[] and tensors[] from the scalar fields (blocks, channels, dims, K). */
int fs__sg2_config_finish(fs_sg2_config *c, int K, fs_err *err) {
    if (c->n_blocks < 1 || c->n_blocks > FS_SG2_MAX_BLOCKS)
        return fs_errorf(err, "stylegan2: %d synthesis blocks (1..%d supported)", c->n_blocks, FS_SG2_MAX_BLOCKS);
    if (c->mapping_layers < 1 || c->mapping_layers > FS_SG2_MAX_MAPPING)
        return fs_errorf(err, "stylegan2: %d mapping layers (1..%d supported)", c->mapping_layers, FS_SG2_MAX_MAPPING);
    if (K < 1 || K > 15 || K % 2 == 0) return fs_errorf(err, "stylegan2: conv kernel %d unsupported (odd, <= 15)", K);
    for (int i = 0; i <= c->mapping_layers; i++)
        if (c->mapping_dims[i] < 1 || c->mapping_dims[i] > (1 << 20))
            return fs_errorf(err, "stylegan2: bad mapping width %d", c->mapping_dims[i]);
    for (int b = 0; b < c->n_blocks; b++) {
        c->block_res[b] = 4 << b;
        if (c->block_channels[b] < 1 || c->block_channels[b] > (1 << 16))
            return fs_errorf(err, "stylegan2: bad channel count %d at %dx%d", c->block_channels[b], 4 << b, 4 << b);
    }
    if (c->img_channels < 1 || c->img_channels > 64) return fs_errorf(err, "stylegan2: bad img_channels %d", c->img_channels);
    c->z_dim = c->mapping_dims[0];
    c->w_dim = c->mapping_dims[c->mapping_layers];
    c->resolution = c->block_res[c->n_blocks - 1];
    c->num_ws = 2 * c->n_blocks;
    c->n_layers = 0;
    c->n_tensors = 0;
    c->n_floats = 0;
    char nm[64];
    for (int i = 0; i < c->mapping_layers; i++) {
        snprintf(nm, sizeof nm, "mapping.fc%d.weight", i);
        add_tensor(c, nm, 2, c->mapping_dims[i + 1], c->mapping_dims[i], 0, 0, 0);
        snprintf(nm, sizeof nm, "mapping.fc%d.bias", i);
        add_tensor(c, nm, 1, c->mapping_dims[i + 1], 0, 0, 0, 0);
    }
    add_tensor(c, "mapping.w_avg", 1, c->w_dim, 0, 0, 0, 1);
    add_tensor(c, "synthesis.b4.const", 3, c->block_channels[0], 4, 4, 0, 0);
    int widx = 0;
    for (int b = 0; b < c->n_blocks; b++) {
        int res = c->block_res[b];
        int nconv = b == 0 ? 1 : 2;
        for (int j = 0; j < nconv + 1; j++) {
            fs_sg2_layer_info *L = &c->layers[c->n_layers++];
            memset(L, 0, sizeof *L);
            L->block = b;
            L->res = res;
            if (j < nconv) {
                int up = (b > 0 && j == 0);
                L->kind = up ? FS_SG2_CONV_UP : FS_SG2_CONV;
                L->C_in = up ? c->block_channels[b - 1] : c->block_channels[b];
                L->C_out = c->block_channels[b];
                L->K = K;
                L->w_index = widx++;
                snprintf(L->name, sizeof L->name, "synthesis.b%d.%s", res, up ? "conv0" : "conv1");
            } else {
                L->kind = FS_SG2_TORGB;
                L->C_in = c->block_channels[b];
                L->C_out = c->img_channels;
                L->K = 1;
                L->w_index = widx; /* shared with the next block's conv0 */
                snprintf(L->name, sizeof L->name, "synthesis.b%d.torgb", res);
            }
            snprintf(nm, sizeof nm, "%s.weight", L->name);
            add_tensor(c, nm, 4, L->C_out, L->C_in, L->K, L->K, 0);
            snprintf(nm, sizeof nm, "%s.bias", L->name);
            add_tensor(c, nm, 1, L->C_out, 0, 0, 0, 0);
            snprintf(nm, sizeof nm, "%s.affine.weight", L->name);
            add_tensor(c, nm, 2, L->C_in, c->w_dim, 0, 0, 0);
            snprintf(nm, sizeof nm, "%s.affine.bias", L->name);
            add_tensor(c, nm, 1, L->C_in, 0, 0, 0, 0);
            if (L->kind != FS_SG2_TORGB) {
                snprintf(nm, sizeof nm, "%s.noise_strength", L->name);
                add_tensor(c, nm, 0, 0, 0, 0, 0, 0);
                snprintf(nm, sizeof nm, "%s.noise_const", L->name);
                add_tensor(c, nm, 2, res, res, 0, 0, 1);
            }
        }
    }
    FS_ASSERT(widx + 1 == c->num_ws);
    return FS_OK;
}

int fs_sg2_config_init(fs_sg2_config *c, fs_sg2_layout layout, int resolution, int img_channels, int z_dim,
                       int w_dim, int mapping_layers, const int *channels, fs_err *err) {
    memset(c, 0, sizeof *c);
    int nb = 0;
    while ((4 << nb) < resolution && nb < FS_SG2_MAX_BLOCKS) nb++;
    if ((4 << nb) != resolution)
        return fs_errorf(err, "stylegan2: resolution %d is not a power of two between 4 and %d", resolution,
                         4 << (FS_SG2_MAX_BLOCKS - 1));
    c->layout = layout;
    c->n_blocks = nb + 1;
    c->img_channels = img_channels;
    c->mapping_layers = mapping_layers;
    if (mapping_layers < 1 || mapping_layers > FS_SG2_MAX_MAPPING)
        return fs_errorf(err, "stylegan2: %d mapping layers (1..%d supported)", mapping_layers, FS_SG2_MAX_MAPPING);
    c->mapping_dims[0] = z_dim;
    for (int i = 1; i <= mapping_layers; i++) c->mapping_dims[i] = w_dim;
    for (int b = 0; b < c->n_blocks; b++) c->block_channels[b] = channels[b];
    c->lr_multiplier = 0.01f;
    c->conv_clamp = -1;
    return fs__sg2_config_finish(c, 3, err);
}

void fs__sg2_point(const fs_sg2_config *c, fs_sg2_params *p, float *base) {
    memset(p, 0, sizeof *p);
    int t = 0;
    for (int i = 0; i < c->mapping_layers; i++) {
        p->map_w[i] = base + c->tensors[t++].offset;
        p->map_b[i] = base + c->tensors[t++].offset;
    }
    p->w_avg = base + c->tensors[t++].offset;
    p->const_input = base + c->tensors[t++].offset;
    for (int l = 0; l < c->n_layers; l++) {
        fs_sg2_layer_params *L = &p->layer[l];
        L->weight = base + c->tensors[t++].offset;
        L->bias = base + c->tensors[t++].offset;
        L->affine_w = base + c->tensors[t++].offset;
        L->affine_b = base + c->tensors[t++].offset;
        if (c->layers[l].kind != FS_SG2_TORGB) {
            L->noise_strength = base + c->tensors[t++].offset;
            L->noise_const = base + c->tensors[t++].offset;
        }
    }
    FS_ASSERT(t == c->n_tensors);
}

int fs_sg2_create(fs_sg2 **out, const fs_sg2_config *c, fs_err *err) {
    fs_sg2 *g = calloc(1, sizeof *g);
    if (!g) return fs_errorf(err, "stylegan2: out of memory");
    g->cfg = *c;
    g->data = fs_dev_alloc_f32(c->n_floats, err); /* device memory, zeroed */
    if (!g->data) {
        free(g);
        fs_err_prefix(err, "stylegan2 parameters");
        return FS_ERR;
    }
    fs__sg2_point(&g->cfg, &g->p, g->data);
    *out = g;
    return FS_OK;
}

void fs_sg2_destroy(fs_sg2 *g) {
    if (!g) return;
    fs_dev_free(g->data);
    free(g);
}

int fs_sg2_find_tensor(const fs_sg2_config *c, const char *name) {
    for (int i = 0; i < c->n_tensors; i++)
        if (!strcmp(c->tensors[i].name, name)) return i;
    return -1;
}

/* x: device memory; drawn on the host a piece at a time (nothing to allocate) and uploaded */
static void fill_normal(fs_rng *r, float *x, long n, float scale, float mean) {
    float h[1024];
    for (long i0 = 0; i0 < n; i0 += 1024) {
        long m = n - i0 < 1024 ? n - i0 : 1024;
        for (long i = 0; i < m; i++) h[i] = mean + scale * (float)fs_rng_normal(r);
        fs_dev_upload(x + i0, h, sizeof(float) * (size_t)m);
    }
}

void fs_sg2_init_random(fs_sg2 *g, uint32_t seed, float jitter) {
    const fs_sg2_config *c = &g->cfg;
    fs_rng r;
    fs_rng_seed(&r, seed);
    for (int i = 0; i < c->mapping_layers; i++) {
        /* stored weights are N(0,1)/lr_multiplier (the runtime gain brings them back) */
        fill_normal(&r, g->p.map_w[i], (long)c->mapping_dims[i + 1] * c->mapping_dims[i], 1.0f / c->lr_multiplier, 0);
        fill_normal(&r, g->p.map_b[i], c->mapping_dims[i + 1], jitter, 0);
    }
    fill_normal(&r, g->p.w_avg, c->w_dim, jitter, 0);
    fill_normal(&r, g->p.const_input, (long)c->block_channels[0] * 16, 1, 0);
    for (int l = 0; l < c->n_layers; l++) {
        const fs_sg2_layer_info *L = &c->layers[l];
        fs_sg2_layer_params *P = &g->p.layer[l];
        fill_normal(&r, P->weight, (long)L->C_out * L->C_in * L->K * L->K, 1, 0);
        fill_normal(&r, P->bias, L->C_out, 0.5f * jitter, 0);
        fill_normal(&r, P->affine_w, (long)L->C_in * c->w_dim, 1, 0);
        fill_normal(&r, P->affine_b, L->C_in, jitter, 1.0f);
        if (L->kind != FS_SG2_TORGB) {
            fill_normal(&r, P->noise_strength, 1, jitter, 0);
            fill_normal(&r, P->noise_const, (long)L->res * L->res, 1, 0);
        }
    }
}

int fs_sg2_grads_create(fs_sg2_grads **out, const fs_sg2 *g, fs_err *err) {
    fs_sg2_grads *gr = calloc(1, sizeof *gr);
    if (!gr) return fs_errorf(err, "stylegan2: out of memory");
    gr->n_floats = g->cfg.n_floats;
    gr->data = fs_dev_alloc_f32(gr->n_floats, err);
    if (!gr->data) {
        free(gr);
        fs_err_prefix(err, "stylegan2 gradients");
        return FS_ERR;
    }
    fs__sg2_point(&g->cfg, &gr->p, gr->data);
    *out = gr;
    return FS_OK;
}

void fs_sg2_grads_zero(fs_sg2_grads *gr) { fs_dev_zero(gr->data, sizeof(float) * (size_t)gr->n_floats); }

void fs_sg2_grads_destroy(fs_sg2_grads *gr) {
    if (!gr) return;
    fs_dev_free(gr->data);
    free(gr);
}

static int add_copy(fs_tensor_map *m, const char *name, const fs_sg2_tensor_info *t, const float *src, fs_err *err) {
    fs_tensor *x = fs_tensor_create(t->ndim, t->shape, err);
    if (!x) return FS_ERR;
    snprintf(x->name, sizeof x->name, "%s", name);
    fs_dev_download(x->data, src, sizeof(float) * (size_t)t->numel); /* src: device */
    return fs_tensor_map_add(m, x, err);
}

int fs_sg2_to_map(const fs_sg2 *g, fs_tensor_map **out, fs_err *err) {
    const fs_sg2_config *c = &g->cfg;
    fs_tensor_map *m = fs_tensor_map_create();
    if (!m) return fs_errorf(err, "stylegan2: out of memory");
    for (int i = 0; i < c->n_tensors; i++)
        if (add_copy(m, c->tensors[i].name, &c->tensors[i], g->data + c->tensors[i].offset, err)) goto fail;
    char buf[1024], v[64];
    int n = snprintf(buf, sizeof buf, "{");
    for (int b = 0; b < c->n_blocks && n < (int)sizeof buf - 32; b++)
        n += snprintf(buf + n, sizeof buf - n, "%s\"%d\": %d", b ? ", " : "", c->block_res[b], c->block_channels[b]);
    snprintf(buf + n, sizeof buf - n, "}");
    struct {
        const char *k, *v;
    } kv[] = {{"format", "facestitch"}, {"kind", "stylegan2"}, {"version", "1"},
              {"layout", c->layout == FS_SG2_LAYOUT_ROSINALITY ? "rosinality" : "nvidia"}, {"channels", buf}};
    for (size_t i = 0; i < sizeof kv / sizeof kv[0]; i++)
        if (fs_tensor_map_set_meta(m, kv[i].k, kv[i].v, err)) goto fail;
    int ints[5] = {c->resolution, c->z_dim, c->w_dim, c->num_ws, c->mapping_layers};
    const char *ik[5] = {"resolution", "z_dim", "w_dim", "num_ws", "mapping_layers"};
    for (int i = 0; i < 5; i++) {
        snprintf(v, sizeof v, "%d", ints[i]);
        if (fs_tensor_map_set_meta(m, ik[i], v, err)) goto fail;
    }
    if (c->conv_clamp < 0)
        snprintf(v, sizeof v, "none");
    else
        snprintf(v, sizeof v, "%.9g", c->conv_clamp);
    if (fs_tensor_map_set_meta(m, "conv_clamp", v, err)) goto fail;
    snprintf(v, sizeof v, "%.9g", c->lr_multiplier);
    if (fs_tensor_map_set_meta(m, "lr_multiplier", v, err)) goto fail;
    *out = m;
    return FS_OK;
fail:
    fs_tensor_map_destroy(m);
    return FS_ERR;
}

int fs_sg2_grads_to_map(const fs_sg2 *g, const fs_sg2_grads *gr, const char *prefix, fs_tensor_map *m,
                        fs_err *err) {
    const fs_sg2_config *c = &g->cfg;
    char nm[160];
    for (int i = 0; i < c->n_tensors; i++) {
        if (c->tensors[i].is_buffer) continue;
        snprintf(nm, sizeof nm, "%s%s", prefix ? prefix : "", c->tensors[i].name);
        if (add_copy(m, nm, &c->tensors[i], gr->data + c->tensors[i].offset, err)) return FS_ERR;
    }
    return FS_OK;
}

double fs_sg2_forward_flops(const fs_sg2 *g) {
    const fs_sg2_config *c = &g->cfg;
    double macs = 0;
    for (int l = 0; l < c->n_layers; l++) {
        const fs_sg2_layer_info *L = &c->layers[l];
        double in_res = L->kind == FS_SG2_CONV_UP ? L->res / 2 : L->res;
        macs += (double)L->C_in * c->w_dim; /* affine */
        macs += (double)L->C_out * L->C_in * L->K * L->K * in_res * in_res;
    }
    return 2 * macs;
}

int fs_sg2_param_list(const fs_sg2 *g, const fs_sg2_grads *gr, int with_mapping, struct fs_param *out, int max) {
    const fs_sg2_config *c = &g->cfg;
    int n = 0;
    for (int i = 0; i < c->n_tensors; i++) {
        const fs_sg2_tensor_info *t = &c->tensors[i];
        if (t->is_buffer || (!with_mapping && !strncmp(t->name, "mapping.", 8))) continue;
        if (n < max) {
            out[n].data = g->data + t->offset;
            out[n].grad = gr ? gr->data + t->offset : NULL;
            out[n].n = t->numel;
            out[n].group = 0;
            out[n].name = t->name;
        }
        n++;
    }
    return n;
}
