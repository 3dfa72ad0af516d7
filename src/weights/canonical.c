/* canonical.c — map official layouts to facestitch's canonical names (docs/canonical-names.md).
 *
 * kind detection (auto) from key names, then one mapping per kind:
 *   stylegan2: NVIDIA .pkl (G_ema/...), NVIDIA state dict, rosinality (g_ema + latent_avg)
 *   e4e:       state_dict/encoder.* (unchanged) + decoder.* (→ stylegan2 canonical) + latent_avg
 *   lpips:     lin*.model.1.weight + torchvision features.* (+ --backbone file) + scaling_layer.*
 *   bisenet:   names unchanged, num_batches_tracked dropped
 * Values are never changed; only names and (squeezed/unsqueezed) shapes. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "weights/load.h"

typedef struct conv {
    fs_tensor_map *raw, *out;
    fs_err *err;
} conv;

static int starts(const char *s, const char *p) { return !strncmp(s, p, strlen(p)); }
static int ends(const char *s, const char *p) {
    size_t a = strlen(s), b = strlen(p);
    return a >= b && !strcmp(s + a - b, p);
}

/* Moves raw[from] to out[to], reshaped to (nd, shape) when nd >= 0 (same element count). */
static int move(conv *c, const char *from, const char *to, int nd, const int64_t *shape) {
    fs_tensor *t = fs_tensor_map_take(c->raw, from);
    if (!t) return fs_errorf(c->err, "missing tensor '%s'", from);
    if (strlen(to) >= sizeof t->name) {
        fs_tensor_destroy(t);
        return fs_errorf(c->err, "tensor name too long: '%s'", to);
    }
    if (nd >= 0) {
        int64_t n = 1;
        for (int i = 0; i < nd; i++) n *= shape[i];
        if (n != fs_tensor_numel(t) || !fs_tensor_is_contiguous(t)) {
            char s[128];
            fs_tensor_shape_str(t, s, sizeof s);
            fs_tensor_destroy(t);
            return fs_errorf(c->err, "tensor '%s' has shape %s, which does not fit '%s'", from, s, to);
        }
        t->ndim = nd;
        for (int i = 0; i < nd; i++) t->shape[i] = shape[i];
        fs_tensor_set_contiguous_strides(t);
    }
    memcpy(t->name, to, strlen(to) + 1); /* length checked above */
    return fs_tensor_map_add(c->out, t, c->err);
}

/* Moves with the leading size-1 dimensions dropped (unsqueeze(0) undone) or `drop` dims. */
static int move_squeeze(conv *c, const char *from, const char *to, int drop) {
    const fs_tensor *t = fs_tensor_map_get(c->raw, from);
    if (!t) return fs_errorf(c->err, "missing tensor '%s'", from);
    if (t->ndim < drop) return fs_errorf(c->err, "tensor '%s' has too few dimensions", from);
    for (int i = 0; i < drop; i++)
        if (t->shape[i] != 1) return fs_errorf(c->err, "tensor '%s': dimension %d is %lld, expected 1", from, i, (long long)t->shape[i]);
    /* copy the shape: move() takes the tensor out of the map (and may free it) before reading it */
    int64_t shape[FS_MAX_DIMS];
    for (int i = drop; i < t->ndim; i++) shape[i - drop] = t->shape[i];
    return move(c, from, to, t->ndim - drop, shape);
}

static int set_meta(conv *c, const char *k, const char *v) { return fs_tensor_map_set_meta(c->out, k, v, c->err); }
static int set_meta_int(conv *c, const char *k, long long v) {
    char b[32];
    snprintf(b, sizeof b, "%lld", v);
    return set_meta(c, k, b);
}

static int base_meta(conv *c, const char *kind) {
    return set_meta(c, "format", "facestitch") || set_meta(c, "kind", kind) || set_meta(c, "version", "1");
}

static int ilog2(long long v) {
    int k = 0;
    while ((1ll << k) < v) k++;
    return (1ll << k) == v ? k : -1;
}

/* ---------------- stylegan2 ---------------- */

