/* shape_predictor.c — dlib shape_predictor: reader and evaluation (see shape_predictor.h). */
#include "face/shape_predictor.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/checked.h"
#include "core/fileio.h"
#include "face/dlib_dat.h"

#define MAX_PARTS 4096
#define MAX_LEVEL_FEAT 4096 /* feature pixels of one cascade level (dlib's default pool: 400) */
#define MAX_ITEMS 0x7fffffffu

void fs_shape_predictor_destroy(fs_shape_predictor *sp) {
    if (!sp) return;
    free(sp->initial_shape);
    free(sp->levels);
    free(sp->trees);
    free(sp->splits);
    free(sp->leaves);
    free(sp->anchor);
    free(sp->deltas);
    free(sp);
}

/* grows *p (elements of `sz` bytes) to hold at least `need` elements */
static int grow(void **p, size_t *cap, size_t need, size_t sz) {
    if (need <= *cap) return 1;
    size_t nc = *cap ? *cap : 64;
    while (nc < need) {
        if (nc > SIZE_MAX / 2) return 0;
        nc *= 2;
    }
    size_t bytes;
    if (!fs_mul_size(nc, sz, &bytes)) return 0;
    void *q = realloc(*p, bytes);
    if (!q) return 0;
    *p = q;
    *cap = nc;
    return 1;
}

/* matrix<float,0,1>: rows, cols (negated in the current format), then rows*cols floats */
static int read_column(fs_dlib_reader *r, size_t *nr) {
    int64_t rows, cols;
    if (fs_dlib_int(r, &rows) || fs_dlib_int(r, &cols)) return FS_ERR;
    if (rows < 0 && cols < 0) {
        rows = -rows;
        cols = -cols;
    }
    if (rows < 0 || cols != 1 || rows > 2 * MAX_PARTS) {
        snprintf(r->err, sizeof r->err, "bad shape matrix %lldx%lld before offset %zu (want a column vector)",
                 (long long)rows, (long long)cols, r->pos);
        return FS_ERR;
    }
    if ((size_t)rows * 2 > fs_dlib_left(r)) {
        snprintf(r->err, sizeof r->err, "truncated file: %lld floats expected at offset %zu", (long long)rows, r->pos);
        return FS_ERR;
    }
    *nr = (size_t)rows;
    return FS_OK;
}

/* Reads the length of a per-level list of lists (`what` lists) and checks that there is one per level. */
static int expect_lists(fs_dlib_reader *r, size_t nlev, const char *what) {
    size_t n;
    if (fs_dlib_len(r, 1, &n)) return FS_ERR;
    if (n != nlev) {
        snprintf(r->err, sizeof r->err, "%zu %s lists for %zu levels", n, what, nlev);
        return FS_ERR;
    }
    return FS_OK;
}

