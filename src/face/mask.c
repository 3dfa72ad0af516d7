/* mask.c — landmark-hull and label-map face masks, morphology, feathering. */
#include "face/mask.h"

#include "core/threads.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static double cross(const float *o, const float *a, const float *b) {
    return ((double)a[0] - o[0]) * ((double)b[1] - o[1]) - ((double)a[1] - o[1]) * ((double)b[0] - o[0]);
}

static int cmp_pt(const void *pa, const void *pb) {
    const float *a = pa, *b = pb;
    if (a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
    if (a[1] != b[1]) return a[1] < b[1] ? -1 : 1;
    return 0;
}

/* Andrew's monotone chain; pts (n pairs) is sorted in place; hull written to out (counter-clockwise
 * in a y-up frame), returns its size. */
static int convex_hull(float *pts, int n, float *out) {
    qsort(pts, (size_t)n, 2 * sizeof(float), cmp_pt);
    int k = 0;
    for (int i = 0; i < n; i++) {
        while (k >= 2 && cross(out + 2 * (k - 2), out + 2 * (k - 1), pts + 2 * i) <= 0) k--;
        out[2 * k] = pts[2 * i];
        out[2 * k + 1] = pts[2 * i + 1];
        k++;
    }
    for (int i = n - 2, t = k + 1; i >= 0; i--) {
        while (k >= t && cross(out + 2 * (k - 2), out + 2 * (k - 1), pts + 2 * i) <= 0) k--;
        out[2 * k] = pts[2 * i];
        out[2 * k + 1] = pts[2 * i + 1];
        k++;
    }
    return k > 1 ? k - 1 : k;
}

int fs_mask_hull(const float lm[FS_FACE_NUM_LANDMARKS][2], float *hull) {
    float pts[2 * (FS_FACE_NUM_LANDMARKS + 10)];
    int n = 0;
    for (int i = 0; i < FS_FACE_NUM_LANDMARKS; i++) {
        pts[2 * n] = lm[i][0];
        pts[2 * n + 1] = lm[i][1];
        n++;
    }
    /* forehead: brows moved "up" (from the chin towards the eyes) by the brow-to-nose-tip distance */
    double bx = 0, by = 0;
    for (int i = 17; i < 27; i++) {
        bx += lm[i][0] / 10.0;
        by += lm[i][1] / 10.0;
    }
    double ux = bx - lm[8][0], uy = by - lm[8][1];
    double un = hypot(ux, uy);
    double lift = hypot(bx - lm[33][0], by - lm[33][1]);
    if (un > 0 && isfinite(lift)) {
        ux /= un;
        uy /= un;
        for (int i = 17; i < 27; i++) {
            pts[2 * n] = (float)(lm[i][0] + ux * lift);
            pts[2 * n + 1] = (float)(lm[i][1] + uy * lift);
            n++;
        }
    }
    for (int i = 0; i < 2 * n; i++)
        if (!isfinite(pts[i])) return 0;
    return convex_hull(pts, n, hull);
}

void fs_mask_from_landmarks(uint8_t *fg, int S, const float lm[FS_FACE_NUM_LANDMARKS][2]) {
    memset(fg, 0, (size_t)S * S);
    float hull[2 * (FS_FACE_NUM_LANDMARKS + 11)];
    int n = fs_mask_hull(lm, hull);
    if (n < 3) return;
    /* scanline fill of a convex polygon, sampling pixel centres (pixel i at coordinate i) */
    for (int y = 0; y < S; y++) {
        double lo = INFINITY, hi = -INFINITY;
        for (int i = 0; i < n; i++) {
            const float *a = hull + 2 * i, *b = hull + 2 * ((i + 1) % n);
            double ya = a[1], yb = b[1];
            if ((y < ya && y < yb) || (y > ya && y > yb)) continue;
            if (ya == yb) {
                lo = fmin(lo, fmin(a[0], b[0]));
                hi = fmax(hi, fmax(a[0], b[0]));
                continue;
            }
            double x = a[0] + (y - ya) * ((double)b[0] - a[0]) / (yb - ya);
            lo = fmin(lo, x);
            hi = fmax(hi, x);
        }
        if (!(lo <= hi)) continue;
        int x0 = (int)ceil(lo), x1 = (int)floor(hi);
        if (x0 < 0) x0 = 0;
        if (x1 > S - 1) x1 = S - 1;
        if (x0 <= x1) memset(fg + (size_t)y * S + x0, 1, (size_t)(x1 - x0 + 1));
    }
}

void fs_mask_from_labels(uint8_t *fg, int S, const uint8_t *labels, int lw, int lh) {
    for (int y = 0; y < S; y++) {
        int sy = (int)((int64_t)y * lh / S);
        for (int x = 0; x < S; x++) {
            int sx = (int)((int64_t)x * lw / S);
            uint8_t c = labels[(size_t)sy * lw + sx];
            fg[(size_t)y * S + x] = c != 0 && c != 16 && c != 18;
        }
    }
}

/* Square dilation/erosion of a binary map through a summed-area table: one cache-friendly pass,
 * cost independent of r. */
static int morph(uint8_t *out, const uint8_t *in, int S, int r, int is_max, fs_err *err) {
    if (r <= 0) {
        if (out != in)
            for (size_t i = 0; i < (size_t)S * S; i++) out[i] = in[i] != 0;
        return FS_OK;
    }
    size_t W = (size_t)S + 1;
    int32_t *sat = malloc(sizeof *sat * W * W);
    if (!sat) return fs_errorf(err, "out of memory for a %dx%d mask", S, S);
    memset(sat, 0, sizeof *sat * W);
    for (int y = 0; y < S; y++) {
        int32_t run = 0;
        sat[(size_t)(y + 1) * W] = 0;
        for (int x = 0; x < S; x++) {
            run += in[(size_t)y * S + x] != 0;
            sat[(size_t)(y + 1) * W + x + 1] = sat[(size_t)y * W + x + 1] + run;
        }
    }
    int32_t full = (2 * r + 1) * (2 * r + 1);
    for (int y = 0; y < S; y++) {
        int ya = y - r < 0 ? 0 : y - r, yb = y + r + 1 > S ? S : y + r + 1;
        int rows_in = (y - r >= 0 && y + r < S);
        for (int x = 0; x < S; x++) {
            int xa = x - r < 0 ? 0 : x - r, xb = x + r + 1 > S ? S : x + r + 1;
            int32_t sum = sat[(size_t)yb * W + xb] - sat[(size_t)ya * W + xb] - sat[(size_t)yb * W + xa] +
                          sat[(size_t)ya * W + xa];
            if (is_max) out[(size_t)y * S + x] = sum > 0;
            else out[(size_t)y * S + x] = rows_in && x - r >= 0 && x + r < S && sum == full; /* outside counts as 0 */
        }
    }
    free(sat);
    return FS_OK;
}

int fs_mask_dilate(uint8_t *out, const uint8_t *in, int S, int r, fs_err *err) { return morph(out, in, S, r, 1, err); }
int fs_mask_erode(uint8_t *out, const uint8_t *in, int S, int r, fs_err *err) { return morph(out, in, S, r, 0, err); }

static int reflect101(int i, int n) {
    if (n == 1) return 0;
    while (i < 0 || i >= n) {
        if (i < 0) i = -i;
        if (i >= n) i = 2 * n - 2 - i;
    }
    return i;
}

typedef struct {
    float *m, *t;
    const float *k;
    int S, r;
    int lo, hi;        /* rows [lo, hi) to compute */
    int elo, ehi;      /* columns [elo, ehi) that can be non-zero */
} blur_ctx;

/* out[i] += a * in[i], i < n; fixed 8-wide blocks so that -O2 vectorises it. */
static inline void axpy8(float *restrict out, const float *restrict in, float a, int n) {
    int i = 0;
    for (; i + 8 <= n; i += 8)
        for (int q = 0; q < 8; q++) out[i + q] += a * in[i + q];
    for (; i < n; i++) out[i] += a * in[i];
}

/* Horizontal pass, in place, rows [lo+begin, lo+end). Loop order keeps the inner loop vectorisable. */
static void blur_rows(void *vctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    blur_ctx *c = vctx;
    int S = c->S, r = c->r, len = c->ehi - c->elo;
    float *pad = malloc(sizeof *pad * (size_t)(len + 2 * r)), *line = malloc(sizeof *line * (size_t)len);
    if (!pad || !line) {
        free(pad);
        free(line);
        return;
    }
    for (int64_t y = c->lo + begin; y < c->lo + end; y++) {
        float *row = c->m + (size_t)y * S;
        for (int i = 0; i < len + 2 * r; i++) pad[i] = row[reflect101(c->elo - r + i, S)];
        memset(line, 0, sizeof *line * (size_t)len);
        for (int j = 0; j <= 2 * r; j++) axpy8(line, pad + j, c->k[j], len);
        memcpy(row + c->elo, line, sizeof *line * (size_t)len);
    }
    free(pad);
    free(line);
}

/* Vertical pass into t, rows [lo+begin, lo+end), reading whole rows of m (cache friendly). */
static void blur_cols(void *vctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    blur_ctx *c = vctx;
    int S = c->S, r = c->r, len = c->ehi - c->elo;
    for (int64_t y = c->lo + begin; y < c->lo + end; y++) {
        float *out = c->t + (size_t)y * S + c->elo;
        memset(out, 0, sizeof *out * (size_t)len);
        for (int j = -r; j <= r; j++) axpy8(out, c->m + (size_t)reflect101((int)y + j, S) * S + c->elo, c->k[j + r], len);
    }
}

int fs_mask_blur(float *m, int S, int r, double sigma, fs_err *err) {
    if (r <= 0 || !(sigma > 0)) return FS_OK;
    float *k = malloc(sizeof *k * (size_t)(2 * r + 1));
    float *t = malloc(sizeof *t * (size_t)S * S);
    if (!k || !t) {
        free(k);
        free(t);
        return fs_errorf(err, "out of memory for a blur");
    }
    double sum = 0;
    for (int i = -r; i <= r; i++) sum += exp(-0.5 * i * i / (sigma * sigma));
    for (int i = -r; i <= r; i++) k[i + r] = (float)(exp(-0.5 * i * i / (sigma * sigma)) / sum);
    /* only the bounding box of the non-zero pixels, grown by r (reflect-101 may fold it at the edges) */
    int x0 = S, y0 = S, x1 = -1, y1 = -1;
    for (int y = 0; y < S; y++)
        for (int x = 0; x < S; x++)
            if (m[(size_t)y * S + x] != 0) {
                if (x < x0) x0 = x;
                if (x > x1) x1 = x;
                if (y < y0) y0 = y;
                if (y > y1) y1 = y;
            }
    if (x1 < 0) {
        free(k);
        free(t);
        return FS_OK;
    }
    int ex0 = x0 - r, ex1 = x1 + r + 1, ey0 = y0 - r, ey1 = y1 + r + 1;
    if (ex0 <= r || ex1 >= S - r || ey0 <= r || ey1 >= S - r) { /* near an edge: whole lines */
        ex0 = ey0 = y0 = 0;
        ex1 = ey1 = S;
        y1 = S - 1;
    }
    blur_ctx c = {m, t, k, S, r, y0, y1 + 1, ex0, ex1};
    fs_parallel_for(c.hi - c.lo, 16, blur_rows, &c); /* rows holding mask pixels */
    c.lo = ey0;
    c.hi = ey1;
    fs_parallel_for(c.hi - c.lo, 16, blur_cols, &c);
    for (int y = ey0; y < ey1; y++) memcpy(m + (size_t)y * S + ex0, t + (size_t)y * S + ex0, sizeof *m * (size_t)(ex1 - ex0));
    free(k);
    free(t);
    return FS_OK;
}

int fs_mask_paste_alpha(float *alpha, const uint8_t *fg, int S, int feather, fs_err *err) {
    return fs_mask_paste_alpha_ex(alpha, fg, S, 50, feather ? 25 : 0, err);
}

int fs_mask_paste_alpha_ex(float *alpha, const uint8_t *fg, int S, int dilation, int feather_radius, fs_err *err) {
    double s = S / 1024.0;
    int feather = feather_radius > 0;
    int r_full = (int)lround(dilation * s), r_erode = (int)lround(feather_radius * s), r_blur = r_erode;
    double sigma = 8.0 * feather_radius / 25.0 * s;
    if (feather && r_blur < 1) r_blur = 1;
    if (feather && sigma < 0.3) sigma = 0.3;
    uint8_t *full = malloc((size_t)S * S);
    if (!full) return fs_errorf(err, "out of memory for a %dx%d mask", S, S);
    if (fs_mask_dilate(full, fg, S, r_full, err)) {
        free(full);
        return FS_ERR;
    }
    if (feather) {
        uint8_t *er = malloc((size_t)S * S);
        if (!er || fs_mask_erode(er, full, S, r_erode, err)) {
            free(er);
            free(full);
            return er ? FS_ERR : fs_errorf(err, "out of memory");
        }
        for (size_t i = 0; i < (size_t)S * S; i++) alpha[i] = er[i] ? 1.0f : 0.0f;
        free(er);
        if (fs_mask_blur(alpha, S, r_blur, sigma, err)) {
            free(full);
            return FS_ERR;
        }
        /* keep the support inside Full and exact zeros where the blur leaves dust */
        for (size_t i = 0; i < (size_t)S * S; i++) {
            if (!full[i] || alpha[i] < 1e-6f) alpha[i] = 0.0f;
            if (alpha[i] > 1.0f) alpha[i] = 1.0f;
        }
    } else {
        for (size_t i = 0; i < (size_t)S * S; i++) alpha[i] = full[i] ? 1.0f : 0.0f;
    }
    free(full);
    return FS_OK;
}
