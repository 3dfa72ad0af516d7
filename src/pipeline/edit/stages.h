/* stages.h — the per-stage images of an edit (STIT's --output_frames and its side-by-side video):
 *   DIR/inversion/FFFFFF.png   the PTI generator's render of the pivot (aligned crop)
 *   DIR/naive/FFFFFF.png       the edited render before stitching tuning
 *   DIR/stitched/FFFFFF.png    after stitching tuning (the crop that is pasted)
 *   DIR/final/FFFFFF.png       the output frame
 * FFFFFF: the source frame index. Crops are of one face track (the first edited one). */
#ifndef FS_PIPELINE_STAGES_H
#define FS_PIPELINE_STAGES_H

#include "core/err.h"
#include "pipeline/project/project.h"
#include "video/video.h"

/* Saves img (3, S, S) in [-1, 1] as DIR/stage/FFFFFF.png. */
int fs_stages_save(const char *dir, const char *stage, int frame, const float *img, int S, fs_err *err);
/* DIR/final/FFFFFF.png for every frame of the video at path. */
int fs_stages_save_final(const char *video, const char *dir, fs_err *err);
/* The side-by-side video of track `track_id`: columns original crop | inversion | naive edit | stitched,
 * each labelled, one frame per frame of `edited` (the edit's output: its timestamps and audio are
 * kept); frames where the face is absent are black. */
int fs_stages_side_by_side(const fs_project *p, int track_id, const char *dir, const char *edited,
                           const fs_video_writer_opts *wo, const char *out_path, fs_err *err);

#endif
