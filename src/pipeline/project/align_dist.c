/* align_dist.c — `align` over the ranks of an MPI job: pass 1 on rank 0, pass 2 split by frame range.
 *
 * Pass 1 stays on one rank because the tracker (face/track.h) is sequential: each frame's landmarks
 * start from the previous frame's, and the full-detection schedule depends on which tracks were lost.
 * Splitting it by range would change the tracks; docs/mpi.md says why and what would be needed.
 * Pass 2 is a pure function of (frame, stored quad), so ranks cut disjoint frame ranges and the crops
 * are the bytes one process writes. A killed rank leaves only whole crops (atomic writes); a rerun with
 * any number of ranks cuts the missing ones. */
#include "pipeline/project/project.h"

#include "dist/dist.h"

static int cut_my_range(const char *dir, const fs_project_align_opts *o, fs_err *err) {
    fs_project *p = NULL;
    if (fs_project_open(dir, &p, err)) return FS_ERR;
    int rc = FS_OK;
    if (!p->tracks) rc = fs_errorf(err, "%s: no tracks.json after pass 1", dir);
    if (!rc) {
        int64_t from, until;
        fs_dist_share(p->tracks->frames, fs_dist_rank(), fs_dist_size(), &from, &until);
        if (until > from) rc = fs_project_cut_crops(p, p->source, o->force, from, until, err);
    }
    fs_project_close(p);
    return rc;
}

int fs_project_align_ranks(const char *video, const char *dir, const fs_project_align_opts *o, fs_err *err) {
    if (fs_dist_size() == 1) return fs_project_align(video, dir, o, err);
    fs_project_align_opts pass1 = *o;
    pass1.tracks_only = 1;
    pass1.debug_video = NULL;
    if (fs_dist_agree(fs_dist_rank() == 0 ? fs_project_align(video, dir, &pass1, err) : FS_OK, err)) return FS_ERR;
    if (fs_dist_agree(cut_my_range(dir, o, err), err)) return FS_ERR;
    /* every crop is there: rank 0's align finds nothing to cut, writes the debug video and marks the stage done */
    fs_project_align_opts last = *o;
    last.force = 0;
    return fs_dist_agree(fs_dist_rank() == 0 ? fs_project_align(video, dir, &last, err) : FS_OK, err);
}
