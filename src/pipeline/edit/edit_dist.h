/* edit_dist.h — the stitching of one edit dealt over the ranks of an MPI job (src/dist/dist.h).
 *
 * Rank 0 lists the frames still to compute (those without a stitched crop in DIR/edits/KEY) and
 * broadcasts the list, cut into items of at most `batch` consecutive frames of a track; the ranks
 * claim the items one at a time from a job-wide counter (work stealing, fs_dist_counter: a frame that
 * --border-threshold stops early frees its rank for the next) and write the crops to DIR/edits/KEY
 * (atomically). After the
 * pass every crop is on disk, so rank 0 composites as one process would, and a job killed midway
 * resumes with any number of ranks. One rank: nothing to do here (the edit streams as before).
 */
#ifndef FS_PIPELINE_EDIT_DIST_H
#define FS_PIPELINE_EDIT_DIST_H

#include <stdint.h>

#include "core/err.h"
#include "core/log.h"
#include "pipeline/edit/edit.h"

typedef struct fs_edit_dist_ops {
    int n_tracks;
    const int *track_len; /* frames per track (0: a track that is not edited) */
    int batch;            /* at most this many frames per call of run */
    /* nothing to compute for frame i of track k (its crop is there, or rank 0 makes it later) */
    int (*done)(void *user, int k, int i);
    /* computes frames [i, i+n) of track k and writes their crops */
    int (*run)(void *user, int k, int i, int n, fs_err *err);
    void *user;
} fs_edit_dist_ops;

/* Collective. *computed = frames computed by all ranks together. prog is begun on rank 0 with every
 * frame of the job (the other ranks' counted as their crops appear); at the end rank 0 logs the frames
 * each rank stitched. Fails on every rank when one rank fails. */
int fs_edit_dist_stitch(const fs_edit_dist_ops *ops, fs_progress *prog, int64_t *computed, fs_err *err);

/* Collective, after fs_edit_dist_stitch: the stitching figures of every rank summed into each rank's
 * report (worst ratio: the max), and the report prepared for rank 0's composite, which counts every
 * face and takes the `computed` crops of this job from the cache. */
int fs_edit_dist_report(fs_edit_report *r, double *border_before_sum, double *border_after_sum, int *n_stitched,
                        int64_t computed, fs_err *err);

#endif
