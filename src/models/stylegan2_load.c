/* stylegan2_load.c — build a generator from a tensor map (canonical names; a rosinality map is first
 * mapped by weights/canonical.c); the architecture is read from the tensor shapes and checked against
 * the metadata. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "models/stylegan2.h"
#include "models/stylegan2_internal.h"
#include "tensor/device.h"
#include "weights/load.h"

typedef struct {
    const fs_tensor_map *m;
    char prefix[128]; /* "", "G_ema.", ... in front of the canonical names */
} resolver;

static const fs_tensor *rget(const resolver *r, const char *canon) {
    char nm[512];
    if (snprintf(nm, sizeof nm, "%s%s", r->prefix, canon) >= (int)sizeof nm) return NULL;
    return fs_tensor_map_get(r->m, nm);
}

static int ends_with(const char *s, const char *suf, size_t *pre_len) {
    size_t a = strlen(s), b = strlen(suf);
    if (a < b || strcmp(s + a - b, suf)) return 0;
    *pre_len = a - b;
    return 1;
}

/* Finds the prefix of the canonical names; 1 (no error) when the map has rosinality names instead. */
static int detect(resolver *r, const fs_tensor_map *m, int *rosinality, fs_err *err) {
    memset(r, 0, sizeof *r);
    r->m = m;
    *rosinality = 0;
    int found = 0;
    for (int i = 0; i < m->count; i++) {
        const char *nm = m->items[i]->name;
        size_t pl;
        if (ends_with(nm, "to_rgb1.conv.weight", &pl)) *rosinality = 1;
        if (!ends_with(nm, "synthesis.b4.const", &pl) || pl >= sizeof r->prefix) continue;
        /* prefer no prefix, then g_ema over g (training checkpoints) */
        int score = (pl == 0 ? 2 : 0) + (strncasecmp(nm, "g_ema", 5) == 0 ? 1 : 0);
        int best = found ? (r->prefix[0] ? 0 : 2) + (strncasecmp(r->prefix, "g_ema", 5) == 0 ? 1 : 0) : -1;
        if (score > best) {
            memcpy(r->prefix, nm, pl);
            r->prefix[pl] = 0;
            found = 1;
        }
    }
    if (found) *rosinality = 0;
    if (!found && !*rosinality)
        return fs_errorf(err, "no StyleGAN2 generator tensors found (expected 'synthesis.b4.const' or rosinality "
                              "'g_ema.to_rgb1.conv.weight')");
    return FS_OK;
}

/* A rosinality map goes through the weights stage's canonical mapping (on a copy: m is the caller's). */
static int from_rosinality(fs_sg2 **out, const fs_tensor_map *m, fs_err *err) {
    fs_tensor_map *raw = fs_tensor_map_create(), *canon = NULL;
    if (!raw) return fs_errorf(err, "stylegan2: out of memory");
    int rc = FS_OK;
    for (int i = 0; rc == FS_OK && i < m->count; i++) {
        fs_tensor *t = fs_tensor_clone(m->items[i], err);
        rc = t ? fs_tensor_map_add(raw, t, err) : FS_ERR;
    }
    for (int i = 0; rc == FS_OK && i < m->meta_count; i++) rc = fs_tensor_map_set_meta(raw, m->meta_keys[i], m->meta_values[i], err);
    if (rc == FS_OK) rc = fs_weights_canonicalize(raw, "stylegan2", NULL, &canon, err);
    if (rc == FS_OK) rc = fs_sg2_from_map(out, canon ? canon : raw, err);
    fs_tensor_map_destroy(canon);
    fs_tensor_map_destroy(raw);
    return rc;
}

/* dims with all size-1 entries removed */
static int squeeze(const int64_t *shape, int ndim, int64_t *out) {
    int k = 0;
    for (int i = 0; i < ndim; i++)
        if (shape[i] != 1) out[k++] = shape[i];
    return k;
}

static int dim_from_end(const fs_tensor *t, int k) { return t->ndim >= k ? (int)t->shape[t->ndim - k] : -1; }

static int meta_int(const fs_tensor_map *m, const char *key, int have, const char *what, fs_err *err) {
    const char *v = fs_tensor_map_meta(m, key);
    if (!v) return FS_OK;
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || x != have)
        return fs_errorf(err, "metadata %s=%s but the tensors say %s %d", key, v, what, have);
    return FS_OK;
}

