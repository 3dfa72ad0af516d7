/* edit.h — `facestitch edit`: latent edits, stitching tuning, composite (docs/method.md §4, §5).
 *
 * For every frame of every selected face track: w = pivot + Σ strength(t)/2 · direction (STIT's
 * convention; strengths from --edit keyframes, faded in/out over `fade_frames` at track ends that
 * are not the video's ends), render with the PTI generator, then (unless no_stitch) tune a fresh
 * copy of the generator on that frame so the border matches the original crop (pipeline/edit/stitch.h),
 * and paste the result back with the feathered mask while the video is re-encoded with its audio.
 * Frames stream through: memory does not grow with the video's length. Stitched crops are kept in
 * DIR/edits/KEY/tNNN/FFFFFF.png, KEY a hash of everything they depend on (generator, pivots,
 * tracks, edit, direction files, stitching options, parser), so a rerun of an interrupted edit
 * only computes the frames still missing; `rm -r DIR/edits` frees the space.
 */
#ifndef FS_PIPELINE_EDIT_H
#define FS_PIPELINE_EDIT_H

#include "core/err.h"
#include "pipeline/edit/edit_spec.h"
#include "pipeline/model_set.h"
#include "pipeline/params.h"
#include "pipeline/project/project.h"
#include "pipeline/edit/stitch.h"

typedef struct fs_edit_opts {
    fs_edit_spec spec;
    int no_stitch;
    fs_stitch_opts stitch;
    const char *preview_path;   /* contact sheet PNG (original | inversion | edit | stitched), or NULL */
    const char *side_by_side;   /* video of one face's aligned crops (face picks an id / the largest; all: the
                                   largest, box area summed over frames): original | inversion |
                                   naive edit | stitched, labelled, with the output's timing and audio */
    const char *frames_dir;     /* per-stage frames DIR/{inversion,naive,stitched,final}/FFFFFF.png
                                   (pipeline/edit/stages.h) */
    const char *hard_mask_path; /* also write the video pasted with the hard (unfeathered) mask, as STIT
                                   writes both; the stitched crops are reused, not tuned again */
    fs_face_pick face;          /* all (default), the largest or one track id */
    int fade_frames;            /* 5 */
    int freeze_fine_layers;     /* STIT's --freeze_fine_layers N: latent layers >= N take their mean over
                                   the track's frames (0 = off) */
    int stitch_batch;           /* frames tuned at the same time, each single-threaded (0: auto = the
                                   thread count for generators up to 256², else 1 = one frame at a time
                                   with multithreaded kernels). Results do not depend on it for N >= 2. */
    fs_composite_opts comp;     /* encoder and paste options */
    fs_params params;           /* the parameters these options came from: the FS_PC_KEY ones form the
                                   stitched-crop cache key (set them with fs_params_to_edit) */
} fs_edit_opts;

void fs_edit_opts_default(fs_edit_opts *o);

typedef struct fs_edit_report {
    int faces_edited;           /* crops replaced */
    int tracks_selected;
    double border_before_mean;  /* mean border loss of the untuned edits (the --no-stitch result) */
    double border_after_mean;   /* mean border loss after stitching tuning */
    int border_improved;        /* frames where stitching lowered the border loss */
    double border_worst_ratio;  /* max over frames of after/before */
    int stitch_kept_earlier;    /* frames where stitching diverged: an earlier step's render was kept */
    int stitch_diverged;        /* frames whose loss turned non-finite (tuning stopped there) */
    int stitch_reused;          /* frames whose stitched crop came from DIR/edits/KEY (earlier run) */
    long long occluder_pixels;  /* crop pixels kept from the source in front of the faces (keep_occluders) */
} fs_edit_report;

/* dir: an inverted project (fs_invert_run). */
int fs_edit_run(const char *dir, const fs_model_set *ms, const fs_edit_opts *o, const char *out_path,
                fs_edit_report *rep, fs_err *err);

/* The whole chain for one video: invert (align, pivots, PTI) into `dir` — or into a temporary project,
 * removed afterwards, when dir is NULL — then edit into out_path. ir/er may be NULL. */
struct fs_invert_opts;
struct fs_invert_report;
int fs_edit_video(const char *video, const char *dir, const fs_model_set *ms, const struct fs_invert_opts *io,
                  const fs_edit_opts *eo, const char *out_path, struct fs_invert_report *ir, fs_edit_report *er,
                  fs_err *err);

#endif
