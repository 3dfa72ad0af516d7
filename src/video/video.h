/* video.h — streaming video decode and encode (FFmpeg libav*), with audio passthrough.
 *
 * Decode any file the libraries read (or a directory of PNG/JPEG frames, or one PNG/JPEG photo with
 * its EXIF orientation applied) one frame at a time:
 *   fs_video_reader *r = NULL;
 *   if (fs_video_open("talk.mp4", NULL, &r, &err)) ...;
 *   const fs_video_info *vi = fs_video_reader_info(r);      // displayed size, fps, frames, audio
 *   fs_video_frame f;
 *   while (fs_video_next(r, &f, &err) == FS_OK && f.image) { ... f.image, f.pts, f.index ... }
 *   fs_video_close(r);                                      // f.image is valid until the next call
 *
 * Encode frames (H.264 yuv420p MP4 by default; PNG sequence when the output is a directory; one
 * PNG for OUT.png, e.g. a photo),
 * copying the source's audio stream packet by packet:
 *   fs_video_writer_opts o; fs_video_writer_opts_default(&o);
 *   o.audio_from = "talk.mp4";                              // NULL: no audio
 *   fs_video_writer *w = NULL;
 *   fs_video_writer_open("out.mp4", vi, &o, &w, &err);
 *   fs_video_write(w, image, f.pts, &err) ...;             // same pts as the source frame
 *   fs_video_writer_close(w, &err);                         // renames into place; on error/abort
 *                                                           //   nothing is left at the output path
 * Frames stream through: memory use does not depend on the video length.
 */
#ifndef FS_VIDEO_VIDEO_H
#define FS_VIDEO_VIDEO_H

#include <stdint.h>

#include "core/err.h"
#include "image/image.h"

typedef struct fs_video_info {
    int width, height;          /* displayed size (rotation metadata applied) */
    double fps;                 /* average frame rate */
    int fps_num, fps_den;       /* the same as a rational */
    int64_t frames;             /* frame count (from the container, else counted by demuxing) */
    double duration;            /* seconds (container; else frames / fps) */
    int tb_num, tb_den;         /* time base of the pts values */
    int rotation;               /* degrees clockwise applied to the stored frames: 0, 90, 180, 270 */
    int has_audio;              /* an audio stream exists */
    double audio_duration;      /* seconds of audio (0 when none) */
    char video_codec[32];
    char audio_codec[32];
    int is_image_dir;           /* input was a directory of images (or one photo) */
    int colorspace, color_primaries, color_trc;  /* AVColor* values of the source (0/2 = unspecified) */
} fs_video_info;

typedef struct fs_video_frame {
    fs_image *image;            /* owned by the reader; valid until the next fs_video_next */
    int64_t pts;                /* in info.tb_num/tb_den units */
    double time;                /* seconds */
    int64_t index;              /* 0-based, decode (presentation) order */
} fs_video_frame;

typedef struct fs_video_open_opts {
    int count_frames;           /* 1: count frames by demuxing when the container does not say (default 1) */
    double dir_fps;             /* fps for a directory of images (default 25) */
    int64_t max_frames;         /* stop after this many frames (0 = all) */
} fs_video_open_opts;

typedef struct fs_video_reader fs_video_reader;

void fs_video_open_opts_default(fs_video_open_opts *o);
int fs_video_open(const char *path, const fs_video_open_opts *o, fs_video_reader **out, fs_err *err);
const fs_video_info *fs_video_reader_info(const fs_video_reader *r);
/* Next frame into *f; at the end of the stream returns FS_OK with f->image == NULL.
 * A decoding failure (corrupt or truncated file) returns FS_ERR naming the file. */
int fs_video_next(fs_video_reader *r, fs_video_frame *f, fs_err *err);
void fs_video_close(fs_video_reader *r);

/* Only the header: fills *info (same as fs_video_open + info + close). */
int fs_video_probe(const char *path, fs_video_info *info, fs_err *err);

/* Audio: decodes the audio stream of path and reports its playable duration (decoded samples /
 * sample rate, encoder priming removed) and its number of packets. No audio: 0, 0. */
int fs_video_audio_duration(const char *path, double *seconds, int64_t *packets, fs_err *err);

typedef struct fs_video_writer_opts {
    const char *codec;          /* encoder name or "h264" (default: libx264) */
    int crf;                    /* 0..51, default 18; 0 = lossless (H.264 RGB 4:4:4, bit-exact frames) */
    const char *preset;         /* x264 preset, default "medium" */
    const char *audio_from;     /* copy the audio stream of this file (NULL: no audio) */
    int png_dir;                /* 1: write a PNG sequence into the output directory (auto for a path
                                   ending in '/' or without an extension) */
    double audio_until;         /* > 0: copy only audio packets starting before this time (seconds),
                                   e.g. when only the first frames of the source are written */
} fs_video_writer_opts;

typedef struct fs_video_writer fs_video_writer;

void fs_video_writer_opts_default(fs_video_writer_opts *o);
/* src: the source's info (size, fps, time base). */
int fs_video_writer_open(const char *path, const fs_video_info *src, const fs_video_writer_opts *o,
                         fs_video_writer **out, fs_err *err);
/* Checks, without writing anything, that fs_video_writer_open(path, ..., o) can succeed as far as
 * the path goes (known format and encoder, writable directory, PNG directory empty): long jobs call
 * it before their work so a bad -o fails at once. o may be NULL (defaults). */
int fs_video_writer_check(const char *path, const fs_video_writer_opts *o, fs_err *err);
/* pts in src->tb units; must increase. The image must have the source's displayed size. */
int fs_video_write(fs_video_writer *w, const fs_image *im, int64_t pts, fs_err *err);
/* Flushes, copies the remaining audio, writes the trailer and renames into place. Frees w. */
int fs_video_writer_close(fs_video_writer *w, fs_err *err);
/* Drops everything written (no output file). Frees w. */
void fs_video_writer_abort(fs_video_writer *w);

/* Frame files of a directory, sorted (png/jpg/jpeg, case-insensitive). *names: malloc'ed array of
 * malloc'ed full paths. */
int fs_list_image_dir(const char *dir, char ***names, int *count, fs_err *err);
void fs_free_names(char **names, int count);

#endif
