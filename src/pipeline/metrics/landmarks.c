/* landmarks.c — landmark stability (EDITED's tracks against ORIGINAL's) and the identity
 * scores TL-ID / TG-ID from face embeddings (metrics.h). */
#include "pipeline/metrics/metrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tensor/gemm.h"

static double box_iou(const float a[4], const float b[4]) {
    double ix = fmin(a[2], b[2]) - fmax(a[0], b[0]), iy = fmin(a[3], b[3]) - fmax(a[1], b[1]);
    if (!(ix > 0 && iy > 0)) return 0;
    double inter = ix * iy;
    double ua = ((double)a[2] - a[0]) * ((double)a[3] - a[1]) + ((double)b[2] - b[0]) * ((double)b[3] - b[1]) - inter;
    return ua > 0 ? inter / ua : 0;
}

/* Inter-ocular distance: centres of landmarks 36–41 and 42–47. */
static double iod(const float lm[FS_FACE_NUM_LANDMARKS][2]) {
    double ax = 0, ay = 0, bx = 0, by = 0;
    for (int i = 0; i < 6; i++) {
        ax += lm[36 + i][0];
        ay += lm[36 + i][1];
        bx += lm[42 + i][0];
        by += lm[42 + i][1];
    }
    return hypot(ax - bx, ay - by) / 6.0;
}

static double mean_dist(const float a[FS_FACE_NUM_LANDMARKS][2], const float b[FS_FACE_NUM_LANDMARKS][2]) {
    double s = 0;
    for (int l = 0; l < FS_FACE_NUM_LANDMARKS; l++) s += hypot((double)a[l][0] - b[l][0], (double)a[l][1] - b[l][1]);
    return s / FS_FACE_NUM_LANDMARKS;
}

static double ratio(double num, double den, int64_t count) {
    if (count <= 0) return NAN;
    if (den > 0) return num / den;
    return num > 0 ? NAN : 1.0;
}

typedef struct {
    int k, j;
    double sum, mean;
} match_cand;

static int cand_cmp(const void *pa, const void *pb) {
    const match_cand *a = pa, *b = pb;
    if (a->sum != b->sum) return a->sum < b->sum ? 1 : -1;
    if (a->k != b->k) return a->k - b->k;
    return a->j - b->j;
}

