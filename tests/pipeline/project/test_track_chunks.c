/* test_track_chunks.c — pass 1 in chunks (src/pipeline/project/detect.c) in one process, as the ranks of
 * an MPI job run it (tests/dist/test_dist_track.sh runs it over 2 ranks): a talking head, 25 frames,
 * chunks of 10 (the tracker of chunk 2 starts at frame 10: a real warm-up).
 *  - the chunks stored in a project dir by two calls (chunk 0, then chunks 1.. to the end: two ranks'
 *    runs) and joined give the very tracks `faces` makes in memory (every number equal);
 *  - with one chunk file deleted, a rerun tracks it again and the join is unchanged (resume);
 *  - the chunked tracks pair one to one with one sequential pass (--track-chunk 0): same frames,
 *    landmarks within 0.1 inter-ocular distance. */
#include "check.h"
#include "pipeline/project/project.h"

#include <unistd.h>

static int same_tracks(const fs_aligned_tracks *a, const fs_aligned_tracks *b) {
    if (a->count != b->count || a->frames != b->frames) return 0;
    for (int k = 0; k < a->count; k++) {
        const fs_aligned_track *x = &a->t[k], *y = &b->t[k];
        if (x->first != y->first || x->n != y->n) return 0;
        if (memcmp(x->lm, y->lm, sizeof *x->lm * (size_t)x->n) || memcmp(x->quad, y->quad, sizeof *x->quad * (size_t)x->n))
            return 0;
    }
    return 1;
}

/* max over paired frames of the mean landmark distance, in inter-ocular distances of a (NaN-propagating) */
static double lm_diff(const fs_aligned_track *a, const fs_aligned_track *b) {
    double worst = 0;
    for (int i = 0; i < a->n; i++) {
        int j = fs_aligned_track_index(b, a->first + i);
        if (j < 0) return INFINITY;
        double ex = 0, ey = 0, d = 0;
        for (int p = 36; p < 42; p++) ex -= a->lm[i][p][0] / 6, ey -= a->lm[i][p][1] / 6;
        for (int p = 42; p < 48; p++) ex += a->lm[i][p][0] / 6, ey += a->lm[i][p][1] / 6;
        for (int p = 0; p < FS_FACE_NUM_LANDMARKS; p++)
            d += hypot(a->lm[i][p][0] - b->lm[j][p][0], a->lm[i][p][1] - b->lm[j][p][1]);
        d /= FS_FACE_NUM_LANDMARKS * hypot(ex, ey);
        worst = check_max(worst, d);
    }
    return worst;
}

int main(void) {
    const char *clip = test_shared_path("media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4");
    fs_err err = {0};
    fs_project_settings s;
    fs_project_settings_default(&s);
    s.size = 64;
    s.max_frames = 25;
    snprintf(s.detector, sizeof s.detector, "haar");
    s.track_chunk = 10;
    fs_aligned_tracks *mem = NULL, *dir = NULL, *again = NULL, *seq = NULL;
    CHECK_MSG(fs_project_detect_tracks(clip, &s, NULL, &mem, &err) == FS_OK, "%s", err.msg);
    char tmp[] = "/tmp/fs_test_chunks_XXXXXX";
    CHECK(mkdtemp(tmp) != NULL);
    /* "rank 0": chunk 0; "rank 1": chunks 1.. to the end of the video */
    CHECK_MSG(fs_project_track_chunks(clip, &s, tmp, 0, 1, &err) == FS_OK, "%s", err.msg);
    CHECK_MSG(fs_project_track_chunks(clip, &s, tmp, 1, -1, &err) == FS_OK, "%s", err.msg);
    CHECK_MSG(fs_project_join_track_chunks(clip, &s, tmp, &dir, &err) == FS_OK, "%s", err.msg);
    CHECK(mem && dir && mem->count == 1 && same_tracks(mem, dir));
    char path[512];
    snprintf(path, sizeof path, "%s/tracklets/c000001.json", tmp);
    CHECK(unlink(path) == 0);
    CHECK(fs_project_join_track_chunks(clip, &s, tmp, &again, &err) == FS_ERR && strstr(err.msg, "c000001.json"));
    CHECK_MSG(fs_project_track_chunks(clip, &s, tmp, 0, -1, &err) == FS_OK, "%s", err.msg);
    CHECK_MSG(fs_project_join_track_chunks(clip, &s, tmp, &again, &err) == FS_OK, "%s", err.msg);
    CHECK(again && dir && same_tracks(again, dir));
    s.track_chunk = 0;
    CHECK_MSG(fs_project_detect_tracks(clip, &s, NULL, &seq, &err) == FS_OK, "%s", err.msg);
    if (seq && mem && seq->count == mem->count) {
        for (int k = 0; k < seq->count; k++) {
            double d = lm_diff(&seq->t[k], &mem->t[k]);
            printf("track %d: frames %d+%d (one pass) vs %d+%d (chunks of 10), landmarks max %.4f IOD\n", k, seq->t[k].first,
                   seq->t[k].n, mem->t[k].first, mem->t[k].n, d);
            CHECK(seq->t[k].first == mem->t[k].first && seq->t[k].n == mem->t[k].n && d <= 0.1);
        }
    } else {
        CHECK_MSG(0, "tracks: %d in one pass, %d in chunks", seq ? seq->count : -1, mem ? mem->count : -1);
    }
    for (int c = 0; c < 3; c++) {
        snprintf(path, sizeof path, "%s/tracklets/c%06d.json", tmp, c);
        unlink(path);
    }
    snprintf(path, sizeof path, "%s/tracklets", tmp);
    rmdir(path);
    rmdir(tmp);
    fs_aligned_tracks_destroy(mem);
    fs_aligned_tracks_destroy(dir);
    fs_aligned_tracks_destroy(again);
    fs_aligned_tracks_destroy(seq);
    return check_finish();
}
