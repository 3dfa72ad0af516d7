/* align_dist.c — `align` over the ranks of an MPI job: pass 1 split by chunks, pass 2 split by frame range.
 *
 * Pass 1 is tracked in chunks of `track_chunk` frames (tracklets.h): the chunks are dealt to the ranks in
 * contiguous runs, each rank decodes up to the end of its run and stores the tracklets of its chunks in
 * DIR/tracklets; rank 0 then joins them in chunk order, as one process joins the chunks it tracked itself,
 * so the tracks do not depend on the number of ranks. The last rank with chunks goes on to the end of the
 * video (the frame count in the manifest may be an estimate).
 * Pass 2 is a pure function of (frame, stored quad), so ranks cut disjoint frame ranges and the crops
 * are the bytes one process writes. A killed rank leaves only whole chunk files and crops (atomic
 * writes); a rerun with any number of ranks makes the missing ones. */
#include "pipeline/project/project.h"

#include "dist/dist.h"

/* This rank's chunks of pass 1 (nothing when the project has tracks already, or tracks are given). */
static int track_my_chunks(const char *dir, const fs_project_align_opts *o, fs_err *err) {
    if (o->tracks_json) return FS_OK;
    fs_project *p = NULL;
    if (fs_project_open(dir, &p, err)) return FS_ERR;
    int rc = FS_OK;
    if (!p->tracks) {
        int64_t K = p->settings.track_chunk, frames = p->info.frames;
        int64_t n = K && frames > 0 ? (frames + K - 1) / K : 1, c0, c1;
        fs_dist_share(n, fs_dist_rank(), fs_dist_size(), &c0, &c1);
        if (c1 > c0) rc = fs_project_track_chunks(p->source, &p->settings, dir, c0, c1 == n ? -1 : c1, err);
    }
    fs_project_close(p);
    return rc;
}

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
    fs_project_align_opts setup = *o;
    setup.setup_only = 1;
    if (fs_dist_agree(fs_dist_rank() == 0 ? fs_project_align(video, dir, &setup, err) : FS_OK, err)) return FS_ERR;
    if (fs_dist_agree(track_my_chunks(dir, o, err), err)) return FS_ERR;
    /* every chunk is stored: rank 0 joins them (no decoding) and writes tracks.json */
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
