/* Stitching tuning lowers the border loss below the untuned edit's, keeps pixels of the
 * content region close to the edit, and stops early at a threshold. */
#include "check.h"
#include "core/threads.h"
#include "gradcheck.h"
#include "pipeline/edit/masked_loss.h"
#include "pipeline/edit/stitch.h"
#include "tiny_gen.h"

int main(void) {
    fs_threads_init(2);
    fs_err err = {0};
    fs_sg2 *g = tiny_gen(11);
    int R = 16, C = 3, num_ws = g->cfg.num_ws, w_dim = g->cfg.w_dim;
    long img_n = (long)C * R * R;
    uint64_t s = 5;
    float z[2 * 32];
    tr_fill_normal(z, 64, 1, &s);
    float *ws = malloc(sizeof(float) * 2 * num_ws * w_dim);
    CHECK(fs_sg2_mapping_forward(g, ws, z, 2, 1.0f, 0, &err) == FS_OK);
    /* "original crop" = render of latent 0, "edit" = render of latent 1 */
    fs_sg2_acts *a = NULL;
    CHECK(fs_sg2_acts_create(&a, g, 2, &err) == FS_OK);
    fs_sg2_opts so = fs_sg2_opts_default();
    fs_sg2_synthesis_forward(g, a, ws, &so);
    float *crop = malloc(sizeof(float) * img_n), *edited = malloc(sizeof(float) * img_n),
          *out = malloc(sizeof(float) * img_n);
    memcpy(crop, a->img, sizeof(float) * img_n);
    memcpy(edited, a->img + img_n, sizeof(float) * img_n);
    /* foreground: a centred disc on an 8x8 grid */
    uint8_t fg[64];
    for (int y = 0; y < 8; y++)
        for (int x = 0; x < 8; x++) fg[y * 8 + x] = (x - 3.5) * (x - 3.5) + (y - 3.5) * (y - 3.5) < 6;
    fs_stitch_masks *m = NULL;
    CHECK(fs_stitch_masks_create(fg, 8, R, NULL, &m, &err) == FS_OK);
    fs_stitcher *st = NULL;
    CHECK(fs_stitcher_create(&st, g, &err) == FS_OK);
    fs_stitch_opts o;
    fs_stitch_opts_default(&o);
    o.steps = 60;
    o.lr = 3e-3f;
    fs_stitch_report rep;
    CHECK(fs_stitcher_tune(st, ws + num_ws * w_dim, crop, edited, m, &o, out, &rep, &err) == FS_OK);
    double lb = fs_masked_mse_forward(out, crop, m->border, 1, C, R, R);
    printf("border loss: untuned edit %.5f -> stitched %.5f (%d steps)\n", rep.border_before, rep.border_after,
           rep.steps_taken);
    CHECK(rep.border_before > 0);
    CHECK(rep.border_after < 0.5 * rep.border_before);
    CHECK_CLOSE(lb, rep.border_after, 1e-6);
    /* the PTI generator itself is untouched */
    fs_sg2_synthesis_forward(g, a, ws, &so);
    CHECK(memcmp(a->img + img_n, edited, sizeof(float) * img_n) == 0);
    CHECK(rep.best_step == rep.steps_taken && rep.diverged == 0); /* a normal run returns the last render */
    /* an overshooting optimisation (lr 1: Adam's first steps move every weight by ~1) never
     * returns a frame worse than the untuned edit: the best render seen is kept */
    {
        fs_stitch_opts big = o;
        big.lr = 1.0f;
        big.steps = 20;
        CHECK(fs_stitcher_tune(st, ws + num_ws * w_dim, crop, edited, m, &big, out, &rep, &err) == FS_OK);
        double b = fs_masked_mse_forward(out, crop, m->border, 1, C, R, R);
        double l = b + big.content_lambda * fs_masked_mse_forward(out, edited, m->content, 1, C, R, R);
        int finite = 1;
        for (long i = 0; i < img_n; i++) finite &= isfinite(out[i]) != 0;
        printf("lr 1: returned step %d of %d (diverged %d), loss %.5f, untuned %.5f\n", rep.best_step, rep.steps_taken,
               rep.diverged, l, rep.border_before);
        CHECK(finite);
        CHECK(l <= rep.border_before + 1e-9); /* the untuned edit's loss is its border loss */
        CHECK_CLOSE(b, rep.border_after, 1e-6);
        CHECK_MSG(rep.best_step < rep.steps_taken, "lr 1 did not overshoot: best step %d of %d", rep.best_step,
                  rep.steps_taken);
    }
    /* early stop: a threshold above the untuned loss stops before any step */
    o.border_threshold = (float)(rep.border_before * 2);
    CHECK(fs_stitcher_tune(st, ws + num_ws * w_dim, crop, edited, m, &o, out, &rep, &err) == FS_OK);
    CHECK(rep.steps_taken == 0);
    /* (rendered alone vs in a batch of two: equal up to summation order) */
    check_allclose("early-stop render == edit", out, edited, img_n, 1e-5, 0);
    fs_stitcher_destroy(st);
    fs_stitch_masks_destroy(m);
    fs_sg2_acts_destroy(a);
    fs_sg2_destroy(g);
    free(ws), free(crop), free(edited), free(out);
    fs_threads_shutdown();
    return check_finish();
}
