/* detect.h — Viola-Jones face detection with an OpenCV Haar cascade (cascade.h), the way
 * OpenCV 4's CascadeClassifier::detectMultiScale does it: grey image (BT.601 weights),
 * a pyramid of resized images (scale factor 1.1 by default), integral + squared integral
 * images per level, every window normalised by its standard deviation (windows whose
 * standard deviation is <= 10 grey levels are skipped, as OpenCV does), a stride of 2 pixels
 * below a scale of 2 (1 above), and OpenCV's groupRectangles(minNeighbors, eps=0.2).
 *
 *   fs_gray g;
 *   if (fs_gray_from_image(frame, &g, &err)) ...;
 *   fs_detect_opts o; fs_detect_opts_default(&o);
 *   fs_detection *d = NULL; int n = 0;
 *   if (fs_haar_detect(cascade, &g, &o, &d, &n, &err)) ...;
 *   for (i < n) d[i].x0 ... d[i].neighbors
 *   free(d); fs_gray_free(&g);
 */
#ifndef FS_FACE_DETECT_H
#define FS_FACE_DETECT_H

#include <stdint.h>

#include "core/err.h"
#include "face/cascade.h"
#include "image/image.h"

typedef struct fs_gray {
    int w, h;          /* contiguous rows: stride == w */
    uint8_t *px;       /* malloc'ed (fs_gray_free) */
} fs_gray;

/* OpenCV's RGB->GRAY: Y = (4899 R + 9617 G + 1868 B + 8192) >> 14. */
int fs_gray_from_image(const fs_image *im, fs_gray *out, fs_err *err);
/* Bilinear resize with the pixel-centre convention (OpenCV INTER_LINEAR); box-filtered
 * when shrinking by more than 2 so that small faces survive the downscale. */
int fs_gray_resize(const fs_gray *in, int w, int h, fs_gray *out, fs_err *err);
/* Copy of the part of `in` inside [x0,x1)x[y0,y1) (clipped to the image). */
int fs_gray_crop(const fs_gray *in, int x0, int y0, int x1, int y1, fs_gray *out, fs_err *err);
void fs_gray_free(fs_gray *g);

typedef struct fs_detect_opts {
    float scale_factor;   /* pyramid step, > 1 (default 1.1) */
    int min_neighbors;    /* groupRectangles threshold (default 3); 0 returns raw windows */
    int min_size;         /* smallest window side in pixels (default 0: the cascade's window) */
    int max_size;         /* largest window side (default 0: the image) */
    float group_eps;      /* default 0.2 */
    int threads;          /* 0: fs_parallel_for (the process pool), 1: this thread only */
} fs_detect_opts;

typedef struct fs_detection {
    float x0, y0, x1, y1; /* pixels of the given image, x1/y1 exclusive */
    int neighbors;        /* raw windows merged into this one */
} fs_detection;

void fs_detect_opts_default(fs_detect_opts *o);

/* Detects objects; *out is malloc'ed (free()), NULL when *count == 0. */
int fs_haar_detect(const fs_haar_cascade *c, const fs_gray *img, const fs_detect_opts *o, fs_detection **out,
                   int *count, fs_err *err);

/* OpenCV groupRectangles semantics, in place: clusters rectangles whose corners differ by at
 * most eps * (mean of the smaller sides), keeps clusters with more than `group_threshold`
 * members (averaged; neighbors = members), then drops a cluster lying inside a stronger
 * one. Returns the new count. group_threshold <= 0 leaves the list untouched. */
int fs_haar_group(fs_detection *r, int n, int group_threshold, float eps);

/* Rotated (45 degree) integral image as OpenCV defines it:
 * t[Y*(w+1)+X] = sum of img(x,y) over y < Y, |x - X + 1| <= Y - 1 - y. t: (h+1)*(w+1).
 * Wrapping uint32 arithmetic: differences of four entries are exact. Exposed for tests.
 * FS_ERR only when out of memory (a 3-row scratch buffer). */
int fs_integral_tilted(const uint8_t *img, int w, int h, uint32_t *t);
/* Upright integral and squared integral, each (h+1)*(w+1), first row/column 0. */
void fs_integral(const uint8_t *img, int w, int h, uint32_t *sum, uint32_t *sqsum);

/* Evaluates the cascade on one window of a scaled level; returns 1 if every stage passes.
 * (For tests and for the tracker's local checks; fs_haar_detect is the fast path.) */
int fs_haar_eval_window(const fs_haar_cascade *c, const uint32_t *sum, const uint32_t *sqsum, const uint32_t *tilted,
                        int stride, int x, int y);

#endif
