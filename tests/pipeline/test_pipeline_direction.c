/* Direction files: W shapes (w_dim), (1,w_dim), (num_ws,w_dim) use row 0 on every layer with
 * STIT's strength/2; S-space vectors (conv layers only, or every layer) offset the styles with
 * the full strength; wrong shapes are refused naming the file; the CLI edits with an S file. */
#include "check.h"
#include "gradcheck.h"
#include "pipeline/edit/direction.h"
#include "models/tiny_models.h"
#include "weights/torch.h"
#include "tiny_gen.h"

int main(void) {
    fs_err err = {0};
    char dir[] = "/tmp/fs_test_dir_XXXXXX", p[600];
    CHECK(mkdtemp(dir) != NULL);
    fs_sg2 *g = tiny_gen(3);
    const fs_sg2_config *cfg = &g->cfg;
    int L = cfg->num_ws, D = cfg->w_dim;
    float *rows = malloc(sizeof(float) * L * D);
    for (int i = 0; i < L * D; i++) rows[i] = (float)(i / D + 1) * 0.01f * (float)(i % D); /* row r = (r+1)·base */

    /* (num_ws, w_dim): row 0 only, on every layer, halved */
    snprintf(p, sizeof p, "%s/w.npy", dir);
    CHECK(fs_npy_write_f32(p, rows, 2, (int64_t[]){L, D}, &err) == FS_OK);
    fs_direction *d = NULL;
    CHECK_MSG(fs_direction_load_for(p, cfg, &d, &err) == FS_OK, "%s", err.msg);
    CHECK(d && d->space == FS_DIR_W);
    float *ws = calloc((size_t)L * D, sizeof(float));
    fs_direction_apply(ws, L, d, -8.0);
    int ok = 1;
    for (int l = 0; l < L; l++)
        for (int i = 0; i < D; i++) ok &= ws[l * D + i] == -4.0f * rows[i];
    CHECK(ok);
    fs_direction_destroy(d);
    /* (w_dim) and (1, w_dim) */
    CHECK(fs_npy_write_f32(p, rows, 1, (int64_t[]){D}, &err) == FS_OK);
    CHECK(fs_direction_load_for(p, cfg, &d, &err) == FS_OK && d->space == FS_DIR_W && d->d[5] == rows[5]);
    fs_direction_destroy(d);
    CHECK(fs_npy_write_f32(p, rows, 2, (int64_t[]){1, D}, &err) == FS_OK);
    CHECK(fs_direction_load_for(p, cfg, &d, &err) == FS_OK && d->space == FS_DIR_W);
    fs_direction_destroy(d);
    /* wrong shape */
    CHECK(fs_npy_write_f32(p, rows, 2, (int64_t[]){2, D - 1}, &err) == FS_OK);
    CHECK(fs_direction_load_for(p, cfg, &d, &err) == FS_ERR);
    CHECK(strstr(err.msg, "w.npy") != NULL && strstr(err.msg, "does not fit") != NULL);

    /* S space, conv layers only: ToRGB styles untouched, full strength */
    long n_conv = 0, n_all = 0;
    for (int l = 0; l < cfg->n_layers; l++) {
        n_all += cfg->layers[l].C_in;
        if (cfg->layers[l].kind != FS_SG2_TORGB) n_conv += cfg->layers[l].C_in;
    }
    float *sv = malloc(sizeof(float) * n_all);
    for (long i = 0; i < n_all; i++) sv[i] = 1.0f + (float)i;
    snprintf(p, sizeof p, "%s/s.npy", dir);
    CHECK(fs_npy_write_f32(p, sv, 1, (int64_t[]){n_conv}, &err) == FS_OK);
    CHECK_MSG(fs_direction_load_for(p, cfg, &d, &err) == FS_OK, "%s", err.msg);
    CHECK(d && d->space == FS_DIR_S && d->conv_only && d->len == n_conv);
    float *styles[FS_SG2_MAX_LAYERS];
    for (int l = 0; l < cfg->n_layers; l++) styles[l] = calloc((size_t)cfg->layers[l].C_in, sizeof(float));
    fs_direction_apply_styles(styles, cfg, d, 2.0);
    long off = 0;
    ok = 1;
    for (int l = 0; l < cfg->n_layers; l++) {
        for (int i = 0; i < cfg->layers[l].C_in; i++) {
            float want = cfg->layers[l].kind == FS_SG2_TORGB ? 0.0f : 2.0f * sv[off + i];
            ok &= styles[l][i] == want;
        }
        if (cfg->layers[l].kind != FS_SG2_TORGB) off += cfg->layers[l].C_in;
    }
    CHECK(ok);
    /* a W apply of an S direction changes nothing */
    memset(ws, 0, sizeof(float) * L * D);
    fs_direction_apply(ws, L, d, 5.0);
    CHECK(ws[0] == 0 && ws[L * D - 1] == 0);
    fs_direction_destroy(d);
    /* S space, every layer */
    snprintf(p, sizeof p, "%s/s_all.npy", dir);
    CHECK(fs_npy_write_f32(p, sv, 1, (int64_t[]){n_all}, &err) == FS_OK);
    CHECK(fs_direction_load_for(p, cfg, &d, &err) == FS_OK && d->space == FS_DIR_S && !d->conv_only);
    fs_direction_destroy(d);
    printf("tiny generator: %ld conv style channels, %ld with ToRGB\n", n_conv, n_all);

    /* the CLI edits with an S-space file of the tiny set's generator */
    const char *bin = getenv("FS_BIN");
    const char *clip = test_shared_find("media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4"); /* CI: must exist */
    if (bin && clip) {
        char cmd[4000];
        snprintf(cmd, sizeof cmd, "%s -q models init --tiny --out %s/m", bin, dir);
        CHECK(system(cmd) == 0);
        fs_sg2 *tg = NULL;
        snprintf(p, sizeof p, "%s/m/generator.safetensors", dir);
        CHECK(fs_sg2_load(p, &tg, &err) == FS_OK);
        long nc = 0;
        for (int l = 0; l < tg->cfg.n_layers; l++)
            if (tg->cfg.layers[l].kind != FS_SG2_TORGB) nc += tg->cfg.layers[l].C_in;
        float *v = malloc(sizeof(float) * nc);
        uint64_t s = 1;
        tr_fill_normal(v, nc, 0.5f, &s);
        snprintf(p, sizeof p, "%s/lipstick.npy", dir);
        CHECK(fs_npy_write_f32(p, v, 1, (int64_t[]){nc}, &err) == FS_OK);
        snprintf(cmd, sizeof cmd,
                 "%s -q edit %s --models %s/m --edit %s=3 -o %s/s.mp4 --pti-steps 1 --max-frames 3 --stitch-steps 3",
                 bin, clip, dir, p, dir);
        CHECK(system(cmd) == 0);
        snprintf(p, sizeof p, "%s/s.mp4", dir);
        CHECK(access(p, R_OK) == 0);
        free(v);
        fs_sg2_destroy(tg);
    } else {
        printf("(CLI part skipped: FS_BIN or the shared clip is absent)\n");
    }
    snprintf(p, sizeof p, "rm -rf %s", dir);
    CHECK(system(p) == 0);
    for (int l = 0; l < cfg->n_layers; l++) free(styles[l]);
    free(rows), free(ws), free(sv);
    fs_sg2_destroy(g);
    return check_finish();
}
