/* test_weights_fixtures.c — every PyTorch file of ../shared/fixtures read without Python:
 * raw tensors bit-identical to the .safetensors twin; canonical conversions bit-identical
 * through the mapping table of docs/canonical-names.md; real LPIPS legacy pickles and STIT
 * .npy directions give the values an independent reader found. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "weights/load.h"
#include "weights/safetensors.h"

static fs_tensor_map *load(const char *rel) {
    fs_tensor_map *m = NULL;
    fs_err err = {0};
    if (fs_weights_load(test_shared_path(rel), &m, &err)) {
        fprintf(stderr, "FAIL load %s: %s\n", rel, err.msg);
        check__failures++;
        return NULL;
    }
    return m;
}

static int same_tensor(const fs_tensor *a, const fs_tensor *b, int allow_reshape) {
    if (a->dtype != b->dtype) return 0;
    if (!allow_reshape && !fs_tensor_same_shape(a, b)) return 0;
    if (fs_tensor_numel(a) != fs_tensor_numel(b)) return 0;
    if (!fs_tensor_is_contiguous(a) || !fs_tensor_is_contiguous(b)) return 0;
    return !memcmp(a->data, b->data, fs_tensor_nbytes(a));
}

typedef int (*namemap)(const char *name, char *out, size_t n); /* 0: skip */

static int map_same(const char *s, char *o, size_t n) { return snprintf(o, n, "%s", s) > 0; }
static int map_state_dict(const char *s, char *o, size_t n) {
    return snprintf(o, n, "%s", strncmp(s, "state_dict/", 11) ? s : s + 11) > 0;
}
static int map_slash_dot(const char *s, char *o, size_t n) {
    snprintf(o, n, "%s", s);
    char *p = strchr(o, '/');
    if (p) *p = '.';
    return 1;
}
static int map_g_ema(const char *s, char *o, size_t n) {
    if (strncmp(s, "G_ema/", 6)) return 0;
    snprintf(o, n, "%s", s + 6);
    return 1;
}

/* Every mapped tensor of `file` equals the twin's; `twin_prefix` tensors of the twin all matched. */
static void raw_vs_twin(const char *file, const char *twin, namemap f, const char *twin_prefix) {
    fs_tensor_map *a = load(file), *b = load(twin);
    if (!a || !b) {
        fs_tensor_map_destroy(a);
        fs_tensor_map_destroy(b);
        return;
    }
    int matched = 0, mapped = 0, bad = 0;
    for (int i = 0; i < a->count; i++) {
        char nm[256];
        if (!f(a->items[i]->name, nm, sizeof nm)) continue;
        mapped++;
        const fs_tensor *t = fs_tensor_map_get(b, nm);
        if (!t || !same_tensor(a->items[i], t, 0)) {
            if (bad++ < 5) fprintf(stderr, "FAIL %s: '%s' -> '%s' %s\n", file, a->items[i]->name, nm, t ? "differs" : "missing in twin");
            continue;
        }
        matched++;
    }
    int want = 0;
    for (int i = 0; i < b->count; i++) want += !strncmp(b->items[i]->name, twin_prefix, strlen(twin_prefix));
    CHECK_MSG(bad == 0 && matched == mapped && matched == want, "%s: %d/%d matched, twin has %d", file, matched, mapped, want);
    if (!bad && matched == want) printf("OK raw %s: %d tensors bit-identical to %s\n", file, matched, twin);
    fs_tensor_map_destroy(a);
    fs_tensor_map_destroy(b);
}

