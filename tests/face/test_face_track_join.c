/* test_face_track_join.c — fs_face_tracks_join (src/face/track_join.c) on hand-made tracklets of two
 * chunks of 10 frames: a face crossing the boundary stays one track (also across a short gap, which
 * is filled), a face elsewhere or back after a long gap starts another, a short tracklet is dropped,
 * the best-matching pair links first, and one chunk alone is what fs_face_tracker_finish makes. */
#include "check.h"
#include "face/track.h"

#define NLM FS_FACE_NUM_LANDMARKS

static fs_face_obs obs(int frame, float x, float y, float side) {
    fs_face_obs o;
    memset(&o, 0, sizeof o);
    o.frame = frame;
    o.box[0] = x, o.box[1] = y, o.box[2] = x + side, o.box[3] = y + side;
    for (int p = 0; p < NLM; p++) o.lm[p][0] = x + side * p / NLM, o.lm[p][1] = y + side / 2;
    return o;
}

/* a tracklet of frames [f0, f1) of a face moving 1 px per frame from (x, y) */
static fs_face_track tracklet(int f0, int f1, float x, float y, float side) {
    fs_face_track t = {0, f1 - f0, malloc(sizeof(fs_face_obs) * (size_t)(f1 - f0))};
    for (int f = f0; f < f1; f++) t.obs[f - f0] = obs(f, x + (float)f, y, side);
    return t;
}

static fs_face_tracks *chunk(int n, fs_face_track *ts) {
    fs_face_tracks *c = calloc(1, sizeof *c);
    c->count = n;
    c->frames = 10;
    c->tracks = malloc(sizeof *ts * (size_t)n);
    memcpy(c->tracks, ts, sizeof *ts * (size_t)n);
    return c;
}

int main(void) {
    fs_face_tracker_opts o;
    fs_face_tracker_opts_default(&o); /* max_gap 5, min_track_len 3 */
    fs_err err = {0};
    /* chunk 0: face A frames 0-9, face B frames 2-7 (lost), a 2-frame blip at 8-9 */
    fs_face_track c0[3] = {tracklet(0, 10, 100, 100, 80), tracklet(2, 8, 400, 100, 60), tracklet(8, 10, 600, 300, 50)};
    /* chunk 1: A again from 10, B back at 13 (gap 5 = max_gap: filled), a face C far from all, and B's
     * double a little further off (the better pair wins) */
    fs_face_track c1[3] = {tracklet(10, 20, 100, 100, 80), tracklet(13, 20, 409, 100, 60), tracklet(10, 20, 250, 400, 70)};
    const fs_face_tracks *chunks[2] = {chunk(3, c0), chunk(3, c1)};
    fs_face_tracks *T = NULL;
    CHECK_MSG(fs_face_tracks_join(chunks, 2, &o, 20, &T, &err) == FS_OK, "%s", err.msg);
    CHECK(T && T->count == 3); /* A, B, C; the blip dropped */
    if (T && T->count == 3) {
        CHECK(T->tracks[0].obs[0].frame == 0 && T->tracks[0].count == 20); /* A: one track over the boundary */
        CHECK(T->tracks[1].obs[0].frame == 2 && T->tracks[1].count == 18); /* B: 2..19, gap 8..12 filled */
        CHECK(T->tracks[1].obs[6].interpolated == 1 && T->tracks[1].obs[5].interpolated == 0 && T->tracks[1].obs[11].interpolated == 0);
        CHECK(T->tracks[2].obs[0].frame == 10 && T->tracks[2].count == 10); /* C */
        for (int i = 0; i < 3; i++) CHECK(T->tracks[i].id == i);
        for (int i = 1; i < T->tracks[0].count; i++) CHECK(T->tracks[0].obs[i].frame == T->tracks[0].obs[i - 1].frame + 1);
    }
    fs_face_tracks_destroy(T);
    /* a gap of 6 frames (> max_gap) splits: B's tracklet of chunk 1 starting at 14 is another track */
    fs_face_tracks *c2 = chunk(1, (fs_face_track[]){tracklet(14, 20, 409, 100, 60)});
    const fs_face_tracks *late[2] = {chunks[0], c2};
    CHECK(fs_face_tracks_join(late, 2, &o, 20, &T, &err) == FS_OK);
    CHECK(T && T->count == 3 && T->tracks[2].obs[0].frame == 14);
    fs_face_tracks_destroy(T);
    /* two tracklets that could continue A: the nearer one does, the other starts a track */
    fs_face_tracks *c3 = chunk(2, (fs_face_track[]){tracklet(10, 20, 120, 100, 80), tracklet(10, 20, 102, 100, 80)});
    const fs_face_tracks *two[2] = {chunk(1, (fs_face_track[]){tracklet(0, 10, 100, 100, 80)}), c3};
    CHECK(fs_face_tracks_join(two, 2, &o, 20, &T, &err) == FS_OK);
    CHECK(T && T->count == 2 && T->tracks[0].count == 20 && T->tracks[0].obs[10].box[0] == 112.f);
    fs_face_tracks_destroy(T);
    /* one chunk: the gap filling and dropping of finish() */
    const fs_face_tracks *one[1] = {chunks[0]};
    CHECK(fs_face_tracks_join(one, 1, &o, 10, &T, &err) == FS_OK);
    CHECK(T && T->count == 2 && T->tracks[0].count == 10 && T->tracks[1].count == 6);
    fs_face_tracks_destroy(T);
    fs_face_tracks_destroy((fs_face_tracks *)chunks[0]);
    fs_face_tracks_destroy((fs_face_tracks *)chunks[1]);
    fs_face_tracks_destroy(c2);
    fs_face_tracks_destroy((fs_face_tracks *)two[0]);
    fs_face_tracks_destroy(c3);
    return check_finish();
}
