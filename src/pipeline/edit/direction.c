#include "pipeline/edit/direction.h"

#include <stdlib.h>
#include <string.h>

#include "models/stylegan2.h"
#include "weights/load.h"

static int load_impl(const char *path, int w_dim, const fs_sg2_config *cfg, fs_direction **out, fs_err *err) {
    fs_tensor_map *m = NULL;
    if (fs_weights_load(path, &m, err)) return FS_ERR;
    const fs_tensor *t = NULL;
    for (int i = 0; i < m->count; i++) {
        const fs_tensor *c = m->items[i];
        if (c->dtype != FS_F32) continue;
        if (t) {
            fs_tensor_map_destroy(m);
            return fs_errorf(err, "%s: holds several tensors; a direction file holds one", path);
        }
        t = c;
    }
    char shp[96] = "";
    if (!t) {
        fs_tensor_map_destroy(m);
        return fs_errorf(err, "%s: no float tensor in this file", path);
    }
    int64_t last = t->ndim ? t->shape[t->ndim - 1] : 0;
    if (cfg && !(last == w_dim)) {
        long n_conv = 0, n_all = 0, numel = (long)fs_tensor_numel(t);
        for (int l = 0; l < cfg->n_layers; l++) {
            n_all += cfg->layers[l].C_in;
            if (cfg->layers[l].kind != FS_SG2_TORGB) n_conv += cfg->layers[l].C_in;
        }
        if (numel == n_conv || numel == n_all) {
            fs_direction *d = calloc(1, sizeof *d);
            float *v = d ? malloc(sizeof(float) * (size_t)numel) : NULL;
            if (!v) {
                free(d);
                fs_tensor_map_destroy(m);
                return fs_errorf(err, "%s: out of memory", path);
            }
            fs_tensor flat = fs_tensor_view(v, t->ndim, t->shape);
            fs_tensor_copy(&flat, t);
            const char *slash = strrchr(path, '/');
            snprintf(d->name, sizeof d->name, "%s", slash ? slash + 1 : path);
            d->space = FS_DIR_S;
            d->w_dim = w_dim;
            d->d = v;
            d->len = numel;
            d->conv_only = numel == n_conv;
            fs_tensor_map_destroy(m);
            *out = d;
            return FS_OK;
        }
    }
    int ok = (t->ndim == 1 || t->ndim == 2 || (t->ndim == 3 && t->shape[0] == 1)) && last == w_dim &&
             fs_tensor_numel(t) >= w_dim;
    if (!ok) {
        fs_tensor_shape_str(t, shp, sizeof shp);
        fs_tensor_map_destroy(m);
        return fs_errorf(err, "%s: direction of shape %s does not fit this generator (expected (%d), (1,%d) or (num_ws,%d)%s)",
                         path, shp, w_dim, w_dim, w_dim, cfg ? ", or an S-space vector of its style channels" : "");
    }
    fs_direction *d = calloc(1, sizeof *d);
    float *v = d ? malloc(sizeof(float) * (size_t)w_dim) : NULL;
    if (!v) {
        free(d);
        fs_tensor_map_destroy(m);
        return fs_errorf(err, "%s: out of memory", path);
    }
    /* row 0 of the (possibly strided) tensor: the last axis at index 0 of the others */
    for (int i = 0; i < w_dim; i++) v[i] = *(const float *)((const char *)t->data + (int64_t)i * t->strides[t->ndim - 1]);
    const char *slash = strrchr(path, '/');
    snprintf(d->name, sizeof d->name, "%s", slash ? slash + 1 : path);
    d->w_dim = w_dim;
    d->d = v;
    fs_tensor_map_destroy(m);
    *out = d;
    return FS_OK;
}

int fs_direction_load(const char *path, int w_dim, fs_direction **out, fs_err *err) {
    return load_impl(path, w_dim, NULL, out, err);
}

int fs_direction_load_for(const char *path, const fs_sg2_config *cfg, fs_direction **out, fs_err *err) {
    return load_impl(path, cfg->w_dim, cfg, out, err);
}

void fs_direction_apply_styles(float *const *styles, const fs_sg2_config *cfg, const fs_direction *d,
                               double strength) {
    if (d->space != FS_DIR_S) return;
    long off = 0;
    for (int l = 0; l < cfg->n_layers && off < d->len; l++) {
        if (d->conv_only && cfg->layers[l].kind == FS_SG2_TORGB) continue;
        for (int i = 0; i < cfg->layers[l].C_in; i++) styles[l][i] += (float)(strength * d->d[off + i]);
        off += cfg->layers[l].C_in;
    }
}

void fs_direction_destroy(fs_direction *d) {
    if (!d) return;
    free(d->d);
    free(d);
}

void fs_direction_apply(float *ws, int num_ws, const fs_direction *d, double strength) {
    if (d->space != FS_DIR_W) return;
    float k = (float)(strength / 2.0);
    for (int l = 0; l < num_ws; l++)
        for (int i = 0; i < d->w_dim; i++) ws[(size_t)l * d->w_dim + i] += k * d->d[i];
}