static fs_tensor_map *canon(const char *rel, const char *kind, const char *backbone_rel) {
    fs_tensor_map *m = NULL;
    fs_err err = {0};
    if (fs_weights_load_canonical_ex(test_shared_path(rel), kind, backbone_rel ? test_shared_path(backbone_rel) : NULL, &m,
                                     &err)) {
        fprintf(stderr, "FAIL canonical %s: %s\n", rel, err.msg);
        check__failures++;
        return NULL;
    }
    /* write + read back: what `facestitch convert` produces */
    char path[256];
    snprintf(path, sizeof path, "/tmp/fs_test_canon_%d.safetensors", (int)getpid());
    fs_tensor_map *r = NULL;
    CHECK(fs_safetensors_save(path, m, &err) == FS_OK);
    CHECK(fs_safetensors_load(path, 0, &r, &err) == FS_OK);
    remove(path);
    fs_tensor_map_destroy(m);
    if (r) CHECK(r->meta_count >= 3 && !strcmp(fs_tensor_map_meta(r, "format"), "facestitch"));
    return r;
}

/* canonical stylegan2 name -> rosinality name, straight from the table in docs/canonical-names.md */
static int ros_name(const char *c, char *o, size_t n, int *squeeze) {
    int i, res;
    char layer[16], rest[64];
    *squeeze = 0;
    if (sscanf(c, "mapping.fc%d.%63s", &i, rest) == 2) return snprintf(o, n, "style.%d.%s", i + 1, rest) > 0;
    if (!strcmp(c, "mapping.w_avg")) return snprintf(o, n, "latent_avg") > 0;
    if (!strcmp(c, "synthesis.b4.const")) return *squeeze = 1, snprintf(o, n, "input.input") > 0;
    if (sscanf(c, "synthesis.b%d.%15[^.].%63s", &res, layer, rest) != 3) return 0;
    int k = 0;
    while ((8 << k) < res) k++;
    char mod[32];
    if (!strcmp(layer, "torgb")) {
        if (res == 4) snprintf(mod, sizeof mod, "to_rgb1");
        else snprintf(mod, sizeof mod, "to_rgbs.%d", k);
        if (!strcmp(rest, "weight")) return *squeeze = 1, snprintf(o, n, "%s.conv.weight", mod) > 0;
        if (!strcmp(rest, "bias")) return *squeeze = 1, snprintf(o, n, "%s.bias", mod) > 0;
        if (!strncmp(rest, "affine.", 7)) return snprintf(o, n, "%s.conv.modulation.%s", mod, rest + 7) > 0;
        return 0;
    }
    int noise_idx;
    if (res == 4) {
        snprintf(mod, sizeof mod, "conv1");
        noise_idx = 0;
    } else {
        int conv1 = !strcmp(layer, "conv1");
        snprintf(mod, sizeof mod, "convs.%d", 2 * k + conv1);
        noise_idx = 2 * k + 1 + conv1;
    }
    *squeeze = 1;
    if (!strcmp(rest, "weight")) return snprintf(o, n, "%s.conv.weight", mod) > 0;
    if (!strcmp(rest, "noise_strength")) return snprintf(o, n, "%s.noise.weight", mod) > 0;
    if (!strcmp(rest, "noise_const")) return snprintf(o, n, "noises.noise_%d", noise_idx) > 0;
    *squeeze = 0;
    if (!strcmp(rest, "bias")) return snprintf(o, n, "%s.activate.bias", mod) > 0;
    if (!strncmp(rest, "affine.", 7)) return snprintf(o, n, "%s.conv.modulation.%s", mod, rest + 7) > 0;
    return 0;
}

