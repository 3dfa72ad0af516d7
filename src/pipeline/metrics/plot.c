/* plot.c — the edit-effect plot of `metrics --plot` (see faceapi.h): two panels,
 * age (top) and happy probability (bottom) per embedded frame; ORIGINAL blue, EDITED red; a grey
 * frame around each panel, the value range of each panel from its curves (the happy panel 0..1).
 * Labels in the 5x7 bitmap font (image/font.h): a legend, each panel's title, the value at the
 * top and bottom of its y axis and the first and last frame under its x axis. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "image/font.h"
#include "image/image_ops.h"
#include "pipeline/metrics/faceapi.h"

enum { PW = 720, PH = 440, LEFT = 64, RIGHT = 20, PANEL_H = 150, FS = 2 /* font scale */ };

static const uint8_t grey[3] = {160, 160, 160}, blue[3] = {30, 90, 220}, red[3] = {220, 40, 40},
                     black[3] = {20, 20, 20};

static void line(fs_image *im, int x0, int y0, int x1, int y1, const uint8_t c[3]) {
    int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, e = dx + dy;
    for (int guard = 0; guard < 4 * (PW + PH); guard++) {
        fs_draw_pixel(im, x0, y0, c);
        fs_draw_pixel(im, x0, y0 + 1, c);
        if (x0 == x1 && y0 == y1) break;
        int e2 = 2 * e;
        if (e2 >= dy) e += dy, x0 += sx;
        if (e2 <= dx) e += dx, y0 += sy;
    }
}

/* text right-aligned so that it ends at x */
static void text_right(fs_image *im, int x, int y, const char *s) {
    fs_font_draw(im, x - fs_font_width(s, FS), y, FS, s, black);
}

/* Axis labels of a panel in [x0,x1]x[y0,y1]: title above, lo/hi left of the y axis, first/last
 * frame and "frame" under the x axis. */
static void labels(fs_image *im, int x0, int y0, int x1, int y1, const char *title, double lo, double hi,
                   int64_t n) {
    char t[48];
    fs_font_draw(im, x0, y0 - 8 * FS - 2, FS, title, black);
    snprintf(t, sizeof t, "%.4g", hi);
    text_right(im, x0 - 4, y0, t);
    snprintf(t, sizeof t, "%.4g", lo);
    text_right(im, x0 - 4, y1 - FS_FONT_H * FS, t);
    fs_font_draw(im, x0, y1 + 4, FS, "0", black);
    snprintf(t, sizeof t, "%lld", (long long)(n > 0 ? n - 1 : 0));
    text_right(im, x1, y1 + 4, t);
    fs_font_draw(im, (x0 + x1 - fs_font_width("frame", FS)) / 2, y1 + 4, FS, "frame", black);
}

/* One panel in rows [top, top + h): curves a (blue) and b (red) of n values. */
static void panel(fs_image *im, int top, int h, const float *a, const float *b, int64_t n, double lo, double hi,
                  const char *title) {
    int x0 = LEFT, x1 = PW - RIGHT, y0 = top, y1 = top + h;
    line(im, x0, y0, x1, y0, grey);
    line(im, x0, y1, x1, y1, grey);
    line(im, x0, y0, x0, y1, grey);
    line(im, x1, y0, x1, y1, grey);
    if (!(hi > lo)) hi = lo + 1;
    labels(im, x0, y0, x1, y1, title, lo, hi, n);
    for (int k = 0; k < 2; k++) {
        const float *v = k ? b : a;
        int px = 0, py = 0;
        for (int64_t i = 0; i < n; i++) {
            int x = x0 + (int)((double)(x1 - x0) * (n > 1 ? (double)i / (n - 1) : 0.5));
            double f = (v[i] - lo) / (hi - lo);
            int y = y1 - (int)((y1 - y0) * (isfinite(f) ? fmin(fmax(f, 0), 1) : 0));
            if (i) line(im, px, py, x, y, k ? red : blue);
            px = x;
            py = y;
        }
    }
}

/* legend at the top right: a short line in each colour and its name */
static void legend(fs_image *im) {
    int y = 8, x = PW - RIGHT - fs_font_width("original", FS) - fs_font_width("edited", FS) - 80;
    for (int k = 0; k < 2; k++) {
        const char *name = k ? "edited" : "original";
        line(im, x, y + FS_FONT_H, x + 20, y + FS_FONT_H, k ? red : blue);
        line(im, x, y + FS_FONT_H + 1, x + 20, y + FS_FONT_H + 1, k ? red : blue);
        fs_font_draw(im, x + 26, y, FS, name, k ? red : blue);
        x += 26 + fs_font_width(name, FS) + 14;
    }
}

static void range(const float *a, const float *b, int64_t n, double *lo, double *hi) {
    *lo = INFINITY;
    *hi = -INFINITY;
    for (int64_t i = 0; i < n; i++) {
        *lo = fmin(*lo, fmin(a[i], b[i]));
        *hi = fmax(*hi, fmax(a[i], b[i]));
    }
    double pad = (*hi - *lo) * 0.1 + 0.5;
    *lo -= pad;
    *hi += pad;
}

int fs_metrics_faceapi_plot(const fs_metrics_faceapi *fa, const char *path, fs_err *err) {
    if (fa->n < 1) return fs_errorf(err, "%s: no frame with a face: nothing to plot", path);
    fs_image *im = fs_image_create(PW, PH, err);
    if (!im) return FS_ERR;
    for (int y = 0; y < PH; y++)
        for (int x = 0; x < PW; x++) fs_draw_pixel(im, x, y, (const uint8_t[3]){255, 255, 255});
    legend(im);
    double lo, hi;
    range(fa->age_o, fa->age_e, fa->n, &lo, &hi);
    panel(im, 50, PANEL_H, fa->age_o, fa->age_e, fa->n, lo, hi, "age (years)");
    panel(im, 50 + PANEL_H + 70, PANEL_H, fa->happy_o, fa->happy_e, fa->n, 0, 1, "happy probability");
    int rc = fs_image_save_png(im, path, err);
    fs_image_destroy(im);
    return rc;
}
