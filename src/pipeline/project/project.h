/* project.h — the project directory shared by align / invert / edit / composite (docs/design.md §4),
 * face tracks with their smoothed quads, and the two video passes around the crops.
 *
 * Layout of DIR:
 *   manifest.json          source (path, size, sha256 of the first MB, fps, frames, size), settings,
 *                          stage status ("stages": {"align": "done", ...})
 *   tracks.json            {"frames","fps","width","height","size","tracks":[{"id","frames":[{"frame",
 *                          "box","landmarks","quad","coeffs","observed"}]}]}  (quad: smoothed, TL BL BR TR;
 *                          coeffs: frame->crop projective map for the crop size)
 *   crops/tNNN/FFFFFF.png  aligned crop of track NNN at frame FFFFFF (size × size)
 *   masks/tNNN/FFFFFF.png  optional face-parsing label map per crop (class ids; used by composite)
 *
 *   fs_project *p = NULL;
 *   fs_project_open("talk.fs", &p, &err);          // reads manifest + tracks, refuses a changed source
 *   fs_project_composite(p, NULL, "out.mp4", &copts, &err);
 *   fs_project_close(p);
 */
#ifndef FS_PIPELINE_PROJECT_H
#define FS_PIPELINE_PROJECT_H

#include <stdint.h>

#include "core/path.h"
#include "core/err.h"
#include "face/track.h"
#include "image/image.h"
#include "video/video.h"

/* ---- tracks with alignment ---- */

typedef struct fs_aligned_track {
    int id;
    int first, n;                          /* frames [first, first+n) */
    float (*box)[4];                       /* (n) x0 y0 x1 y1 */
    float (*lm)[FS_FACE_NUM_LANDMARKS][2]; /* (n) observed, or interpolated where observed[i] == 0 */
    unsigned char *observed;               /* (n) */
    double (*quad)[4][2];                  /* (n) smoothed quads: TL, BL, BR, TR */
    double (*coeffs)[8];                   /* (n) frame -> crop map for a crop of `size` */
} fs_aligned_track;

typedef struct fs_aligned_tracks {
    int frames;             /* frames decoded */
    double fps;
    int width, height;      /* displayed frame size */
    int size;               /* crop size the coeffs are for */
    int count;
    fs_aligned_track *t;
} fs_aligned_tracks;

/* A window of the video: "FROM:TO", each end a time "2.5s" or a frame "f75", TO exclusive, either
 * end may be empty (open). Parsed once (select.c); resolved to frames with the video's fps. */
typedef struct fs_frame_range {
    int set;                              /* 0: every frame */
    double from, to;                      /* seconds, or frame numbers where *_frame */
    unsigned char from_frame, to_frame;   /* 1: that end is a frame number */
    unsigned char from_open, to_open;     /* 1: that end is open */
} fs_frame_range;

/* "" or NULL = unset. Errors name the text only (the caller adds the option's name). */
int fs_frame_range_parse(const char *text, fs_frame_range *r, fs_err *err);
/* Frames [from, to) at fps (to = INT64_MAX when open); an empty window is an error. */
int fs_frame_range_frames(const fs_frame_range *r, double fps, int64_t *from, int64_t *to, fs_err *err);
/* The canonical text ("" when unset); parse(format(r)) == r. */
void fs_frame_range_format(const fs_frame_range *r, char *buf, size_t n);
int fs_frame_range_equal(const fs_frame_range *a, const fs_frame_range *b);

/* Which faces a run works on: all, the largest (box area summed over its frames) or one track id. */
enum { FS_FACE_ALL = 0, FS_FACE_LARGEST, FS_FACE_ID };
typedef struct fs_face_pick {
    int kind;
    int id;                               /* FS_FACE_ID */
} fs_face_pick;
int fs_face_pick_parse(const char *text, fs_face_pick *f, fs_err *err); /* NULL = all */
void fs_face_pick_format(const fs_face_pick *f, char *buf, size_t n);

typedef struct fs_project_settings {
    int size;               /* crop size (STIT: 1024) */
    double center_sigma;    /* 1.0 */
    double xy_sigma;        /* 3.0 */
    int antialias;          /* 1 */
    int64_t max_frames;     /* 0 = all */
    fs_frame_range range;   /* unset = every frame; else faces are found (and so edited) only in
                               this window, the rest of the video is copied */
    char detector[32];      /* "ssd" | "haar" (resolved; "auto" only before fs_params_to_settings) */
    char landmarks[32];    /* "dlib" | "cnn" */
    int64_t track_chunk;    /* pass 1 is tracked in chunks of this many frames (0 = one chunk); src/pipeline/project/tracklets.h */
} fs_project_settings;

void fs_project_settings_default(fs_project_settings *s);

/* From the tracker's output: interpolates gaps, smooths, computes quads and coefficients. */
int fs_aligned_tracks_from_faces(const fs_face_tracks *ft, int frames, double fps, int width, int height,
                              const fs_project_settings *s, fs_aligned_tracks **out, fs_err *err);