/* canonical tensors under cprefix == twin tensors (identity names under tprefix, or via the rosinality table) */
static int canon_vs_twin(const fs_tensor_map *c, const char *cprefix, const fs_tensor_map *twin, const char *tprefix,
                         int rosinality, const char *what) {
    int n = 0, bad = 0;
    size_t cl = strlen(cprefix);
    for (int i = 0; i < c->count; i++) {
        const char *name = c->items[i]->name;
        if (strncmp(name, cprefix, cl)) continue;
        char tn[256], rn[200];
        int squeeze = 0;
        if (rosinality) {
            if (!ros_name(name + cl, rn, sizeof rn, &squeeze)) {
                if (bad++ < 5) fprintf(stderr, "FAIL %s: canonical '%s' not in the mapping table\n", what, name);
                continue;
            }
            if (!strcmp(rn, "latent_avg")) snprintf(tn, sizeof tn, "latent_avg");
            else snprintf(tn, sizeof tn, "%s%s", tprefix, rn);
        } else {
            snprintf(tn, sizeof tn, "%s%s", tprefix, name + cl);
        }
        const fs_tensor *t = fs_tensor_map_get(twin, tn);
        int ok = t != NULL;
        if (ok && rosinality && !strcmp(tn, "latent_avg") && t->ndim == 2) {
            /* e4e latent_avg [num_ws, w_dim]: decoder w_avg is row 0 */
            ok = c->items[i]->ndim == 1 && c->items[i]->shape[0] == t->shape[1] &&
                 !memcmp(c->items[i]->data, t->data, (size_t)t->shape[1] * 4);
        } else if (ok) {
            ok = same_tensor(c->items[i], t, squeeze || rosinality);
        }
        if (!ok) {
            if (bad++ < 5) fprintf(stderr, "FAIL %s: '%s' vs twin '%s' %s\n", what, name, tn, t ? "differs" : "missing");
            continue;
        }
        n++;
    }
    CHECK_MSG(bad == 0 && n > 0, "%s: %d bad", what, bad);
    if (!bad) printf("OK canonical %s: %d tensors bit-identical to the twin\n", what, n);
    return n;
}

static void test_raw(void) {
    raw_vs_twin("fixtures/bisenet/bisenet_tiny.pth", "fixtures/bisenet/bisenet_tiny.safetensors", map_same, "");
    raw_vs_twin("fixtures/e4e/e4e_tiny.pt", "fixtures/e4e/e4e_tiny.safetensors", map_state_dict, "");
    raw_vs_twin("fixtures/lpips/alex_backbone_torchvision_layout.pth", "fixtures/lpips/lpips_alex.safetensors", map_same, "features.");
    raw_vs_twin("fixtures/lpips/lpips_alex_lin_v0.1.pth", "fixtures/lpips/lpips_alex.safetensors", map_same, "lin");
    raw_vs_twin("fixtures/lpips/vgg_backbone_torchvision_layout.pth", "fixtures/lpips/lpips_vgg.safetensors", map_same, "features.");
    raw_vs_twin("fixtures/lpips/lpips_vgg_lin_v0.1.pth", "fixtures/lpips/lpips_vgg.safetensors", map_same, "lin");
    raw_vs_twin("fixtures/stylegan2_nvidia/G_ema_state_dict.pt", "fixtures/stylegan2_nvidia/G_ema.safetensors", map_same, "");
    raw_vs_twin("fixtures/stylegan2_nvidia/network-snapshot-style.pkl", "fixtures/stylegan2_nvidia/G_ema.safetensors", map_g_ema, "");
    raw_vs_twin("fixtures/stylegan2_rosinality/stylegan2_tiny.pt", "fixtures/stylegan2_rosinality/stylegan2_tiny.safetensors",
                map_slash_dot, "");
    /* the pkl's G and D are there too, under their own paths */
    fs_tensor_map *m = load("fixtures/stylegan2_nvidia/network-snapshot-style.pkl");
    if (m) {
        CHECK(fs_tensor_map_get(m, "G/mapping.fc0.weight") && fs_tensor_map_get(m, "G_ema/mapping.w_avg"));
        const char *kw = fs_tensor_map_meta(m, "pickle:G_ema:init_kwargs");
        CHECK(kw && strstr(kw, "\"conv_clamp\":256") && strstr(kw, "\"img_resolution\":64"));
        CHECK(fs_tensor_map_meta(m, "pickle:G_ema:class_name") && !strcmp(fs_tensor_map_meta(m, "pickle:G_ema:class_name"), "Generator"));
        fs_tensor_map_destroy(m);
    }
}

