/* pti_dist.h — PTI data-parallel over the ranks of an MPI job (src/dist/dist.h).
 *
 * Every rank holds the whole generator and Adam state. Each mini-batch of the global batch is
 * split across the ranks (rank r renders its contiguous share of the batch's frames), the loss is
 * normalised by the global batch size, and the gradients are summed over the ranks in a fixed order
 * (fs_dist_allreduce_sum_f32) before the Adam step: every rank takes the same step and ends with
 * the same generator, which equals one process's within float rounding (the batch's frames are
 * summed in another order). One rank: the calls below change nothing.
 */
#ifndef FS_PIPELINE_PTI_DIST_H
#define FS_PIPELINE_PTI_DIST_H

#include "core/err.h"
#include "models/stylegan2.h"

/* A batch of one frame (STIT's schedule) cannot be split: rank 0 tunes alone, as one process, and
 * the other ranks receive its generator at the end (one broadcast instead of a gradient sum per
 * step). fs_pti_dist_solo_begin returns 1 when that is the case (and the calls below then act as
 * one process); fs_pti_dist_solo_end (every rank) shares rank 0's status, generator and report. */
int fs_pti_dist_solo_begin(int B);
int fs_pti_dist_solo_end(int rc, fs_sg2 *g, void *report, size_t report_size, fs_err *err);

/* Frames per rank at most, for a global batch of B. */
int fs_pti_dist_local_batch(int B);
/* This rank's share [*lfirst, *lfirst + *lb) of the mini-batch [first, first + b). */
void fs_pti_dist_share(int first, int b, int *lfirst, int *lb);
/* Sums the gradients and the batch loss over the ranks (collective; no-op with one rank). */
int fs_pti_dist_reduce(fs_sg2_grads *gr, double *loss, fs_err *err);
/* Collective fs_should_abort(): every rank stops at the same update. */
int fs_pti_dist_should_stop(void);

#endif
