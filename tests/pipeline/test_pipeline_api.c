/* The public header's facestitch_edit runs the whole chain (tiny models), reports progress
 * through the callback, fails cleanly with a message, and can be aborted without output. */
#include "check.h"
#include "facestitch.h"
#include "models/tiny_models.h"
#include "pipeline/metrics/metrics.h"

static long calls;
static int abort_now;
static void on_progress(void *user, const char *stage, long long done, long long total, double eta, const char *d) {
    (void)user, (void)stage, (void)done, (void)total, (void)eta, (void)d;
    calls++;
}
static int on_abort(void *user) {
    (void)user;
    return abort_now;
}

/* per-frame PSNRs of the output against the input (pipeline/metrics/metrics.h) */
static fs_metrics_frame frames[8];
static int nframes;
static int on_frame(void *user, const fs_metrics_frame *f, fs_err *err) {
    (void)user, (void)err;
    if (nframes < 8) frames[nframes++] = *f;
    return 0;
}

/* With crf 0 (lossless) and range "f1:f2" on 3 frames: frames 0 and 2 are the input's, bit for bit; in
 * frame 1 the face changed and nothing outside the face's crop quad did. */
static void check_range_pixels(const char *clip, const char *out) {
    fs_metrics_opts o;
    fs_metrics_opts_default(&o);
    o.max_frames = 3;
    o.frame_fn = on_frame;
    fs_metrics m;
    fs_err e = {0};
    nframes = 0;
    CHECK_MSG(fs_metrics_compute(clip, out, &o, &m, &e) == FS_OK, "%s", e.msg);
    CHECK(nframes == 3 && m.frames == 3);
    if (nframes != 3) return;
    printf("range f1:f2: frame PSNR %g %g %g dB, face PSNR in frame 1 %.2f dB, background max |diff| %d\n",
           frames[0].frame_psnr_db, frames[1].frame_psnr_db, frames[2].frame_psnr_db, frames[1].face_psnr_db,
           m.bg_max_abs_diff);
    CHECK_MSG(isinf(frames[0].frame_psnr_db) && isinf(frames[2].frame_psnr_db), "frames outside the range changed");
    CHECK_MSG(frames[1].faces >= 1 && frames[1].face_psnr_db < 60, "the face in frame 1 was not edited");
    CHECK_MSG(m.bg_max_abs_diff == 0, "pixels outside the crop quads changed (max |diff| %d)", m.bg_max_abs_diff);
    fs_metrics_free(&m);
}

int main(void) {
    const char *clip = test_shared_path("media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4");
    char dir[] = "/tmp/fs_test_api_XXXXXX", models[300], out[300], cmd[400];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(models, sizeof models, "%s/m", dir);
    snprintf(out, sizeof out, "%s/out.mp4", dir);
    fs_err e = {0};
    CHECK(fs_tiny_models_write(models, 1, &e) == FS_OK);
    CHECK(strlen(facestitch_version()) > 0);
    facestitch_params p;
    facestitch_params_init(&p);
    p.edit = "age=-6";
    p.models_dir = models;
    p.pti_steps = 1;
    p.stitch_steps = 3;
    p.max_frames = 3;
    p.threads = 2;
    char err[1024] = "";
    facestitch_set_progress(on_progress, on_abort, NULL);
    CHECK_MSG(facestitch_edit(clip, out, &p, err, sizeof err) == 0, "%s", err);
    CHECK(access(out, R_OK) == 0);
    CHECK(calls > 0);
    /* range: faces edited only inside; a bad range is refused before any work */
    p.range = "f1:f2";
    p.crf = 0;
    unlink(out);
    CHECK_MSG(facestitch_edit(clip, out, &p, err, sizeof err) == 0, "%s", err);
    CHECK(access(out, R_OK) == 0);
    check_range_pixels(clip, out);
    p.crf = 18;
    p.range = "1:2";
    unlink(out);
    CHECK(facestitch_edit(clip, out, &p, err, sizeof err) != 0 && strstr(err, "range") != NULL && strstr(err, "'1:2'") != NULL);
    CHECK(access(out, F_OK) != 0);
    p.range = NULL;
    /* a bad edit string: message, no output */
    p.edit = "age";
    unlink(out);
    CHECK(facestitch_edit(clip, out, &p, err, sizeof err) != 0 && strstr(err, "NAME=") != NULL);
    CHECK(access(out, F_OK) != 0);
    /* abort: fails with a message, no output file */
    p.edit = "age=2";
    abort_now = 1;
    CHECK(facestitch_edit(clip, out, &p, err, sizeof err) != 0);
    printf("aborted run says: %s\n", err);
    CHECK(access(out, F_OK) != 0);
    facestitch_set_progress(NULL, NULL, NULL);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_finish();
}
