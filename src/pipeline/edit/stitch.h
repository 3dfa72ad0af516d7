/* stitch.h — stitching tuning of one frame (docs/method.md §5.3).
 *
 * A fresh copy of the PTI generator is tuned with Adam (lr 3e-4, 100 steps) so that its render
 * of the EDITED latent matches the ORIGINAL crop on the border region while keeping the edit
 * inside the face:   L = masked(y, crop, Border) + 0.01 · masked(y, edited, Content)
 * (masked MSE of pipeline/edit/masked_loss.h). When the border loss falls below `border_threshold`
 * the loop stops before stepping. The result is the last render, as in STIT, with one safety net:
 * when the loss turns non-finite (tuning stops there) or the last render's L is above the untuned
 * edit's, the render with the lowest L seen is returned instead, so a diverging optimisation never
 * leaves a frame worse than the untuned edit (STIT's black patches, issue #42).
 */
#ifndef FS_PIPELINE_STITCH_H
#define FS_PIPELINE_STITCH_H

#include "core/err.h"
#include "models/stylegan2.h"
#include "pipeline/edit/stitch_masks.h"

typedef struct fs_stitch_opts {
    int steps;               /* 100 */
    float lr;                /* 3e-4 */
    float content_lambda;    /* 0.01 */
    float border_threshold;  /* 0 = never stop early */
    int l1;                  /* STIT's --l1: masked L1 instead of masked MSE */
    fs_stitch_mask_opts masks; /* for fs_stitch_masks_create */
} fs_stitch_opts;

void fs_stitch_opts_default(fs_stitch_opts *o);

typedef struct fs_stitch_report {
    double border_before;    /* border loss of the untuned edit (the --no-stitch result) */
    double border_after;     /* border loss of the returned render */
    int steps_taken;
    int best_step;           /* the step whose render is returned (steps_taken normally; an earlier
                                one, 0 = the untuned edit, when the safety net caught a divergence) */
    int diverged;            /* 1 when the loss became non-finite and tuning stopped there */
} fs_stitch_report;

/* Reusable state for tuning many frames with one architecture (the per-frame copy, grads,
 * activations): create once, tune each frame. */
typedef struct fs_stitcher fs_stitcher;
int fs_stitcher_create(fs_stitcher **out, const fs_sg2 *g_pti, fs_err *err);
void fs_stitcher_destroy(fs_stitcher *s);

/* ws (num_ws, w_dim): the edited latent; crop, edited (3, R, R) in [-1,1]: the original crop and
 * the PTI generator's render of ws; out (3, R, R): the tuned render. */
int fs_stitcher_tune(fs_stitcher *s, const float *ws, const float *crop, const float *edited,
                     const fs_stitch_masks *m, const fs_stitch_opts *o, float *out, fs_stitch_report *rep,
                     fs_err *err);

/* The same for an S-space latent: styles[l] (C_in of layer l) fixed, every synthesis weight but the
 * affines tuned (as STIT's stitching of StyleCLIP edits). */
int fs_stitcher_tune_styles(fs_stitcher *s, const float *const *styles, const float *crop, const float *edited,
                            const fs_stitch_masks *m, const fs_stitch_opts *o, float *out, fs_stitch_report *rep,
                            fs_err *err);

#endif
