/* image.h — 8-bit RGB images: the unit frames and crops travel in.
 *
 *   fs_image *im = NULL;
 *   if (fs_image_load("face.jpg", &im, &err)) ...;     // PNG or JPEG (EXIF orientation applied)
 *   uint8_t *px = fs_image_px(im, x, y);               // px[0..2] = R,G,B
 *   fs_image_save_png(im, "out.png", &err);             // atomic
 *   fs_image_destroy(im);
 *
 * Pixels are row-major RGB, `stride` bytes per row (>= 3*w). `_create` owns its pixels;
 * `_view` borrows another buffer.
 */
#ifndef FS_IMAGE_IMAGE_H
#define FS_IMAGE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

typedef struct fs_image {
    int w, h;
    int stride;     /* bytes per row */
    uint8_t *rgb;
    int owns;
} fs_image;

fs_image *fs_image_create(int w, int h, fs_err *err); /* zero-filled */
void fs_image_destroy(fs_image *im);
fs_image fs_image_view(uint8_t *rgb, int w, int h, int stride);
fs_image *fs_image_clone(const fs_image *im, fs_err *err);
static inline uint8_t *fs_image_px(const fs_image *im, int x, int y) { return im->rgb + (size_t)y * im->stride + 3 * (size_t)x; }

int fs_image_load(const char *path, fs_image **out, fs_err *err);
/* What the file's first bytes say it is: "png", "jpeg", or NULL (not an image, unreadable). Inputs are
 * recognised by content, never by their name. */
const char *fs_image_sniff(const char *path);
int fs_image_save_png(const fs_image *im, const char *path, fs_err *err);

#endif
