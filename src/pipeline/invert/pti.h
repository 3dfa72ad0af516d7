/* pti.h — pivotal tuning over a whole clip (docs/method.md §2.4).
 *
 * The generator's synthesis parameters (conv weights, biases, affines, noise strengths, the
 * const) are tuned with Adam so that G(pivot_i) reproduces crop_i for every frame i:
 *   L_i = l2_lambda · MSE(G(w_i), crop_i) + lpips_lambda · LPIPS_alex(G(w_i), crop_i)
 * STIT's schedule: batch 1, one Adam step per frame, frames in order, `passes` passes
 * (STIT's --num_pti_steps, default 80), lr 3e-5, betas (0.9, 0.999), eps 1e-8.
 * Mini-batches (batch > 1) average the loss over the batch (one step per batch).
 *
 * Resumable: with a checkpoint dir, the generator, the Adam state and the position are
 * saved every `checkpoint_every` updates (and every `checkpoint_seconds`), and a later run
 * with the same inputs continues from the newest checkpoint and ends exactly where an
 * uninterrupted run ends (same thread count: bit-identical).
 */
#ifndef FS_PIPELINE_PTI_H
#define FS_PIPELINE_PTI_H

#include "core/err.h"
#include "models/lpips.h"
#include "models/stylegan2.h"

/* Fills out (3, R, R) in [-1, 1] with crop `index`. */
typedef int (*fs_crop_fn)(void *user, int index, float *out, fs_err *err);

typedef struct fs_pti_opts {
    int passes;              /* passes over all frames (default 80) */
    int batch;               /* frames per step (default 1, as STIT) */
    float lr;                /* 3e-5 */
    float l2_lambda;         /* 10 */
    float beta1;             /* Adam's beta1 (0.9) */
    float lpips_lambda;      /* 1 (ignored without an LPIPS model) */
    const char *checkpoint_dir; /* NULL: no checkpoints, no resume */
    int checkpoint_every;    /* updates between checkpoints (0: only by time) */
    double checkpoint_seconds; /* seconds between checkpoints (default 180) */
    int stop_after;          /* testing aid: return FS_ERR after this many updates in this run (0: off) */
    int locality;            /* STIT's optional locality regulariser (§2.4): every step, a latent 30 away
                                from the pivot towards a random truncated (psi 0.5) w must render as the
                                untuned generator renders it: + 0.1·MSE + 0.1·LPIPS, noise 'none' */
    uint32_t locality_seed;  /* z of update u comes from seed + u (resume-safe) */
} fs_pti_opts;

void fs_pti_opts_default(fs_pti_opts *o);

typedef struct fs_pti_report {
    double loss_first_pass;  /* mean per-frame loss during the first pass (before most updates) */
    double loss_last_pass;   /* mean per-frame loss during the last pass */
    long updates;            /* Adam steps taken in total (including resumed ones) */
    int resumed_from;        /* update count the run resumed from (0: fresh) */
} fs_pti_report;

/* Tunes g in place. pivots: (n, num_ws, w_dim). lpips may be NULL (L2 only). */
int fs_pti_run(fs_sg2 *g, const float *pivots, int n, fs_crop_fn get_crop, void *user, const fs_lpips *lpips,
               const fs_pti_opts *o, fs_pti_report *rep, fs_err *err);

/* Mean reconstruction loss (same L as training) of g over all n frames, no update. */
int fs_pti_eval(const fs_sg2 *g, const float *pivots, int n, fs_crop_fn get_crop, void *user,
                const fs_lpips *lpips, const fs_pti_opts *o, double *mean_loss, fs_err *err);

#endif
