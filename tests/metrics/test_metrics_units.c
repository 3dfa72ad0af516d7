/* test_metrics_units.c — the pieces of pipeline/metrics/metrics.h on synthetic data: convex fills with
 * margins, PSNR, landmark stability on hand-made tracks (known jitter and shift, matching), and
 * TL-ID / TG-ID on hand-made embeddings. No media needed. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "pipeline/metrics/metrics.h"

static long count(const uint8_t *m, int w, int h) {
    long n = 0;
    for (int i = 0; i < w * h; i++) n += m[i] != 0;
    return n;
}

static void test_fill(void) {
    enum { W = 64, H = 48 };
    uint8_t *m = calloc(W * H, 1);
    /* axis-aligned square [10,20]x[5,15], pixel centres on integers: 11 x 11 pixels */
    float sq[8] = {10, 5, 10, 15, 20, 15, 20, 5};
    fs_metrics_fill_convex(m, W, H, sq, 4, 0.0);
    CHECK(count(m, W, H) == 121);
    CHECK(m[5 * W + 10] && m[15 * W + 20] && !m[4 * W + 10] && !m[5 * W + 21]);
    /* the other orientation gives the same pixels */
    uint8_t *m2 = calloc(W * H, 1);
    float sq2[8] = {10, 5, 20, 5, 20, 15, 10, 15};
    fs_metrics_fill_convex(m2, W, H, sq2, 4, 0.0);
    CHECK(memcmp(m, m2, W * H) == 0);
    /* margin 2 (mitred: the square grows to 15 x 15) */
    memset(m, 0, W * H);
    fs_metrics_fill_convex(m, W, H, sq, 4, 2.0);
    CHECK(count(m, W, H) == 225);
    /* clipped at the frame border, or off the frame altogether */
    memset(m, 0, W * H);
    float big[8] = {-100, -100, -100, 100, 100, 100, 100, -100};
    fs_metrics_fill_convex(m, W, H, big, 4, 0.0);
    CHECK(count(m, W, H) == W * H);
    memset(m, 0, W * H);
    float off[8] = {200, 200, 200, 210, 210, 210, 210, 200};
    fs_metrics_fill_convex(m, W, H, off, 4, 3.0);
    CHECK(count(m, W, H) == 0);
    /* degenerate / hostile: a line, 2 points, NaN, huge values: no pixel, no crash */
    float line[6] = {0, 0, 10, 10, 20, 20};
    fs_metrics_fill_convex(m, W, H, line, 3, 0.0);
    fs_metrics_fill_convex(m, W, H, sq, 2, 0.0);
    float nanp[8] = {10, 5, NAN, 15, 20, 15, 20, 5};
    fs_metrics_fill_convex(m, W, H, nanp, 4, 1.0);
    CHECK(count(m, W, H) == 0);
    float huge[8] = {1e30f, 1e30f, 1e30f, 2e30f, 2e30f, 2e30f, 2e30f, 1e30f};
    fs_metrics_fill_convex(m, W, H, huge, 4, 1.0);
    float neg[8] = {-1e30f, -1e30f, -1e30f, 1e30f, 1e30f, 1e30f, 1e30f, -1e30f};
    fs_metrics_fill_convex(m, W, H, neg, 4, 1.0);
    CHECK(count(m, W, H) == W * H);
    /* a rotated square (diamond) of half-diagonal 10 around (32, 24): |dx| + |dy| <= 10 -> 221 pixels */
    memset(m, 0, W * H);
    float dia[8] = {32, 14, 22, 24, 32, 34, 42, 24};
    fs_metrics_fill_convex(m, W, H, dia, 4, 0.0);
    CHECK(count(m, W, H) == 221);
    /* with a margin, every pixel within that distance of the polygon is in (a disk inside the mitre) */
    memset(m, 0, W * H);
    fs_metrics_fill_convex(m, W, H, dia, 4, 3.0);
    int ok = 1;
    for (int y = 0; y < H; y++)
        for (int x = 0; x < W; x++) {
            double d = (fabs(x - 32.0) + fabs(y - 24.0) - 10) / sqrt(2.0); /* distance to the diamond, outside */
            if (d <= 3.0 - 1e-9 && !m[y * W + x]) ok = 0;
        }
    CHECK(ok);
    free(m);
    free(m2);
}

static void test_psnr(void) {
    CHECK(isinf(fs_metrics_psnr(0, 10)));
    CHECK(isnan(fs_metrics_psnr(0, 0)));
    CHECK_CLOSE(fs_metrics_psnr(100.0 * 255 * 255, 100), 0.0, 1e-12); /* MSE = 255^2 */
    CHECK_CLOSE(fs_metrics_psnr(1.0 * 300, 300), 48.1308036, 1e-6); /* MSE 1 */
}

