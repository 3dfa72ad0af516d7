/* track.h — faces followed through a video: detection (Haar cascade), 68 dlib
 * landmarks, and linking into tracks. Fed one decoded frame at a time (pass 1 of
 * the pipeline); holds only per-frame observations, never frames.
 *
 *   fs_face_tracker *tr = NULL;
 *   fs_face_tracker_opts o; fs_face_tracker_opts_default(&o);
 *   if (fs_face_tracker_create(&o, &tr, &err)) ...;        // loads cascade + predictor
 *   for each frame i: fs_face_tracker_push(tr, frame_rgb, i, &err);
 *   fs_face_tracks *tracks = NULL;
 *   fs_face_tracker_finish(tr, &tracks, &err);               // links, fills short gaps
 *   ... tracks->tracks[k].obs[j] ...
 *   fs_face_tracks_destroy(tracks); fs_face_tracker_destroy(tr);
 */
#ifndef FS_FACE_TRACK_H
#define FS_FACE_TRACK_H

#include "core/err.h"
#include "image/image.h"

#define FS_FACE_NUM_LANDMARKS 68

typedef struct fs_face_obs {
    int frame;                              /* 0-based, decode order */
    float box[4];                           /* x0, y0, x1, y1 in pixels of the displayed frame: the box the
                                               landmark predictor used (dlib-detector-like, brows to chin) */
    float lm[FS_FACE_NUM_LANDMARKS][2];     /* dlib 68-point order, pixel coordinates */
    int interpolated;                       /* 1 if filled in a short gap, not observed */
} fs_face_obs;

typedef struct fs_face_track {
    int id;
    int count;
    fs_face_obs *obs;                       /* sorted by frame, one per frame at most */
} fs_face_track;

typedef struct fs_face_tracks {
    int count;
    fs_face_track *tracks;
    int frames;                             /* frames seen */
} fs_face_tracks;

/* A face detector in place of the built-in Haar cascades for the full detections (face/ knows
 * no network: the pipeline wires face-api's SSD in, src/pipeline/project/face_finder.c). Tracking,
 * the local Haar confirmation of tracked faces and smoothing stay as they are. */
typedef struct fs_face_detector {
    const char *name;                       /* for logs: "ssd" */
    /* Faces in frame: up to max boxes x0, y0, x1, y1 in frame pixels, best first; *n found. */
    int (*detect)(void *ctx, const fs_image *frame, float (*boxes)[4], int max, int *n, fs_err *err);
    /* Optional (NULL: dlib's predictor): the 68 points reported for an observation, from the
     * predictor box (x0, y0, x1, y1) the tracker settled on; lm in dlib order, frame pixels. */
    int (*landmarks)(void *ctx, const fs_image *frame, const float box[4], float lm[2 * FS_FACE_NUM_LANDMARKS],
                     fs_err *err);
    void *ctx;
    /* detector box -> the box dlib's predictor expects: side = scale * sqrt(w h), centre moved by
     * (dx, dy) * sqrt(w h) (the fit is documented where the detector is wired in) */
    float box_scale, box_dx, box_dy;
} fs_face_detector;

typedef struct fs_face_tracker_opts {
    const char *cascade_path;               /* NULL: Debian opencv-data frontal default */
    const char *predictor_path;             /* NULL: /usr/share/dlib/shape_predictor_68_face_landmarks.dat */
    int redetect_every;                     /* frames between full detections while tracking */
    int max_gap;                            /* frames a track may miss and still be joined (interpolated) */
    int min_face;                           /* smallest face side in pixels */
    /* added by the implementation (defaults from fs_face_tracker_opts_default): */
    const char *profile_path;               /* NULL: Debian opencv-data profile cascade (used to confirm
                                               turned faces while tracking); "" disables it */
    int det_max_width;                      /* detection runs on the frame shrunk to this width (640) */
    int min_neighbors;                      /* detector's groupRectangles threshold (4) */
    int min_track_len;                      /* tracks with fewer observed frames are dropped (3; capped
                                               by the number of frames) */
    const fs_face_detector *detector;       /* NULL: the Haar cascades; else full detections use it (borrowed:
                                               it must outlive the tracker) */
} fs_face_tracker_opts;

/* Counters since create, for logs and tests. */
typedef struct fs_face_tracker_stats {
    int frames;                             /* frames pushed */
    int detections_run;                     /* full-frame detector runs */
    int tracked_obs;                        /* observations made by tracking from the previous frame */
    int detected_obs;                       /* observations started or confirmed by a full detection */
    int lost;                               /* times a track could not be confirmed */
    double detect_s, landmark_s, verify_s;  /* time spent */
} fs_face_tracker_stats;

typedef struct fs_face_tracker fs_face_tracker;

void fs_face_tracker_opts_default(fs_face_tracker_opts *o);
int fs_face_tracker_create(const fs_face_tracker_opts *o, fs_face_tracker **out, fs_err *err);
void fs_face_tracker_destroy(fs_face_tracker *tr);
/* frame_index must increase from call to call (gaps allowed: skipped frames have no observation). */
int fs_face_tracker_push(fs_face_tracker *tr, const fs_image *frame, int frame_index, fs_err *err);
/* Links, fills short gaps, drops short tracks: fs_face_tracker_take_tracklets + fs_face_tracks_join of one chunk. */
int fs_face_tracker_finish(fs_face_tracker *tr, fs_face_tracks **out, fs_err *err);

/* Chunked tracking (one video cut into chunks tracked independently, e.g. by several processes):
 *
 *   for each chunk c: fs_face_tracker_reset(tr); push the chunk's frames;
 *                     fs_face_tracker_take_tracklets(tr, &chunk[c], &err);
 *   fs_face_tracks_join(chunk, n, &opts, frames, &tracks, &err);
 *
 * take_tracklets: the raw tracks since create or the last reset, in order of creation (ids 0..),
 * observed frames only (no gap filled, none dropped); frames = frames pushed since then. */
int fs_face_tracker_take_tracklets(fs_face_tracker *tr, fs_face_tracks **out, fs_err *err);
/* Forgets every track (the next frame starts with a full detection); keeps the models and stats. */
void fs_face_tracker_reset(fs_face_tracker *tr);
/* Joins the tracklets of consecutive chunks (in frame order): a tracklet of chunk c continues a track
 * of the earlier chunks that was last seen at most max_gap + 1 frames before the tracklet's first
 * frame, near it and of a similar size (the tracker's own rule for resuming a lost track: centres
 * closer than half the box side, sides within 0.67..1.5), best pairs first. Then as finish(): gaps
 * of at most max_gap frames filled, tracks with fewer than min_track_len observed frames (capped by
 * `frames`, the frames tracked) dropped, ids 0.. in order of first frame. */
int fs_face_tracks_join(const fs_face_tracks *const *chunks, int n, const fs_face_tracker_opts *o, int frames,
                        fs_face_tracks **out, fs_err *err);
void fs_face_tracks_destroy(fs_face_tracks *t);
void fs_face_tracker_get_stats(const fs_face_tracker *tr, fs_face_tracker_stats *st);

#endif