static void test_canonical(void) {
    fs_tensor_map *twin = load("fixtures/stylegan2_nvidia/G_ema.safetensors");
    fs_tensor_map *c = canon("fixtures/stylegan2_nvidia/network-snapshot-style.pkl", "auto", NULL);
    if (twin && c) {
        CHECK(canon_vs_twin(c, "", twin, "", 0, "nvidia pkl") == 80);
        CHECK(c->count == 80); /* 94 minus the 14 resample_filter buffers */
        CHECK(!strcmp(fs_tensor_map_meta(c, "kind"), "stylegan2") && !strcmp(fs_tensor_map_meta(c, "layout"), "nvidia"));
        CHECK(!strcmp(fs_tensor_map_meta(c, "conv_clamp"), "256") && !strcmp(fs_tensor_map_meta(c, "num_ws"), "10"));
        CHECK(!strcmp(fs_tensor_map_meta(c, "resolution"), "64") && !strcmp(fs_tensor_map_meta(c, "mapping_layers"), "2"));
        CHECK(!strcmp(fs_tensor_map_meta(c, "channels"), "{\"4\":64,\"8\":64,\"16\":64,\"32\":32,\"64\":16}"));
    }
    fs_tensor_map_destroy(c);
    c = canon("fixtures/stylegan2_nvidia/G_ema_state_dict.pt", "stylegan2", NULL);
    if (twin && c) CHECK(canon_vs_twin(c, "", twin, "", 0, "nvidia state dict") == 80);
    fs_tensor_map_destroy(c);
    fs_tensor_map_destroy(twin);

    twin = load("fixtures/stylegan2_rosinality/stylegan2_tiny.safetensors");
    c = canon("fixtures/stylegan2_rosinality/stylegan2_tiny.pt", "auto", NULL);
    if (twin && c) {
        CHECK(canon_vs_twin(c, "", twin, "g_ema.", 1, "rosinality") == 80);
        CHECK(!strcmp(fs_tensor_map_meta(c, "layout"), "rosinality"));
        /* shapes after the table: const [C,4,4], conv weight [O,I,3,3], noise_strength [], torgb bias [3] */
        const fs_tensor *t = fs_tensor_map_get(c, "synthesis.b4.const");
        CHECK(t && t->ndim == 3 && t->shape[0] == 64);
        t = fs_tensor_map_get(c, "synthesis.b16.conv0.weight");
        CHECK(t && t->ndim == 4 && t->shape[0] == 64 && t->shape[2] == 3);
        t = fs_tensor_map_get(c, "synthesis.b64.conv1.noise_strength");
        CHECK(t && t->ndim == 0);
        t = fs_tensor_map_get(c, "synthesis.b64.conv1.noise_const");
        CHECK(t && t->ndim == 2 && t->shape[0] == 64);
        t = fs_tensor_map_get(c, "synthesis.b8.torgb.bias");
        CHECK(t && t->ndim == 1 && t->shape[0] == 3);
        CHECK(fs_tensor_map_get(c, "mapping.w_avg") != NULL);
    }
    fs_tensor_map_destroy(c);
    fs_tensor_map_destroy(twin);

    twin = load("fixtures/e4e/e4e_tiny.safetensors");
    c = canon("fixtures/e4e/e4e_tiny.pt", "auto", NULL);
    if (twin && c) {
        int ne = canon_vs_twin(c, "encoder.", twin, "encoder.", 0, "e4e encoder");
        int nd = canon_vs_twin(c, "decoder.", twin, "decoder.", 1, "e4e decoder");
        const fs_tensor *a = fs_tensor_map_get(c, "latent_avg"), *b = fs_tensor_map_get(twin, "latent_avg");
        CHECK(a && b && same_tensor(a, b, 0));
        CHECK(ne + nd + 1 == c->count);
        CHECK(!strcmp(fs_tensor_map_meta(c, "kind"), "e4e") && !strcmp(fs_tensor_map_meta(c, "n_styles"), "10"));
    }
    fs_tensor_map_destroy(c);
    fs_tensor_map_destroy(twin);

    twin = load("fixtures/bisenet/bisenet_tiny.safetensors");
    c = canon("fixtures/bisenet/bisenet_tiny.pth", "bisenet", NULL);
    if (twin && c) {
        CHECK(canon_vs_twin(c, "", twin, "", 0, "bisenet") == 160); /* 191 minus 31 num_batches_tracked */
        CHECK(!strcmp(fs_tensor_map_meta(c, "n_classes"), "19"));
    }
    fs_tensor_map_destroy(c);
    fs_tensor_map_destroy(twin);

    static const char *nets[2][3] = {{"alex", "fixtures/lpips/lpips_alex_lin_v0.1.pth", "fixtures/lpips/alex_backbone_torchvision_layout.pth"},
                                     {"vgg", "fixtures/lpips/lpips_vgg_lin_v0.1.pth", "fixtures/lpips/vgg_backbone_torchvision_layout.pth"}};
    for (int k = 0; k < 2; k++) {
        char tw[128];
        snprintf(tw, sizeof tw, "fixtures/lpips/lpips_%s.safetensors", nets[k][0]);
        twin = load(tw);
        c = canon(nets[k][1], "lpips", nets[k][2]);
        if (twin && c) {
            CHECK(canon_vs_twin(c, "", twin, "", 0, nets[k][0]) == twin->count); /* lin + trunk + scaling constants */
            CHECK(c->count == twin->count);
            CHECK(!strcmp(fs_tensor_map_meta(c, "net"), nets[k][0]));
        }
        fs_tensor_map_destroy(c);
        c = canon(nets[k][1], "auto", NULL); /* lin layers only */
        if (c) CHECK(!strcmp(fs_tensor_map_meta(c, "net"), nets[k][0]) && !strcmp(fs_tensor_map_meta(c, "trunk"), "missing"));
        fs_tensor_map_destroy(c);
        fs_tensor_map_destroy(twin);
    }
    /* a `convert --kind raw` file of a .pkl still maps to the canonical generator later */
    {
        fs_err e2 = {0};
        fs_tensor_map *raw = NULL, *res = NULL, *back = NULL;
        char path[256];
        snprintf(path, sizeof path, "/tmp/fs_test_raw_%d.safetensors", (int)getpid());
        CHECK(fs_weights_load(test_shared_path("fixtures/stylegan2_nvidia/network-snapshot-style.pkl"), &raw, &e2) == FS_OK);
        if (raw) {
            CHECK(fs_weights_canonicalize(raw, "raw", NULL, &res, &e2) == FS_OK && res == NULL);
            CHECK(fs_safetensors_save(path, raw, &e2) == FS_OK);
            fs_tensor_map_destroy(raw);
            CHECK(fs_weights_load_canonical(path, "auto", &back, &e2) == FS_OK);
            CHECK(back && back->count == 80 && !strcmp(fs_tensor_map_meta(back, "kind"), "stylegan2") &&
                  !strcmp(fs_tensor_map_meta(back, "conv_clamp"), "256"));
            fs_tensor_map_destroy(back);
            remove(path);
        }
    }
    /* a canonical file loads back unchanged */
    fs_err err = {0};
    c = canon("fixtures/stylegan2_rosinality/stylegan2_tiny.pt", "stylegan2", NULL);
    if (c) {
        char path[256];
        snprintf(path, sizeof path, "/tmp/fs_test_canon2_%d.safetensors", (int)getpid());
        CHECK(fs_safetensors_save(path, c, &err) == FS_OK);
        fs_tensor_map *r = NULL;
        CHECK(fs_weights_load_canonical(path, "auto", &r, &err) == FS_OK);
        CHECK(r && r->count == c->count);
        fs_tensor_map_destroy(r);
        r = NULL;
        CHECK(fs_weights_load_canonical(path, "e4e", &r, &err) != FS_OK && strstr(err.msg, "not 'e4e'"));
        remove(path);
        fs_tensor_map_destroy(c);
    }
}

