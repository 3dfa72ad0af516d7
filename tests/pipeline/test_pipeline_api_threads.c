/* Two edits in two threads of one process, each with its own facestitch_ctx (tiny models): both
 * succeed, each output is the one the same edit gives alone (decoded frames equal), each context's
 * progress callback sees only its own user pointer, and aborting one context stops only its edit. */
#include <pthread.h>

#include "check.h"
#include "facestitch.h"
#include "models/tiny_models.h"
#include "video/video.h"

typedef struct job {
    facestitch_ctx *ctx;
    const char *clip, *edit, *out, *models;
    int abort_it;
    long calls, foreign;   /* progress calls, calls that arrived with another job's user pointer */
    int rc;
    char err[1024];
} job;

static void on_progress(void *user, const char *stage, long long done, long long total, double eta, const char *d) {
    (void)stage, (void)done, (void)total, (void)eta, (void)d;
    job *j = user;
    j->calls++;
}
static int on_abort(void *user) { return ((job *)user)->abort_it; }

static void *run(void *arg) {
    job *j = arg;
    facestitch_params p;
    facestitch_params_init(&p);
    p.edit = j->edit;
    p.models_dir = j->models;
    p.pti_steps = 1;
    p.stitch_steps = 2;
    p.max_frames = 2;
    p.threads = 2;
    facestitch_ctx_set_progress(j->ctx, on_progress, on_abort, j);
    j->rc = facestitch_ctx_edit(j->ctx, j->clip, j->out, &p, j->err, sizeof j->err);
    return NULL;
}

/* largest |a - b| over all decoded frames; -1 when the files differ in frame count or size */
static int max_diff(const char *a, const char *b) {
    fs_video_open_opts vo;
    fs_video_open_opts_default(&vo);
    fs_video_reader *ra = NULL, *rb = NULL;
    fs_err e = {0};
    if (fs_video_open(a, &vo, &ra, &e) || fs_video_open(b, &vo, &rb, &e)) {
        fs_video_close(ra);
        return -1;
    }
    int worst = 0, frames = 0;
    for (;;) {
        fs_video_frame fa, fb;
        int ea = fs_video_next(ra, &fa, &e), eb = fs_video_next(rb, &fb, &e);
        if (ea || eb || !fa.image != !fb.image) worst = -1;
        if (worst < 0 || !fa.image) break;
        if (fa.image->w != fb.image->w || fa.image->h != fb.image->h) {
            worst = -1;
            break;
        }
        for (int y = 0; y < fa.image->h; y++)
            for (int x = 0; x < 3 * fa.image->w; x++) {
                int d = abs(fa.image->rgb[(size_t)y * fa.image->stride + x] - fb.image->rgb[(size_t)y * fb.image->stride + x]);
                if (d > worst) worst = d;
            }
        frames++;
    }
    fs_video_close(ra);
    fs_video_close(rb);
    return worst >= 0 && frames == 2 ? worst : -1;
}

int main(void) {
    const char *clip = test_shared_path("media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4");
    char dir[] = "/tmp/fs_test_api_thr_XXXXXX", models[300], cmd[400];
    char alone[2][300], both[2][300], aborted[300];
    CHECK(mkdtemp(dir) != NULL);
    snprintf(models, sizeof models, "%s/m", dir);
    fs_err e = {0};
    CHECK(fs_tiny_models_write(models, 1, &e) == FS_OK);
    const char *edits[2] = {"age=-6", "smile=2"};
    job jobs[2];
    memset(jobs, 0, sizeof jobs);
    for (int i = 0; i < 2; i++) {
        snprintf(alone[i], sizeof alone[i], "%s/alone%d.mp4", dir, i);
        snprintf(both[i], sizeof both[i], "%s/both%d.mp4", dir, i);
        CHECK(facestitch_ctx_create(&jobs[i].ctx, NULL, 0) == 0);
        jobs[i].clip = clip, jobs[i].edit = edits[i], jobs[i].models = models;
    }
    /* each edit alone */
    for (int i = 0; i < 2; i++) {
        jobs[i].out = alone[i];
        run(&jobs[i]);
        CHECK_MSG(jobs[i].rc == 0, "%s", jobs[i].err);
    }
    /* both at once, in two threads */
    pthread_t th[2];
    for (int i = 0; i < 2; i++) {
        jobs[i].out = both[i];
        jobs[i].calls = 0;
        CHECK(pthread_create(&th[i], NULL, run, &jobs[i]) == 0);
    }
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    for (int i = 0; i < 2; i++) {
        CHECK_MSG(jobs[i].rc == 0, "thread %d: %s", i, jobs[i].err);
        CHECK(jobs[i].calls > 0);
        int d = max_diff(alone[i], both[i]);
        printf("edit %s: alone vs concurrent max pixel difference %d (progress calls %ld)\n", edits[i], d, jobs[i].calls);
        CHECK_MSG(d == 0, "edit %s: concurrent output differs from the edit alone (max diff %d)", edits[i], d);
    }
    CHECK(max_diff(both[0], both[1]) > 0); /* the two edits did differ */
    /* aborting one context stops only its edit */
    snprintf(aborted, sizeof aborted, "%s/aborted.mp4", dir);
    unlink(both[0]);
    jobs[0].out = both[0];
    jobs[1].out = aborted;
    jobs[1].abort_it = 1;
    for (int i = 0; i < 2; i++) CHECK(pthread_create(&th[i], NULL, run, &jobs[i]) == 0);
    for (int i = 0; i < 2; i++) pthread_join(th[i], NULL);
    CHECK_MSG(jobs[0].rc == 0, "%s", jobs[0].err);
    CHECK(max_diff(alone[0], both[0]) == 0);
    CHECK(jobs[1].rc != 0 && access(aborted, F_OK) != 0);
    printf("aborted context says: %s\n", jobs[1].err);
    const char *kept = strstr(jobs[1].err, "kept in /tmp/facestitch-"); /* the interrupted work, for a resume */
    if (kept) {
        snprintf(cmd, sizeof cmd, "rm -rf %.*s", (int)strcspn(kept + 8, ": "), kept + 8);
        CHECK(system(cmd) == 0);
    }
    for (int i = 0; i < 2; i++) facestitch_ctx_destroy(jobs[i].ctx);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    CHECK(system(cmd) == 0);
    return check_finish();
}
