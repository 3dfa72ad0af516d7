/* align.c — FFHQ quad from 68 landmarks, per-track interpolation, crop and projective maps. */
#include "face/align.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/threads.h"
#include "image/image_ops.h"

void fs_align_from_landmarks(const float lm[FS_FACE_NUM_LANDMARKS][2], double scale, fs_align_params *out) {
    double el[2] = {0, 0}, er[2] = {0, 0};
    for (int i = 36; i < 42; i++)
        for (int d = 0; d < 2; d++) el[d] += lm[i][d] / 6.0;
    for (int i = 42; i < 48; i++)
        for (int d = 0; d < 2; d++) er[d] += lm[i][d] / 6.0;
    double eye_avg[2], e2e[2], mouth_avg[2], e2m[2];
    for (int d = 0; d < 2; d++) {
        eye_avg[d] = (el[d] + er[d]) * 0.5;
        e2e[d] = er[d] - el[d];
        mouth_avg[d] = ((double)lm[48][d] + lm[54][d]) * 0.5;
        e2m[d] = mouth_avg[d] - eye_avg[d];
    }
    /* x = eye_to_eye − perp(eye_to_mouth), perp(v) = (−v_y, v_x) */
    double x[2] = {e2e[0] + e2m[1], e2e[1] - e2m[0]};
    double n = hypot(x[0], x[1]);
    if (n > 0) {
        x[0] /= n;
        x[1] /= n;
    }
    double s = fmax(2.0 * hypot(e2e[0], e2e[1]), 1.8 * hypot(e2m[0], e2m[1])) * scale;
    x[0] *= s;
    x[1] *= s;
    out->x[0] = x[0];
    out->x[1] = x[1];
    out->y[0] = -x[1]; /* y = perp(x) */
    out->y[1] = x[0];
    out->c[0] = eye_avg[0] + 0.1 * e2m[0];
    out->c[1] = eye_avg[1] + 0.1 * e2m[1];
}

void fs_align_quad(const fs_align_params *p, double q[4][2]) {
    for (int d = 0; d < 2; d++) {
        q[0][d] = p->c[d] - p->x[d] - p->y[d];
        q[1][d] = p->c[d] - p->x[d] + p->y[d];
        q[2][d] = p->c[d] + p->x[d] + p->y[d];
        q[3][d] = p->c[d] + p->x[d] - p->y[d];
    }
}

/* scipy 'reflect' (half-sample symmetric) index into [0, n) for any integer i. */
static int reflect_index(long i, int n) {
    long period = 2L * n;
    long m = i % period;
    if (m < 0) m += period;
    return (int)(m < n ? m : period - 1 - m);
}

int fs_gaussian_filter1d(double *out, const double *in, int n, int stride, double sigma, fs_err *err) {
    if (n <= 0) return FS_OK;
    if (!(sigma > 0)) {
        if (out != in)
            for (int i = 0; i < n; i++) out[(size_t)i * stride] = in[(size_t)i * stride];
        return FS_OK;
    }
    int r = (int)(4.0 * sigma + 0.5);
    double *w = malloc(sizeof *w * (size_t)(2 * r + 1));
    double *tmp = malloc(sizeof *tmp * (size_t)n);
    if (!w || !tmp) {
        free(w);
        free(tmp);
        return fs_errorf(err, "out of memory smoothing %d frames", n);
    }
    double sum = 0;
    for (int k = -r; k <= r; k++) sum += (w[k + r] = exp(-0.5 * (double)k * k / (sigma * sigma)));
    for (int k = 0; k <= 2 * r; k++) w[k] /= sum;
    for (int i = 0; i < n; i++) {
        double acc = 0;
        for (int k = -r; k <= r; k++) acc += w[k + r] * in[(size_t)reflect_index((long)i + k, n) * stride];
        tmp[i] = acc;
    }
    for (int i = 0; i < n; i++) out[(size_t)i * stride] = tmp[i];
    free(w);
    free(tmp);
    return FS_OK;
}