static int parse(fs_dlib_reader *r, fs_shape_predictor *sp) {
    int64_t version;
    if (fs_dlib_int(r, &version)) return FS_ERR;
    if (version != 1) {
        snprintf(r->err, sizeof r->err,
                 "unsupported shape_predictor version %lld (want 1; is this a dlib shape predictor .dat?)",
                 (long long)version);
        return FS_ERR;
    }
    size_t nr;
    if (read_column(r, &nr)) return FS_ERR;
    if (nr == 0 || nr % 2) {
        snprintf(r->err, sizeof r->err, "initial shape has %zu values (want 2 per landmark)", nr);
        return FS_ERR;
    }
    size_t D = nr; /* floats per shape */
    sp->num_parts = (int)(nr / 2);
    sp->initial_shape = malloc(D * sizeof(float));
    if (!sp->initial_shape) return FS_ERR;
    for (size_t i = 0; i < D; i++)
        if (fs_dlib_float(r, &sp->initial_shape[i])) return FS_ERR;

    size_t nlev;
    if (fs_dlib_len(r, 1, &nlev)) return FS_ERR;
    if (nlev == 0 || nlev > 1000) {
        snprintf(r->err, sizeof r->err, "%zu cascade levels (want 1..1000)", nlev);
        return FS_ERR;
    }
    sp->num_levels = (int)nlev;
    sp->levels = calloc(nlev, sizeof *sp->levels);
    if (!sp->levels) return FS_ERR;
    size_t cap_t = 0, cap_s = 0, cap_l = 0, cap_f = 0;
    size_t nt = 0, ns = 0, nl = 0;
    for (size_t L = 0; L < nlev; L++) {
        size_t ntr;
        if (fs_dlib_len(r, 2, &ntr)) return FS_ERR;
        sp->levels[L].first_tree = (uint32_t)nt;
        sp->levels[L].ntrees = (uint32_t)ntr;
        if (nt + ntr > MAX_ITEMS || !grow((void **)&sp->trees, &cap_t, nt + ntr, sizeof *sp->trees)) {
            snprintf(r->err, sizeof r->err, "too many trees (%zu) at level %zu", nt + ntr, L);
            return FS_ERR;
        }
        for (size_t t = 0; t < ntr; t++) {
            fs_sp_tree *T = &sp->trees[nt++];
            size_t nsp;
            if (fs_dlib_len(r, 4, &nsp)) return FS_ERR;
            if (ns + nsp > MAX_ITEMS || !grow((void **)&sp->splits, &cap_s, ns + nsp, sizeof *sp->splits)) {
                snprintf(r->err, sizeof r->err, "too many splits");
                return FS_ERR;
            }
            T->first_split = (uint32_t)ns;
            T->nsplits = (uint32_t)nsp;
            for (size_t k = 0; k < nsp; k++) {
                uint64_t a, b;
                fs_sp_split *S = &sp->splits[ns++];
                if (fs_dlib_uint(r, MAX_ITEMS, &a) || fs_dlib_uint(r, MAX_ITEMS, &b) || fs_dlib_float(r, &S->thresh))
                    return FS_ERR;
                S->idx1 = (uint32_t)a;
                S->idx2 = (uint32_t)b;
            }
            size_t nleaf;
            if (fs_dlib_len(r, 2, &nleaf)) return FS_ERR;
            if (nleaf != nsp + 1) {
                snprintf(r->err, sizeof r->err, "tree %zu of level %zu has %zu splits but %zu leaves (want splits+1)", t,
                         L, nsp, nleaf);
                return FS_ERR;
            }
            size_t need_floats;
            if (nl + nleaf > MAX_ITEMS || !fs_mul_size(nl + nleaf, D, &need_floats) ||
                !grow((void **)&sp->leaves, &cap_f, need_floats, sizeof(float))) {
                snprintf(r->err, sizeof r->err, "too many leaves");
                return FS_ERR;
            }
            (void)cap_l;
            T->first_leaf = (uint32_t)nl;
            for (size_t k = 0; k < nleaf; k++) {
                size_t lr;
                if (read_column(r, &lr)) return FS_ERR;
                if (lr != D) {
                    snprintf(r->err, sizeof r->err, "leaf with %zu values in a %zu-value shape model", lr, D);
                    return FS_ERR;
                }
                float *dst = sp->leaves + (nl + k) * D;
                for (size_t i = 0; i < D; i++)
                    if (fs_dlib_float(r, &dst[i])) return FS_ERR;
            }
            nl += nleaf;
        }
    }
    sp->ntrees = (uint32_t)nt;
    sp->nsplits = (uint32_t)ns;
    sp->nleaves = (uint32_t)nl;

    /* anchor_idx: vector<vector<unsigned long>> */
    if (expect_lists(r, nlev, "anchor")) return FS_ERR;
    size_t cap_a = 0, nf = 0;
    for (size_t L = 0; L < nlev; L++) {
        size_t n;
        if (fs_dlib_len(r, 1, &n)) return FS_ERR;
        if (n > MAX_LEVEL_FEAT) {
            snprintf(r->err, sizeof r->err, "%zu feature pixels in level %zu (at most %d supported)", n, L,
                     MAX_LEVEL_FEAT);
            return FS_ERR;
        }
        if (nf + n > MAX_ITEMS || !grow((void **)&sp->anchor, &cap_a, nf + n, sizeof *sp->anchor)) {
            snprintf(r->err, sizeof r->err, "too many feature pixels");
            return FS_ERR;
        }
        sp->levels[L].first_feat = (uint32_t)nf;
        sp->levels[L].nfeat = (uint32_t)n;
        if (n > sp->max_level_feat) sp->max_level_feat = (uint32_t)n;
        for (size_t i = 0; i < n; i++) {
            uint64_t a;
            if (fs_dlib_uint(r, (uint64_t)sp->num_parts - 1, &a)) return FS_ERR;
            sp->anchor[nf++] = (uint32_t)a;
        }
    }
    sp->nfeat = (uint32_t)nf;
    /* deltas: vector<vector<dlib::vector<float,2>>> */
    if (expect_lists(r, nlev, "delta")) return FS_ERR;
    sp->deltas = malloc((nf ? nf : 1) * 2 * sizeof(float));
    if (!sp->deltas) return FS_ERR;
    for (size_t L = 0; L < nlev; L++) {
        size_t n;
        if (fs_dlib_len(r, 4, &n)) return FS_ERR;
        if (n != sp->levels[L].nfeat) {
            snprintf(r->err, sizeof r->err, "level %zu has %zu deltas but %u anchors", L, n, sp->levels[L].nfeat);
            return FS_ERR;
        }
        float *d = sp->deltas + 2 * (size_t)sp->levels[L].first_feat;
        for (size_t i = 0; i < 2 * n; i++)
            if (fs_dlib_float(r, &d[i])) return FS_ERR;
    }
    if (fs_dlib_left(r) != 0) {
        snprintf(r->err, sizeof r->err, "%zu unexpected bytes after the model at offset %zu", fs_dlib_left(r), r->pos);
        return FS_ERR;
    }
    /* every split must address a feature pixel of its own level */
    for (size_t L = 0; L < nlev; L++) {
        const fs_sp_level *lv = &sp->levels[L];
        for (uint32_t t = lv->first_tree; t < lv->first_tree + lv->ntrees; t++) {
            const fs_sp_tree *T = &sp->trees[t];
            for (uint32_t k = T->first_split; k < T->first_split + T->nsplits; k++)
                if (sp->splits[k].idx1 >= lv->nfeat || sp->splits[k].idx2 >= lv->nfeat) {
                    snprintf(r->err, sizeof r->err, "split of level %zu reads feature pixel %u of %u", L,
                             sp->splits[k].idx1 > sp->splits[k].idx2 ? sp->splits[k].idx1 : sp->splits[k].idx2,
                             lv->nfeat);
                    return FS_ERR;
                }
        }
    }
    return FS_OK;
}

