/* Optimisation-based inversion (no encoder): projecting an image made by the fixture generator
 * lowers L2 + LPIPS monotonically, from w_avg. */
#include "check.h"
#include "core/threads.h"
#include "models/lpips.h"
#include "models/stylegan2.h"
#include "pipeline/invert/projector.h"
#include "weights/safetensors.h"

int main(void) {
    const char *gp = test_shared_path("fixtures/stylegan2_nvidia/G_ema.safetensors");
    const char *io = test_shared_path("fixtures/stylegan2_nvidia/io.safetensors");
    const char *lpp = test_shared_path("fixtures/lpips/lpips_alex.safetensors");
    fs_threads_init(2);
    fs_err err = {0};
    fs_sg2 *g = NULL;
    fs_lpips *lp = NULL;
    fs_tensor_map *m = NULL;
    CHECK_MSG(fs_sg2_load(gp, &g, &err) == FS_OK, "%s", err.msg);
    CHECK_MSG(fs_lpips_load(lpp, &lp, &err) == FS_OK, "%s", err.msg);
    CHECK_MSG(fs_safetensors_load(io, FS_ST_TO_F32, &m, &err) == FS_OK, "%s", err.msg);
    if (!g || !lp || !m) return check_finish();
    const fs_tensor *img = fs_tensor_map_get(m, "img_const");
    CHECK(img && img->shape[1] == 3 && img->shape[2] == g->cfg.resolution);
    fs_projector_opts o;
    fs_projector_opts_default(&o);
    o.steps = 40;
    o.lr = 0.01f;
    double losses[41];
    float *ws = malloc(sizeof(float) * g->cfg.num_ws * g->cfg.w_dim);
    CHECK_MSG(fs_projector_run(g, lp, (const float *)img->data, &o, ws, losses, &err) == FS_OK, "%s", err.msg);
    int mono = 1, worst = -1;
    for (int i = 1; i <= o.steps; i++)
        if (losses[i] > losses[i - 1] * (1 + 1e-6)) mono = 0, worst = i;
    printf("projection L2+LPIPS: %.5f -> %.5f after %d steps (monotonic: %s)\n", losses[0], losses[o.steps], o.steps,
           mono ? "yes" : "no");
    CHECK_MSG(mono, "loss rose at step %d: %.6f -> %.6f", worst, worst > 0 ? losses[worst - 1] : 0.0,
              worst > 0 ? losses[worst] : 0.0);
    CHECK(losses[o.steps] < 0.8 * losses[0]);
    /* the returned W+ repeats one w on every layer */
    int same = 1;
    for (int l = 1; l < g->cfg.num_ws; l++)
        same &= memcmp(ws, ws + (size_t)l * g->cfg.w_dim, sizeof(float) * g->cfg.w_dim) == 0;
    CHECK(same);
    free(ws);
    fs_tensor_map_destroy(m);
    fs_lpips_destroy(lp);
    fs_sg2_destroy(g);
    fs_threads_shutdown();
    return check_finish();
}
