/* test_networks_hostile — damaged weight files must give an error naming the tensor, never a crash
 * or an out-of-bounds read: every tensor of each fixture model removed in turn, and tensors with a
 * dimension shrunk (copied into an exactly-sized buffer so ASan sees any overread). When a damaged
 * map is still accepted (optional tensors), a forward pass must run and give finite numbers. */
#include <stdlib.h>
#include <string.h>

#include "models/bisenet.h"
#include "models/e4e.h"
#include "models/lpips.h"
#include "nettest.h"

typedef enum { M_LPIPS, M_BISENET, M_E4E } kind;

/* a map of borrowed views of src, without tensor `skip`, with tensor `shrink` shrunk along its
 * first dimension by one (copied) */
static fs_tensor_map *damaged(const fs_tensor_map *src, int skip, int shrink) {
    fs_tensor_map *m = fs_tensor_map_create();
    fs_err err = {0};
    for (int i = 0; i < src->count; i++) {
        if (i == skip) continue;
        fs_tensor *t = malloc(sizeof *t);
        FS_ASSERT(t);
        *t = *src->items[i];
        t->owns_data = 0;
        if (i == shrink && t->ndim > 0 && t->shape[0] > 0) {
            t->shape[0] -= 1;
            size_t nb = fs_tensor_nbytes(t);
            t->data = malloc(nb ? nb : 1);
            FS_ASSERT(t->data);
            memcpy(t->data, src->items[i]->data, nb);
            t->owns_data = 1;
        }
        FS_ASSERT(fs_tensor_map_add(m, t, &err) == FS_OK);
    }
    return m;
}

/* create + (when accepted) a small forward; returns 1 when the model was refused */
static int try_model(kind k, fs_tensor_map *m, const char *what) {
    fs_err err = {0};
    int refused = 0;
    static float x[2 * 3 * 64 * 64], y[2 * 3 * 64 * 64], out[2 * 19 * 64 * 64], g[2 * 3 * 64 * 64];
    static int init;
    if (!init) {
        for (int i = 0; i < 2 * 3 * 64 * 64; i++) x[i] = (float)((i * 37) % 200) / 100.0f - 1.0f, y[i] = -x[i] * 0.5f;
        init = 1;
    }
    if (k == M_LPIPS) {
        fs_lpips *lp = NULL;
        refused = fs_lpips_create(&lp, m, 0, &err) != FS_OK;
        if (!refused) {
            CHECK_MSG(fs_lpips_distance(lp, x, y, 1, 64, 64, out, NULL, g, 1.0f, &err) == FS_OK, "%s: %s", what, err.msg);
            CHECK_MSG(isfinite(out[0]), "%s: distance %g", what, out[0]);
        }
        fs_lpips_destroy(lp);
    } else if (k == M_BISENET) {
        fs_bisenet *bs = NULL;
        refused = fs_bisenet_create(&bs, m, 0, &err) != FS_OK;
        if (!refused) {
            CHECK_MSG(fs_bisenet_parse(bs, x, 1, 32, 32, out, &err) == FS_OK, "%s: %s", what, err.msg);
            CHECK_MSG(isfinite(out[0]), "%s: logit %g", what, out[0]);
        }
        fs_bisenet_destroy(bs);
    } else {
        fs_e4e *e = NULL;
        refused = fs_e4e_create(&e, m, 0, &err) != FS_OK;
        if (!refused) {
            int rc = fs_e4e_encode(e, x, 1, 64, 64, out, fs_e4e_has_latent_avg(e), NULL, NULL, &err);
            CHECK_MSG(rc == FS_OK, "%s: %s", what, err.msg);
            CHECK_MSG(rc != FS_OK || isfinite(out[0]), "%s: w %g", what, out[0]);
        }
        fs_e4e_destroy(e);
    }
    if (refused) CHECK_MSG(err.msg[0] != 0, "%s: refused without a message", what);
    return refused;
}

/* tensors a model may lack (they are not read, or have defaults) */
static int optional(kind k, const char *name) {
    if (strstr(name, "num_batches_tracked")) return 1;
    if (k == M_LPIPS) return !strncmp(name, "scaling_layer.", 14);
    if (k == M_BISENET) return !strncmp(name, "conv_out16.", 11) || !strncmp(name, "conv_out32.", 11);
    return !strncmp(name, "decoder.", 8) || !strcmp(name, "latent_avg");
}