int fs_shape_predictor_parse(const void *buf, size_t len, const char *name, fs_shape_predictor **out, fs_err *err) {
    if (!name) name = "shape predictor";
    fs_shape_predictor *sp = calloc(1, sizeof *sp);
    if (!sp) return fs_errorf(err, "%s: out of memory", name);
    fs_dlib_reader r = fs_dlib_reader_init(buf, len);
    if (parse(&r, sp)) {
        fs_errorf(err, "%s: %s", name, r.err[0] ? r.err : "out of memory");
        fs_shape_predictor_destroy(sp);
        return FS_ERR;
    }
    *out = sp;
    return FS_OK;
}

int fs_shape_predictor_load(const char *path, fs_shape_predictor **out, fs_err *err) {
    unsigned char *buf = NULL;
    size_t len = 0;
    if (fs_read_file(path, &buf, &len, err)) {
        if (err && !fs_file_exists(path))
            fs_errorf(err, "%s: not found; install Debian's libdlib-data (scripts/install-deps) or give the path of "
                           "shape_predictor_68_face_landmarks.dat",
                      path);
        return FS_ERR;
    }
    int rc = fs_shape_predictor_parse(buf, len, path, out, err);
    free(buf);
    return rc;
}

/* ---------------------------------------------------------------- evaluation */

void fs_similarity_fit(const float *from, const float *to, int n, double m[4]) {
    double mfx = 0, mfy = 0, mtx = 0, mty = 0;
    for (int i = 0; i < n; i++) {
        mfx += from[2 * i];
        mfy += from[2 * i + 1];
        mtx += to[2 * i];
        mty += to[2 * i + 1];
    }
    mfx /= n;
    mfy /= n;
    mtx /= n;
    mty /= n;
    double ss = 0, sa = 0, sb = 0;
    for (int i = 0; i < n; i++) {
        double fx = from[2 * i] - mfx, fy = from[2 * i + 1] - mfy;
        double tx = to[2 * i] - mtx, ty = to[2 * i + 1] - mty;
        ss += fx * fx + fy * fy;
        sa += fx * tx + fy * ty;
        sb += fx * ty - fy * tx;
    }
    double a = ss > 0 ? sa / ss : 1, b = ss > 0 ? sb / ss : 0;
    m[0] = a;
    m[1] = b;
    m[2] = mtx - (a * mfx - b * mfy);
    m[3] = mty - (b * mfx + a * mfy);
}

void fs_shape_box_from_landmarks(const fs_shape_predictor *sp, const float *lm, float box[4]) {
    double m[4];
    fs_similarity_fit(sp->initial_shape, lm, sp->num_parts, m);
    double s = sqrt(m[0] * m[0] + m[1] * m[1]);
    double cx = m[0] * 0.5 - m[1] * 0.5 + m[2], cy = m[1] * 0.5 + m[0] * 0.5 + m[3];
    /* unit box [0,1] maps to dlib's [left, right] with right = x1 - 1 */
    box[0] = (float)(cx - s / 2);
    box[1] = (float)(cy - s / 2);
    box[2] = (float)(cx + s / 2 + 1);
    box[3] = (float)(cy + s / 2 + 1);
}