/* Architecture facts from canonical tensors under prefix p ("" or "decoder."). */
static int sg2_facts(conv *c, const char *p, const char *init_kwargs_json, const char *layout) {
    char nm[160];
    const fs_tensor *t;
    int layers = 0;
    for (;; layers++) {
        snprintf(nm, sizeof nm, "%smapping.fc%d.weight", p, layers);
        if (!fs_tensor_map_get(c->out, nm)) break;
    }
    snprintf(nm, sizeof nm, "%ssynthesis.b4.conv1.affine.weight", p);
    t = fs_tensor_map_get(c->out, nm);
    if (!t || t->ndim != 2) return fs_errorf(c->err, "not a StyleGAN2 generator: missing '%s'", nm);
    long long w_dim = t->shape[1];
    long long z_dim = w_dim;
    snprintf(nm, sizeof nm, "%smapping.fc0.weight", p);
    t = fs_tensor_map_get(c->out, nm);
    if (t && t->ndim == 2) {
        z_dim = t->shape[1];
        snprintf(nm, sizeof nm, "%smapping.embed.weight", p);
        const fs_tensor *e = fs_tensor_map_get(c->out, nm);
        if (e && e->ndim == 2) z_dim -= e->shape[0];
    }
    char ch[512] = "{";
    long long res = 4;
    for (long long r = 4; r <= (1 << 16); r *= 2) {
        snprintf(nm, sizeof nm, "%ssynthesis.b%lld.conv1.weight", p, r);
        t = fs_tensor_map_get(c->out, nm);
        if (!t) break;
        res = r;
        size_t l = strlen(ch);
        snprintf(ch + l, sizeof ch - l, "%s\"%lld\":%lld", r == 4 ? "" : ",", r, (long long)t->shape[0]);
    }
    strncat(ch, "}", sizeof ch - strlen(ch) - 1);
    long long num_ws = 2 * ilog2(res) - 2;
    const char *clamp = NULL;
    char clampb[32];
    double lr = 0.01;
    if (init_kwargs_json) { /* NVIDIA pickle: read the constructor arguments and check them */
        cJSON *j = cJSON_Parse(init_kwargs_json);
        if (j) {
            cJSON *x = cJSON_GetObjectItemCaseSensitive(j, "img_resolution");
            if (cJSON_IsNumber(x) && (long long)x->valuedouble != res) {
                cJSON_Delete(j);
                return fs_errorf(c->err, "init_kwargs img_resolution %g disagrees with the tensors (%lld)", x->valuedouble, res);
            }
            x = cJSON_GetObjectItemCaseSensitive(j, "z_dim");
            if (cJSON_IsNumber(x)) z_dim = (long long)x->valuedouble;
            cJSON *sk = cJSON_GetObjectItemCaseSensitive(j, "synthesis_kwargs");
            x = cJSON_GetObjectItemCaseSensitive(sk, "conv_clamp");
            if (cJSON_IsNull(x)) clamp = "none";
            else if (cJSON_IsNumber(x)) {
                snprintf(clampb, sizeof clampb, "%g", x->valuedouble);
                clamp = clampb;
            }
            cJSON *mk = cJSON_GetObjectItemCaseSensitive(j, "mapping_kwargs");
            x = cJSON_GetObjectItemCaseSensitive(mk, "lr_multiplier");
            if (cJSON_IsNumber(x)) lr = x->valuedouble;
            x = cJSON_GetObjectItemCaseSensitive(mk, "num_layers");
            if (cJSON_IsNumber(x) && (int)x->valuedouble != layers) {
                cJSON_Delete(j);
                return fs_errorf(c->err, "init_kwargs mapping num_layers %g disagrees with the tensors (%d)", x->valuedouble, layers);
            }
            cJSON_Delete(j);
        }
    } else if (!strcmp(layout, "rosinality")) {
        clamp = "none"; /* rosinality's generator has no clamp */
    }
    char k[96], lrb[32];
    snprintf(lrb, sizeof lrb, "%g", lr);
#define MK(name) (snprintf(k, sizeof k, "%s%s", p[0] ? "decoder_" : "", name), k)
    if (set_meta(c, MK("layout"), layout) || set_meta_int(c, MK("resolution"), res) || set_meta_int(c, MK("z_dim"), z_dim) ||
        set_meta_int(c, MK("w_dim"), w_dim) || set_meta_int(c, MK("num_ws"), num_ws) ||
        set_meta_int(c, MK("mapping_layers"), layers) || set_meta(c, MK("channels"), ch) ||
        set_meta(c, MK("lr_multiplier"), lrb))
        return FS_ERR;
    if (clamp && set_meta(c, MK("conv_clamp"), clamp)) return FS_ERR;
#undef MK
    return FS_OK;
}

