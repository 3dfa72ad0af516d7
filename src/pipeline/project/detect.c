/* detect.c — pass 1: decode, detect + track faces (face/track.h), align the tracks;
 * and the --debug overlay video. */
#include "pipeline/project/project.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "face/align.h"
#include "image/image_ops.h"
#include "pipeline/project/face_finder.h"

int fs_project_detect_tracks(const char *video, const fs_project_settings *s, const char *debug_video, fs_aligned_tracks **out,
                     fs_err *err) {
    fs_video_open_opts vo;
    fs_video_open_opts_default(&vo);
    vo.max_frames = s->max_frames;
    fs_video_reader *r = NULL;
    if (fs_video_open(video, &vo, &r, err)) return FS_ERR;
    const fs_video_info *vi = fs_video_reader_info(r);
    fs_face_tracker_opts to;
    fs_face_tracker_opts_default(&to);
    fs_face_finder *ff = NULL;
    if (fs_face_finder_create(fs_face_finder_resolve_detector(s->detector), s->landmarks[0] ? s->landmarks : "dlib", &ff,
                              err)) {
        fs_video_close(r);
        return FS_ERR;
    }
    to.detector = fs_face_finder_hook(ff);
    fs_face_tracker *tr = NULL;
    if (fs_face_tracker_create(&to, &tr, err)) {
        fs_face_finder_destroy(ff);
        fs_video_close(r);
        return FS_ERR;
    }
    /* --range: faces only in frames [from, to); the other frames are decoded (and counted) only */
    int64_t from, until;
    if (fs_frame_range_frames(&s->range, vi->fps, &from, &until, err)) {
        fs_face_tracker_destroy(tr);
        fs_face_finder_destroy(ff);
        fs_video_close(r);
        return FS_ERR;
    }
    fs_progress pg;
    fs_progress_begin(&pg, "faces", vi->frames);
    fs_video_frame f;
    int rc, n = 0;
    while ((rc = fs_video_next(r, &f, err)) == FS_OK && f.image) {
        if (f.index >= from && f.index < until && (rc = fs_face_tracker_push(tr, f.image, (int)f.index, err))) break;
        n++;
        fs_progress_step(&pg, 1, NULL);
        if (fs_should_abort()) {
            rc = fs_errorf(err, "%s: interrupted", video);
            break;
        }
    }
    fs_progress_end(&pg);
    fs_face_tracks *ft = NULL;
    if (!rc) rc = fs_face_tracker_finish(tr, &ft, err);
    fs_video_info info = *vi;
    fs_video_close(r);
    fs_face_tracker_destroy(tr);
    fs_face_finder_destroy(ff);
    if (rc) {
        fs_face_tracks_destroy(ft);
        return FS_ERR;
    }
    rc = fs_aligned_tracks_from_faces(ft, n, info.fps, info.width, info.height, s, out, err);
    fs_face_tracks_destroy(ft);
    if (rc) return FS_ERR;
    if ((*out)->count == 0 && s->range.set) {
        char rtext[64];
        fs_frame_range_format(&s->range, rtext, sizeof rtext);
        fs_warn("%s: no face found in the range %s", video, rtext);
    }
    else if ((*out)->count == 0) fs_warn("%s: no face found in %d frames", video, n);
    else fs_verbose("%s: %d face track(s) in %d frames", video, (*out)->count, n);
    if (debug_video && fs_project_write_debug_video(video, *out, s->max_frames, debug_video, err)) {
        fs_aligned_tracks_destroy(*out);
        *out = NULL;
        return FS_ERR;
    }
    return FS_OK;
}

