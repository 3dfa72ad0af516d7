/* paste.c — premultiplied-alpha inverse warp of a crop into the frame. */
#include "face/paste.h"

#include <math.h>
#include <string.h>

#include "core/threads.h"
#include "face/align.h"

#define FS_PASTE_MAX_THREADS 512

/* Frame-space bounding box [x0,x1)×[y0,y1) of the crop square, via the inverse homography. */
static int frame_bbox(const double k[8], int S, int fw, int fh, int *x0, int *y0, int *x1, int *y1) {
    double H[3][3] = {{k[0], k[1], k[2]}, {k[3], k[4], k[5]}, {k[6], k[7], 1.0}};
    double det = H[0][0] * (H[1][1] * H[2][2] - H[1][2] * H[2][1]) - H[0][1] * (H[1][0] * H[2][2] - H[1][2] * H[2][0]) +
                 H[0][2] * (H[1][0] * H[2][1] - H[1][1] * H[2][0]);
    if (!(fabs(det) > 1e-300)) return 0;
    double I[3][3];
    I[0][0] = (H[1][1] * H[2][2] - H[1][2] * H[2][1]) / det;
    I[0][1] = (H[0][2] * H[2][1] - H[0][1] * H[2][2]) / det;
    I[0][2] = (H[0][1] * H[1][2] - H[0][2] * H[1][1]) / det;
    I[1][0] = (H[1][2] * H[2][0] - H[1][0] * H[2][2]) / det;
    I[1][1] = (H[0][0] * H[2][2] - H[0][2] * H[2][0]) / det;
    I[1][2] = (H[0][2] * H[1][0] - H[0][0] * H[1][2]) / det;
    I[2][0] = (H[1][0] * H[2][1] - H[1][1] * H[2][0]) / det;
    I[2][1] = (H[0][1] * H[2][0] - H[0][0] * H[2][1]) / det;
    I[2][2] = (H[0][0] * H[1][1] - H[0][1] * H[1][0]) / det;
    double lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
    const double c[4][2] = {{0, 0}, {S, 0}, {0, S}, {S, S}};
    for (int i = 0; i < 4; i++) {
        double w = I[2][0] * c[i][0] + I[2][1] * c[i][1] + I[2][2];
        if (!(fabs(w) > 1e-12)) return 0;
        double x = (I[0][0] * c[i][0] + I[0][1] * c[i][1] + I[0][2]) / w;
        double y = (I[1][0] * c[i][0] + I[1][1] * c[i][1] + I[1][2]) / w;
        lo[0] = fmin(lo[0], x);
        lo[1] = fmin(lo[1], y);
        hi[0] = fmax(hi[0], x);
        hi[1] = fmax(hi[1], y);
    }
    if (!isfinite(lo[0]) || !isfinite(lo[1]) || !isfinite(hi[0]) || !isfinite(hi[1])) return 0;
    double a = fmax(floor(lo[0]) - 2, 0), b = fmax(floor(lo[1]) - 2, 0);
    double e = fmin(ceil(hi[0]) + 2, fw), f = fmin(ceil(hi[1]) + 2, fh);
    if (a >= e || b >= f) return 0;
    *x0 = (int)a;
    *y0 = (int)b;
    *x1 = (int)e;
    *y1 = (int)f;
    return 1;
}

/* Samples premultiplied RGBA of the crop at crop pixel-index coords (x, y), clamp-to-edge. */
static float sample(const fs_image *crop, const float *alpha, double x, double y, float rgb[3]) {
    int S = crop->w;
    int x0 = (int)floor(x), y0 = (int)floor(y);
    double dx = x - x0, dy = y - y0;
    int xs[2] = {x0 < 0 ? 0 : (x0 >= S ? S - 1 : x0), x0 + 1 < 0 ? 0 : (x0 + 1 >= S ? S - 1 : x0 + 1)};
    int ys[2] = {y0 < 0 ? 0 : (y0 >= S ? S - 1 : y0), y0 + 1 < 0 ? 0 : (y0 + 1 >= S ? S - 1 : y0 + 1)};
    double wx[2] = {1 - dx, dx}, wy[2] = {1 - dy, dy};
    double a = 0, c[3] = {0, 0, 0};
    for (int j = 0; j < 2; j++)
        for (int i = 0; i < 2; i++) {
            double w = wx[i] * wy[j];
            if (w == 0) continue;
            double al = alpha ? alpha[(size_t)ys[j] * S + xs[i]] : 1.0;
            if (al == 0) continue;
            const uint8_t *p = fs_image_px(crop, xs[i], ys[j]);
            a += w * al;
            for (int ch = 0; ch < 3; ch++) c[ch] += w * al * p[ch];
        }
    for (int ch = 0; ch < 3; ch++) rgb[ch] = (float)c[ch];
    return (float)a;
}