/* The name of the first tensor of c->raw at or after index *i that starts with prefix (*i moves to
 * it), or NULL. The loops below move or drop each tensor they get, which shifts the next one to *i. */
static const char *next_under(conv *c, const char *prefix, int *i) {
    for (; *i < c->raw->count; ++*i)
        if (starts(c->raw->items[*i]->name, prefix)) return c->raw->items[*i]->name;
    return NULL;
}

/* NVIDIA names under raw prefix rp (e.g. "G_ema/") → canonical under op. */
static int sg2_from_nvidia(conv *c, const char *rp, const char *op) {
    int n = 0;
    const char *name;
    for (int i = 0; (name = next_under(c, rp, &i));) {
        const char *rest = name + strlen(rp);
        if (ends(rest, "resample_filter")) {
            fs_tensor_destroy(fs_tensor_map_take(c->raw, name));
            continue;
        }
        char to[256], from[256];
        snprintf(from, sizeof from, "%s", name);
        snprintf(to, sizeof to, "%s%s", op, rest);
        if (move(c, from, to, -1, NULL)) return FS_ERR;
        n++;
    }
    if (!n) return fs_errorf(c->err, "no StyleGAN2 tensors under '%s'", rp);
    return FS_OK;
}

/* rosinality names under raw prefix rp ("g_ema/", "g_ema.", "decoder." or "") → canonical under op. */
static int sg2_from_rosinality(conv *c, const char *rp, const char *latent_avg, const char *op) {
    char from[256], to[256], tail[128];
    int n = 0;
    const char *name;
    for (int i = 0; (name = next_under(c, rp, &i));) {
        const char *r = name + strlen(rp);
        snprintf(from, sizeof from, "%s", name);
        int j, k, rc = FS_OK;
        const fs_tensor *t = c->raw->items[i];
        n++;
        if (sscanf(r, "style.%d.%127s", &j, tail) == 2 && j >= 1) {
            snprintf(to, sizeof to, "%smapping.fc%d.%s", op, j - 1, tail);
            rc = move(c, from, to, -1, NULL);
        } else if (!strcmp(r, "input.input")) {
            snprintf(to, sizeof to, "%ssynthesis.b4.const", op);
            rc = move_squeeze(c, from, to, 1);
        } else if (sscanf(r, "noises.noise_%d", &j) == 1 && j >= 0) {
            long long res = j == 0 ? 4 : 8ll << ((j - 1) / 2);
            const char *layer = j == 0 ? "conv1" : (j % 2 ? "conv0" : "conv1");
            snprintf(to, sizeof to, "%ssynthesis.b%lld.%s.noise_const", op, res, layer);
            rc = move_squeeze(c, from, to, 2);
        } else if (ends(r, ".blur.kernel") || ends(r, ".upsample.kernel")) {
            fs_tensor_destroy(fs_tensor_map_take(c->raw, from)); /* fixed FIR buffers: recomputed */
            continue;
        } else {
            char blk[64];
            long long res = 0;
            const char *sub = NULL;
            int is_rgb = 0;
            if (starts(r, "conv1.")) {
                snprintf(blk, sizeof blk, "b4.conv1");
                sub = r + 6;
            } else if (starts(r, "to_rgb1.")) {
                snprintf(blk, sizeof blk, "b4.torgb");
                sub = r + 8;
                is_rgb = 1;
            } else if (sscanf(r, "convs.%d.%n", &k, &j) == 1 && k >= 0 && k < 40) {
                sub = strchr(r + 6, '.');
                sub = sub ? sub + 1 : "";
                res = 8ll << (k / 2);
                snprintf(blk, sizeof blk, "b%lld.%s", res, k % 2 ? "conv1" : "conv0");
            } else if (sscanf(r, "to_rgbs.%d.", &k) == 1 && k >= 0 && k < 20) {
                sub = strchr(r + 8, '.');
                sub = sub ? sub + 1 : "";
                res = 8ll << k;
                snprintf(blk, sizeof blk, "b%lld.torgb", res);
                is_rgb = 1;
            }
            if (!sub) return fs_errorf(c->err, "unexpected tensor '%s' in a rosinality generator", from);
            if (!strcmp(sub, "conv.weight")) {
                snprintf(to, sizeof to, "%ssynthesis.%s.weight", op, blk);
                rc = move_squeeze(c, from, to, 1);
            } else if (!strcmp(sub, "conv.modulation.weight") || !strcmp(sub, "conv.modulation.bias")) {
                snprintf(to, sizeof to, "%ssynthesis.%s.affine.%s", op, blk, sub + 16);
                rc = move(c, from, to, -1, NULL);
            } else if (!strcmp(sub, "noise.weight") && !is_rgb) {
                snprintf(to, sizeof to, "%ssynthesis.%s.noise_strength", op, blk);
                rc = move(c, from, to, 0, NULL);
            } else if (!strcmp(sub, "activate.bias") && !is_rgb) {
                snprintf(to, sizeof to, "%ssynthesis.%s.bias", op, blk);
                rc = move(c, from, to, -1, NULL);
            } else if (!strcmp(sub, "bias") && is_rgb) {
                int64_t s3 = t->ndim == 4 ? t->shape[1] : fs_tensor_numel(t);
                snprintf(to, sizeof to, "%ssynthesis.%s.bias", op, blk);
                rc = move(c, from, to, 1, &s3);
            } else {
                return fs_errorf(c->err, "unexpected tensor '%s' in a rosinality generator", from);
            }
        }
        if (rc) return FS_ERR;
    }
    if (!n) return fs_errorf(c->err, "no rosinality generator tensors under '%s'", rp);
    if (latent_avg) {
        const fs_tensor *la = fs_tensor_map_get(c->raw, latent_avg);
        if (la) {
            int64_t w = la->ndim ? la->shape[la->ndim - 1] : 1;
            snprintf(to, sizeof to, "%smapping.w_avg", op);
            if (fs_tensor_numel(la) == w) {
                if (move(c, latent_avg, to, 1, &w)) return FS_ERR;
            } else { /* e4e [num_ws, w_dim]: the rows are equal; row 0 is the generator's mean w */
                fs_tensor *cp = fs_tensor_create(1, &w, c->err);
                if (!cp || la->dtype != FS_F32 || !fs_tensor_is_contiguous(la)) {
                    fs_tensor_destroy(cp);
                    return fs_errorf(c->err, "latent_avg: unexpected dtype or layout");
                }
                memcpy(cp->data, la->data, (size_t)w * 4);
                if (strlen(to) >= sizeof cp->name) {
                    fs_tensor_destroy(cp);
                    return fs_errorf(c->err, "tensor name too long: '%s'", to);
                }
                memcpy(cp->name, to, strlen(to) + 1);
                if (fs_tensor_map_add(c->out, cp, c->err)) return FS_ERR;
            }
        }
    }
    return FS_OK;
}