/* One track of n frames from `first`, landmarks = a fixed face (eyes 40 px apart) moved by dx per frame. */
static void make_track(fs_aligned_track *t, int id, int first, int n, double x0, double dx, double jitter_amp) {
    memset(t, 0, sizeof *t);
    t->id = id;
    t->first = first;
    t->n = n;
    t->box = calloc(n, sizeof *t->box);
    t->lm = calloc(n, sizeof *t->lm);
    t->observed = calloc(n, 1);
    t->quad = calloc(n, sizeof *t->quad);
    t->coeffs = calloc(n, sizeof *t->coeffs);
    for (int i = 0; i < n; i++) {
        double cx = x0 + dx * i + ((i % 2) ? jitter_amp : 0.0);
        for (int l = 0; l < FS_FACE_NUM_LANDMARKS; l++) {
            t->lm[i][l][0] = (float)(cx + (l % 9) * 5 - 20);
            t->lm[i][l][1] = (float)(100 + (l / 9) * 6);
        }
        for (int l = 36; l < 42; l++) t->lm[i][l][0] = (float)(cx - 20), t->lm[i][l][1] = 110;
        for (int l = 42; l < 48; l++) t->lm[i][l][0] = (float)(cx + 20), t->lm[i][l][1] = 110;
        t->box[i][0] = (float)(cx - 50);
        t->box[i][1] = 60;
        t->box[i][2] = (float)(cx + 50);
        t->box[i][3] = 160;
        t->observed[i] = 1;
    }
}

static fs_aligned_tracks *tracks_new(int count) {
    fs_aligned_tracks *t = calloc(1, sizeof *t);
    t->count = count;
    t->t = calloc(count, sizeof *t->t);
    t->frames = 20;
    t->width = 640;
    t->height = 480;
    return t;
}

static void test_landmarks(void) {
    fs_err err = {0};
    /* same tracks: ratio 1, shift 0 */
    fs_aligned_tracks *a = tracks_new(1), *b = tracks_new(1);
    make_track(&a->t[0], 0, 0, 10, 100, 2.0, 0);
    make_track(&b->t[0], 5, 0, 10, 100, 2.0, 0);
    fs_metrics m;
    memset(&m, 0, sizeof m);
    CHECK(fs_metrics_landmarks(a, b, &m, &err) == FS_OK);
    CHECK(m.tracks_matched == 1 && m.tracks[0].edited_id == 5);
    CHECK_CLOSE(m.lm_jitter_original, 2.0 / 40, 1e-6); /* 2 px per frame / 40 px eye distance */
    CHECK_CLOSE(m.lm_jitter_ratio, 1.0, 1e-12);
    CHECK_CLOSE(m.lm_shift, 0.0, 1e-12);
    CHECK(m.lm_pairs == 9 && m.lm_frames == 10);
    fs_aligned_tracks_destroy(b);
    /* edited: shifted by 4 px (shift 0.1) and jittering by 2 px every other frame */
    b = tracks_new(1);
    make_track(&b->t[0], 0, 0, 10, 104, 2.0, 2.0);
    CHECK(fs_metrics_landmarks(a, b, &m, &err) == FS_OK);
    /* edited steps alternate 4 and 0 px: mean 2 px... per pair |2+2| or |2-2| -> 4, 0 ... */
    CHECK_CLOSE(m.lm_jitter_edited, (5 * 4.0 + 4 * 0.0) / 9 / 40, 1e-6);
    CHECK_CLOSE(m.lm_shift, (5 * 4.0 + 5 * 6.0) / 10 / 40, 1e-6);
    CHECK_CLOSE(m.lm_jitter_ratio, m.lm_jitter_edited / m.lm_jitter_original, 1e-9);
    fs_aligned_tracks_destroy(b);
    /* unobserved frames are left out; a track elsewhere is not matched; two tracks in swapped order */
    fs_aligned_tracks_destroy(a);
    a = tracks_new(2);
    make_track(&a->t[0], 0, 0, 10, 100, 0.0, 0);
    make_track(&a->t[1], 1, 0, 10, 400, 0.0, 0);
    b = tracks_new(3);
    make_track(&b->t[0], 7, 0, 10, 402, 0.0, 0);
    make_track(&b->t[1], 8, 0, 10, 101, 0.0, 0);
    make_track(&b->t[2], 9, 0, 10, 250, 0.0, 0); /* nowhere near either */
    b->t[1].observed[3] = 0;
    CHECK(fs_metrics_landmarks(a, b, &m, &err) == FS_OK);
    CHECK(m.tracks_original == 2 && m.tracks_edited == 3 && m.tracks_matched == 2);
    CHECK(m.tracks[0].edited_id == 8 && m.tracks[1].edited_id == 7);
    CHECK(m.tracks[0].common_frames == 9 && m.tracks[0].pairs == 7);
    CHECK_CLOSE(m.tracks[0].shift, 1.0 / 40, 1e-6);
    CHECK_CLOSE(m.tracks[1].shift, 2.0 / 40, 1e-6);
    CHECK_CLOSE(m.lm_shift, (9 * 1.0 + 10 * 2.0) / 19 / 40, 1e-6);
    /* static faces: zero jitter in both -> ratio 1 */
    CHECK_CLOSE(m.lm_jitter_original, 0.0, 1e-12);
    CHECK_CLOSE(m.lm_jitter_ratio, 1.0, 0);
    fs_aligned_tracks_destroy(b);
    /* no edited face at all: nothing matched, NANs */
    b = tracks_new(0);
    CHECK(fs_metrics_landmarks(a, b, &m, &err) == FS_OK);
    CHECK(m.tracks_matched == 0 && m.tracks[0].edited_id == -1 && isnan(m.lm_shift) && isnan(m.lm_jitter_ratio));
    fs_aligned_tracks_destroy(b);
    fs_aligned_tracks_destroy(a);
    fs_metrics_free(&m);
}