static double eye_angle(const float *p, int n) {
    /* 68-point layout: eyes are 36-41 and 42-47; other layouts: the first and last point */
    double lx = 0, ly = 0, rx = 0, ry = 0;
    if (n == 68) {
        for (int i = 36; i < 42; i++) {
            lx += p[2 * i];
            ly += p[2 * i + 1];
        }
        for (int i = 42; i < 48; i++) {
            rx += p[2 * i];
            ry += p[2 * i + 1];
        }
    } else {
        lx = p[0];
        ly = p[1];
        rx = p[2 * (n - 1)];
        ry = p[2 * (n - 1) + 1];
    }
    return atan2(ry - ly, rx - lx);
}

void fs_shape_fit_mean(const fs_shape_predictor *sp, const float *lm, double T[6]) {
    /* scale and centre from the least-squares similarity over all points; the rotation from the
     * eye line (a turned face's jaw would bias the full fit's rotation, and tracking would let
     * that bias build up from frame to frame) */
    const int n = sp->num_parts;
    double m[4];
    fs_similarity_fit(sp->initial_shape, lm, n, m);
    double s = sqrt(m[0] * m[0] + m[1] * m[1]);
    double th = eye_angle(lm, n) - eye_angle(sp->initial_shape, n);
    double a = s * cos(th), b = s * sin(th);
    double mx = 0, my = 0, lx = 0, ly = 0;
    for (int i = 0; i < n; i++) {
        mx += sp->initial_shape[2 * i] / n;
        my += sp->initial_shape[2 * i + 1] / n;
        lx += lm[2 * i] / n;
        ly += lm[2 * i + 1] / n;
    }
    T[0] = a;
    T[1] = -b;
    T[2] = lx - (a * mx - b * my);
    T[3] = b;
    T[4] = a;
    T[5] = ly - (b * mx + a * my);
}

void fs_shape_predict(const fs_shape_predictor *sp, const fs_image *im, const float box[4], float *out) {
    /* dlib's unnormalizing_tform: (0,0) -> (left, top), (1,1) -> (right, bottom), right = x1 - 1 */
    double T[6] = {(double)box[2] - 1 - box[0], 0, box[0], 0, (double)box[3] - 1 - box[1], box[1]};
    fs_shape_predict_affine(sp, im, T, out);
}

void fs_shape_predict_affine(const fs_shape_predictor *sp, const fs_image *im, const double T[6], float *out) {
    const int P = sp->num_parts, D = 2 * P;
    /* no allocation (nothing to fail): the reader bounds the shape (MAX_PARTS) and a level's features */
    float cur[2 * MAX_PARTS], pix[MAX_LEVEL_FEAT];
    FS_ASSERT(P <= MAX_PARTS && sp->max_level_feat <= MAX_LEVEL_FEAT);
    memcpy(cur, sp->initial_shape, sizeof(float) * (size_t)D);
    for (int L = 0; L < sp->num_levels; L++) {
        const fs_sp_level *lv = &sp->levels[L];
        double m[4];
        fs_similarity_fit(sp->initial_shape, cur, P, m);
        float a = (float)m[0], b = (float)m[1];
        for (uint32_t i = 0; i < lv->nfeat; i++) {
            uint32_t k = sp->anchor[lv->first_feat + i];
            const float *d = sp->deltas + 2 * ((size_t)lv->first_feat + i);
            float u = a * d[0] - b * d[1] + cur[2 * k], v = b * d[0] + a * d[1] + cur[2 * k + 1];
            double px = floor(T[0] * u + T[1] * v + T[2] + 0.5), py = floor(T[3] * u + T[4] * v + T[5] + 0.5);
            if (px >= 0 && py >= 0 && px < im->w && py < im->h) {
                const uint8_t *p = fs_image_px(im, (int)px, (int)py);
                pix[i] = (float)((p[0] + p[1] + p[2]) / 3);
            } else {
                pix[i] = 0;
            }
        }
        for (uint32_t t = lv->first_tree; t < lv->first_tree + lv->ntrees; t++) {
            const fs_sp_tree *Tr = &sp->trees[t];
            const fs_sp_split *S = sp->splits + Tr->first_split;
            uint32_t i = 0;
            while (i < Tr->nsplits) i = (pix[S[i].idx1] - pix[S[i].idx2] > S[i].thresh) ? 2 * i + 1 : 2 * i + 2;
            const float *leaf = sp->leaves + ((size_t)Tr->first_leaf + (i - Tr->nsplits)) * D;
            for (int j = 0; j < D; j++) cur[j] += leaf[j];
        }
    }
    for (int i = 0; i < P; i++) {
        double u = cur[2 * i], v = cur[2 * i + 1];
        out[2 * i] = (float)(T[0] * u + T[1] * v + T[2]);
        out[2 * i + 1] = (float)(T[3] * u + T[4] * v + T[5]);
    }
}
