#include "pipeline/edit/edit_dist.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Rank 0's view of the other ranks' items, for a progress line of the whole job: every
 * FS_EDIT_DIST_POLL_S at most, the todo frames not counted yet (rank 0 counts its own as it finishes
 * them) whose crop has appeared in the cache (ops->done: the crop file is there) are counted into prog. */
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

/* A unit of work: frames [i, i + n) of track k, all to do, n <= batch. */
typedef struct item {
    int k, i, n;
    int64_t f; /* index of the first frame over all tracks */
} item;

/* The todo frames cut into items (runs of consecutive frames of one track, at most ops->batch long), the
 * same list on every rank. NULL when out of memory. */
static item *make_items(const fs_edit_dist_ops *ops, const uint8_t *todo, int64_t n_todo, int64_t *n_items) {
    item *it = malloc(sizeof *it * (size_t)(n_todo > 0 ? n_todo : 1));
    if (!it) return NULL;
    int64_t m = 0, f = 0;
    for (int k = 0; k < ops->n_tracks; f += ops->track_len[k++])
        for (int i = 0; i < ops->track_len[k];) {
            if (!todo[f + i]) {
                i++;
                continue;
            }
            int n = 0;
            while (i + n < ops->track_len[k] && n < ops->batch && todo[f + i + n]) n++;
            it[m++] = (item){k, i, n, f + i};
            i += n;
        }
    *n_items = m;
    return it;
}

/* Work stealing: this rank claims the next item of the job-wide counter until none is left; w (rank 0,
 * several ranks) counts the frames of the items it ran, and between items the other ranks' frames. */
static int run_items(const fs_edit_dist_ops *ops, const uint8_t *todo, const item *it, int64_t n_items,
                     others_watch *w, fs_progress *prog, int64_t *mine, fs_err *err) {
    fs_dist_counter *ctr = NULL;
    if (fs_dist_counter_create(&ctr, err)) return FS_ERR;
    int rc = FS_OK;
    for (int64_t x; !rc && !(rc = fs_dist_counter_next(ctr, &x, err)) && x < n_items;) {
        if (fs_should_abort()) {
            rc = fs_errorf(err, "interrupted; the crops made so far are kept: rerun to resume");
            fs_dist_counter_stop(ctr);
            break;
        }
        if ((rc = ops->run(ops->user, it[x].k, it[x].i, it[x].n, err))) {
            fs_dist_counter_stop(ctr); /* the others stop claiming: the job fails at the next collective */
            break;
        }
        *mine += it[x].n;
        if (w->seen) memset(w->seen + it[x].f, 1, (size_t)it[x].n);
        fs_progress_step(prog, it[x].n, NULL);
        count_others(ops, todo, w, prog);
    }
    fs_dist_counter_destroy(ctr); /* collective: after every rank ran out of items (or failed) */
    return rc;
}

/* One line on rank 0: how many frames each rank stitched. */
static int report_ranks(int64_t mine, int64_t n, fs_err *err) {
    int size = fs_dist_size();
    double *per = calloc((size_t)size, sizeof *per);
    if (!per) return fs_errorf(err, "out of memory");
    per[fs_dist_rank()] = (double)mine;
    int rc = fs_dist_allreduce_f64(per, (size_t)size, FS_DIST_SUM, err);
    if (!rc && fs_dist_rank() == 0) {
        char line[512];
        int len = snprintf(line, sizeof line, "stitch: %lld frames over %d ranks, frames per rank:", (long long)n, size);
        for (int r = 0; r < size && len > 0 && (size_t)len < sizeof line - 24; r++)
            len += snprintf(line + len, sizeof line - (size_t)len, " %.0f", per[r]);
        fs_info("%s", line);
    }
    free(per);
    return rc;
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

int fs_edit_dist_stitch(const fs_edit_dist_ops *ops, fs_progress *prog, int64_t *computed, fs_err *err) {
    int64_t total = 0, n = 0, n_items = 0, mine = 0;
    for (int k = 0; k < ops->n_tracks; k++) total += ops->track_len[k];
    *computed = 0;
    uint8_t *todo = malloc(total > 0 ? (size_t)total : 1);
    item *it = NULL;
    int rc = todo ? FS_OK : fs_errorf(err, "out of memory");
    rc = fs_dist_agree(rc, err);
    if (!rc) rc = todo_list(ops, total, todo, err);
    for (int64_t f = 0; !rc && f < total; f++) n += todo[f];
    if (!rc && !(it = make_items(ops, todo, n, &n_items))) rc = fs_errorf(err, "out of memory");
    rc = fs_dist_agree(rc, err);
    if (!rc) {
        static char label[96];
        snprintf(label, sizeof label, "stitch (%d ranks)", fs_dist_size());
        others_watch w = {NULL, 0};
        /* rank 0 counts the whole job: its own items as it runs them, the others' as their crops appear */
        if (fs_dist_rank() == 0 && fs_dist_size() > 1 && (w.seen = malloc(total > 0 ? (size_t)total : 1)))
            for (int64_t f = 0; f < total; f++) w.seen[f] = !todo[f];
        fs_progress_begin(prog, label, n);
        w.last = fs_now_seconds();
        rc = run_items(ops, todo, it, n_items, &w, prog, &mine, err);
        if (!rc) fs_progress_end(prog);
        free(w.seen);
    }
    free(it);
    free(todo);
    rc = fs_dist_agree(rc, err);
    if (!rc) rc = fs_dist_agree(report_ranks(mine, n, err), err);
    if (!rc) *computed = n;
    return rc;
}
