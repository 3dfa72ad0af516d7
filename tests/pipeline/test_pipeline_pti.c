/* PTI lowers the reconstruction loss; a run stopped mid-way and resumed from its checkpoint
 * ends bit-identical to an uninterrupted run. Runs on the device FS_DEVICE names (ctest also runs it on sim, where
 * its printed figures must equal the cpu run's): generators are device memory, crops and pivots host memory. */
#include <sys/stat.h>

#include "check.h"
#include "core/threads.h"
#include "gradcheck.h"
#include "pipeline/invert/pti.h"
#include "tensor/device.h"
#include "tiny_gen.h"

/* generator parameters (device) */
static void gen_copy(fs_sg2 *dst, const fs_sg2 *src) {
    fs_dev_copy(dst->data, src->data, sizeof(float) * (size_t)src->cfg.n_floats);
}
static int gen_equal(const fs_sg2 *a, const fs_sg2 *b) {
    long n = a->cfg.n_floats;
    float *ha = fs_dev_to_host_f32(a->data, n), *hb = fs_dev_to_host_f32(b->data, n);
    FS_ASSERT(ha && hb);
    int eq = memcmp(ha, hb, sizeof(float) * (size_t)n) == 0;
    free(ha), free(hb);
    return eq;
}

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
    if (fs_device_from_env(&err)) test_skip(err.msg);
    /* targets: renders of a perturbed generator ("the real frames"), pivots: latents of the
       original generator near those frames */
    fs_sg2 *target_g = tiny_gen(7);
    fs_sg2 *g0 = tiny_gen(7);
    uint64_t s = 99;
    float *hg = fs_dev_to_host_f32(g0->data, g0->cfg.n_floats);
    FS_ASSERT(hg);
    for (long i = 0; i < g0->cfg.n_floats; i++) hg[i] += 0.05f * tr_normal(&s); /* the "untuned" G */
    fs_dev_upload(g0->data, hg, sizeof(float) * (size_t)g0->cfg.n_floats);
    free(hg);
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
    float *pivots_dev = fs_dev_alloc_f32((long)NF * num_ws * w_dim, &err);
    FS_ASSERT(pivots_dev);
    fs_dev_upload(pivots_dev, pivots, sizeof(float) * NF * num_ws * w_dim);
    fs_sg2_synthesis_forward(target_g, a, pivots_dev, &so);
    fs_dev_download(g_crops, a->img, sizeof(float) * NF * g_img_n);
    fs_dev_free(pivots_dev);
    fs_sg2_acts_destroy(a);

    fs_pti_opts o;
    fs_pti_opts_default(&o);
    o.passes = 6;
    o.lr = 3e-3f; /* tiny model: a larger rate than STIT's 3e-5 shows the fall in few passes */
    fs_pti_report rep;

    /* 1. uninterrupted */
    fs_sg2 *ga = tiny_gen(7);
    gen_copy(ga, g0);
    double before, after;
    CHECK(fs_pti_eval(ga, pivots, NF, get_crop, NULL, NULL, &o, &before, &err) == FS_OK);
    CHECK(fs_pti_run(ga, pivots, NF, get_crop, NULL, NULL, &o, &rep, &err) == FS_OK);
    CHECK(fs_pti_eval(ga, pivots, NF, get_crop, NULL, NULL, &o, &after, &err) == FS_OK);
    printf("PTI mean loss before %.9g after %.9g (first pass %.5f, last pass %.5f, %ld updates)\n", before, after,
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
    gen_copy(gb, g0);
    fs_pti_opts ob = o;
    ob.checkpoint_dir = ck;
    ob.checkpoint_every = 3;
    ob.checkpoint_seconds = 0;
    ob.stop_after = 7;
    CHECK(fs_pti_run(gb, pivots, NF, get_crop, NULL, NULL, &ob, &rep, &err) == FS_ERR); /* "killed" */
    /* a new process would start from the untuned G again: */
    gen_copy(gb, g0);
    ob.stop_after = 0;
    CHECK(fs_pti_run(gb, pivots, NF, get_crop, NULL, NULL, &ob, &rep, &err) == FS_OK);
    CHECK(rep.resumed_from == 6);
    CHECK(gen_equal(ga, gb));
    printf("resumed from update %d; final generator identical to the uninterrupted run: %s\n", rep.resumed_from,
           gen_equal(ga, gb) ? "yes" : "NO");
    /* a finished checkpoint resumes to the end at once and changes nothing */
    CHECK(fs_pti_run(gb, pivots, NF, get_crop, NULL, NULL, &ob, &rep, &err) == FS_OK);
    CHECK(gen_equal(ga, gb));
    /* a checkpoint of another run is refused */
    CHECK(fs_pti_run(gb, pivots, NF - 1, get_crop, NULL, NULL, &ob, &rep, &err) == FS_ERR);
    CHECK(strstr(err.msg, "frames") != NULL);

    /* 3. with the locality regulariser: still learns, and resumes bit-identically */
    fs_sg2 *gc = tiny_gen(7), *gd = tiny_gen(7);
    gen_copy(gc, g0);
    gen_copy(gd, g0);
    fs_pti_opts oc = o;
    oc.locality = 1;
    oc.locality_seed = 5;
    CHECK(fs_pti_run(gc, pivots, NF, get_crop, NULL, NULL, &oc, &rep, &err) == FS_OK);
    CHECK(fs_pti_eval(gc, pivots, NF, get_crop, NULL, NULL, &o, &after, &err) == FS_OK);
    printf("PTI with locality regulariser: mean loss %.9g -> %.9g\n", before, after);
    CHECK(after < 0.7 * before);
    CHECK(!gen_equal(gc, ga)); /* it does something */
    char ck2[300];
    snprintf(ck2, sizeof ck2, "%s/checkpoint2", dir);
    fs_pti_opts od = oc;
    od.checkpoint_dir = ck2;
    od.checkpoint_every = 4;
    od.checkpoint_seconds = 0;
    od.stop_after = 9;
    CHECK(fs_pti_run(gd, pivots, NF, get_crop, NULL, NULL, &od, &rep, &err) == FS_ERR);
    gen_copy(gd, g0);
    od.stop_after = 0;
    CHECK(fs_pti_run(gd, pivots, NF, get_crop, NULL, NULL, &od, &rep, &err) == FS_OK);
    CHECK(rep.resumed_from == 8);
    CHECK(gen_equal(gc, gd));
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