typedef struct {
    fs_image *frame;
    const fs_image *crop;
    const float *alpha;
    const double *k;
    uint8_t *changed;
    int x0, x1, y0;
    long counts[FS_PASTE_MAX_THREADS];
} paste_ctx;

static void paste_rows(void *vctx, int64_t begin, int64_t end, int thread) {
    paste_ctx *c = vctx;
    int S = c->crop->w;
    float rgb[3];
    long n = 0;
    for (int py = c->y0 + (int)begin; py < c->y0 + (int)end; py++) {
        uint8_t *o = fs_image_px(c->frame, c->x0, py);
        for (int px = c->x0; px < c->x1; px++, o += 3) {
            double X, Y;
            fs_align_apply(c->k, px + 0.5, py + 0.5, &X, &Y);
            if (!(X >= 0 && X < S && Y >= 0 && Y < S)) continue;
            float a = sample(c->crop, c->alpha, X - 0.5, Y - 0.5, rgb);
            if (!(a > 0)) continue;
            if (a > 1) a = 1;
            for (int ch = 0; ch < 3; ch++) {
                double v = rgb[ch] + o[ch] * (1.0 - a);
                o[ch] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : lrint(v));
            }
            if (c->changed) c->changed[(size_t)py * c->frame->w + px] = 1;
            n++;
        }
    }
    c->counts[thread % FS_PASTE_MAX_THREADS] += n;
}

long fs_paste_crop(fs_image *frame, const fs_image *crop, const float *alpha, const double k[8], uint8_t *changed) {
    int x0, y0, x1, y1;
    if (!frame_bbox(k, crop->w, frame->w, frame->h, &x0, &y0, &x1, &y1)) return 0;
    paste_ctx c = {.frame = frame, .crop = crop, .alpha = alpha, .k = k, .changed = changed, .x0 = x0, .x1 = x1, .y0 = y0};
    /* each chunk is one thread's: per-thread counters need no lock */
    fs_parallel_for(y1 - y0, 8, paste_rows, &c);
    long n = 0;
    for (int i = 0; i < FS_PASTE_MAX_THREADS; i++) n += c.counts[i];
    return n;
}

void fs_paste_support(uint8_t *support, int fw, int fh, int S, const float *alpha, const double k[8]) {
    memset(support, 0, (size_t)fw * fh);
    int x0, y0, x1, y1;
    if (!frame_bbox(k, S, fw, fh, &x0, &y0, &x1, &y1)) return;
    for (int py = y0; py < y1; py++)
        for (int px = x0; px < x1; px++) {
            double X, Y;
            fs_align_apply(k, px + 0.5, py + 0.5, &X, &Y);
            if (!(X >= 0 && X < S && Y >= 0 && Y < S)) continue;
            double x = X - 0.5, y = Y - 0.5;
            int xa = (int)floor(x), ya = (int)floor(y);
            double dx = x - xa, dy = y - ya;
            double a = 0;
            for (int j = 0; j < 2; j++)
                for (int i = 0; i < 2; i++) {
                    int xi = xa + i < 0 ? 0 : (xa + i >= S ? S - 1 : xa + i);
                    int yj = ya + j < 0 ? 0 : (ya + j >= S ? S - 1 : ya + j);
                    double w = (i ? dx : 1 - dx) * (j ? dy : 1 - dy);
                    a += w * (alpha ? alpha[(size_t)yj * S + xi] : 1.0);
                }
            if (a > 0) support[(size_t)py * fw + px] = 1;
        }
}