static const char *sg2_raw_layout(const fs_tensor_map *m, char *rp, size_t n, const char **latent) {
    static const char *nv[] = {"G_ema/", "G_ema.", ""};
    static const char *ro[] = {"g_ema/", "g_ema.", ""};
    char probe[128];
    for (int i = 0; i < 3; i++) {
        snprintf(probe, sizeof probe, "%ssynthesis.b4.const", nv[i]);
        if (fs_tensor_map_get(m, probe)) {
            snprintf(rp, n, "%s", nv[i]);
            *latent = NULL;
            return "nvidia";
        }
    }
    for (int i = 0; i < 3; i++) {
        snprintf(probe, sizeof probe, "%sinput.input", ro[i]);
        if (fs_tensor_map_get(m, probe)) {
            snprintf(rp, n, "%s", ro[i]);
            *latent = fs_tensor_map_get(m, "latent_avg") ? "latent_avg" : NULL;
            return "rosinality";
        }
    }
    return NULL;
}

static int canon_stylegan2(conv *c) {
    char rp[32];
    const char *latent = NULL;
    const char *layout = sg2_raw_layout(c->raw, rp, sizeof rp, &latent);
    if (!layout) {
        if (fs_tensor_map_meta(c->raw, "pickle:G:class_name") && !fs_tensor_map_meta(c->raw, "pickle:G_ema:class_name"))
            return fs_errorf(c->err, "no 'G_ema' entry in this pickle (only G/D): facestitch uses G_ema");
        return fs_errorf(c->err, "not a StyleGAN2 generator (no 'synthesis.b4.const' nor rosinality 'input.input')");
    }
    if (base_meta(c, "stylegan2")) return FS_ERR;
    if (!strcmp(layout, "nvidia")) {
        if (sg2_from_nvidia(c, rp, "")) return FS_ERR;
    } else if (sg2_from_rosinality(c, rp, latent, "")) {
        return FS_ERR;
    }
    const char *kw = NULL;
    if (!strcmp(rp, "G_ema/")) kw = fs_tensor_map_meta(c->raw, "pickle:G_ema:init_kwargs");
    return sg2_facts(c, "", kw, layout);
}

