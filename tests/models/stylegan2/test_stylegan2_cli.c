/* `facestitch generate` end to end on the shared fixtures: --raw images (const / none / psi 0.7 from z),
 * --grad against the official gradients, other input formats (.pt, .pkl), seeds, PNG, and user errors.
 * Runs the built binary ($FS_BIN) through the shell; temporary files live in a mkdtemp dir, removed at the end. */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "models/stylegan2.h"
#include "models/stylegan2_internal.h"
#include "rosinality_names.h"
#include "weights/safetensors.h"

static const char *bin;
static char dir[256];

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...) {
    char cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static fs_tensor_map *load(const char *path) {
    fs_err err = {0};
    fs_tensor_map *m = NULL;
    if (fs_safetensors_load(path, FS_ST_TO_F32, &m, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        CHECK(0);
        return NULL;
    }
    return m;
}

static const fs_tensor *get(const fs_tensor_map *m, const char *name) {
    const fs_tensor *t = m ? fs_tensor_map_get(m, name) : NULL;
    CHECK_MSG(t != NULL, "tensor %s missing", name);
    return t;
}

static void cmp_abs(const char *what, const fs_tensor *got, const fs_tensor *want, double tol) {
    if (!got || !want) return;
    CHECK_MSG(fs_tensor_numel(got) == fs_tensor_numel(want), "%s: size", what);
    if (fs_tensor_numel(got) != fs_tensor_numel(want)) return;
    check_allclose(what, fs_tensor_f32(got), fs_tensor_f32(want), (long)fs_tensor_numel(want), tol, 0);
}

/* max|got-want| <= 1e-3 max|want| */
static double cmp_rel(const char *what, const fs_tensor *got, const fs_tensor *want) {
    if (!got || !want || fs_tensor_numel(got) != fs_tensor_numel(want)) {
        CHECK_MSG(0, "%s: missing or wrong size", what);
        return 1;
    }
    return check_rel(what, fs_tensor_f32(got), fs_tensor_f32(want), (long)fs_tensor_numel(want), 1e-3, 0);
}

/* io.safetensors minus 'ws', 'w' and 'z' (so the styles.* tensors are the input) */
static const char *sf_path(const char *io, const char *name) {
    static char p[512];
    fs_err err = {0};
    fs_tensor_map *m = load(io), *o = fs_tensor_map_create();
    for (int i = 0; m && i < m->count; i++)
        if (!strncmp(m->items[i]->name, "styles.", 7)) fs_tensor_map_add(o, fs_tensor_clone(m->items[i], &err), &err);
    snprintf(p, sizeof p, "%s/styles_%s.safetensors", dir, name);
    CHECK(fs_safetensors_save(p, o, &err) == FS_OK);
    fs_tensor_map_destroy(m);
    fs_tensor_map_destroy(o);
    return p;
}

static void fixture(const char *name, const char *model, int ros) {
    char io[512], gd[512], out[512], zf[512];
    const char *root = getenv("FS_SHARED") ? getenv("FS_SHARED") : "../shared"; /* as test_shared_path */
    snprintf(io, sizeof io, "%s/fixtures/%s/io.safetensors", root, name);
    snprintf(gd, sizeof gd, "%s/fixtures/%s/grads.safetensors", root, name);
    fs_tensor_map *ref = load(io), *gref = load(gd);
    if (!ref || !gref) return;
    /* const noise from ws */
    snprintf(out, sizeof out, "%s/raw.safetensors", dir);
    CHECK(sh("%s -q generate --model %s --ws %s --raw %s", bin, model, io, out) == 0);
    fs_tensor_map *m = load(out);
    cmp_abs("cli img_const", get(m, "image"), get(ref, "img_const"), 1e-4);
    fs_tensor_map_destroy(m);
    CHECK(sh("%s -q generate --model %s --ws %s --noise none --raw %s", bin, model, io, out) == 0);
    m = load(out);
    cmp_abs("cli img_none", get(m, "image"), get(ref, "img_none"), 1e-4);
    fs_tensor_map_destroy(m);
    /* ws + --trunc 0.7 == the mapping's truncated output */
    CHECK(sh("%s -q generate --model %s --ws %s --trunc 0.7 --raw %s", bin, model, io, out) == 0);
    m = load(out);
    cmp_abs("cli img_const_psi0.7 (ws input)", get(m, "image"), get(ref, "img_const_psi0.7"), 1e-4);
    fs_tensor_map_destroy(m);
    /* z only: mapping + truncation 0.7 */
    fs_tensor_map *zm = fs_tensor_map_create();
    fs_err err = {0};
    fs_tensor *z = fs_tensor_clone(get(ref, "z"), &err);
    snprintf(z->name, sizeof z->name, "z");
    fs_tensor_map_add(zm, z, &err);
    snprintf(zf, sizeof zf, "%s/z.safetensors", dir);
    CHECK(fs_safetensors_save(zf, zm, &err) == FS_OK);
    fs_tensor_map_destroy(zm);
    CHECK(sh("%s -q generate --model %s --ws %s --trunc 0.7 --raw %s", bin, model, zf, out) == 0);
    m = load(out);
    cmp_abs("cli img_const_psi0.7", get(m, "image"), get(ref, "img_const_psi0.7"), 1e-4);
    cmp_abs("cli ws_psi0.7", get(m, "ws"), get(ref, "ws_psi0.7"), 1e-4);
    fs_tensor_map_destroy(m);
    /* S space (the nvidia io file stores styles.b*.*) and w inputs */
    if (!ros) {
        const char *sp = sf_path(io, name);
        CHECK(sh("%s -q generate --model %s --ws %s --raw %s", bin, model, sp, out) == 0);
        m = load(out);
        cmp_abs("cli img_const from styles", get(m, "image"), get(ref, "img_const"), 1e-4);
        fs_tensor_map_destroy(m);
        /* S-space backward: the conv weights' gradients are the same as through ws */
        CHECK(sh("%s -q generate --model %s --ws %s --target %s --grad %s", bin, model, sp, gd, out) == 0);
        m = load(out);
        cmp_rel("cli grad (from styles) synthesis.b64.conv1.weight", get(m, "synthesis.b64.conv1.weight"),
                get(gref, "grad.synthesis.b64.conv1.weight"));
        cmp_rel("cli grad (from styles) synthesis.b4.const", get(m, "synthesis.b4.const"),
                get(gref, "grad.synthesis.b4.const"));
        CHECK(m && fs_tensor_map_get(m, "styles.b64.torgb") && !fs_tensor_map_get(m, "ws"));
        fs_tensor_map_destroy(m);
    }
    {
        fs_tensor_map *wm = fs_tensor_map_create();
        fs_tensor *w = fs_tensor_clone(get(ref, "w"), &err);
        snprintf(w->name, sizeof w->name, "w");
        fs_tensor_map_add(wm, w, &err);
        snprintf(zf, sizeof zf, "%s/w.safetensors", dir);
        CHECK(fs_safetensors_save(zf, wm, &err) == FS_OK);
        fs_tensor_map_destroy(wm);
        CHECK(sh("%s -q generate --model %s --ws %s --raw %s", bin, model, zf, out) == 0);
        m = load(out);
        cmp_abs("cli img_const from w", get(m, "image"), get(ref, "img_const"), 1e-4);
        fs_tensor_map_destroy(m);
    }
    /* gradients */
    CHECK(sh("%s -q generate --model %s --ws %s --target %s --grad %s", bin, model, gd, gd, out) == 0);
    m = load(out);
    double worst = cmp_rel("cli grad ws", get(m, "ws"), get(gref, "grad.ws"));
    const fs_tensor *l = get(m, "loss"), *lr = get(gref, "loss");
    if (l && lr) CHECK_CLOSE(fs_tensor_f32(l)[0], fs_tensor_f32(lr)[0], 1e-4 * fabs(fs_tensor_f32(lr)[0]));
    int n = 0;
    for (int i = 0; m && i < gref->count; i++) {
        const char *rn = gref->items[i]->name;
        if (strncmp(rn, "grad.", 5) || !strcmp(rn, "grad.ws")) continue;
        /* reference name -> canonical name */
        char canon[128] = "";
        if (!ros) {
            snprintf(canon, sizeof canon, "%s", rn + 5);
        } else {
            static const char *layers[] = {"conv0", "conv1", "torgb"};
            static const char *fields[] = {"weight", "bias", "affine.weight", "affine.bias", "noise_strength"};
            char cand[128], r2[128];
            if (!strcmp(rn + 5, "input.input")) snprintf(canon, sizeof canon, "synthesis.b4.const");
            for (int res = 4; res <= 4096 && !canon[0]; res *= 2)
                for (int a = 0; a < 3 && !canon[0]; a++)
                    for (int f = 0; f < 5 && !canon[0]; f++) {
                        snprintf(cand, sizeof cand, "synthesis.b%d.%s.%s", res, layers[a], fields[f]);
                        test_rosinality_name(cand, r2, sizeof r2);
                        if (r2[0] && !strcmp(r2, rn + 5)) snprintf(canon, sizeof canon, "%s", cand);
                    }
        }
        CHECK_MSG(canon[0], "no canonical name for %s", rn);
        char what[200];
        snprintf(what, sizeof what, "cli %s", canon);
        double r = cmp_rel(what, fs_tensor_map_get(m, canon), gref->items[i]);
        worst = check_max(worst, r);
        n++;
    }
    printf("OK %s: generate --grad matches %d parameter gradients + dL/dws, worst %.3g of max|ref|\n", name, n, worst);
    CHECK(n >= 60);
    fs_tensor_map_destroy(m);
    fs_tensor_map_destroy(ref);
    fs_tensor_map_destroy(gref);
}

/* A generator unlike the fixtures (128x128, 6 blocks of odd widths, z 12 / w 10, 4 mapping layers), written by
 * the library as canonical safetensors and as a bare NVIDIA-named state dict (no metadata, with the resample
 * buffers real files carry): the CLI's --raw and --grad must equal the library's own forward and backward. */
static void unseen_config(void) {
    fs_err err = {0};
    int ch[6] = {16, 14, 12, 10, 6, 5};
    fs_sg2_config cfg;
    CHECK(fs_sg2_config_init(&cfg, FS_SG2_LAYOUT_NVIDIA, 128, 3, 12, 10, 4, ch, &err) == FS_OK);
    fs_sg2 *g = NULL;
    CHECK(fs_sg2_create(&g, &cfg, &err) == FS_OK);
    if (!g) return;
    fs_sg2_init_random(g, 77, 0.3f);
    fs_tensor_map *m = NULL;
    CHECK(fs_sg2_to_map(g, &m, &err) == FS_OK);
    char canon[300], bare[300], wsf[300], out[300], tgt[300];
    snprintf(canon, sizeof canon, "%s/canon.safetensors", dir);
    snprintf(bare, sizeof bare, "%s/bare.safetensors", dir);
    snprintf(wsf, sizeof wsf, "%s/ws.safetensors", dir);
    snprintf(out, sizeof out, "%s/out.safetensors", dir);
    snprintf(tgt, sizeof tgt, "%s/target.safetensors", dir);
    CHECK(fs_safetensors_save(canon, m, &err) == FS_OK);
    fs_tensor_map *b = fs_tensor_map_create();
    for (int i = 0; i < m->count; i++) fs_tensor_map_add(b, fs_tensor_clone(m->items[i], &err), &err);
    for (int blk = 0; blk < cfg.n_blocks; blk++) {
        int64_t s4[2] = {4, 4};
        fs_tensor *f = fs_tensor_create(2, s4, &err);
        for (int k = 0; k < 16; k++) ((float *)f->data)[k] = fs__sg2_fir[k];
        snprintf(f->name, sizeof f->name, "synthesis.b%d.resample_filter", 4 << blk);
        fs_tensor_map_add(b, f, &err);
    }
    CHECK(fs_safetensors_save(bare, b, &err) == FS_OK);
    fs_tensor_map_destroy(b);
    fs_tensor_map_destroy(m);
    int N = 3;
    long nws = (long)N * cfg.num_ws * cfg.w_dim, nimg = (long)N * 3 * 128 * 128;
    int64_t sws[3] = {N, cfg.num_ws, cfg.w_dim}, simg[4] = {N, 3, 128, 128};
    fs_tensor *ws = fs_tensor_create(3, sws, &err), *tg = fs_tensor_create(4, simg, &err);
    snprintf(ws->name, sizeof ws->name, "ws");
    snprintf(tg->name, sizeof tg->name, "target");
    for (long i = 0; i < nws; i++) ((float *)ws->data)[i] = (float)sin(0.7 * i) * 1.3f;
    for (long i = 0; i < nimg; i++) ((float *)tg->data)[i] = (float)cos(0.013 * i);
    fs_tensor_map *wm = fs_tensor_map_create(), *tm = fs_tensor_map_create();
    fs_tensor_map_add(wm, ws, &err);
    fs_tensor_map_add(tm, tg, &err);
    CHECK(fs_safetensors_save(wsf, wm, &err) == FS_OK && fs_safetensors_save(tgt, tm, &err) == FS_OK);
    /* the library's answer */
    fs_sg2_acts *a = NULL;
    fs_sg2_grads *gr = NULL;
    CHECK(fs_sg2_acts_create(&a, g, N, &err) == FS_OK && fs_sg2_grads_create(&gr, g, &err) == FS_OK);
    fs_sg2_opts o = fs_sg2_opts_default();
    fs_sg2_synthesis_forward(g, a, fs_tensor_f32(ws), &o);
    float *img = malloc(sizeof(float) * nimg), *dimg = malloc(sizeof(float) * nimg), *dws = malloc(sizeof(float) * nws);
    memcpy(img, a->img, sizeof(float) * nimg);
    for (long i = 0; i < nimg; i++) dimg[i] = (float)(2.0 * ((double)img[i] - ((float *)tg->data)[i]) / nimg);
    fs_sg2_synthesis_backward(g, a, dimg, dws, gr, NULL);
    const char *models[2] = {canon, bare};
    for (int k = 0; k < 2; k++) {
        char what[96];
        CHECK(sh("%s -q generate --model %s --ws %s --raw %s", bin, models[k], wsf, out) == 0);
        fs_tensor_map *r = load(out);
        const fs_tensor *im = r ? get(r, "image") : NULL;
        snprintf(what, sizeof what, "unseen 128x128 %s: CLI image == library", k ? "bare state dict" : "canonical");
        if (im) check_allclose(what, fs_tensor_f32(im), img, nimg, 1e-5, 1e-5);
        fs_tensor_map_destroy(r);
        CHECK(sh("%s -q generate --model %s --ws %s --target %s --grad %s", bin, models[k], wsf, tgt, out) == 0);
        r = load(out);
        const fs_tensor *dw = r ? get(r, "ws") : NULL;
        snprintf(what, sizeof what, "unseen 128x128 %s: CLI dL/dws == library", k ? "bare" : "canonical");
        if (dw) check_allclose(what, fs_tensor_f32(dw), dws, nws, 1e-6, 1e-4);
        int n = 0, bad = 0;
        for (int i = 0; r && i < cfg.n_tensors; i++) {
            const fs_sg2_tensor_info *t = &cfg.tensors[i];
            if (t->is_buffer) continue;
            const fs_tensor *x = fs_tensor_map_get(r, t->name);
            n++;
            if (!x || fs_tensor_numel(x) != t->numel) {
                bad++;
                continue;
            }
            for (long j = 0; j < t->numel; j++)
                if (!(fabs(fs_tensor_f32(x)[j] - gr->data[t->offset + j]) <= 1e-6 + 1e-4 * fabs(gr->data[t->offset + j]))) {
                    bad++;
                    break;
                }
        }
        CHECK_MSG(bad == 0 && n == 2 * 4 + 1 + 11 * 5 + 6 * 4, "%d of %d gradient tensors differ or are missing", bad, n);
        fs_tensor_map_destroy(r);
    }
    free(img), free(dimg), free(dws);
    fs_tensor_map_destroy(wm);
    fs_tensor_map_destroy(tm);
    fs_sg2_grads_destroy(gr);
    fs_sg2_acts_destroy(a);
    fs_sg2_destroy(g);
}

int main(void) {
    bin = getenv("FS_BIN");
    if (!bin || access(bin, X_OK)) test_skip("FS_BIN (the built facestitch) not available");
    const char *nv = test_shared_path("fixtures/stylegan2_nvidia/G_ema.safetensors");
    const char *nvpkl = test_shared_path("fixtures/stylegan2_nvidia/network-snapshot-style.pkl");
    const char *ros = test_shared_path("fixtures/stylegan2_rosinality/stylegan2_tiny.pt");
    snprintf(dir, sizeof dir, "/tmp/fs_sg2_cli_XXXXXX");
    if (!mkdtemp(dir)) test_skip("cannot create a temporary directory");
    fixture("stylegan2_nvidia", nv, 0);
    fixture("stylegan2_nvidia", nvpkl, 0); /* the official pickle container: G_ema, not G */
    fixture("stylegan2_rosinality", ros, 1);
    unseen_config();

    /* seeds: --seed 3 --batch 2 == --seed 3 and --seed 4 */
    CHECK(sh("%s -q generate --model %s --seed 3 --batch 2 --raw %s/b.st -o %s/b.png", bin, nv, dir, dir) == 0);
    CHECK(sh("%s -q generate --model %s --seed 4 --raw %s/s4.st", bin, nv, dir) == 0);
    char p1[300], p2[300];
    snprintf(p1, sizeof p1, "%s/b.st", dir);
    snprintf(p2, sizeof p2, "%s/s4.st", dir);
    fs_tensor_map *b = load(p1), *s4 = load(p2);
    if (b && s4) {
        const fs_tensor *ib = get(b, "image"), *i4 = get(s4, "image");
        if (ib && i4) {
            long n = (long)fs_tensor_numel(i4);
            check_allclose("seed 4 alone == 2nd image of --seed 3 --batch 2", fs_tensor_f32(ib) + n, fs_tensor_f32(i4), n,
                           1e-5, 0);
        }
    }
    fs_tensor_map_destroy(b);
    fs_tensor_map_destroy(s4);
    CHECK(sh("head -c 8 %s/b.png | od -An -tx1 | grep -q '89 50 4e 47 0d 0a 1a 0a'", dir) == 0);
    /* random noise: reproducible with a seed, different across seeds */
    CHECK(sh("%s -q generate --model %s --seed 1 --noise random --noise-seed 5 --raw %s/r1.st", bin, nv, dir) == 0);
    CHECK(sh("%s -q generate --model %s --seed 1 --noise random --noise-seed 5 --raw %s/r2.st", bin, nv, dir) == 0);
    CHECK(sh("%s -q generate --model %s --seed 1 --noise random --noise-seed 6 --raw %s/r3.st", bin, nv, dir) == 0);
    CHECK(sh("cmp -s %s/r1.st %s/r2.st", dir, dir) == 0);
    CHECK(sh("cmp -s %s/r1.st %s/r3.st", dir, dir) != 0);

    /* injected noise maps: the const buffers as a file reproduce --noise const */
    {
        fs_err err = {0};
        fs_tensor_map *w = load(nv), *o = fs_tensor_map_create();
        for (int i = 0; w && i < w->count; i++) {
            const char *nm = w->items[i]->name;
            size_t k = strlen(nm);
            if (k > 12 && !strcmp(nm + k - 12, ".noise_const")) {
                fs_tensor *t = fs_tensor_clone(w->items[i], &err);
                t->name[k - 12] = 0; /* "synthesis.b8.conv0" */
                fs_tensor_map_add(o, t, &err);
            }
        }
        char np[300];
        snprintf(np, sizeof np, "%s/noise.safetensors", dir);
        CHECK(fs_safetensors_save(np, o, &err) == FS_OK);
        CHECK(sh("%s -q generate --model %s --seed 2 --batch 2 --noise inject --noise-maps %s --raw %s/i1.st", bin, nv, np,
                 dir) == 0);
        CHECK(sh("%s -q generate --model %s --seed 2 --batch 2 --raw %s/i2.st", bin, nv, dir) == 0);
        CHECK(sh("cmp -s %s/i1.st %s/i2.st", dir, dir) == 0);
        CHECK(sh("%s generate --model %s --seed 2 --noise inject --raw %s/x.st 2>/dev/null", bin, nv, dir) == 2);
        fs_tensor_map_destroy(w);
        fs_tensor_map_destroy(o);
    }

    /* user errors: exit 1 with the file named, exit 2 for bad usage, never a partial output */
    CHECK(sh("%s generate --model %s/nope.safetensors --seed 1 --raw %s/x.st 2>%s/err.txt", bin, dir, dir, dir) == 1);
    CHECK(sh("grep -q 'nope.safetensors' %s/err.txt", dir) == 0);
    CHECK(sh("%s generate --model %s --ws %s --raw %s/x.st 2>%s/err.txt", bin, ros, nvpkl, dir, dir) == 1);
    CHECK(sh("%s generate --model %s --seed 1 --noise loud --raw %s/x.st 2>/dev/null", bin, nv, dir) == 2);
    CHECK(sh("%s generate --model %s --seed -1 --raw %s/x.st 2>/dev/null", bin, nv, dir) == 2);
    CHECK(sh("%s generate --model %s --seed 1 2>/dev/null", bin, nv) == 2);
    CHECK(sh("%s generate --model %s --seed 1 --grad %s/x.st 2>/dev/null", bin, nv, dir) == 2);
    CHECK(sh("%s -q generate --model %s --seed 1 --raw %s/no/such/dir/x.st 2>/dev/null", bin, nv, dir) == 1);
    CHECK(sh("test -e %s/x.st", dir) != 0);
    CHECK(sh("%s generate --help | grep -q 'Examples'", bin) == 0);

    sh("rm -rf %s", dir);
    return check_finish();
}