int fs_metrics_landmarks(const fs_aligned_tracks *orig, const fs_aligned_tracks *edit, fs_metrics *m, fs_err *err) {
    int no = orig->count, ne = edit->count;
    fs_metrics_track *tracks = calloc((size_t)(no > 0 ? no : 1), sizeof *tracks);
    match_cand *cand = malloc(sizeof *cand * (size_t)(no > 0 && ne > 0 ? no * ne : 1));
    int *used = calloc((size_t)(ne > 0 ? ne : 1), sizeof *used);
    if (!tracks || !cand || !used) {
        free(tracks);
        free(cand);
        free(used);
        return fs_errorf(err, "out of memory for %d x %d face tracks", no, ne);
    }
    /* candidate pairs: summed box IoU over common frames, mean IoU >= 0.3 */
    int nc = 0;
    for (int k = 0; k < no; k++) {
        const fs_aligned_track *a = &orig->t[k];
        for (int j = 0; j < ne; j++) {
            const fs_aligned_track *b = &edit->t[j];
            int f0 = a->first > b->first ? a->first : b->first;
            int f1 = a->first + a->n < b->first + b->n ? a->first + a->n : b->first + b->n;
            if (f0 >= f1) continue;
            double s = 0;
            for (int f = f0; f < f1; f++) s += box_iou(a->box[f - a->first], b->box[f - b->first]);
            double mean = s / (f1 - f0);
            if (mean >= 0.3) cand[nc++] = (match_cand){k, j, s, mean};
        }
    }
    qsort(cand, (size_t)nc, sizeof *cand, cand_cmp);
    for (int k = 0; k < no; k++) {
        tracks[k].id = orig->t[k].id;
        tracks[k].edited_id = -1;
        tracks[k].match_iou = NAN;
        tracks[k].frames = orig->t[k].n;
        tracks[k].jitter_original = tracks[k].jitter_edited = tracks[k].jitter_ratio = tracks[k].shift = NAN;
    }
    int *match = malloc(sizeof *match * (size_t)(no > 0 ? no : 1));
    if (!match) {
        free(tracks);
        free(cand);
        free(used);
        return fs_errorf(err, "out of memory");
    }
    for (int k = 0; k < no; k++) match[k] = -1;
    for (int c = 0; c < nc; c++) {
        if (match[cand[c].k] >= 0 || used[cand[c].j]) continue;
        match[cand[c].k] = cand[c].j;
        used[cand[c].j] = 1;
        tracks[cand[c].k].edited_id = edit->t[cand[c].j].id;
        tracks[cand[c].k].match_iou = cand[c].mean;
    }
    double sum_jo = 0, sum_je = 0, sum_shift = 0;
    int64_t pairs = 0, frames = 0;
    int matched = 0;
    for (int k = 0; k < no; k++) {
        if (match[k] < 0) continue;
        matched++;
        const fs_aligned_track *a = &orig->t[k], *b = &edit->t[match[k]];
        double jo = 0, je = 0, sh = 0;
        int np = 0, nf = 0;
        for (int f = a->first; f < a->first + a->n; f++) {
            int ia = fs_aligned_track_index(a, f), ib = fs_aligned_track_index(b, f);
            if (ib < 0 || !a->observed[ia] || !b->observed[ib]) continue;
            double d = iod((const float(*)[2])a->lm[ia]);
            if (!(d >= 1.0)) continue;
            sh += mean_dist((const float(*)[2])a->lm[ia], (const float(*)[2])b->lm[ib]) / d;
            nf++;
            int pa = fs_aligned_track_index(a, f - 1), pb = fs_aligned_track_index(b, f - 1);
            if (pa < 0 || pb < 0 || !a->observed[pa] || !b->observed[pb]) continue;
            jo += mean_dist((const float(*)[2])a->lm[ia], (const float(*)[2])a->lm[pa]) / d;
            je += mean_dist((const float(*)[2])b->lm[ib], (const float(*)[2])b->lm[pb]) / d;
            np++;
        }
        fs_metrics_track *t = &tracks[k];
        t->common_frames = nf;
        t->pairs = np;
        if (nf > 0) t->shift = sh / nf;
        if (np > 0) {
            t->jitter_original = jo / np;
            t->jitter_edited = je / np;
        }
        t->jitter_ratio = ratio(je, jo, np);
        sum_jo += jo;
        sum_je += je;
        sum_shift += sh;
        pairs += np;
        frames += nf;
    }
    free(match);
    free(cand);
    free(used);
    free(m->tracks);
    m->tracks = tracks;
    m->track_count = no;
    m->tracks_original = no;
    m->tracks_edited = ne;
    m->tracks_matched = matched;
    m->lm_pairs = pairs;
    m->lm_frames = frames;
    m->lm_jitter_original = pairs > 0 ? sum_jo / pairs : NAN;
    m->lm_jitter_edited = pairs > 0 ? sum_je / pairs : NAN;
    m->lm_jitter_ratio = ratio(sum_je, sum_jo, pairs);
    m->lm_shift = frames > 0 ? sum_shift / frames : NAN;
    return FS_OK;
}

/* L2-normalised copies of both embedding sets (an all-zero row stays zero; its pairs are skipped). */
static int normalized_copies(const float *e_src, const float *e_edit, int64_t n, int d, float **s_out, float **e_out,
                             fs_err *err) {
    if ((uint64_t)n > SIZE_MAX / sizeof(float) / 2 / (size_t)d) return fs_errorf(err, "too many embeddings");
    float *s = malloc(sizeof *s * (size_t)n * d), *e = malloc(sizeof *e * (size_t)n * d);
    if (!s || !e) {
        free(s);
        free(e);
        return fs_errorf(err, "out of memory for %lld embeddings of %d floats", (long long)n, d);
    }
    for (int64_t i = 0; i < n; i++) {
        const float *src[2] = {e_src + (size_t)i * d, e_edit + (size_t)i * d};
        float *dst[2] = {s + (size_t)i * d, e + (size_t)i * d};
        for (int v = 0; v < 2; v++) {
            double nn = 0;
            for (int c = 0; c < d; c++) nn += (double)src[v][c] * src[v][c];
            double inv = nn > 0 ? 1.0 / sqrt(nn) : 0.0;
            for (int c = 0; c < d; c++) dst[v][c] = (float)(src[v][c] * inv);
        }
    }
    *s_out = s;
    *e_out = e;
    return FS_OK;
}

