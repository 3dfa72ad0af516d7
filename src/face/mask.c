/* mask.c — landmark-hull and label-map face masks, morphology, feathering. */
#include "face/mask.h"

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

/* Running max/min of width 2r+1 along one line of n values (van Herk / Gil-Werman), with the
 * given value outside the line. */
static void line_filter(uint8_t *out, const uint8_t *in, int n, size_t step, int r, int is_max, uint8_t outside,
                        uint8_t *buf) {
    int w = 2 * r + 1, m = n + 2 * r;
    int padded = ((m + w - 1) / w) * w;
    uint8_t *x = buf, *g = buf + padded, *h = buf + 2 * padded;
    for (int i = 0; i < padded; i++) {
        int j = i - r;
        x[i] = (j >= 0 && j < n) ? in[(size_t)j * step] : outside;
    }
    for (int b = 0; b < padded; b += w) {
        g[b] = x[b];
        for (int i = b + 1; i < b + w; i++) g[i] = is_max ? (x[i] > g[i - 1] ? x[i] : g[i - 1]) : (x[i] < g[i - 1] ? x[i] : g[i - 1]);
        h[b + w - 1] = x[b + w - 1];
        for (int i = b + w - 2; i >= b; i--) h[i] = is_max ? (x[i] > h[i + 1] ? x[i] : h[i + 1]) : (x[i] < h[i + 1] ? x[i] : h[i + 1]);
    }
    for (int i = 0; i < n; i++) {
        /* window over padded [i, i+2r] */
        uint8_t a = h[i], b = g[i + 2 * r];
        out[(size_t)i * step] = is_max ? (a > b ? a : b) : (a < b ? a : b);
    }
}

static int morph(uint8_t *out, const uint8_t *in, int S, int r, int is_max, fs_err *err) {
    if (r <= 0) {
        if (out != in) memcpy(out, in, (size_t)S * S);
        return FS_OK;
    }
    int w = 2 * r + 1, m = S + 2 * r;
    int padded = ((m + w - 1) / w) * w;
    uint8_t *buf = malloc((size_t)3 * padded);
    uint8_t *tmp = malloc((size_t)S * S);
    if (!buf || !tmp) {
        free(buf);
        free(tmp);
        return fs_errorf(err, "out of memory for a %dx%d mask", S, S);
    }
    uint8_t outside = is_max ? 0 : 0;
    for (int y = 0; y < S; y++) line_filter(tmp + (size_t)y * S, in + (size_t)y * S, S, 1, r, is_max, outside, buf);
    for (int x = 0; x < S; x++) line_filter(out + x, tmp + x, S, (size_t)S, r, is_max, outside, buf);
    free(buf);
    free(tmp);
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

int fs_mask_blur(float *m, int S, int r, double sigma, fs_err *err) {
    if (r <= 0 || !(sigma > 0)) return FS_OK;
    float *k = malloc(sizeof *k * (size_t)(2 * r + 1));
    float *line = malloc(sizeof *line * (size_t)S);
    if (!k || !line) {
        free(k);
        free(line);
        return fs_errorf(err, "out of memory for a blur");
    }
    double sum = 0;
    for (int i = -r; i <= r; i++) sum += exp(-0.5 * i * i / (sigma * sigma));
    for (int i = -r; i <= r; i++) k[i + r] = (float)(exp(-0.5 * i * i / (sigma * sigma)) / sum);
    for (int pass = 0; pass < 2; pass++) {
        for (int l = 0; l < S; l++) {
            size_t base = pass == 0 ? (size_t)l * S : (size_t)l, step = pass == 0 ? 1 : (size_t)S;
            for (int i = 0; i < S; i++) {
                double acc = 0;
                for (int j = -r; j <= r; j++) acc += k[j + r] * m[base + (size_t)reflect101(i + j, S) * step];
                line[i] = (float)acc;
            }
            for (int i = 0; i < S; i++) m[base + (size_t)i * step] = line[i];
        }
    }
    free(k);
    free(line);
    return FS_OK;
}

int fs_mask_paste_alpha(float *alpha, const uint8_t *fg, int S, int feather, fs_err *err) {
    double s = S / 1024.0;
    int r_full = (int)lround(50 * s), r_erode = (int)lround(25 * s), r_blur = (int)lround(25 * s);
    double sigma = 8.0 * s;
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