/* ---------------- e4e ---------------- */

static int canon_e4e(conv *c) {
    const char *sp = fs_tensor_map_get(c->raw, "state_dict/encoder.input_layer.0.weight") ? "state_dict/" : "";
    char probe[128];
    snprintf(probe, sizeof probe, "%sencoder.input_layer.0.weight", sp);
    if (!fs_tensor_map_get(c->raw, probe)) return fs_errorf(c->err, "not an e4e checkpoint (no 'encoder.input_layer.0.weight')");
    if (base_meta(c, "e4e")) return FS_ERR;
    char enc[64], dec[64];
    snprintf(enc, sizeof enc, "%sencoder.", sp);
    snprintf(dec, sizeof dec, "%sdecoder.", sp);
    const char *name;
    for (int i = 0; (name = next_under(c, enc, &i));) {
        char from[256];
        snprintf(from, sizeof from, "%s", name);
        if (move(c, from, from + strlen(sp), -1, NULL)) return FS_ERR;
    }
    const fs_tensor *la = fs_tensor_map_get(c->raw, "latent_avg");
    int has_dec = 0;
    for (int i = 0; i < c->raw->count && !has_dec; i++) has_dec = starts(c->raw->items[i]->name, dec);
    if (has_dec) {
        snprintf(probe, sizeof probe, "%sinput.input", dec);
        if (!fs_tensor_map_get(c->raw, probe)) return fs_errorf(c->err, "e4e decoder is not a rosinality generator");
        if (sg2_from_rosinality(c, dec, la ? "latent_avg" : NULL, "decoder.")) return FS_ERR;
        /* sg2_from_rosinality moved latent_avg when it was 1-D; keep the e4e name too */
        if (sg2_facts(c, "decoder.", NULL, "rosinality")) return FS_ERR;
    }
    if (fs_tensor_map_get(c->raw, "latent_avg")) {
        if (move(c, "latent_avg", "latent_avg", -1, NULL)) return FS_ERR;
    } else if (la == NULL) {
        /* no latent_avg in the file (trained without start_from_latent_avg) */
    } else {
        const fs_tensor *w = fs_tensor_map_get(c->out, "decoder.mapping.w_avg");
        fs_tensor *cp = w ? fs_tensor_clone(w, c->err) : NULL;
        if (!cp) return FS_ERR;
        snprintf(cp->name, sizeof cp->name, "latent_avg");
        if (fs_tensor_map_add(c->out, cp, c->err)) return FS_ERR;
    }
    int styles = 0;
    for (;; styles++) {
        snprintf(probe, sizeof probe, "encoder.styles.%d.linear.weight", styles);
        if (!fs_tensor_map_get(c->out, probe)) break;
    }
    const fs_tensor *l = fs_tensor_map_get(c->out, "encoder.styles.0.linear.weight");
    if (set_meta_int(c, "n_styles", styles)) return FS_ERR;
    if (l && set_meta_int(c, "w_dim", l->shape[0])) return FS_ERR;
    return FS_OK;
}

/* ---------------- lpips ---------------- */

static int lpips_trunk(conv *c, fs_tensor_map *src) {
    conv s = {src, c->out, c->err};
    for (int i = 0; i < src->count;) {
        const char *name = src->items[i]->name;
        char from[256], to[256];
        snprintf(from, sizeof from, "%s", name);
        int k, idx, off = 0;
        const char *p = name;
        if (starts(p, "net.")) p += 4; /* LPIPS module state dict: net.sliceK.<torchvision index>.* */
        if (sscanf(p, "slice%d.%d.%n", &k, &idx, &off) == 2 && off > 0) {
            snprintf(to, sizeof to, "features.%d.%s", idx, p + off);
        } else if (starts(name, "features.")) {
            snprintf(to, sizeof to, "%s", name);
        } else if (starts(name, "module.features.")) {
            snprintf(to, sizeof to, "%s", name + 7);
        } else {
            i++;
            continue;
        }
        if (fs_tensor_map_get(c->out, to)) { /* given twice (combined file + backbone): first wins */
            fs_tensor_destroy(fs_tensor_map_take(src, from));
            continue;
        }
        if (move(&s, from, to, -1, NULL)) return FS_ERR;
    }
    return FS_OK;
}

