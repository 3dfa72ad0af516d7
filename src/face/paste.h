/* paste.h — put an (edited) aligned crop back into its frame (docs/method.md §5.4).
 *
 *   fs_paste_crop(frame, crop, alpha, k);     // k: the frame->crop coefficients of fs_align_coeffs
 *
 * For every frame pixel, its centre is mapped into the crop (PIL PERSPECTIVE convention), the crop's
 * RGB premultiplied by alpha and alpha itself are sampled bilinearly, and the result is composited
 * "over" the frame: out = crop·a + frame·(1 − a). Pixels where the sampled alpha is 0 (outside the
 * mask's support or outside the crop) are left exactly as they were.
 */
#ifndef FS_FACE_PASTE_H
#define FS_FACE_PASTE_H

#include <stdint.h>

#include "image/image.h"

/* crop: S×S; alpha: (S, S) in [0,1] (NULL = 1 everywhere). changed (frame w*h bytes, may be NULL)
 * gets 1 where the frame pixel was composited. Returns the number of frame pixels composited. */
long fs_paste_crop(fs_image *frame, const fs_image *crop, const float *alpha, const double k[8], uint8_t *changed);

/* Frame-space support of the paste (1 where alpha sampled > 0), same mapping as fs_paste_crop. */
void fs_paste_support(uint8_t *support, int fw, int fh, int S, const float *alpha, const double k[8]);

#endif