static void test_identity(void) {
    enum { N = 5, D = 8 };
    float s[N * D], e[N * D];
    srand(3);
    for (int i = 0; i < N * D; i++) s[i] = 1.0f + (float)((double)rand() / RAND_MAX); /* positive: similarities > 0 */
    for (int i = 0; i < N * D; i++) e[i] = 3.0f * s[i];                    /* same directions */
    double tl, tg;
    fs_err err = {0};
    CHECK(fs_metrics_identity(s, e, N, D, &tl, &tg, &err) == FS_OK);
    CHECK_CLOSE(tl, 1.0, 1e-6);
    CHECK_CLOSE(tg, 1.0, 1e-6);
    /* hand-made: 3 frames in 2-d. src all (1,0): S = 1. edit: (1,0), (0.6,0.8), (0,1):
     * R01 = 0.6, R12 = 0.8, R02 = 0 -> TL = 0.7, TG = (0.6+0.8+0)/3 */
    float s3[6] = {1, 0, 2, 0, 5, 0}, e3[6] = {1, 0, 0.6f, 0.8f, 0, 7};
    CHECK(fs_metrics_identity(s3, e3, 3, 2, &tl, &tg, &err) == FS_OK);
    CHECK_CLOSE(tl, 0.7, 1e-6);
    CHECK_CLOSE(tg, 1.4 / 3, 1e-6);
    /* normalisation by the source: src with similarity 0.5 between frames 0,1 and edit identical to it */
    float s2[4] = {1, 0, 0.5f, 0.8660254f};
    CHECK(fs_metrics_identity(s2, s2, 2, 2, &tl, &tg, &err) == FS_OK);
    CHECK_CLOSE(tl, 1.0, 1e-6);
    CHECK(fs_metrics_identity(s, e, 1, D, &tl, &tg, &err) == FS_OK);
    CHECK(isnan(tl) && isnan(tg));
    /* the blocked GEMM version against the plain loops, over several 256-frame tiles (with an
     * all-zero edited row: its similarities are 0) */
    enum { NB = 600, DB = 40 };
    float *bs = malloc(sizeof(float) * NB * DB), *be = malloc(sizeof(float) * NB * DB);
    for (int i = 0; i < NB * DB; i++) {
        bs[i] = 0.5f + (float)((double)rand() / RAND_MAX);
        be[i] = bs[i] + 0.6f * ((float)((double)rand() / RAND_MAX) - 0.5f);
    }
    memset(be + 17 * DB, 0, sizeof(float) * DB);
    double tl_ref, tg_ref;
    CHECK(fs_metrics_identity_ref(bs, be, NB, DB, &tl_ref, &tg_ref, &err) == FS_OK);
    CHECK(fs_metrics_identity(bs, be, NB, DB, &tl, &tg, &err) == FS_OK);
    printf("identity %dx%d: TL %.9f (ref %.9f) TG %.9f (ref %.9f)\n", NB, DB, tl, tl_ref, tg, tg_ref);
    CHECK(tl < 1.0 && tg < 1.0 && tl > 0.5);
    CHECK_CLOSE(tl, tl_ref, 1e-6);
    CHECK_CLOSE(tg, tg_ref, 1e-6);
    free(bs);
    free(be);
}

int main(void) {
    test_fill();
    test_psnr();
    test_landmarks();
    test_identity();
    return check_finish();
}
