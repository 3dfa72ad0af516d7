/* masks.c — the regions the metrics are measured on: grown convex polygons rasterised into
 * frame masks (crop quads Q and face hulls F, see metrics.h). */
#include "pipeline/metrics/metrics.h"

#include <math.h>
#include <string.h>

#include "face/mask.h"

void fs_metrics_opts_default(fs_metrics_opts *o) {
    memset(o, 0, sizeof *o);
    o->face_margin = 0.10;
    o->margin_px = 1.5;
    o->embed_dim = 512;
    fs_project_settings s; /* the pipeline's default chunk (src/pipeline/params.h) */
    fs_project_settings_default(&s);
    o->track_chunk = s.track_chunk;
}

double fs_metrics_psnr(double sse, int64_t count) {
    if (count <= 0) return NAN;
    if (sse <= 0) return INFINITY;
    return 10.0 * log10(255.0 * 255.0 / (sse / (double)count));
}

/* Scanline fill of {p : max_e n_e·p − h_e ≤ margin} (intersection of half-planes, each row an interval). */
void fs_metrics_fill_convex(uint8_t *mask, int w, int h, const float *xy, int n, double margin) {
    enum { MAXP = 128 };
    if (n < 3 || n > MAXP || w <= 0 || h <= 0) return;
    double area = 0, xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
    for (int i = 0; i < n; i++) {
        double x0 = xy[2 * i], y0 = xy[2 * i + 1], x1 = xy[2 * ((i + 1) % n)], y1 = xy[2 * ((i + 1) % n) + 1];
        if (!isfinite(x0) || !isfinite(y0)) return;
        area += x0 * y1 - x1 * y0;
        xmin = fmin(xmin, x0);
        xmax = fmax(xmax, x0);
        ymin = fmin(ymin, y0);
        ymax = fmax(ymax, y0);
    }
    if (!(fabs(area) > 1e-9)) return;
    /* outward unit normals and offsets: n·p ≤ off + margin inside */
    double nx[MAXP], ny[MAXP], off[MAXP];
    int m = 0;
    double sgn = area > 0 ? 1.0 : -1.0;
    for (int i = 0; i < n; i++) {
        double x0 = xy[2 * i], y0 = xy[2 * i + 1], x1 = xy[2 * ((i + 1) % n)], y1 = xy[2 * ((i + 1) % n) + 1];
        double ex = x1 - x0, ey = y1 - y0, len = hypot(ex, ey);
        if (!(len > 1e-9)) continue;
        nx[m] = sgn * ey / len;
        ny[m] = -sgn * ex / len;
        off[m] = nx[m] * x0 + ny[m] * y0 + margin + 1e-7; /* pixel centres on an edge count as inside */
        m++;
    }
    if (m < 3) return;
    /* the offset polygon is bounded: rows beyond it give empty intervals; visit only rows near it */
    double reach = margin + (xmax - xmin) + (ymax - ymin);
    double fy0 = fmax(0.0, floor(ymin - reach)), fy1 = fmin((double)h - 1, ceil(ymax + reach));
    if (!(fy0 <= fy1)) return;
    int y0 = (int)fy0, y1 = (int)fy1;
    for (int y = y0; y <= y1; y++) {
        double lo = -INFINITY, hi = INFINITY;
        for (int i = 0; i < m && lo <= hi; i++) {
            double rhs = off[i] - ny[i] * y; /* nx x ≤ rhs */
            if (nx[i] > 1e-12) hi = fmin(hi, rhs / nx[i]);
            else if (nx[i] < -1e-12) lo = fmax(lo, rhs / nx[i]);
            else if (rhs < 0) lo = INFINITY;
        }
        if (!(lo <= hi)) continue;
        double xa = ceil(lo), xb = floor(hi);
        if (xa < 0) xa = 0;
        if (xb > w - 1) xb = w - 1;
        if (xa > xb) continue;
        memset(mask + (size_t)y * w + (size_t)xa, 1, (size_t)(xb - xa + 1));
    }
}

static double quad_side(const double q[4][2]) {
    /* mean of the four sides (TL, BL, BR, TR: an FFHQ quad is a square) */
    double s = 0;
    for (int i = 0; i < 4; i++) s += hypot(q[(i + 1) % 4][0] - q[i][0], q[(i + 1) % 4][1] - q[i][1]);
    return s / 4;
}

void fs_metrics_frame_masks(const fs_aligned_tracks *t, int frame, const fs_metrics_opts *o, uint8_t *face,
                            uint8_t *quad) {
    int w = t->width, h = t->height;
    if (face) memset(face, 0, (size_t)w * h);
    if (quad) memset(quad, 0, (size_t)w * h);
    for (int k = 0; k < t->count; k++) {
        const fs_aligned_track *tr = &t->t[k];
        int i = fs_aligned_track_index(tr, frame);
        if (i < 0) continue;
        if (quad) {
            float q[8];
            for (int c = 0; c < 4; c++) {
                q[2 * c] = (float)tr->quad[i][c][0];
                q[2 * c + 1] = (float)tr->quad[i][c][1];
            }
            fs_metrics_fill_convex(quad, w, h, q, 4, o->margin_px);
        }
        if (face) {
            float hull[2 * (FS_FACE_NUM_LANDMARKS + 11)];
            int n = fs_mask_hull((const float(*)[2])tr->lm[i], hull);
            double r = o->face_margin * quad_side(tr->quad[i]) + o->margin_px;
            fs_metrics_fill_convex(face, w, h, hull, n, r);
        }
    }
}