/* TL-ID / TG-ID sums over frame pairs i < j (docs/method.md §8.1): R[i][j] = se / ss counts for
 * (i, j) and (j, i) in TG, and in TL when j = i + 1; a pair whose source similarity is ~0 (or NaN)
 * is left out. */
typedef struct {
    double sum_tl, sum_tg;
    int64_t n_tl, n_tg;
} id_sums;

static void id_pair(id_sums *a, int64_t i, int64_t j, double ss, double se) {
    if (!(fabs(ss) >= 1e-6)) return;
    double r = se / ss;
    a->sum_tg += 2 * r; /* R is symmetric: (i, j) and (j, i) */
    a->n_tg += 2;
    if (j == i + 1) {
        a->sum_tl += r;
        a->n_tl++;
    }
}

static void id_result(const id_sums *a, double *tl, double *tg) {
    if (a->n_tl > 0) *tl = a->sum_tl / a->n_tl;
    if (a->n_tg > 0) *tg = a->sum_tg / a->n_tg;
}

/* Readable reference: every pair with double dot products. */
int fs_metrics_identity_ref(const float *e_src, const float *e_edit, int64_t n, int d, double *tl, double *tg,
                        fs_err *err) {
    *tl = *tg = NAN;
    if (n < 2 || d < 1) return FS_OK;
    float *s = NULL, *e = NULL;
    if (normalized_copies(e_src, e_edit, n, d, &s, &e, err)) return FS_ERR;
    id_sums acc = {0};
    for (int64_t i = 0; i < n; i++) {
        for (int64_t j = i + 1; j < n; j++) {
            double ss = 0, se = 0;
            const float *si = s + (size_t)i * d, *sj = s + (size_t)j * d;
            const float *ei = e + (size_t)i * d, *ej = e + (size_t)j * d;
            for (int c = 0; c < d; c++) {
                ss += (double)si[c] * sj[c];
                se += (double)ei[c] * ej[c];
            }
            id_pair(&acc, i, j, ss, se);
        }
    }
    free(s);
    free(e);
    id_result(&acc, tl, tg);
    return FS_OK;
}

/* Blocked: similarity tiles of IDB x IDB frames by GEMM (memory bounded for any n); same sums in
 * the same pair order as the reference, up to float rounding of the dot products. */
int fs_metrics_identity(const float *e_src, const float *e_edit, int64_t n, int d, double *tl, double *tg,
                        fs_err *err) {
    enum { IDB = 256 };
    *tl = *tg = NAN;
    if (n < 2 || d < 1) return FS_OK;
    if (n > INT32_MAX) return fs_errorf(err, "too many embeddings");
    float *s = NULL, *e = NULL;
    if (normalized_copies(e_src, e_edit, n, d, &s, &e, err)) return FS_ERR;
    float *ts = malloc(sizeof *ts * IDB * IDB), *te = malloc(sizeof *te * IDB * IDB);
    if (!ts || !te) {
        free(ts);
        free(te);
        free(s);
        free(e);
        return fs_errorf(err, "out of memory");
    }
    id_sums acc = {0};
    for (int64_t i0 = 0; i0 < n; i0 += IDB) {
        int bi = (int)(n - i0 < IDB ? n - i0 : IDB);
        for (int64_t j0 = i0; j0 < n; j0 += IDB) {
            int bj = (int)(n - j0 < IDB ? n - j0 : IDB);
            fs_sgemm(0, 1, bi, bj, d, 1.0f, s + (size_t)i0 * d, d, s + (size_t)j0 * d, d, 0.0f, ts, bj);
            fs_sgemm(0, 1, bi, bj, d, 1.0f, e + (size_t)i0 * d, d, e + (size_t)j0 * d, d, 0.0f, te, bj);
            for (int a = 0; a < bi; a++)
                for (int b = 0; b < bj; b++) {
                    int64_t i = i0 + a, j = j0 + b;
                    if (j <= i) continue;
                    id_pair(&acc, i, j, ts[(size_t)a * bj + b], te[(size_t)a * bj + b]);
                }
        }
    }
    free(ts);
    free(te);
    free(s);
    free(e);
    id_result(&acc, tl, tg);
    return FS_OK;
}
