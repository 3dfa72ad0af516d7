/* columns.h — a video of labelled columns: N videos of one size side by side, frame by frame, each
 * under a white label on a black band (the strength sweep's grid; docs/stit.md). The output keeps
 * the first input's frame rate and timestamps and copies the audio of audio_from. Columns are
 * shrunk by a whole factor when together they would be wider than 2048 pixels. */
#ifndef FS_PIPELINE_COLUMNS_H
#define FS_PIPELINE_COLUMNS_H

#include "core/err.h"
#include "video/video.h"

#define FS_COLUMNS_MAX 32

int fs_columns_write(const char *const *inputs, const char *const *labels, int n, const char *audio_from,
                     const fs_video_writer_opts *wo, const char *out_path, fs_err *err);

#endif
