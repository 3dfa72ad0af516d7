/* PTI lowers the reconstruction loss; a run stopped mid-way and resumed from its checkpoint
 * ends bit-identical to an uninterrupted run. */
#include <sys/stat.h>

#include "check.h"
#include "core/threads.h"
#include "gradcheck.h"
#include "pipeline/invert/pti.h"
#include "tiny_gen.h"

enum { NF = 5 };
static float *g_crops;
static long g_img_n;

static int get_crop(void *user, int index, float *out, fs_err *err) {
    (void)user;
    (void)err;
    memcpy(out, g_crops + (size_t)index * g_img_n, sizeof(float) * (size_t)g_img_n);
    return FS_OK;
}

int main(void) {
    fs_threads_init(2);
    fs_err err = {0};
    /* targets: renders of a perturbed generator ("the real frames"), pivots: latents of the
       original generator near those frames */
    fs_sg2 *target_g = tiny_gen(7);
    fs_sg2 *g0 = tiny_gen(7);
    uint64_t s = 99;
    for (long i = 0; i < g0->cfg.n_floats; i++) g0->data[i] += 0.05f * tr_normal(&s); /* the "untuned" G */
    int num_ws = g0->cfg.num_ws, w_dim = g0->cfg.w_dim;
    g_img_n = 3L * 16 * 16;
    float *z = malloc(sizeof(float) * NF * 32);
    float *pivots = malloc(sizeof(float) * NF * num_ws * w_dim);
    g_crops = malloc(sizeof(float) * NF * g_img_n);
    tr_fill_normal(z, NF * 32, 1, &s);
    CHECK(fs_sg2_mapping_forward(target_g, pivots, z, NF, 1.0f, 0, &err) == FS_OK);
    fs_sg2_acts *a = NULL;
    CHECK(fs_sg2_acts_create(&a, target_g, NF, &err) == FS_OK);
    fs_sg2_opts so = fs_sg2_opts_default();
    fs_sg2_synthesis_forward(target_g, a, pivots, &so);
    memcpy(g_crops, a->img, sizeof(float) * NF * g_img_n);
    fs_sg2_acts_destroy(a);

    fs_pti_opts o;
    fs_pti_opts_default(&o);
    o.passes = 6;
    o.lr = 3e-3f; /* tiny model: a larger rate than STIT's 3e-5 shows the fall in few passes */
    fs_pti_report rep;

    /* 1. uninterrupted */
    fs_sg2 *ga = tiny_gen(7);
    memcpy(ga->data, g0->data, sizeof(float) * (size_t)g0->cfg.n_floats);
    double before, after;
    CHECK(fs_pti_eval(ga, pivots, NF, get_crop, NULL, NULL, &o, &before, &err) == FS_OK);
    CHECK(fs_pti_run(ga, pivots, NF, get_crop, NULL, NULL, &o, &rep, &err) == FS_OK);
    CHECK(fs_pti_eval(ga, pivots, NF, get_crop, NULL, NULL, &o, &after, &err) == FS_OK);
    printf("PTI mean loss before %.5f after %.5f (first pass %.5f, last pass %.5f, %ld updates)\n", before, after,
           rep.loss_first_pass, rep.loss_last_pass, rep.updates);
    CHECK(after < 0.5 * before);
    CHECK(rep.loss_last_pass < rep.loss_first_pass);
    CHECK(rep.updates == 6 * NF);

    /* 2. interrupted after 7 updates (checkpoint every 3), then resumed */
    char dir[] = "/tmp/fs_test_pti_XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char ck[256];
    snprintf(ck, sizeof ck, "%s/checkpoint", dir);
    fs_sg2 *gb = tiny_gen(7);
    memcpy(gb->data, g0->data, sizeof(float) * (size_t)g0->cfg.n_floats);
    fs_pti_opts ob = o;
    ob.checkpoint_dir = ck;
    ob.checkpoint_every = 3;
    ob.checkpoint_seconds = 0;
    ob.stop_after = 7;
    CHECK(fs_pti_run(gb, pivots, NF, get_crop, NULL, NULL, &ob, &rep, &err) == FS_ERR); /* "killed" */
    /* a new process would start from the untuned G again: */
    memcpy(gb->data, g0->data, sizeof(float) * (size_t)g0->cfg.n_floats);
    ob.stop_after = 0;
    CHECK(fs_pti_run(gb, pivots, NF, get_crop, NULL, NULL, &ob, &rep, &err) == FS_OK);
    CHECK(rep.resumed_from == 6);
    CHECK(memcmp(ga->data, gb->data, sizeof(float) * (size_t)g0->cfg.n_floats) == 0);
    printf("resumed from update %d; final generator identical to the uninterrupted run: %s\n", rep.resumed_from,
           memcmp(ga->data, gb->data, sizeof(float) * (size_t)g0->cfg.n_floats) == 0 ? "yes" : "NO");
    /* a finished checkpoint resumes to the end at once and changes nothing */
    CHECK(fs_pti_run(gb, pivots, NF, get_crop, NULL, NULL, &ob, &rep, &err) == FS_OK);
    CHECK(memcmp(ga->data, gb->data, sizeof(float) * (size_t)g0->cfg.n_floats) == 0);
    /* a checkpoint of another run is refused */
    CHECK(fs_pti_run(gb, pivots, NF - 1, get_crop, NULL, NULL, &ob, &rep, &err) == FS_ERR);
    CHECK(strstr(err.msg, "frames") != NULL);

    /* 3. with the locality regulariser: still learns, and resumes bit-identically */
    fs_sg2 *gc = tiny_gen(7), *gd = tiny_gen(7);
    memcpy(gc->data, g0->data, sizeof(float) * (size_t)g0->cfg.n_floats);
    memcpy(gd->data, g0->data, sizeof(float) * (size_t)g0->cfg.n_floats);
    fs_pti_opts oc = o;
    oc.locality = 1;
    oc.locality_seed = 5;
    CHECK(fs_pti_run(gc, pivots, NF, get_crop, NULL, NULL, &oc, &rep, &err) == FS_OK);
    CHECK(fs_pti_eval(gc, pivots, NF, get_crop, NULL, NULL, &o, &after, &err) == FS_OK);
    printf("PTI with locality regulariser: mean loss %.5f -> %.5f\n", before, after);
    CHECK(after < 0.7 * before);
    CHECK(memcmp(gc->data, ga->data, sizeof(float) * (size_t)g0->cfg.n_floats) != 0); /* it does something */
    char ck2[300];
    snprintf(ck2, sizeof ck2, "%s/checkpoint2", dir);
    fs_pti_opts od = oc;
    od.checkpoint_dir = ck2;
    od.checkpoint_every = 4;
    od.checkpoint_seconds = 0;
    od.stop_after = 9;
    CHECK(fs_pti_run(gd, pivots, NF, get_crop, NULL, NULL, &od, &rep, &err) == FS_ERR);
    memcpy(gd->data, g0->data, sizeof(float) * (size_t)g0->cfg.n_floats);
    od.stop_after = 0;
    CHECK(fs_pti_run(gd, pivots, NF, get_crop, NULL, NULL, &od, &rep, &err) == FS_OK);
    CHECK(rep.resumed_from == 8);
    CHECK(memcmp(gc->data, gd->data, sizeof(float) * (size_t)g0->cfg.n_floats) == 0);
    fs_sg2_destroy(gc);
    fs_sg2_destroy(gd);

    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    fs_sg2_destroy(ga);
    fs_sg2_destroy(gb);
    fs_sg2_destroy(g0);
    fs_sg2_destroy(target_g);
    free(z);
    free(pivots);
    free(g_crops);
    fs_threads_shutdown();
    return check_finish();
}