static int canon_lpips(conv *c, fs_tensor_map *backbone) {
    if (!fs_tensor_map_get(c->raw, "lin0.model.1.weight"))
        return fs_errorf(c->err, "not an LPIPS file (no 'lin0.model.1.weight')");
    if (base_meta(c, "lpips")) return FS_ERR;
    int nlin = 0;
    for (;; nlin++) {
        char n[64];
        snprintf(n, sizeof n, "lin%d.model.1.weight", nlin);
        if (!fs_tensor_map_get(c->raw, n)) break;
        if (move(c, n, n, -1, NULL)) return FS_ERR;
    }
    if (lpips_trunk(c, c->raw)) return FS_ERR;
    if (backbone && lpips_trunk(c, backbone)) return FS_ERR;
    static const float shift[3] = {-.030f, -.088f, -.188f}, scale[3] = {.458f, .448f, .450f};
    static const char *sn[2] = {"scaling_layer.shift", "scaling_layer.scale"};
    for (int k = 0; k < 2; k++) {
        if (fs_tensor_map_get(c->raw, sn[k])) {
            if (move(c, sn[k], sn[k], -1, NULL)) return FS_ERR;
            continue;
        }
        int64_t s[4] = {1, 3, 1, 1};
        fs_tensor *t = fs_tensor_create(4, s, c->err);
        if (!t) return FS_ERR;
        memcpy(t->data, k ? scale : shift, sizeof shift);
        snprintf(t->name, sizeof t->name, "%s", sn[k]);
        if (fs_tensor_map_add(c->out, t, c->err)) return FS_ERR;
    }
    const char *net = NULL;
    const fs_tensor *f0 = fs_tensor_map_get(c->out, "features.0.weight");
    const fs_tensor *l0 = fs_tensor_map_get(c->out, "lin0.model.1.weight"), *l1 = fs_tensor_map_get(c->out, "lin1.model.1.weight");
    if (f0 && f0->ndim == 4) net = f0->shape[3] == 11 ? "alex" : f0->shape[3] == 3 ? "vgg" : NULL;
    if (!net && nlin == 7) net = "squeeze";
    if (!net && l0 && l1 && l0->ndim == 4 && l1->ndim == 4)
        net = l1->shape[1] == 3 * l0->shape[1] ? "alex" : l1->shape[1] == 2 * l0->shape[1] ? "vgg" : NULL;
    if (net && set_meta(c, "net", net)) return FS_ERR;
    if (set_meta(c, "lpips_version", "0.1")) return FS_ERR;
    if (set_meta(c, "trunk", f0 ? "included" : "missing")) return FS_ERR;
    return FS_OK;
}

/* ---------------- bisenet ---------------- */

static int canon_bisenet(conv *c) {
    const char *p = fs_tensor_map_get(c->raw, "cp.resnet.conv1.weight") ? "" :
                    fs_tensor_map_get(c->raw, "module.cp.resnet.conv1.weight") ? "module." : NULL;
    if (!p) return fs_errorf(c->err, "not a BiSeNet face-parsing checkpoint (no 'cp.resnet.conv1.weight')");
    if (base_meta(c, "bisenet")) return FS_ERR;
    for (int i = 0; i < c->raw->count;) {
        const char *name = c->raw->items[i]->name;
        char from[256];
        snprintf(from, sizeof from, "%s", name);
        if (ends(name, "num_batches_tracked") || !starts(name, p)) {
            fs_tensor_destroy(fs_tensor_map_take(c->raw, from));
            continue;
        }
        if (move(c, from, from + strlen(p), -1, NULL)) return FS_ERR;
    }
    const fs_tensor *o = fs_tensor_map_get(c->out, "conv_out.conv_out.weight");
    if (o && set_meta_int(c, "n_classes", o->shape[0])) return FS_ERR;
    return FS_OK;
}

/* ---------------- dispatch ---------------- */