static void test_real(void) {
    /* values found by an independent reader (Python's pickle module + struct on the raw storages) */
    static const struct {
        const char *net;
        int64_t c[5];
        float first[5], last[5];
    } want[2] = {
        {"alex", {64, 192, 384, 256, 256},
         {3.7879954106756486e-06f, 0.0f, 0.00010840105096576735f, 0.14260642230510712f, 0.19301725924015045f},
         {0.0f, 0.6362459659576416f, 0.07086532562971115f, 0.10178346931934357f, 0.08454063534736633f}},
        {"vgg", {64, 128, 256, 512, 512},
         {0.05011165887117386f, 0.039409372955560684f, 0.05793386325240135f, 0.05780801177024841f, 0.04268040508031845f},
         {0.03446238487958908f, 0.07172461599111557f, 0.06379901617765427f, 0.062386754900217056f, 0.058306023478507996f}}};
    for (int k = 0; k < 2; k++) {
        char rel[128];
        snprintf(rel, sizeof rel, "fixtures/real/lpips/%s.pth", want[k].net);
        fs_tensor_map *m = load(rel);
        if (!m) continue;
        CHECK(m->count == 5);
        for (int l = 0; l < 5; l++) {
            char nm[64];
            snprintf(nm, sizeof nm, "lin%d.model.1.weight", l);
            const fs_tensor *t = NULL;
            int64_t shp[4] = {1, want[k].c[l], 1, 1};
            fs_err err = {0};
            CHECK_MSG(fs_tensor_map_require(m, nm, 4, shp, &t, &err) == FS_OK, "%s: %s", rel, err.msg);
            if (!t) continue;
            const float *v = t->data;
            CHECK(v[0] == want[k].first[l] && v[want[k].c[l] - 1] == want[k].last[l]);
            int nonneg = 1;
            for (int64_t i = 0; i < want[k].c[l]; i++) nonneg &= v[i] >= 0;
            CHECK(nonneg);
        }
        printf("OK real %s: 5 lin layers, shapes and values as expected\n", rel);
        fs_tensor_map_destroy(m);
    }
    fs_tensor_map *m = load("fixtures/real/lpips/squeeze.pth");
    if (m) {
        CHECK(m->count == 7 && fs_tensor_map_get(m, "lin6.model.1.weight"));
        fs_tensor_map_destroy(m);
    }
    static const struct {
        const char *name;
        double v0, v511;
    } dirs[2] = {{"age", 0.004633087844181161, 0.0068853826637200145}, {"smile", 0.03951213220694268, 0}};
    for (int k = 0; k < 2; k++) {
        char rel[128];
        snprintf(rel, sizeof rel, "fixtures/real/w_directions/%s.npy", dirs[k].name);
        m = load(rel);
        if (!m) continue;
        CHECK(m->count == 1);
        const fs_tensor *t = m->items[0];
        CHECK(!strcmp(t->name, dirs[k].name) && t->dtype == FS_F32 && t->ndim == 2 && t->shape[0] == 18 && t->shape[1] == 512);
        const float *v = t->data;
        CHECK(v[0] == (float)dirs[k].v0);
        if (k == 0) CHECK(v[511] == (float)dirs[k].v511);
        int rows_equal = 1;
        for (int i = 512; i < 18 * 512; i++) rows_equal &= v[i] == v[i % 512];
        CHECK(rows_equal);
        printf("OK real %s: (18, 512) <f8 -> F32, all rows equal, v[0]=%.9g\n", rel, v[0]);
        fs_tensor_map_destroy(m);
    }
}

int main(void) {
    test_raw();
    test_canonical();
    test_real();
    return check_finish();
}
