/* font.h — a 5×7 bitmap font (written here, no font library) for labels on video frames:
 * digits, letters (upper case is drawn as lower case), space and - + . , : = | ( ) / _ %.
 *
 *   fs_font_draw(im, x, y, 3, "age -6", white);   // scale 3: 15×21 pixel glyphs, 18 px advance
 */
#ifndef FS_IMAGE_FONT_H
#define FS_IMAGE_FONT_H

#include <stdint.h>

#include "image/image.h"

#define FS_FONT_W 5
#define FS_FONT_H 7
/* Width in pixels of text at scale (glyphs advance by 6·scale). */
int fs_font_width(const char *text, int scale);
/* Draws text with its top-left corner at (x, y); pixels outside the image are skipped; characters
 * the font lacks are drawn as a box. */
void fs_font_draw(fs_image *im, int x, int y, int scale, const char *text, const uint8_t rgb[3]);

#endif
