/* mask.h — face masks on the aligned crop and the soft alpha used to paste a crop back
 * (docs/method.md §5.2, §5.4; docs/design.md §3).
 *
 *   uint8_t *fg = malloc(S * S);
 *   fs_mask_from_landmarks(fg, S, lm_crop);            // hull of the 68 points + forehead
 *   // or fs_mask_from_labels(fg, S, labels, lw, lh);  // BiSeNet classes not in {0,16,18}
 *   float *alpha = malloc(S * S * sizeof(float));
 *   fs_mask_paste_alpha(alpha, fg, S, &err);           // Full = dilate 50, erode 25, Gaussian σ 8 (at 1024)
 *
 * All radii are given at 1024² (STIT's crop size) and scaled by S/1024.
 */
#ifndef FS_FACE_MASK_H
#define FS_FACE_MASK_H

#include <stdint.h>

#include "core/err.h"
#include "face/track.h"

/* fg: (S, S), 1 inside the convex hull of the 68 landmarks plus the brows moved up by the
 * brow-to-nose-tip distance (forehead), else 0. lm in crop pixel indices. */
void fs_mask_from_landmarks(uint8_t *fg, int S, const float lm[FS_FACE_NUM_LANDMARKS][2]);
/* Forehead-extended hull polygon: writes up to 78 points into pts (x,y pairs); returns the count. */
int fs_mask_hull(const float lm[FS_FACE_NUM_LANDMARKS][2], float *pts);

/* fg: (S, S) from a label map (lw × lh class ids, nearest resampling): 1 where class ∉ {0, 16, 18}. */
void fs_mask_from_labels(uint8_t *fg, int S, const uint8_t *labels, int lw, int lh);

/* Square max (dilate) or min (erode) filter of radius r on an S×S binary map (non-zero = 1; output
 * 0/1), via a summed-area table. Outside pixels:
 * ignored for dilation, 0 for erosion (as cv2.erode with a constant 0 border). */
int fs_mask_dilate(uint8_t *out, const uint8_t *in, int S, int r, fs_err *err);
int fs_mask_erode(uint8_t *out, const uint8_t *in, int S, int r, fs_err *err);
/* Separable Gaussian blur (kernel radius r, sigma), reflect-101 border, of a float S×S map, in place. */
int fs_mask_blur(float *m, int S, int r, double sigma, fs_err *err);

/* The paste alpha (S×S floats in [0,1]): Full = dilate(fg, 50), then feather = erode(Full, 25) blurred
 * with a Gaussian of radius 25, sigma 8 (all at 1024, scaled by S/1024). feather = 0 gives the hard
 * Full mask. The support of alpha never leaves Full. */
int fs_mask_paste_alpha(float *alpha, const uint8_t *fg, int S, int feather, fs_err *err);
/* The same with STIT's knobs: Full = dilate(fg, dilation); feather radius r (0 = hard) erodes by r and
 * blurs with radius r, sigma 8·r/25 (both at 1024, scaled by S/1024). */
int fs_mask_paste_alpha_ex(float *alpha, const uint8_t *fg, int S, int dilation, int feather_radius, fs_err *err);

#endif
