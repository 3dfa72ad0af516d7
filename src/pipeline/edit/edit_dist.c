#include "pipeline/edit/edit_dist.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/log.h"
#include "dist/dist.h"

/* Rank 0's list of frames to compute, one byte per frame of every track, on every rank. */
static int todo_list(const fs_edit_dist_ops *ops, int64_t total, uint8_t *todo, fs_err *err) {
    if (fs_dist_rank() == 0) {
        int64_t f = 0;
        for (int k = 0; k < ops->n_tracks; k++)
            for (int i = 0; i < ops->track_len[k]; i++) todo[f++] = !ops->done(ops->user, k, i);
    }
    return fs_dist_broadcast(todo, (size_t)total, 0, err);
}

/* Rank 0's view of the other ranks' shares, for a progress line of the whole job: every
 * FS_EDIT_DIST_POLL_S at most, the todo frames outside [begin, end) whose crop has appeared in the
 * cache (ops->done: the crop file is there) are counted into prog. */
#define FS_EDIT_DIST_POLL_S 2.0
typedef struct others_watch {
    uint8_t *seen; /* per todo frame: counted already (or rank 0's own) */
    double last;
} others_watch;

static void count_others(const fs_edit_dist_ops *ops, const uint8_t *todo, others_watch *w, fs_progress *prog) {
    if (!w->seen || fs_now_seconds() - w->last < FS_EDIT_DIST_POLL_S) return;
    int64_t f = 0, appeared = 0;
    for (int k = 0; k < ops->n_tracks; k++)
        for (int i = 0; i < ops->track_len[k]; i++, f++)
            if (todo[f] && !w->seen[f] && ops->done(ops->user, k, i)) w->seen[f] = 1, appeared++;
    if (appeared) fs_progress_step(prog, appeared, "all ranks");
    w->last = fs_now_seconds();
}

/* This rank's share [begin, end) of the todo frames, in runs of consecutive frames of one track;
 * w (rank 0, several ranks) counts the other ranks' frames into prog between runs. */
static int run_share(const fs_edit_dist_ops *ops, const uint8_t *todo, int64_t begin, int64_t end, others_watch *w,
                     fs_progress *prog, fs_err *err) {
    int64_t f = 0, nth = 0; /* frame index over all tracks, index among the todo frames */
    for (int k = 0; k < ops->n_tracks; k++) {
        int i = 0;
        while (i < ops->track_len[k]) {
            if (!todo[f + i] || nth < begin || nth >= end) {
                nth += todo[f + i];
                i++;
                continue;
            }
            int n = 0;
            while (i + n < ops->track_len[k] && n < ops->batch && todo[f + i + n] && nth + n < end) n++;
            if (fs_should_abort()) return fs_errorf(err, "interrupted; the crops made so far are kept: rerun to resume");
            if (ops->run(ops->user, k, i, n, err)) return FS_ERR;
            count_others(ops, todo, w, prog);
            nth += n;
            i += n;
        }
        f += ops->track_len[k];
    }
    return FS_OK;
}

int fs_edit_dist_report(fs_edit_report *r, double *border_before_sum, double *border_after_sum, int *n_stitched,
                        int64_t computed, fs_err *err) {
    double sum[6] = {*border_before_sum, *border_after_sum, *n_stitched, r->border_improved, r->stitch_kept_earlier,
                     r->stitch_diverged}, worst = r->border_worst_ratio;
    if (fs_dist_allreduce_f64(sum, 6, FS_DIST_SUM, err) || fs_dist_allreduce_f64(&worst, 1, FS_DIST_MAX, err))
        return FS_ERR;
    *border_before_sum = sum[0], *border_after_sum = sum[1], *n_stitched = (int)sum[2];
    r->border_improved = (int)sum[3], r->stitch_kept_earlier = (int)sum[4], r->stitch_diverged = (int)sum[5];
    r->border_worst_ratio = worst;
    r->faces_edited = 0;               /* the composite counts every face */
    r->stitch_reused = -(int)computed; /* and takes this job's crops from the cache */
    return FS_OK;
}

/* 1 for the todo frames of [begin, end) (counted by the stitching itself) and for frames not to do;
 * NULL when out of memory (then no whole-job count: the progress line shows rank 0's share). */
static uint8_t *own_frames(const uint8_t *todo, int64_t total, int64_t begin, int64_t end) {
    uint8_t *seen = malloc(total > 0 ? (size_t)total : 1);
    if (!seen) return NULL;
    for (int64_t f = 0, nth = 0; f < total; f++) {
        seen[f] = !todo[f] || (nth >= begin && nth < end);
        nth += todo[f];
    }
    return seen;
}

int fs_edit_dist_stitch(const fs_edit_dist_ops *ops, fs_progress *prog, int64_t *computed, fs_err *err) {
    int64_t total = 0, n = 0, begin, end;
    for (int k = 0; k < ops->n_tracks; k++) total += ops->track_len[k];
    *computed = 0;
    uint8_t *todo = malloc(total > 0 ? (size_t)total : 1);
    int rc = todo ? FS_OK : fs_errorf(err, "out of memory");
    rc = fs_dist_agree(rc, err);
    if (!rc) rc = todo_list(ops, total, todo, err);
    if (!rc) {
        for (int64_t f = 0; f < total; f++) n += todo[f];
        fs_dist_share(n, fs_dist_rank(), fs_dist_size(), &begin, &end);
        static char label[96];
        snprintf(label, sizeof label, "stitch (%d ranks; rank 0 does %lld of %lld frames)", fs_dist_size(),
                 (long long)(end - begin), (long long)n);
        others_watch w = {NULL, 0};
        if (fs_dist_rank() == 0 && fs_dist_size() > 1) w.seen = own_frames(todo, total, begin, end);
        fs_progress_begin(prog, label, w.seen ? n : end - begin); /* rank 0: the whole job's frames */
        w.last = fs_now_seconds();
        rc = run_share(ops, todo, begin, end, &w, prog, err);
        if (!rc) fs_progress_end(prog);
        free(w.seen);
    }
    free(todo);
    rc = fs_dist_agree(rc, err);
    if (!rc) *computed = n;
    return rc;
}