/* JSON (the `faces` format; with_project adds "size", "coeffs" and "observed"). path NULL = stdout. */
int fs_aligned_tracks_write_json(const fs_aligned_tracks *t, const char *path, int with_project, fs_err *err);
/* Reads a faces/tracks JSON; quads and coefficients are recomputed from the landmarks with s.
 * Untrusted input: "frames" may not exceed max_frames (the video's frame count; <= 0 means
 * FS_TRACKS_MAX_FRAMES) and a track may skip at most FS_TRACKS_MAX_GAP frames between two
 * entries (they are interpolated), so memory stays proportional to the video and the file. */
#define FS_TRACKS_MAX_FRAMES (1 << 22) /* 39 hours at 30 fps */
#define FS_TRACKS_MAX_GAP 256
int fs_aligned_tracks_read_json(const char *path, const fs_project_settings *s, int64_t max_frames, fs_aligned_tracks **out,
                             fs_err *err);
/* The same on text in memory; `name` names it in errors. */
int fs_aligned_tracks_parse_json(const char *text, size_t len, const char *name, const fs_project_settings *s,
                              int64_t max_frames, fs_aligned_tracks **out, fs_err *err);
void fs_aligned_tracks_destroy(fs_aligned_tracks *t);
/* Index of frame f in track t, or -1. */
static inline int fs_aligned_track_index(const fs_aligned_track *t, int f) {
    return f >= t->first && f < t->first + t->n ? f - t->first : -1;
}

/* ---- project directory ---- */

/* A project dir leaves FS_PATH_MAX room for every file under it (crops/tNNN/FFFFFF.png, edits/KEY/...):
 * fs_project_check_dir refuses a longer one, so the paths built under an open project always fit. */
#define FS_PROJECT_DIR_MAX (FS_PATH_MAX - 512)
int fs_project_check_dir(const char *dir, fs_err *err);

typedef struct fs_project {
    char dir[FS_PATH_MAX];
    char source[FS_PATH_MAX];
    int64_t source_size;
    char source_sha256[65];    /* of the first MiB */
    fs_video_info info;        /* of the source (frames = frames used) */
    fs_project_settings settings;
    fs_aligned_tracks *tracks;    /* NULL until tracked */
    char align_status[32];     /* "", "tracked", "done" */
    int track_chunk_unrecorded; /* manifest of an older facestitch without settings.track_chunk: its pass 1
                                   was one sequential pass (settings.track_chunk 0); the key stays absent */
} fs_project;

/* Fingerprint of a source file: size and sha256 of its first MiB. */
int fs_project_fingerprint(const char *path, int64_t *size, char sha[65], fs_err *err);
/* Opens DIR (manifest + tracks). Refuses a project whose source file changed or vanished. */
int fs_project_open(const char *dir, fs_project **out, fs_err *err);
void fs_project_close(fs_project *p);
/* Writes manifest.json atomically (keeps unknown top-level keys and other stages already there). */
int fs_project_write_manifest(const fs_project *p, fs_err *err);
/* Sets stages.<name> = status in manifest.json (atomic), for any pipeline stage. */
int fs_project_set_stage(const char *dir, const char *name, const char *status, fs_err *err);
/* Replaces the top-level key of manifest.json with a cJSON value (consumed, also on failure), atomically. */
int fs_project_manifest_set(const char *dir, const char *key, void *cjson_value, fs_err *err);
/* A detached copy of manifest.json's top-level key (a cJSON *, caller deletes), NULL when absent or unreadable. */
void *fs_project_manifest_get(const char *dir, const char *key, fs_err *err);
/* stages.<name> of manifest.json into buf ("" when unset); returns buf. */
const char *fs_project_get_stage(const char *dir, const char *name, char *buf, size_t n);
/* crops/tNNN/FFFFFF.png (dir NULL = the project's own crops dir) into buf (n bytes): FS_ERR (err may be NULL)
 * when it does not fit, as fs_path_fmt (a crops_dir may be any length). */
int fs_project_crop_path(const fs_project *p, const char *crops_dir, int track, int frame, char *buf, size_t n,
                         fs_err *err);
/* masks/tNNN/FFFFFF.png: the BiSeNet label map of that crop (written by edit, read by composite); checked the same way. */
int fs_project_mask_path(const fs_project *p, int track, int frame, char *buf, size_t n, fs_err *err);

/* sel[k] = 1 for the tracks `face` picks (NULL = all); an unknown id is an error. */
int fs_project_select_tracks(const fs_project *p, const fs_face_pick *face, int *sel, fs_err *err);

/* Loads the crop of (track id, frame) from crops_dir (NULL = DIR/crops), checking its size. A crop
 * missing from DIR/crops is an error; missing from another crops_dir leaves *crop NULL (face kept). */
int fs_project_load_crop(const fs_project *p, const char *crops_dir, int track, int frame, fs_image **crop,
                         fs_err *err);

/* ---- the passes ---- */