int fs_align_smooth(fs_align_params *p, int n, double sigma_c, double sigma_xy, fs_err *err) {
    int stride = (int)(sizeof(fs_align_params) / sizeof(double));
    double *b = (double *)p;
    for (int d = 0; d < 2; d++) {
        if (fs_gaussian_filter1d(b + 0 + d, b + 0 + d, n, stride, sigma_c, err)) return FS_ERR;
        if (fs_gaussian_filter1d(b + 2 + d, b + 2 + d, n, stride, sigma_xy, err)) return FS_ERR;
        if (fs_gaussian_filter1d(b + 4 + d, b + 4 + d, n, stride, sigma_xy, err)) return FS_ERR;
    }
    return FS_OK;
}

void fs_align_track_free(fs_align_track_out *t) {
    free(t->raw);
    free(t->smooth);
    free(t->observed);
    memset(t, 0, sizeof *t);
}

int fs_align_track(const fs_face_obs *obs, int count, double sigma_c, double sigma_xy, fs_align_track_out *out,
                   fs_err *err) {
    memset(out, 0, sizeof *out);
    if (count <= 0) return fs_errorf(err, "empty face track");
    int first = obs[0].frame, last = obs[count - 1].frame;
    for (int i = 1; i < count; i++)
        if (obs[i].frame <= obs[i - 1].frame) return fs_errorf(err, "face track frames are not increasing");
    int n = last - first + 1;
    out->first = first;
    out->n = n;
    out->raw = calloc((size_t)n, sizeof *out->raw);
    out->smooth = calloc((size_t)n, sizeof *out->smooth);
    out->observed = calloc((size_t)n, 1);
    if (!out->raw || !out->smooth || !out->observed) {
        fs_align_track_free(out);
        return fs_errorf(err, "out of memory for a track of %d frames", n);
    }
    for (int i = 0; i < count; i++) {
        fs_align_from_landmarks(obs[i].lm, 1.0, &out->raw[obs[i].frame - first]);
        out->observed[obs[i].frame - first] = 1;
    }
    /* linear interpolation across frames the tracker did not report */
    for (int i = 0; i + 1 < count; i++) {
        int a = obs[i].frame - first, b = obs[i + 1].frame - first;
        const double *pa = (const double *)&out->raw[a], *pb = (const double *)&out->raw[b];
        for (int j = a + 1; j < b; j++) {
            double t = (double)(j - a) / (b - a);
            double *pj = (double *)&out->raw[j];
            for (int k = 0; k < 6; k++) pj[k] = pa[k] + t * (pb[k] - pa[k]);
        }
    }
    memcpy(out->smooth, out->raw, sizeof *out->raw * (size_t)n);
    if (fs_align_smooth(out->smooth, n, sigma_c, sigma_xy, err)) {
        fs_align_track_free(out);
        return FS_ERR;
    }
    return FS_OK;
}

/* Solves the 8x8 system A k = b (Gaussian elimination with partial pivoting). 0 when singular. */
static int solve8(double A[8][8], double b[8], double k[8]) {
    for (int c = 0; c < 8; c++) {
        int p = c;
        for (int r = c + 1; r < 8; r++)
            if (fabs(A[r][c]) > fabs(A[p][c])) p = r;
        if (fabs(A[p][c]) < 1e-12) return 0;
        if (p != c) {
            for (int j = 0; j < 8; j++) {
                double t = A[c][j];
                A[c][j] = A[p][j];
                A[p][j] = t;
            }
            double t = b[c];
            b[c] = b[p];
            b[p] = t;
        }
        for (int r = c + 1; r < 8; r++) {
            double f = A[r][c] / A[c][c];
            for (int j = c; j < 8; j++) A[r][j] -= f * A[c][j];
            b[r] -= f * b[c];
        }
    }
    for (int r = 7; r >= 0; r--) {
        double s = b[r];
        for (int j = r + 1; j < 8; j++) s -= A[r][j] * k[j];
        k[r] = s / A[r][r];
    }
    return 1;
}

