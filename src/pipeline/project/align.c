/* align.c — `align`: tracks (pass 1) then aligned crops (pass 2) into a project dir.
 * Resumable and idempotent: an earlier run's tracks and finished crops are reused. */
#include "pipeline/project/project.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "core/fileio.h"
#include "core/log.h"
#include "face/align.h"
#include "image/image_ops.h"

static int same_settings(const fs_project_settings *a, const fs_project_settings *b) {
    return a->size == b->size && a->center_sigma == b->center_sigma && a->xy_sigma == b->xy_sigma &&
           a->antialias == b->antialias && a->max_frames == b->max_frames && fs_frame_range_equal(&a->range, &b->range) &&
           !strcmp(a->detector, b->detector) && !strcmp(a->landmarks, b->landmarks) && a->track_chunk == b->track_chunk;
}

/* An older project (no track_chunk in its manifest) was tracked in one pass: tracks it has are kept, whatever
 * the chunk asked for now (the key stays absent, so it resumes the same way next time); without tracks yet,
 * pass 1 runs now with the chunk asked for, which the manifest records from here on. */
static int adopt_unrecorded_chunk(fs_project *p, const fs_project_align_opts *o, fs_err *err) {
    if (!p->track_chunk_unrecorded) return FS_OK;
    if (p->tracks) {
        if (!o->setup_only && !o->tracks_only && !o->tracks_json) /* once per run, also over MPI ranks (align_dist.c) */
            fs_info("%s: made by an older facestitch: its tracks were made in one pass (track chunk 0); keeping them",
                    p->dir);
        return FS_OK;
    }
    p->settings.track_chunk = o->settings.track_chunk;
    p->track_chunk_unrecorded = 0;
    return fs_project_write_manifest(p, err);
}

/* An existing project may be resumed only for the same source and settings. */
static int check_resumed(fs_project *p, const char *real, int64_t size, const char *sha, const fs_project_align_opts *o,
                         fs_err *err) {
    const char *dir = p->dir;
    if (strcmp(p->source, real) != 0 || p->source_size != size || strcmp(p->source_sha256, sha) != 0)
        return fs_errorf(err, "%s: this project belongs to another video (%s); use a new --project dir", dir, p->source);
    fs_project_settings want = o->settings;
    if (p->track_chunk_unrecorded) want.track_chunk = p->settings.track_chunk; /* see adopt_unrecorded_chunk */
    if (same_settings(&p->settings, &want)) return adopt_unrecorded_chunk(p, o, err);
    char rtext[64];
    fs_frame_range_format(&p->settings.range, rtext, sizeof rtext);
    return fs_errorf(err,
                     "%s: the project was aligned with other settings (--size %d, max frames %lld%s%s, detector %s, "
                     "landmarks %s, track chunk %lld); "
                     "use the same options or a new --project dir",
                     dir, p->settings.size, (long long)p->settings.max_frames, p->settings.range.set ? ", range " : "",
                     rtext, p->settings.detector, p->settings.landmarks, (long long)p->settings.track_chunk);
}

