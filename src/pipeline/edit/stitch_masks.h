/* stitch_masks.h — the three soft masks of stitching tuning (docs/method.md §5.2).
 *
 * From a binary foreground F (BiSeNet classes not in {0 background, 16 cloth, 18 hat},
 * or the landmark hull) on a grid of g×g pixels (STIT: 512 for a 1024 crop):
 *   T       = F
 *   Edge    = pixels within b of any grid edge          (b = 25 at g = 512)
 *   Full    = dilate(T, (2b+1)² square)                  (51×51 at g = 512)
 *   Ring    = Full − T
 *   Border  = clip(max(min(Edge, T), Ring), 0, 1)
 *   Content = clip(F − Border, 0, 1)
 * then Content, Border and Full are resized to the crop resolution bilinearly with
 * align_corners = True (soft 0..1 weights). b scales with g: b = round(25·g/512), at least 1.
 */
#ifndef FS_PIPELINE_STITCH_MASKS_H
#define FS_PIPELINE_STITCH_MASKS_H

#include <stdint.h>

#include "core/err.h"

/* STIT's mask knobs, in pixels of a 1024 crop (halved on the 512 grid, scaled for other sizes). */
typedef struct fs_stitch_mask_opts {
    int outer;               /* --outer_mask_dilation: border ring width and edge band (50) */
    int inner;               /* --inner_mask_dilation: T = F dilated by this (0) */
    int whole_image_border;  /* Ring = 1 − T instead of Full − T */
} fs_stitch_mask_opts;

typedef struct fs_stitch_masks {
    int res;          /* crop resolution */
    float *border;    /* (res, res) */
    float *content;   /* (res, res) */
    float *full;      /* (res, res) */
} fs_stitch_masks;

/* fg: (g, g) bytes, non-zero = foreground. Returns masks at `res` (caller frees with _destroy).
 * o NULL: STIT's defaults (outer 50, inner 0, ring border). */
int fs_stitch_masks_create(const uint8_t *fg, int g, int res, const fs_stitch_mask_opts *o, fs_stitch_masks **out,
                           fs_err *err);
void fs_stitch_masks_destroy(fs_stitch_masks *m);

#endif