int fs_sg2_from_map(fs_sg2 **out, const fs_tensor_map *m, fs_err *err) {
    resolver r;
    int rosinality;
    if (detect(&r, m, &rosinality, err)) return FS_ERR;
    if (rosinality) return from_rosinality(out, m, err);
    fs_sg2_config *c = calloc(1, sizeof *c);
    if (!c) return fs_errorf(err, "stylegan2: out of memory");
    int rc = FS_ERR;
    char nm[256];
    /* layout and runtime conventions */
    const char *lay = fs_tensor_map_meta(m, "layout");
    c->layout = FS_SG2_LAYOUT_NVIDIA;
    if (lay) {
        if (!strcmp(lay, "nvidia"))
            c->layout = FS_SG2_LAYOUT_NVIDIA;
        else if (!strcmp(lay, "rosinality"))
            c->layout = FS_SG2_LAYOUT_ROSINALITY;
        else {
            fs_errorf(err, "unknown stylegan2 layout '%s' in metadata (nvidia or rosinality)", lay);
            goto done;
        }
    }
    c->conv_clamp = -1;
    const char *cc = fs_tensor_map_meta(m, "conv_clamp");
    if (cc && strcmp(cc, "none") && strcmp(cc, "None") && strcmp(cc, "null")) {
        char *end;
        double v = strtod(cc, &end);
        if (*end || !(v >= 0) || !isfinite(v)) {
            fs_errorf(err, "bad conv_clamp '%s' in metadata", cc);
            goto done;
        }
        c->conv_clamp = (float)v;
    }
    c->lr_multiplier = 0.01f;
    const char *lm = fs_tensor_map_meta(m, "lr_multiplier");
    if (lm) {
        char *end;
        double v = strtod(lm, &end);
        if (*end || !(v > 0) || !isfinite(v)) {
            fs_errorf(err, "bad lr_multiplier '%s' in metadata", lm);
            goto done;
        }
        c->lr_multiplier = (float)v;
    }
    {
        snprintf(nm, sizeof nm, "%smapping.embed.weight", r.prefix);
        if (fs_tensor_map_get(m, nm)) {
            fs_errorf(err, "conditional generator (mapping.embed, c_dim > 0) is not supported");
            goto done;
        }
    }
    /* mapping */
    const fs_tensor *t;
    int L = 0;
    for (;; L++) {
        snprintf(nm, sizeof nm, "mapping.fc%d.weight", L);
        if (!(t = rget(&r, nm))) break;
        if (L >= FS_SG2_MAX_MAPPING) {
            fs_errorf(err, "more than %d mapping layers", FS_SG2_MAX_MAPPING);
            goto done;
        }
        int o = dim_from_end(t, 2), i = dim_from_end(t, 1);
        if (L == 0) c->mapping_dims[0] = i;
        if (i != c->mapping_dims[L] || o < 1) {
            fs_errorf(err, "mapping layer %d has shape [%d, %d], input %d expected", L, o, i, c->mapping_dims[L]);
            goto done;
        }
        c->mapping_dims[L + 1] = o;
    }
    if (L == 0) {
        fs_errorf(err, "no mapping network tensors (mapping.fc0.weight / style.1.weight)");
        goto done;
    }
    snprintf(nm, sizeof nm, "mapping.fc%d.bias", L);
    if (rget(&r, nm)) {
        fs_errorf(err, "mapping.fc%d.weight is missing (its bias is there)", L);
        goto done;
    }
    c->mapping_layers = L;
    /* synthesis */
    if (!(t = rget(&r, "synthesis.b4.const"))) {
        fs_errorf(err, "missing synthesis.b4.const");
        goto done;
    }
    c->block_channels[0] = dim_from_end(t, 3);
    if (!(t = rget(&r, "synthesis.b4.conv1.weight")) || t->ndim < 4) {
        fs_errorf(err, "missing or malformed synthesis.b4.conv1.weight");
        goto done;
    }
    int K = dim_from_end(t, 1);
    if (!(t = rget(&r, "synthesis.b4.torgb.weight")) || t->ndim < 4) {
        fs_errorf(err, "missing or malformed synthesis.b4.torgb.weight");
        goto done;
    }
    c->img_channels = dim_from_end(t, 4);
    int nb = 1;
    for (; nb < FS_SG2_MAX_BLOCKS; nb++) {
        snprintf(nm, sizeof nm, "synthesis.b%d.conv0.weight", 4 << nb);
        if (!rget(&r, nm)) break;
        snprintf(nm, sizeof nm, "synthesis.b%d.conv1.weight", 4 << nb);
        if (!(t = rget(&r, nm)) || t->ndim < 4) {
            fs_errorf(err, "missing or malformed %s", nm);
            goto done;
        }
        c->block_channels[nb] = dim_from_end(t, 4);
        snprintf(nm, sizeof nm, "synthesis.b%d.torgb.weight", 4 << nb);
        if (!rget(&r, nm)) {
            fs_errorf(err, "%s missing: only the 'skip' architecture (a ToRGB in every block) is supported", nm);
            goto done;
        }
    }
    {
        snprintf(nm, sizeof nm, "%ssynthesis.b8.skip.weight", r.prefix);
        if (fs_tensor_map_get(m, nm)) {
            fs_errorf(err, "'resnet' synthesis architecture is not supported (only 'skip')");
            goto done;
        }
    }
    if (nb < FS_SG2_MAX_BLOCKS) { /* a block without its conv0 would silently cut the resolution */
        static const char *parts[] = {"conv1.weight", "conv0.bias", "conv1.bias", "torgb.weight", "conv0.affine.weight"};
        for (int k = 0; k < 5; k++) {
            snprintf(nm, sizeof nm, "synthesis.b%d.%s", 4 << nb, parts[k]);
            if (rget(&r, nm)) {
                fs_errorf(err, "synthesis.b%d.conv0.weight is missing (block %dx%d has other tensors)", 4 << nb, 4 << nb,
                          4 << nb);
                goto done;
            }
        }
    }
    c->n_blocks = nb;
    /* resample filters, where the file carries them, must be the standard [1,3,3,1] FIR the code uses */
    for (int b = 0; b < nb; b++) {
        static const char *where[] = {"", "conv0.", "conv1."};
        for (int k = 0; k < 3; k++) {
            snprintf(nm, sizeof nm, "%ssynthesis.b%d.%sresample_filter", r.prefix, 4 << b, where[k]);
            const fs_tensor *f = fs_tensor_map_get(m, nm);
            if (!f) continue;
            int ok = f->dtype == FS_F32 && fs_tensor_numel(f) == 16;
            for (int i = 0; ok && i < 16; i++) ok = fabsf(fs_tensor_f32(f)[i] - fs__sg2_fir[i]) <= 1e-6f;
            if (!ok) {
                fs_errorf(err, "%s is not the standard [1,3,3,1] filter; other resampling filters are not supported", nm);
                goto done;
            }
        }
    }
    if (fs__sg2_config_finish(c, K, err)) goto done;
    if (meta_int(m, "resolution", c->resolution, "resolution", err) || meta_int(m, "z_dim", c->z_dim, "z_dim", err) ||
        meta_int(m, "w_dim", c->w_dim, "w_dim", err) || meta_int(m, "num_ws", c->num_ws, "num_ws", err) ||
        meta_int(m, "mapping_layers", c->mapping_layers, "mapping_layers", err))
        goto done;
    fs_sg2 *g;
    if (fs_sg2_create(&g, c, err)) goto done;
    for (int i = 0; i < c->n_tensors; i++) {
        const fs_sg2_tensor_info *ti = &c->tensors[i];
        const fs_tensor *s = rget(&r, ti->name);
        if (!s) {
            if (!strcmp(ti->name, "mapping.w_avg")) {
                fs_verbose("stylegan2: no w_avg/latent_avg in the weights; truncation will pull towards 0");
                continue;
            }
            fs_errorf(err, "missing tensor for %s", ti->name);
            fs_sg2_destroy(g);
            goto done;
        }
        int64_t a[8], b[8];
        int na = squeeze(s->shape, s->ndim, a), nb2 = squeeze(ti->shape, ti->ndim, b);
        int same = na == nb2;
        for (int k = 0; same && k < na; k++) same = a[k] == b[k];
        if (!same || s->dtype != FS_F32 || fs_tensor_numel(s) != ti->numel) {
            char got[96];
            fs_errorf(err, "tensor for %s has shape %s (%s), expected %ld float32 values in %d dims", ti->name,
                      fs_tensor_shape_str(s, got, sizeof got), fs_dtype_name(s->dtype), ti->numel, ti->ndim);
            fs_sg2_destroy(g);
            goto done;
        }
        float *h = malloc(sizeof(float) * (size_t)ti->numel); /* host staging, then upload to the device */
        if (!h) {
            fs_errorf(err, "stylegan2: out of memory for %s", ti->name);
            fs_sg2_destroy(g);
            goto done;
        }
        fs_tensor dst = fs_tensor_view(h, s->ndim, s->shape);
        fs_tensor_copy(&dst, s); /* honours the source strides */
        fs_dev_upload(g->data + ti->offset, h, sizeof(float) * (size_t)ti->numel);
        free(h);
    }
    *out = g;
    rc = FS_OK;
done:
    free(c);
    return rc;
}

int fs_sg2_load(const char *path, fs_sg2 **out, fs_err *err) {
    fs_tensor_map *m = NULL;
    if (fs_weights_load_canonical(path, "stylegan2", &m, err)) {
        if (err && !strstr(err->msg, path)) fs_err_prefix(err, path);
        return FS_ERR;
    }
    int rc = fs_sg2_from_map(out, m, err);
    fs_tensor_map_destroy(m);
    if (rc) fs_err_prefix(err, path);
    return rc;
}
