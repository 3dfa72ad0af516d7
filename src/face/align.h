/* align.h — FFHQ-style face alignment exactly as STIT (docs/method.md §1.3–1.6).
 *
 *   fs_align_params p;
 *   fs_align_from_landmarks(lm, 1.0, &p);             // c, x, y of one frame (§1.3)
 *   ... for a track: fs_align_track(obs, n, 1.0, 3.0, &tr, &err) interpolates gaps and smooths
 *   double quad[4][2]; fs_align_quad(&p, quad);        // TL, BL, BR, TR in frame pixel coordinates
 *   double k[8]; fs_align_coeffs(quad, 1024, k);       // frame -> crop projective map (§1.6)
 *   fs_align_crop(frame, quad, crop, 1);               // bilinear crop (antialiased when minifying)
 *
 * Conventions: landmark/quad coordinates are pixel indices (pixel i's centre is at i). The crop
 * follows PIL's QUAD transform of (quad + 0.5): output pixel (X, Y) samples the frame at
 * TL + (TR−TL)·u + (BL−TL)·v + (BR−BL−TR+TL)·u·v with u = (X+0.5)/S, v = (Y+0.5)/S, bilinear with
 * clamp-to-edge inside the frame and black outside it; values are rounded to nearest (Pillow's
 * Geometry.c truncates, a −0.5-level bias we do not copy). The projective coefficients map continuous
 * frame coordinates (pixel index + 0.5) to continuous crop coordinates:
 *   X = (k0 x + k1 y + k2)/(k6 x + k7 y + 1),  Y = (k3 x + k4 y + k5)/(k6 x + k7 y + 1).
 */
#ifndef FS_FACE_ALIGN_H
#define FS_FACE_ALIGN_H

#include "core/err.h"
#include "face/track.h"
#include "image/image.h"

typedef struct fs_align_params {
    double c[2], x[2], y[2];
} fs_align_params;

/* §1.3 for one frame; scale = STIT's --scale (1.0). */
void fs_align_from_landmarks(const float lm[FS_FACE_NUM_LANDMARKS][2], double scale, fs_align_params *out);
/* quad = [c−x−y, c−x+y, c+x+y, c+x−y] (top-left, bottom-left, bottom-right, top-right). */
void fs_align_quad(const fs_align_params *p, double quad[4][2]);

/* scipy.ndimage.gaussian_filter1d(in, sigma, mode='reflect', truncate=4.0) over n samples taken
 * every `stride` doubles; out may equal in. sigma <= 0 copies. */
int fs_gaussian_filter1d(double *out, const double *in, int n, int stride, double sigma, fs_err *err);
/* Smooths c with sigma_c and x, y with sigma_xy along the n frames (§1.4). */
int fs_align_smooth(fs_align_params *p, int n, double sigma_c, double sigma_xy, fs_err *err);

/* A track's per-frame alignment over frames [first, first+n): observed frames give c, x, y; frames
 * missing inside the track are linearly interpolated; then smoothed. */
typedef struct fs_align_track_out {
    int first, n;
    fs_align_params *raw;       /* (n) before smoothing */
    fs_align_params *smooth;    /* (n) after smoothing */
    unsigned char *observed;    /* (n) 1 where the tracker had an observation */
} fs_align_track_out;

int fs_align_track(const fs_face_obs *obs, int count, double sigma_c, double sigma_xy, fs_align_track_out *out,
                   fs_err *err);
void fs_align_track_free(fs_align_track_out *t);

/* Projective frame->crop coefficients for a crop of size S (calc_alignment_coefficients of STIT). */
int fs_align_coeffs(const double quad[4][2], int size, double k[8]);
void fs_align_apply(const double k[8], double x, double y, double *X, double *Y);
/* Landmarks (frame pixel indices) to crop pixel indices. */
void fs_align_landmarks_to_crop(const double k[8], const float lm[FS_FACE_NUM_LANDMARKS][2],
                                float out[FS_FACE_NUM_LANDMARKS][2]);

/* Cuts the crop (crop->w == crop->h == S). antialias: when the quad side exceeds S, averages
 * ceil(side/S)² bilinear samples per output pixel (design improvement; STIT: plain bilinear). */
void fs_align_crop(const fs_image *frame, const double quad[4][2], fs_image *crop, int antialias);

#endif