typedef struct fs_project_align_opts {
    fs_project_settings settings;
    const char *tracks_json;   /* use these tracks instead of detecting (faces JSON) */
    const char *debug_video;   /* write an overlay video (boxes, landmarks, quads) */
    int force;                 /* re-cut crops that exist */
    int tracks_only;           /* stop after pass 1 (tracks.json written, stage "tracked") */
    int setup_only;            /* stop once the manifest is written or checked (before pass 1) */
} fs_project_align_opts;

/* Pass 1 (decode + detect + track + smooth, unless tracks_json) and pass 2 (decode + crops).
 * Resumable: tracks and finished crops of an earlier run with the same source/settings are kept. */
int fs_project_align(const char *video, const char *dir, const fs_project_align_opts *o, fs_err *err);

/* Pass 2 for the frames [from, until) of p's tracks: decodes up to `until` and cuts the crops of
 * those frames that are missing (all of them with force). Crops are written atomically. */
int fs_project_cut_crops(fs_project *p, const char *video, int force, int64_t from, int64_t until, fs_err *err);

/* fs_project_align over the ranks of an MPI job (one rank: fs_project_align itself). Collective.
 * Pass 1: the tracking chunks are dealt to the ranks, rank 0 joins them (the tracks one process makes);
 * pass 2 is split by frame range, rank r cutting the crops of its range; rank 0 then marks the stage done. The crops are the
 * bytes one process writes: each crop depends only on its frame and its stored quad. */
int fs_project_align_ranks(const char *video, const char *dir, const fs_project_align_opts *o, fs_err *err);

/* Pass 1 of DIR in chunks (src/pipeline/project/tracklets.h): decodes VIDEO up to the end of chunk end-1 (end < 0:
 * to its end) and tracks the chunks of [c0, end) not yet in DIR/tracklets, storing each (atomically). */
int fs_project_track_chunks(const char *video, const fs_project_settings *s, const char *dir, int64_t c0, int64_t end,
                            fs_err *err);
/* The chunks stored in DIR/tracklets (0, 1, ... up to the one where the video ended; one missing is an error)
 * joined into tracks and aligned: the tracks fs_project_detect_tracks makes. */
int fs_project_join_track_chunks(const char *video, const fs_project_settings *s, const char *dir,
                                 fs_aligned_tracks **out, fs_err *err);
/* Runs the tracker over a video (pass 1) and aligns the tracks. debug_video may be NULL. */
int fs_project_detect_tracks(const char *video, const fs_project_settings *s, const char *debug_video, fs_aligned_tracks **out,
                     fs_err *err);

/* --debug overlays: draws boxes, landmarks and quads of frame `frame` on im; and a whole overlay video. */
void fs_project_draw_tracks(fs_image *im, const fs_aligned_tracks *t, int frame);
int fs_project_write_debug_video(const char *video, const fs_aligned_tracks *t, int64_t max_frames, const char *out, fs_err *err);

/* Supplies the crop of (track, frame) for compositing: fills *crop (S×S), or leaves it NULL to keep the
 * original pixels for that face. Return non-zero on error. */
typedef int (*fs_crop_source_fn)(void *user, int track_id, int frame, fs_image **crop, fs_err *err);

typedef struct fs_composite_opts {
    fs_video_writer_opts writer;
    const char *crops_dir;     /* NULL: DIR/crops */
    fs_crop_source_fn crop_fn; /* overrides crops_dir when set */
    void *crop_user;
    int feather;               /* 1 (default): feathered Full mask; 0: hard Full mask */
    int dilation;              /* Full = the face mask dilated by this many 1024-crop pixels (50) */
    int feather_radius;        /* erode + blur radius of the feathered mask, 1024-crop pixels (25) */
    int no_mask;               /* paste the whole crop (STIT's --no_mask) */
    int keep_occluders;        /* 1 (default): where a label map exists, pixels of the landmark hull it labels
                                  background/cloth/hat (an occluding hand) keep the original frame */
    int64_t *occluder_px;      /* when set, adds the number of crop pixels kept that way */
    int debug;                 /* draw quads and landmarks on the output */
    int fade_frames;           /* ramp the paste in/out over this many frames where a track starts or
                                  ends inside the video, so an edit does not pop (default 4; 0 = off) */
} fs_composite_opts;

void fs_composite_opts_default(fs_composite_opts *o);
int fs_project_composite(const fs_project *p, const char *out_path, const fs_composite_opts *o, fs_err *err);

/* The alpha used to paste crop (track index k, frame index i of that track): landmark hull, or the
 * project's label map when masks/tNNN/FFFFFF.png exists. alpha: (S, S). */
int fs_project_paste_alpha(const fs_project *p, int k, int i, float *alpha, int feather, fs_err *err);
/* The alpha composite pastes with under o (no_mask, dilation, feather, feather_radius). */
int fs_project_paste_alpha_opts(const fs_project *p, int k, int i, float *alpha, const fs_composite_opts *o,
                                fs_err *err);

#endif