int fs_align_coeffs(const double quad[4][2], int size, double k[8]) {
    const double dst[4][2] = {{0, 0}, {0, size}, {size, size}, {size, 0}};
    double A[8][8], b[8];
    for (int i = 0; i < 4; i++) {
        double x = quad[i][0] + 0.5, y = quad[i][1] + 0.5, X = dst[i][0], Y = dst[i][1];
        double r0[8] = {x, y, 1, 0, 0, 0, -x * X, -y * X};
        double r1[8] = {0, 0, 0, x, y, 1, -x * Y, -y * Y};
        memcpy(A[2 * i], r0, sizeof r0);
        memcpy(A[2 * i + 1], r1, sizeof r1);
        b[2 * i] = X;
        b[2 * i + 1] = Y;
    }
    if (!solve8(A, b, k)) {
        memset(k, 0, sizeof(double) * 8);
        return FS_ERR;
    }
    return FS_OK;
}

void fs_align_apply(const double k[8], double x, double y, double *X, double *Y) {
    double d = k[6] * x + k[7] * y + 1.0;
    *X = (k[0] * x + k[1] * y + k[2]) / d;
    *Y = (k[3] * x + k[4] * y + k[5]) / d;
}

void fs_align_landmarks_to_crop(const double k[8], const float lm[FS_FACE_NUM_LANDMARKS][2],
                                float out[FS_FACE_NUM_LANDMARKS][2]) {
    for (int i = 0; i < FS_FACE_NUM_LANDMARKS; i++) {
        double X, Y;
        fs_align_apply(k, lm[i][0] + 0.5, lm[i][1] + 0.5, &X, &Y);
        out[i][0] = (float)(X - 0.5);
        out[i][1] = (float)(Y - 0.5);
    }
}

typedef struct {
    const fs_image *frame;
    fs_image *crop;
    double x0, y0, ax, ay, bx, by, cx, cy;
    int ss;
} crop_ctx;

static void crop_rows(void *vctx, int64_t begin, int64_t end, int thread) {
    (void)thread;
    const crop_ctx *c = vctx;
    int S = c->crop->w, ss = c->ss;
    float px[3];
    for (int Y = (int)begin; Y < (int)end; Y++) {
        uint8_t *o = fs_image_px(c->crop, 0, Y);
        for (int X = 0; X < S; X++, o += 3) {
            double acc[3] = {0, 0, 0};
            for (int j = 0; j < ss; j++)
                for (int i = 0; i < ss; i++) {
                    double u = (X + (i + 0.5) / ss) / S, v = (Y + (j + 0.5) / ss) / S;
                    double sx = c->x0 + c->ax * u + c->bx * v + c->cx * u * v;
                    double sy = c->y0 + c->ay * u + c->by * v + c->cy * u * v;
                    if (fs_image_sample_bilinear(c->frame, sx, sy, px))
                        for (int k = 0; k < 3; k++) acc[k] += px[k];
                }
            for (int k = 0; k < 3; k++) {
                double v = acc[k] / (ss * ss);
                o[k] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lrint(v));
            }
        }
    }
}

void fs_align_crop(const fs_image *frame, const double quad[4][2], fs_image *crop, int antialias) {
    int S = crop->w;
    /* PIL QUAD on (quad + 0.5), then its sampler's -0.5: pixel-index source = bilinear(quad, u, v) */
    crop_ctx c;
    c.frame = frame;
    c.crop = crop;
    c.x0 = quad[0][0];
    c.y0 = quad[0][1];
    c.ax = quad[3][0] - c.x0; /* along u (TR - TL) */
    c.ay = quad[3][1] - c.y0;
    c.bx = quad[1][0] - c.x0; /* along v (BL - TL) */
    c.by = quad[1][1] - c.y0;
    c.cx = quad[2][0] - quad[1][0] - quad[3][0] + c.x0;
    c.cy = quad[2][1] - quad[1][1] - quad[3][1] + c.y0;
    double side = fmax(hypot(c.ax, c.ay), hypot(c.bx, c.by));
    c.ss = 1;
    if (antialias && side > S) c.ss = (int)ceil(side / S);
    if (c.ss > 16) c.ss = 16;
    fs_parallel_for(S, 8, crop_rows, &c);
}
