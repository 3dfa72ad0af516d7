/* image_ops.h — small utilities on fs_image: orientation, float tensors, sampling,
 * comparison, and drawing for --debug overlays.
 *
 *   float *t = malloc(3 * h * w * sizeof *t);
 *   fs_image_to_float(im, t);                 // t: (3, H, W) in [-1, 1]  (x/127.5 - 1)
 *   fs_image_from_float(im, t);               // rint((x+1)*255/2), clipped to [0,255]
 *   double db = fs_image_psnr(a, b, NULL);    // 8-bit PSNR over all pixels (inf when equal)
 *   fs_draw_line(im, x0, y0, x1, y1, rgb);    // 1-px line, clipped
 */
#ifndef FS_IMAGE_IMAGE_OPS_H
#define FS_IMAGE_IMAGE_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "image/image.h"

/* EXIF orientation 1..8 applied to src (new image). 6 = rotate 90° clockwise, 3 = 180°, 8 = 270° clockwise. */
fs_image *fs_image_orient(const fs_image *src, int orientation, fs_err *err);
/* Orientation tag of an APP1 "Exif\0\0" payload (1 when absent or malformed). */
int fs_exif_orientation(const uint8_t *app1, size_t n);
/* PNG save with a speed choice: fast = 1 uses the fastest zlib level (crops, frame sequences). Atomic. */
int fs_image_save_png_level(const fs_image *im, const char *path, int fast, fs_err *err);

/* RGB8 <-> float NCHW for one image. t: (3, H, W). */
void fs_image_to_float(const fs_image *im, float *t);
void fs_image_from_float(fs_image *im, const float *t);

/* Bilinear sample at continuous pixel-index coordinates (pixel i's centre is at i), PIL's
 * convention: clamp-to-edge inside, returns 0 (out[] untouched) when (x+0.5, y+0.5) lies
 * outside [0,w)×[0,h); 1 when sampled. out: 3 floats in 0..255. */
int fs_image_sample_bilinear(const fs_image *im, double x, double y, float out[3]);

/* Copy src into dst (same size). */
void fs_image_copy(fs_image *dst, const fs_image *src);

/* Sum of squared 8-bit differences, and PSNR in dB (INFINITY when equal). mask (w*h bytes, may be
 * NULL) restricts both to pixels where mask != 0. */
double fs_image_sse(const fs_image *a, const fs_image *b, const uint8_t *mask, int64_t *count);
double fs_image_psnr(const fs_image *a, const fs_image *b, const uint8_t *mask);

/* Drawing (clipped to the image). rgb: 3 bytes. */
/* One pixel set to rgb; nothing outside the image. */
void fs_draw_pixel(fs_image *im, int x, int y, const uint8_t rgb[3]);
void fs_draw_point(fs_image *im, double x, double y, int radius, const uint8_t rgb[3]);
void fs_draw_line(fs_image *im, double x0, double y0, double x1, double y1, const uint8_t rgb[3]);
void fs_draw_rect(fs_image *im, double x0, double y0, double x1, double y1, const uint8_t rgb[3]);
/* Closed polygon through n points (xy: n pairs). */
void fs_draw_poly(fs_image *im, const float *xy, int n, const uint8_t rgb[3]);

#endif