int fs_project_cut_crops(fs_project *p, const char *video, int force, int64_t from, int64_t until, fs_err *err) {
    const fs_aligned_tracks *t = p->tracks;
    if (until > t->frames) until = t->frames;
    char path[FS_PATH_MAX];
    for (int k = 0; k < t->count; k++) {
        if (fs_path_fmt(path, sizeof path, err, "%s/crops/t%03d", p->dir, t->t[k].id)) return FS_ERR;
        if (fs_mkdirs(path, err)) return FS_ERR;
    }
    /* count the crops still to cut: nothing to do means no decoding at all */
    int64_t todo = 0;
    for (int k = 0; k < t->count; k++)
        for (int i = 0; i < t->t[k].n; i++) {
            if (t->t[k].first + i < from || t->t[k].first + i >= until) continue;
            if (fs_project_crop_path(p, NULL, t->t[k].id, t->t[k].first + i, path, sizeof path, err)) return FS_ERR;
            if (force || !fs_file_exists(path)) todo++;
        }
    if (todo == 0) {
        fs_verbose("%s: all crops already cut", p->dir);
        return FS_OK;
    }
    fs_video_open_opts vo;
    fs_video_open_opts_default(&vo);
    vo.max_frames = p->settings.max_frames;
    fs_video_reader *r = NULL;
    if (fs_video_open(video, &vo, &r, err)) return FS_ERR;
    int S = p->settings.size;
    fs_image *crop = fs_image_create(S, S, err);
    if (!crop) {
        fs_video_close(r);
        return FS_ERR;
    }
    fs_progress pg;
    fs_progress_begin(&pg, "crops", until);
    fs_video_frame f;
    int rc;
    int64_t cut = 0;
    while ((rc = fs_video_next(r, &f, err)) == FS_OK && f.image && f.index < until) {
        /* frames before `from` are only decoded: another rank cuts them */
        for (int k = 0; k < t->count && !rc && f.index >= from; k++) {
            const fs_aligned_track *tr = &t->t[k];
            int i = fs_aligned_track_index(tr, (int)f.index);
            if (i < 0) continue;
            if ((rc = fs_project_crop_path(p, NULL, tr->id, (int)f.index, path, sizeof path, err))) break;
            if (!force && fs_file_exists(path)) continue;
            fs_align_crop(f.image, tr->quad[i], crop, p->settings.antialias);
            rc = fs_image_save_png_level(crop, path, 1, err);
            cut++;
        }
        if (rc) break;
        fs_progress_step(&pg, 1, "%lld crops", (long long)cut);
        if (fs_should_abort()) {
            rc = fs_errorf(err, "%s: interrupted; run align again to resume", p->dir);
            break;
        }
    }
    fs_progress_end(&pg);
    fs_image_destroy(crop);
    fs_video_close(r);
    if (!rc && !f.image && (int64_t)f.index + 1 < until && t->count) fs_verbose("decoded fewer frames than in pass 1");
    return rc;
}

