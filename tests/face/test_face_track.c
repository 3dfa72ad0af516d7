/* test_face_track.c — the tracker on sequences made from still photos: a face moving by a
 * known amount per frame, a short gap (interpolated), a long gap (a new track), two faces,
 * and frames without any face. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "core/log.h"
#include "core/threads.h"
#include "face/shape_predictor.h"
#include "face/track.h"

static fs_image *load(const char *rel) {
    fs_err err = {0};
    fs_image *im = NULL;
    if (fs_image_load(test_shared_path(rel), &im, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    return im;
}

/* frame = w x h window of src at (x, y) (a camera pan), or a flat grey frame when src is NULL */
static fs_image *crop(const fs_image *src, int x, int y, int w, int h) {
    fs_err err = {0};
    fs_image *f = fs_image_create(w, h, &err);
    for (int r = 0; r < h; r++)
        if (src)
            memcpy(fs_image_px(f, 0, r), fs_image_px(src, x, y + r), (size_t)w * 3);
        else
            memset(fs_image_px(f, 0, r), 128, (size_t)w * 3);
    return f;
}

static void eye_mouth(const fs_face_obs *o, float *lx, float *ly, float *rx, float *ry, float *my) {
    *lx = *ly = *rx = *ry = 0;
    for (int p = 36; p < 42; p++) {
        *lx += o->lm[p][0] / 6;
        *ly += o->lm[p][1] / 6;
    }
    for (int p = 42; p < 48; p++) {
        *rx += o->lm[p][0] / 6;
        *ry += o->lm[p][1] / 6;
    }
    *my = (o->lm[48][1] + o->lm[54][1]) / 2;
}

static int plausible(const fs_face_obs *o) {
    float lx, ly, rx, ry, my;
    eye_mouth(o, &lx, &ly, &rx, &ry, &my);
    const float *b = o->box;
    return lx > b[0] && lx < b[2] && ly > b[1] && ly < b[3] && rx > b[0] && rx < b[2] && ry > b[1] && ry < b[3] &&
           my > ly && my > ry;
}

