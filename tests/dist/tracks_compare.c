/* tracks_compare.c — how far two faces/tracks JSON files of one video are apart (used to check the
 * chunked tracker of pass 1 against one sequential pass, docs/mpi.md):
 *   tracks_compare A.json B.json [MAX_LM_IOD]
 * Tracks are paired by the frames where their boxes overlap (IoU > 0.5), most such frames first.
 * Prints the track counts, the frames of each pair (A, B, common), and over the common frames the
 * landmark difference (mean and max over frames of the mean over the 68 points, in inter-ocular
 * distances of A) and the crop-quad difference (largest corner move, in pixels of a 1024 crop).
 * With MAX_LM_IOD: exit 1 unless the counts match, every pair shares >= 90% of its frames and the
 * max landmark difference is at most MAX_LM_IOD (a NaN fails). TC_FRAMES=1 prints every common frame. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "pipeline/project/project.h"

static double lo(double a, double b) { return a < b ? a : b; }
static double hi(double a, double b) { return a > b ? a : b; }

static double iou(const float *a, const float *b) {
    double ix = lo(a[2], b[2]) - hi(a[0], b[0]), iy = lo(a[3], b[3]) - hi(a[1], b[1]);
    if (ix <= 0 || iy <= 0) return 0;
    double in = ix * iy, u = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - in;
    return u > 0 ? in / u : 0;
}

static int common_frames(const fs_aligned_track *a, const fs_aligned_track *b) {
    int n = 0;
    for (int i = 0; i < a->n; i++) {
        int j = fs_aligned_track_index(b, a->first + i);
        if (j >= 0 && iou(a->box[i], b->box[j]) > 0.5) n++;
    }
    return n;
}

static double eye_dist(const float (*lm)[2]) {
    double ex = 0, ey = 0;
    for (int p = 36; p < 42; p++) ex -= lm[p][0] / 6, ey -= lm[p][1] / 6;
    for (int p = 42; p < 48; p++) ex += lm[p][0] / 6, ey += lm[p][1] / 6;
    return sqrt(ex * ex + ey * ey);
}

/* NaN-propagating max */
static double nmax(double a, double b) { return isnan(a) || isnan(b) ? NAN : (a > b ? a : b); }

/* Prints the pair's figures; returns the max landmark difference (IOD). */
static double compare_pair(const fs_aligned_track *a, const fs_aligned_track *b, int *common) {
    double lm_sum = 0, lm_max = 0, q_sum = 0, q_max = 0;
    int n = 0;
    for (int i = 0; i < a->n; i++) {
        int j = fs_aligned_track_index(b, a->first + i);
        if (j < 0 || !(iou(a->box[i], b->box[j]) > 0.5)) continue;
        double iod = eye_dist((const float (*)[2])a->lm[i]), d = 0;
        for (int p = 0; p < FS_FACE_NUM_LANDMARKS; p++)
            d += hypot(a->lm[i][p][0] - b->lm[j][p][0], a->lm[i][p][1] - b->lm[j][p][1]);
        d /= FS_FACE_NUM_LANDMARKS * iod;
        double side = hypot(a->quad[i][3][0] - a->quad[i][0][0], a->quad[i][3][1] - a->quad[i][0][1]), q = 0;
        for (int c = 0; c < 4; c++)
            q = nmax(q, hypot(a->quad[i][c][0] - b->quad[j][c][0], a->quad[i][c][1] - b->quad[j][c][1]) / side * 1024);
        if (getenv("TC_FRAMES")) printf("    frame %d lm %.4f quad %.2f\n", a->first + i, d, q);
        lm_sum += d, lm_max = nmax(lm_max, d), q_sum += q, q_max = nmax(q_max, q);
        n++;
    }
    *common = n;
    printf("  pair A%d-B%d: frames A %d B %d common %d; landmarks mean %.4f max %.4f IOD; quad mean %.2f max %.2f px "
           "(1024 crop)\n",
           a->id, b->id, a->n, b->n, n, n ? lm_sum / n : 0, lm_max, n ? q_sum / n : 0, q_max);
    return lm_max;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: tracks_compare A.json B.json [MAX_LM_IOD]\n");
        return 2;
    }
    fs_project_settings s;
    fs_project_settings_default(&s);
    fs_aligned_tracks *A = NULL, *B = NULL;
    fs_err err = {0};
    if (fs_aligned_tracks_read_json(argv[1], &s, 0, &A, &err) || fs_aligned_tracks_read_json(argv[2], &s, 0, &B, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return 2;
    }
    printf("tracks: A %d B %d\n", A->count, B->count);
    int ok = A->count == B->count, *used = calloc((size_t)B->count + 1, sizeof *used);
    double worst = 0;
    for (int k = 0; k < A->count; k++) {
        int best = -1, bn = 0;
        for (int m = 0; m < B->count; m++) {
            int c = used[m] ? 0 : common_frames(&A->t[k], &B->t[m]);
            if (c > bn) bn = c, best = m;
        }
        if (best < 0) {
            printf("  A%d (%d frames): no track of B\n", A->t[k].id, A->t[k].n);
            ok = 0;
            continue;
        }
        used[best] = 1;
        int common = 0;
        worst = nmax(worst, compare_pair(&A->t[k], &B->t[best], &common));
        if (common < 0.9 * A->t[k].n || common < 0.9 * B->t[best].n) ok = 0;
    }
    for (int m = 0; m < B->count; m++)
        if (!used[m]) printf("  B%d (%d frames): no track of A\n", B->t[m].id, B->t[m].n);
    free(used);
    fs_aligned_tracks_destroy(A);
    fs_aligned_tracks_destroy(B);
    if (argc < 4) return 0;
    if (!(worst <= atof(argv[3]))) ok = 0;
    printf("%s max landmark difference %.4f IOD (bound %s)\n", ok ? "OK" : "FAIL", worst, argv[3]);
    return ok ? 0 : 1;
}