static void run(kind k, const char *rel, int shrink_every) {
    fs_tensor_map *src = nt_load(rel);
    long removed_refused = 0, removed_total = 0, shrunk_refused = 0, shrunk_total = 0;
    for (int i = 0; i < src->count; i++) {
        const char *name = src->items[i]->name;
        char what[200];
        snprintf(what, sizeof what, "%s without %s", rel, name);
        fs_tensor_map *m = damaged(src, i, -1);
        int refused = try_model(k, m, what);
        fs_tensor_map_destroy(m);
        removed_total++;
        removed_refused += refused;
        if (!optional(k, name)) CHECK_MSG(refused, "%s was accepted", what);
        /* (fewer classes is a legal BiSeNet) */
        if (i % shrink_every == 0 && src->items[i]->dtype == FS_F32 && !optional(k, name) &&
            strcmp(name, "conv_out.conv_out.weight")) {
            snprintf(what, sizeof what, "%s with %s shrunk", rel, name);
            m = damaged(src, -1, i);
            refused = try_model(k, m, what);
            CHECK_MSG(refused, "%s was accepted", what);
            fs_tensor_map_destroy(m);
            shrunk_total++;
            shrunk_refused += refused;
        }
    }
    printf("%s: %ld/%ld removals refused, %ld/%ld shrunk tensors refused\n", rel, removed_refused, removed_total,
           shrunk_refused, shrunk_total);
    fs_tensor_map_destroy(src);
}

/* odd and tiny input sizes: a clear error or finite numbers, never a crash */
static void tiny_inputs(void) {
    fs_tensor_map *wl = nt_load("fixtures/lpips/lpips_alex.safetensors"), *wb = nt_load("fixtures/bisenet/bisenet_tiny.safetensors"),
                  *we = nt_load("fixtures/e4e/e4e_tiny.safetensors");
    fs_err err = {0};
    fs_lpips *lp = NULL;
    fs_bisenet *bs = NULL;
    fs_e4e *e = NULL;
    FS_ASSERT(!fs_lpips_create(&lp, wl, 0, &err) && !fs_bisenet_create(&bs, wb, 0, &err) && !fs_e4e_create(&e, we, 0, &err));
    static float x[3 * 70 * 70], y[3 * 70 * 70], out[19 * 70 * 70], g[3 * 70 * 70];
    for (int i = 0; i < 3 * 70 * 70; i++) x[i] = (float)((i * 53) % 200) / 100.0f - 1.0f, y[i] = -x[i];
    int lp_ok = 0, bs_ok = 0, e_ok = 0;
    for (int h = 1; h <= 70; h += (h < 12 ? 1 : 29))
        for (int w = 1; w <= 70; w += (w < 12 ? 3 : 29)) {
            if (fs_lpips_distance(lp, x, y, 1, h, w, out, NULL, g, 1.0f, &err) == FS_OK) {
                CHECK_MSG(isfinite(out[0]) && out[0] >= 0, "lpips %dx%d: %g", h, w, out[0]);
                lp_ok++;
            } else {
                CHECK(err.msg[0]);
            }
            CHECK_MSG(fs_bisenet_parse(bs, x, 1, h, w, out, &err) == FS_OK, "bisenet %dx%d: %s", h, w, err.msg);
            CHECK_MSG(isfinite(out[0]) && isfinite(out[19L * h * w - 1]), "bisenet %dx%d", h, w);
            bs_ok++;
            CHECK_MSG(fs_e4e_encode(e, x, 1, h, w, out, 1, NULL, NULL, &err) == FS_OK, "e4e %dx%d: %s", h, w, err.msg);
            CHECK_MSG(isfinite(out[0]), "e4e %dx%d", h, w);
            e_ok++;
        }
    printf("tiny inputs: lpips ran on %d sizes (refused the rest), bisenet %d, e4e %d\n", lp_ok, bs_ok, e_ok);
    CHECK(lp_ok > 0);
    fs_lpips_destroy(lp), fs_bisenet_destroy(bs), fs_e4e_destroy(e);
    fs_tensor_map_destroy(wl), fs_tensor_map_destroy(wb), fs_tensor_map_destroy(we);
}

int main(void) {
    tiny_inputs();
    run(M_LPIPS, "fixtures/lpips/lpips_alex.safetensors", 1);
    run(M_LPIPS, "fixtures/lpips/lpips_vgg.safetensors", 1);
    run(M_BISENET, "fixtures/bisenet/bisenet_tiny.safetensors", 1);
    run(M_E4E, "fixtures/e4e/e4e_tiny.safetensors", 3);
    return check_finish();
}
