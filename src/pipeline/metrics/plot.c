/* plot.c — the edit-effect plot of `metrics --plot` (see faceapi.h): two panels,
 * age (top) and happy probability (bottom) per embedded frame; ORIGINAL blue, EDITED red; a grey
 * frame around each panel, the value range of each panel from its curves (the happy panel 0..1). */
#include <math.h>
#include <stdlib.h>

#include "image/image_ops.h"
#include "pipeline/metrics/faceapi.h"

enum { PW = 720, PH = 400, MARGIN = 20 };

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

/* One panel in rows [top, top + h): curves a (blue) and b (red) of n values. */
static void panel(fs_image *im, int top, int h, const float *a, const float *b, int64_t n, double lo, double hi) {
    static const uint8_t grey[3] = {160, 160, 160}, blue[3] = {30, 90, 220}, red[3] = {220, 40, 40};
    int x0 = MARGIN, x1 = PW - MARGIN, y0 = top, y1 = top + h;
    line(im, x0, y0, x1, y0, grey);
    line(im, x0, y1, x1, y1, grey);
    line(im, x0, y0, x0, y1, grey);
    line(im, x1, y0, x1, y1, grey);
    if (!(hi > lo)) hi = lo + 1;
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
    double lo, hi;
    range(fa->age_o, fa->age_e, fa->n, &lo, &hi);
    panel(im, MARGIN, PH / 2 - 2 * MARGIN, fa->age_o, fa->age_e, fa->n, lo, hi);
    panel(im, PH / 2 + MARGIN, PH / 2 - 2 * MARGIN, fa->happy_o, fa->happy_e, fa->n, 0, 1);
    int rc = fs_image_save_png(im, path, err);
    fs_image_destroy(im);
    return rc;
}