int fs_project_align(const char *video, const char *dir, const fs_project_align_opts *o, fs_err *err) {
    if (fs_project_check_dir(dir, err)) return FS_ERR; /* before anything is made */
    char real[FS_PATH_MAX]; /* realpath writes up to PATH_MAX bytes: src/core/path.c checks FS_PATH_MAX >= PATH_MAX */
    if (!realpath(video, real)) return fs_errorf(err, "%s: %s", video, strerror(errno));
    int64_t size;
    char sha[65];
    if (fs_project_fingerprint(real, &size, sha, err)) return FS_ERR;
    if (o->settings.size < 8 || o->settings.size > 8192)
        return fs_errorf(err, "crop size %d out of range (8..8192)", o->settings.size);

    fs_project *p = NULL;
    char mpath[FS_PATH_MAX];
    if (fs_path_join(mpath, sizeof mpath, dir, "manifest.json", err)) return FS_ERR;
    if (fs_file_exists(mpath)) {
        if (fs_project_open(dir, &p, err)) return FS_ERR;
        if (check_resumed(p, real, size, sha, o, err)) {
            fs_project_close(p);
            return FS_ERR;
        }
        if (o->tracks_json && p->tracks) {
            fs_aligned_tracks_destroy(p->tracks); /* new tracks given: use them */
            p->tracks = NULL;
        }
        fs_info("%s: resuming (align stage: %s)", dir, p->align_status[0] ? p->align_status : "started");
    } else {
        fs_video_info probe;
        if (fs_video_probe(real, &probe, err)) return FS_ERR; /* before creating anything */
        if (fs_mkdirs(dir, err)) return FS_ERR;
        p = calloc(1, sizeof *p);
        if (!p) return fs_errorf(err, "out of memory");
        if (fs_path_fmt(p->dir, sizeof p->dir, err, "%s", dir) ||
            fs_path_fmt(p->source, sizeof p->source, err, "%s", real)) {
            free(p);
            return FS_ERR;
        }
        snprintf(p->source_sha256, sizeof p->source_sha256, "%s", sha);
        p->source_size = size;
        p->settings = o->settings;
        p->info = probe;
        if (p->settings.max_frames > 0 && p->info.frames > p->settings.max_frames) p->info.frames = p->settings.max_frames;
        snprintf(p->align_status, sizeof p->align_status, "started");
        if (fs_project_write_manifest(p, err)) {
            fs_project_close(p);
            return FS_ERR;
        }
    }
    if (o->setup_only) { /* the ranks track the chunks next (align_dist.c) */
        fs_project_close(p);
        return FS_OK;
    }
    int rc = FS_OK;
    if (!p->tracks) {
        fs_aligned_tracks *t = NULL;
        if (o->tracks_json) {
            /* untrusted: its "frames" may not exceed the video's (with a little slack for containers
             * whose frame count is an estimate) */
            fs_video_info vi;
            rc = fs_video_probe(real, &vi, err);
            int64_t bound = !rc && vi.frames > 0 ? vi.frames + vi.frames / 50 + 2 : 0;
            if (!rc) rc = fs_aligned_tracks_read_json(o->tracks_json, &p->settings, bound, &t, err);
        } else {
            rc = fs_project_track_chunks(real, &p->settings, dir, 0, -1, err); /* those not stored yet */
            if (!rc) rc = fs_project_join_track_chunks(real, &p->settings, dir, &t, err);
        }
        if (!rc && o->tracks_json && t->width && p->info.width && (t->width != p->info.width || t->height != p->info.height))
            rc = fs_errorf(err, "%s: tracks are for %dx%d frames, the video is %dx%d", o->tracks_json, t->width,
                           t->height, p->info.width, p->info.height);
        if (!rc) {
            if (t->frames <= 0) t->frames = (int)p->info.frames; /* detection: the frames decoded */
            if (!t->width) {
                t->width = p->info.width;
                t->height = p->info.height;
            }
            t->fps = p->info.fps;
            char tpath[FS_PATH_MAX];
            rc = fs_path_join(tpath, sizeof tpath, dir, "tracks.json", err);
            if (!rc) rc = fs_aligned_tracks_write_json(t, tpath, 1, err);
            fs_aligned_tracks_destroy(t);
            /* read back: crops and composite use exactly the stored numbers */
            if (!rc) rc = fs_aligned_tracks_read_json(tpath, &p->settings, 0, &p->tracks, err);
        } else {
            fs_aligned_tracks_destroy(t);
        }
        if (!rc) {
            p->info.frames = p->tracks->frames;
            snprintf(p->align_status, sizeof p->align_status, "tracked");
            rc = fs_project_write_manifest(p, err);
        }
    }
    if (!rc && p->tracks->count == 0)
        fs_warn("%s: no face in %s; composite will copy the video unchanged", dir, video);
    if (o->tracks_only) { /* pass 2 is cut over the ranks (align_dist.c) */
        fs_project_close(p);
        return rc;
    }
    if (!rc) rc = fs_project_cut_crops(p, real, o->force, 0, INT64_MAX, err);
    if (!rc && o->debug_video) rc = fs_project_write_debug_video(real, p->tracks, p->settings.max_frames, o->debug_video, err);
    if (!rc) {
        snprintf(p->align_status, sizeof p->align_status, "done");
        rc = fs_project_write_manifest(p, err);
    }
    if (!rc) {
        int64_t crops = 0;
        for (int k = 0; k < p->tracks->count; k++) crops += p->tracks->t[k].n;
        fs_info("%s: %d face track(s), %lld crops of %dx%d", dir, p->tracks->count, (long long)crops, p->settings.size,
                p->settings.size);
    }
    fs_project_close(p);
    return rc;
}
