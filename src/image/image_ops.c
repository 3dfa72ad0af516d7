/* image_ops.c — conversions, sampling, comparison and drawing on fs_image. */
#include "image/image_ops.h"

#include <math.h>
#include <string.h>

void fs_image_to_float(const fs_image *im, float *t) {
    size_t plane = (size_t)im->w * im->h;
    for (int y = 0; y < im->h; y++) {
        const uint8_t *p = fs_image_px(im, 0, y);
        for (int x = 0; x < im->w; x++, p += 3) {
            size_t i = (size_t)y * im->w + x;
            t[i] = p[0] / 127.5f - 1.0f;
            t[plane + i] = p[1] / 127.5f - 1.0f;
            t[2 * plane + i] = p[2] / 127.5f - 1.0f;
        }
    }
}

static inline uint8_t to_u8(float x) {
    float v = rintf((x + 1.0f) * 127.5f);
    if (!(v >= 0.0f)) return 0; /* also NaN */
    if (v > 255.0f) return 255;
    return (uint8_t)v;
}

void fs_image_from_float(fs_image *im, const float *t) {
    size_t plane = (size_t)im->w * im->h;
    for (int y = 0; y < im->h; y++) {
        uint8_t *p = fs_image_px(im, 0, y);
        for (int x = 0; x < im->w; x++, p += 3) {
            size_t i = (size_t)y * im->w + x;
            p[0] = to_u8(t[i]);
            p[1] = to_u8(t[plane + i]);
            p[2] = to_u8(t[2 * plane + i]);
        }
    }
}

int fs_image_sample_bilinear(const fs_image *im, double x, double y, float out[3]) {
    double xc = x + 0.5, yc = y + 0.5;
    if (!(xc >= 0.0 && xc < im->w && yc >= 0.0 && yc < im->h)) return 0;
    int x0 = (int)floor(x), y0 = (int)floor(y);
    double dx = x - x0, dy = y - y0;
    int xa = x0 < 0 ? 0 : x0, xb = x0 + 1 >= im->w ? im->w - 1 : x0 + 1;
    int ya = y0 < 0 ? 0 : y0, yb = y0 + 1 >= im->h ? im->h - 1 : y0 + 1;
    if (xa >= im->w) xa = im->w - 1;
    if (ya >= im->h) ya = im->h - 1;
    if (xb < 0) xb = 0;
    if (yb < 0) yb = 0;
    const uint8_t *r0 = im->rgb + (size_t)ya * im->stride, *r1 = im->rgb + (size_t)yb * im->stride;
    for (int c = 0; c < 3; c++) {
        double v0 = r0[3 * xa + c] + (r0[3 * xb + c] - r0[3 * xa + c]) * dx;
        double v1 = r1[3 * xa + c] + (r1[3 * xb + c] - r1[3 * xa + c]) * dx;
        out[c] = (float)(v0 + (v1 - v0) * dy);
    }
    return 1;
}

void fs_image_copy(fs_image *dst, const fs_image *src) {
    for (int y = 0; y < src->h && y < dst->h; y++)
        memcpy(fs_image_px(dst, 0, y), fs_image_px(src, 0, y), (size_t)(src->w < dst->w ? src->w : dst->w) * 3);
}

double fs_image_sse(const fs_image *a, const fs_image *b, const uint8_t *mask, int64_t *count) {
    double s = 0;
    int64_t n = 0;
    for (int y = 0; y < a->h; y++) {
        const uint8_t *p = fs_image_px(a, 0, y), *q = fs_image_px(b, 0, y);
        for (int x = 0; x < a->w; x++) {
            if (mask && !mask[(size_t)y * a->w + x]) continue;
            for (int c = 0; c < 3; c++) {
                double d = (double)p[3 * x + c] - q[3 * x + c];
                s += d * d;
            }
            n += 3;
        }
    }
    if (count) *count = n;
    return s;
}

double fs_image_psnr(const fs_image *a, const fs_image *b, const uint8_t *mask) {
    int64_t n = 0;
    double s = fs_image_sse(a, b, mask, &n);
    if (n == 0 || s == 0) return INFINITY;
    return 10.0 * log10(255.0 * 255.0 * (double)n / s);
}

void fs_draw_pixel(fs_image *im, int x, int y, const uint8_t rgb[3]) {
    if (x < 0 || y < 0 || x >= im->w || y >= im->h) return;
    uint8_t *p = fs_image_px(im, x, y);
    p[0] = rgb[0];
    p[1] = rgb[1];
    p[2] = rgb[2];
}

void fs_draw_point(fs_image *im, double x, double y, int radius, const uint8_t rgb[3]) {
    if (!isfinite(x) || !isfinite(y) || fabs(x) > 1e6 || fabs(y) > 1e6) return;
    int cx = (int)lround(x), cy = (int)lround(y);
    for (int dy = -radius; dy <= radius; dy++)
        for (int dx = -radius; dx <= radius; dx++)
            if (dx * dx + dy * dy <= radius * radius + radius) fs_draw_pixel(im, cx + dx, cy + dy, rgb);
}

void fs_draw_line(fs_image *im, double x0, double y0, double x1, double y1, const uint8_t rgb[3]) {
    if (!isfinite(x0) || !isfinite(y0) || !isfinite(x1) || !isfinite(y1)) return;
    double dx = x1 - x0, dy = y1 - y0;
    double len = fmax(fabs(dx), fabs(dy));
    if (len > 1e5) return;
    int n = (int)ceil(len);
    if (n < 1) n = 1;
    for (int i = 0; i <= n; i++) {
        double t = (double)i / n;
        fs_draw_pixel(im, (int)lround(x0 + t * dx), (int)lround(y0 + t * dy), rgb);
    }
}

void fs_draw_rect(fs_image *im, double x0, double y0, double x1, double y1, const uint8_t rgb[3]) {
    fs_draw_line(im, x0, y0, x1, y0, rgb);
    fs_draw_line(im, x1, y0, x1, y1, rgb);
    fs_draw_line(im, x1, y1, x0, y1, rgb);
    fs_draw_line(im, x0, y1, x0, y0, rgb);
}

void fs_draw_poly(fs_image *im, const float *xy, int n, const uint8_t rgb[3]) {
    for (int i = 0; i < n; i++) {
        int j = (i + 1) % n;
        fs_draw_line(im, xy[2 * i], xy[2 * i + 1], xy[2 * j], xy[2 * j + 1], rgb);
    }
}