const char *fs_weights_detect_kind(const fs_tensor_map *m) {
    const char *k = fs_tensor_map_meta(m, "kind");
    const char *f = fs_tensor_map_meta(m, "format");
    if (k && f && !strcmp(f, "facestitch") && strcmp(k, "raw")) return k;
    if (fs_tensor_map_get(m, "state_dict/encoder.input_layer.0.weight") || fs_tensor_map_get(m, "encoder.input_layer.0.weight"))
        return "e4e";
    char rp[32];
    const char *lat;
    if (sg2_raw_layout(m, rp, sizeof rp, &lat)) return "stylegan2";
    if (fs_tensor_map_get(m, "lin0.model.1.weight")) return "lpips";
    if (fs_tensor_map_get(m, "cp.resnet.conv1.weight") || fs_tensor_map_get(m, "module.cp.resnet.conv1.weight"))
        return "bisenet";
    return NULL;
}

int fs_weights_canonicalize(fs_tensor_map *raw, const char *kind, fs_tensor_map *backbone, fs_tensor_map **out,
                            fs_err *err) {
    if (!kind) kind = "auto";
    const char *f = fs_tensor_map_meta(raw, "format"), *k = fs_tensor_map_meta(raw, "kind");
    int was_raw = f && k && !strcmp(f, "facestitch") && !strcmp(k, "raw");
    if (f && k && !strcmp(f, "facestitch") && !was_raw) { /* already canonical */
        if (strcmp(kind, "auto") && strcmp(kind, k))
            return fs_errorf(err, "this is a facestitch '%s' file, not '%s'", k, kind);
        const char *v = fs_tensor_map_meta(raw, "version");
        if (v && atoi(v) > 1)
            return fs_errorf(err, "facestitch file format version %s is newer than this build understands (1): "
                             "update facestitch", v);
        *out = NULL; /* caller keeps raw */
        return FS_OK;
    }
    if (!strcmp(kind, "raw")) {
        if (fs_tensor_map_set_meta(raw, "format", "facestitch", err) || fs_tensor_map_set_meta(raw, "kind", "raw", err) ||
            fs_tensor_map_set_meta(raw, "version", "1", err))
            return FS_ERR;
        *out = NULL;
        return FS_OK;
    }
    if (!strcmp(kind, "auto")) {
        kind = fs_weights_detect_kind(raw);
        if (!kind && was_raw) { /* a `convert --kind raw` file of no known kind: as is */
            *out = NULL;
            return FS_OK;
        }
        if (!kind) {
            if (raw->count == 0)
                return fs_errorf(err, "no tensors found (a TensorFlow-era StyleGAN2 pickle? those are not supported; "
                                 "see docs/weights.md)");
            return fs_errorf(err, "cannot tell the model kind from the tensor names (first: '%s'); pass --kind, or "
                             "--kind raw to keep the original names", raw->items[0]->name);
        }
    }
    conv c = {raw, fs_tensor_map_create(), err};
    if (!c.out) return fs_errorf(err, "out of memory");
    int rc;
    if (!strcmp(kind, "stylegan2")) rc = canon_stylegan2(&c);
    else if (!strcmp(kind, "e4e")) rc = canon_e4e(&c);
    else if (!strcmp(kind, "lpips")) rc = canon_lpips(&c, backbone);
    else if (!strcmp(kind, "bisenet")) rc = canon_bisenet(&c);
    else rc = fs_errorf(err, "unknown kind '%s' (auto, stylegan2, e4e, lpips, bisenet or raw)", kind);
    if (rc) {
        fs_tensor_map_destroy(c.out);
        return FS_ERR;
    }
    *out = c.out;
    return FS_OK;
}

int fs_weights_load_canonical_ex(const char *path, const char *kind, const char *backbone, fs_tensor_map **out,
                                 fs_err *err) {
    fs_tensor_map *raw = NULL, *bb = NULL, *res = NULL;
    if (fs_weights_load(path, &raw, err)) return FS_ERR;
    if (backbone && fs_weights_load(backbone, &bb, err)) {
        fs_tensor_map_destroy(raw);
        return FS_ERR;
    }
    int rc = fs_weights_canonicalize(raw, kind, bb, &res, err);
    fs_tensor_map_destroy(bb);
    if (rc) {
        fs_tensor_map_destroy(raw);
        return fs_err_prefix(err, path);
    }
    if (res) {
        fs_tensor_map_destroy(raw);
        *out = res;
    } else {
        *out = raw;
    }
    return FS_OK;
}

int fs_weights_load_canonical(const char *path, const char *kind, fs_tensor_map **out, fs_err *err) {
    return fs_weights_load_canonical_ex(path, kind, NULL, out, err);
}