static fs_face_tracker *make(void) {
    if (access(FS_SHAPE_PREDICTOR_68, R_OK) != 0) test_skip("Debian libdlib-data is not installed");
    if (access("/usr/share/opencv4/haarcascades/haarcascade_frontalface_alt2.xml", R_OK) != 0)
        test_skip("Debian opencv-data is not installed");
    fs_face_tracker_opts o;
    fs_face_tracker_opts_default(&o);
    fs_face_tracker *tr = NULL;
    fs_err err = {0};
    if (fs_face_tracker_create(&o, &tr, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        exit(1);
    }
    return tr;
}

static void test_moving_face(void) {
    fs_image *src = load("media/photo_grace_hopper_512x600.jpg");
    fs_face_tracker *tr = make();
    fs_err err = {0};
    const int N = 25, W = 400, H = 480;
    double t0 = fs_now_seconds();
    for (int i = 0; i < N; i++) {
        /* frames 5-6: no face (short gap); 12-19: no face (long gap); the view pans 3 px right, 2 down per frame */
        int blank = (i == 5 || i == 6 || (i >= 12 && i < 20));
        fs_image *f = crop(blank ? NULL : src, 3 * i, 2 * i, W, H);
        CHECK(fs_face_tracker_push(tr, f, i, &err) == FS_OK);
        fs_image_destroy(f);
    }
    double ms = (fs_now_seconds() - t0) * 1e3 / N;
    /* frames must come in order */
    fs_image *f = crop(src, 0, 0, W, H);
    CHECK(fs_face_tracker_push(tr, f, 3, &err) != FS_OK && strstr(err.msg, "order"));
    fs_image_destroy(f);
    fs_face_tracks *T = NULL;
    CHECK(fs_face_tracker_finish(tr, &T, &err) == FS_OK);
    fs_face_tracker_stats st;
    fs_face_tracker_get_stats(tr, &st);
    printf("moving face: %d frames, %.1f ms/frame, %d detector runs, %d tracks\n", st.frames, ms, st.detections_run,
           T->count);
    CHECK(T->frames == N);
    CHECK(T->count == 2);
    if (T->count == 2) {
        fs_face_track *a = &T->tracks[0], *b = &T->tracks[1];
        CHECK(a->id == 0 && b->id == 1);
        CHECK(a->count == 12 && a->obs[0].frame == 0 && a->obs[11].frame == 11);
        CHECK(b->count == 5 && b->obs[0].frame == 20 && b->obs[4].frame == 24);
        for (int j = 0; j < a->count; j++) {
            int fr = a->obs[j].frame;
            CHECK_MSG(a->obs[j].interpolated == (fr == 5 || fr == 6), "frame %d interpolated=%d", fr,
                      a->obs[j].interpolated);
        }
        /* landmarks follow the pan: the face moves by (-3, -2) px per frame */
        double worst = 0;
        for (int k = 0; k < 2; k++) {
            fs_face_track *t = &T->tracks[k];
            for (int j = 0; j < t->count; j++) {
                const fs_face_obs *o = &t->obs[j], *o0 = &a->obs[0];
                CHECK_MSG(plausible(o), "track %d frame %d: landmarks off the face", k, o->frame);
                double dx = 0, dy = 0;
                for (int p = 0; p < 68; p++) {
                    dx += (o->lm[p][0] - o0->lm[p][0]) / 68;
                    dy += (o->lm[p][1] - o0->lm[p][1]) / 68;
                }
                double e = hypot(dx + 3.0 * o->frame, dy + 2.0 * o->frame);
                worst = check_max(worst, e);
            }
        }
        printf("  landmarks follow the known motion within %.2f px (mean over the 68 points)\n", worst);
        CHECK(worst < 2.5);
    }
    fs_face_tracks_destroy(T);
    fs_face_tracker_destroy(tr);
    fs_image_destroy(src);
}

/* the same frames give bit-identical tracks with 1 and 3 threads (detection rows run in parallel) */
static void test_threads_deterministic(void) {
    fs_image *src = load("media/photo_kpa_two_faces_800x600.jpg");
    fs_err err = {0};
    fs_face_obs *res[2] = {NULL, NULL};
    int cnt[2] = {0, 0};
    for (int r = 0; r < 2; r++) {
        fs_threads_init(r == 0 ? 1 : 3);
        fs_face_tracker *tr = make();
        for (int i = 0; i < 4; i++) {
            fs_image *f = crop(src, 40 - 3 * i, 30 + i, 700, 520);
            CHECK(fs_face_tracker_push(tr, f, i, &err) == FS_OK);
            fs_image_destroy(f);
        }
        fs_face_tracks *T = NULL;
        CHECK(fs_face_tracker_finish(tr, &T, &err) == FS_OK);
        for (int k = 0; k < T->count; k++) cnt[r] += T->tracks[k].count;
        res[r] = calloc((size_t)cnt[r] + 1, sizeof(fs_face_obs));
        int m = 0;
        for (int k = 0; k < T->count; k++)
            for (int j = 0; j < T->tracks[k].count; j++) res[r][m++] = T->tracks[k].obs[j];
        fs_face_tracks_destroy(T);
        fs_face_tracker_destroy(tr);
    }
    fs_threads_init(1);
    CHECK(cnt[0] == cnt[1] && cnt[0] > 0);
    CHECK_MSG(cnt[0] == cnt[1] && memcmp(res[0], res[1], sizeof(fs_face_obs) * (size_t)cnt[0]) == 0,
              "tracks differ between 1 and 3 threads");
    printf("threads: 1 and 3 threads give identical tracks (%d observations)\n", cnt[0]);
    free(res[0]);
    free(res[1]);
    fs_threads_shutdown();
    fs_image_destroy(src);
}

static void test_two_faces_and_none(void) {
    fs_image *src = load("media/photo_kpa_two_faces_800x600.jpg");
    fs_image *rab = load("media/photo_kpa_rabbit_no_human_face_800x551.jpg");
    fs_face_tracker *tr = make();
    fs_err err = {0};
    const int N = 8;
    for (int i = 0; i < N; i++) {
        fs_image *f = crop(src, 60 - 4 * i, 40 + 2 * i, 600, 480);
        CHECK(fs_face_tracker_push(tr, f, i, &err) == FS_OK);
        fs_image_destroy(f);
    }
    fs_face_tracks *T = NULL;
    CHECK(fs_face_tracker_finish(tr, &T, &err) == FS_OK);
    printf("two faces: %d tracks:", T->count);
    for (int k = 0; k < T->count; k++) printf(" [%d obs from %d]", T->tracks[k].count, T->tracks[k].obs[0].frame);
    printf("\n");
    int full = 0;
    for (int k = 0; k < T->count; k++) full += T->tracks[k].count == N;
    CHECK_MSG(full == 2, "%d tracks cover every frame (want the 2 faces)", full);
    CHECK(T->count <= 3);
    fs_face_tracks_destroy(T);
    fs_face_tracker_destroy(tr);

    tr = make();
    for (int i = 0; i < 4; i++) {
        fs_image *f = crop(rab, 2 * i, i, 640, 480);
        CHECK(fs_face_tracker_push(tr, f, i, &err) == FS_OK);
        fs_image_destroy(f);
    }
    CHECK(fs_face_tracker_finish(tr, &T, &err) == FS_OK);
    printf("rabbit: %d tracks\n", T->count);
    CHECK(T->count == 0 && T->frames == 4);
    fs_face_tracks_destroy(T);
    fs_face_tracker_destroy(tr);
    fs_image_destroy(src);
    fs_image_destroy(rab);

    /* degenerate frames: tiny, one pixel, NULL */
    tr = make();
    fs_image *tiny = fs_image_create(7, 5, &err), *one = fs_image_create(1, 1, &err);
    CHECK(fs_face_tracker_push(tr, tiny, 0, &err) == FS_OK);
    CHECK(fs_face_tracker_push(tr, one, 1, &err) == FS_OK);
    CHECK(fs_face_tracker_push(tr, NULL, 2, &err) != FS_OK);
    CHECK(fs_face_tracker_finish(tr, &T, &err) == FS_OK && T->count == 0 && T->frames == 2);
    fs_face_tracks_destroy(T);
    fs_face_tracker_destroy(tr);
    fs_image_destroy(tiny);
    fs_image_destroy(one);

    /* bad options and a missing model give clear errors */
    fs_face_tracker_opts o;
    fs_face_tracker_opts_default(&o);
    o.predictor_path = "/nonexistent/model.dat";
    CHECK(fs_face_tracker_create(&o, &tr, &err) != FS_OK && strstr(err.msg, "/nonexistent/model.dat"));
    printf("  missing model: %s\n", err.msg);
    fs_face_tracker_opts_default(&o);
    o.redetect_every = 0;
    CHECK(fs_face_tracker_create(&o, &tr, &err) != FS_OK);
}

int main(void) {
    test_moving_face();
    test_two_faces_and_none();
    test_threads_deterministic();
    return check_finish();
}
