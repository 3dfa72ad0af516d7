/* projector.h — optimisation-based inversion when no encoder is available
 * (docs/method.md §2.5, PTI's W projector, simplified): one W vector per image, broadcast to
 * every layer, optimised with Adam from w_avg to minimise L2 (+ LPIPS when given). */
#ifndef FS_PIPELINE_PROJECTOR_H
#define FS_PIPELINE_PROJECTOR_H

#include "core/err.h"
#include "models/lpips.h"
#include "models/stylegan2.h"

typedef struct fs_projector_opts {
    int steps;        /* 100 */
    float lr;         /* 0.01 (STIT config: 5e-3, 50 steps) */
    float l2_lambda;  /* 1 */
    float lpips_lambda; /* 1 */
} fs_projector_opts;

void fs_projector_opts_default(fs_projector_opts *o);

/* target (3, R, R) in [-1,1] -> ws (num_ws, w_dim). losses (steps+1) may be NULL: the loss before
 * every step and after the last. */
int fs_projector_run(const fs_sg2 *g, const fs_lpips *lp, const float *target, const fs_projector_opts *o, float *ws,
                 double *losses, fs_err *err);

#endif
