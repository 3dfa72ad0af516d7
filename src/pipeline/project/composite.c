/* composite.c — paste a project's crops back into the source video and encode it.
 * Frames without a tracked face are written unchanged; pixels outside the masks stay exact. */
#include "pipeline/project/project.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"
#include "core/log.h"
#include "face/align.h"
#include "face/mask.h"
#include "face/paste.h"
#include "image/image_ops.h"

void fs_composite_opts_default(fs_composite_opts *o) {
    memset(o, 0, sizeof *o);
    fs_video_writer_opts_default(&o->writer);
    o->feather = 1;
    o->dilation = 50;
    o->feather_radius = 25;
    o->keep_occluders = 1;
    o->fade_frames = 4;
}

/* Paste strength of frame i of track tr: ramps at track ends that lie inside the video. */
static float fade_weight(const fs_aligned_track *tr, int i, int frames, int fade) {
    if (fade <= 0) return 1.0f;
    float w = 1.0f;
    if (tr->first > 0 && i < fade) w = fminf(w, (float)(i + 1) / (float)(fade + 1));
    if (tr->first + tr->n < frames && i >= tr->n - fade) w = fminf(w, (float)(tr->n - i) / (float)(fade + 1));
    return w;
}

int fs_project_paste_alpha(const fs_project *p, int k, int i, float *alpha, int feather, fs_err *err) {
    fs_composite_opts o;
    fs_composite_opts_default(&o);
    o.feather = feather;
    return fs_project_paste_alpha_opts(p, k, i, alpha, &o, err);
}

/* the landmark hull (+ forehead) of track tr at index i, on the S×S crop */
static void hull_mask(const fs_aligned_track *tr, int i, int S, uint8_t *out) {
    float lmc[FS_FACE_NUM_LANDMARKS][2];
    fs_align_landmarks_to_crop(tr->coeffs[i], (const float(*)[2])tr->lm[i], lmc);
    fs_mask_from_landmarks(out, S, (const float(*)[2])lmc);
}

/* STIT issue #47: inside the face hull, what the parser does not call face/hair/neck (fg == 0: a hand,
 * a microphone) is in front of the face: the original frame stays there. */
static int keep_occluders(const fs_aligned_track *tr, int i, int S, const uint8_t *fg, float *alpha, int64_t *count,
                          fs_err *err) {
    uint8_t *hull = malloc((size_t)S * S);
    if (!hull) return fs_errorf(err, "out of memory");
    hull_mask(tr, i, S, hull);
    int64_t n = 0;
    for (size_t q = 0; q < (size_t)S * S; q++)
        if (hull[q] && !fg[q]) alpha[q] = 0.0f, n++;
    free(hull);
    if (count) *count += n;
    return FS_OK;
}

int fs_project_paste_alpha_opts(const fs_project *p, int k, int i, float *alpha, const fs_composite_opts *o,
                                fs_err *err) {
    int S0 = p->settings.size;
    if (o->no_mask) {
        for (size_t q = 0; q < (size_t)S0 * S0; q++) alpha[q] = 1.0f;
        return FS_OK;
    }
    const fs_aligned_track *tr = &p->tracks->t[k];
    int S = p->settings.size;
    char path[FS_PATH_MAX];
    if (fs_project_mask_path(p, tr->id, tr->first + i, path, sizeof path, err)) return FS_ERR;
    uint8_t *fg = malloc((size_t)S * S);
    if (!fg) return fs_errorf(err, "out of memory");
    fs_image *labels = NULL;
    int from_labels = fs_file_exists(path);
    if (from_labels) {
        if (fs_image_load(path, &labels, err)) {
            free(fg);
            return FS_ERR;
        }
        uint8_t *l = malloc((size_t)labels->w * labels->h);
        if (!l) {
            fs_image_destroy(labels);
            free(fg);
            return fs_errorf(err, "out of memory");
        }
        for (int y = 0; y < labels->h; y++)
            for (int x = 0; x < labels->w; x++) l[(size_t)y * labels->w + x] = fs_image_px(labels, x, y)[0];
        fs_mask_from_labels(fg, S, l, labels->w, labels->h);
        free(l);
        fs_image_destroy(labels);
    } else {
        hull_mask(tr, i, S, fg);
    }
    int rc = fs_mask_paste_alpha_ex(alpha, fg, S, o->dilation, o->feather ? o->feather_radius : 0, err);
    if (!rc && from_labels && o->keep_occluders) rc = keep_occluders(tr, i, S, fg, alpha, o->occluder_px, err);
    free(fg);
    return rc;
}

int fs_project_load_crop(const fs_project *p, const char *crops_dir, int track, int frame, fs_image **crop,
                         fs_err *err) {
    *crop = NULL;
    char path[FS_PATH_MAX];
    if (fs_project_crop_path(p, crops_dir, track, frame, path, sizeof path, err)) return FS_ERR;
    if (!fs_file_exists(path)) {
        if (crops_dir) return FS_OK; /* an edit set may leave faces out */
        return fs_errorf(err, "%s: missing crop; run 'facestitch align' again to finish the project", path);
    }
    if (fs_image_load(path, crop, err)) return FS_ERR;
    if ((*crop)->w != p->settings.size || (*crop)->h != p->settings.size) {
        int rc = fs_errorf(err, "%s: crop is %dx%d, the project uses %dx%d", path, (*crop)->w, (*crop)->h,
                           p->settings.size, p->settings.size);
        fs_image_destroy(*crop);
        *crop = NULL;
        return rc;
    }
    return FS_OK;
}

static int load_crop(const fs_project *p, const fs_composite_opts *o, int track, int frame, fs_image **crop,
                     fs_err *err) {
    *crop = NULL;
    if (o->crop_fn) return o->crop_fn(o->crop_user, track, frame, crop, err);
    return fs_project_load_crop(p, o->crops_dir, track, frame, crop, err);
}

int fs_project_composite(const fs_project *p, const char *out_path, const fs_composite_opts *o, fs_err *err) {
    if (!p->tracks) return fs_errorf(err, "%s: no tracks yet; run 'facestitch align' first", p->dir);
    if (strcmp(p->align_status, "done") != 0 && !o->crop_fn)
        return fs_errorf(err, "%s: alignment did not finish (stage '%s'); run 'facestitch align' again to resume", p->dir,
                         p->align_status);
    char ro[FS_PATH_MAX]; /* realpath writes up to PATH_MAX bytes: src/core/path.c checks FS_PATH_MAX >= PATH_MAX */
    if (realpath(out_path, ro) && !strcmp(ro, p->source))
        return fs_errorf(err, "%s: this is the project's source video; write the output elsewhere", out_path);
    const fs_aligned_tracks *t = p->tracks;
    if (t->count == 0) fs_warn("%s: no face in the video; the output is a copy of it", p->dir);
    fs_video_open_opts vo;
    fs_video_open_opts_default(&vo);
    vo.max_frames = p->settings.max_frames;
    fs_video_reader *r = NULL;
    if (fs_video_open(p->source, &vo, &r, err)) return FS_ERR;
    const fs_video_info *vi = fs_video_reader_info(r);
    if (vi->width != t->width || vi->height != t->height) {
        fs_video_close(r);
        return fs_errorf(err, "%s: the tracks are for %dx%d frames, the video is %dx%d", p->dir, t->width, t->height,
                         vi->width, vi->height);
    }
    fs_video_writer_opts wo = o->writer;
    wo.audio_from = vi->has_audio ? p->source : NULL;
    if (p->settings.max_frames > 0 && wo.audio_until <= 0) {
        /* only the first frames: cut the audio at the end of the last one */
        wo.audio_until = (double)p->settings.max_frames * (vi->fps_den > 0 ? vi->fps_den : 1) /
                         (vi->fps_num > 0 ? vi->fps_num : 25);
    }
    fs_video_writer *w = NULL;
    if (fs_video_writer_open(out_path, vi, &wo, &w, err)) {
        fs_video_close(r);
        return FS_ERR;
    }
    int S = p->settings.size;
    float *alpha = malloc(sizeof *alpha * (size_t)S * S);
    if (!alpha) {
        fs_video_writer_abort(w);
        fs_video_close(r);
        return fs_errorf(err, "out of memory");
    }
    fs_progress pg;
    fs_progress_begin(&pg, "composite", t->frames);
    fs_video_frame f;
    int rc;
    int64_t pasted = 0, frames = 0;
    while ((rc = fs_video_next(r, &f, err)) == FS_OK && f.image) {
        for (int k = 0; k < t->count && !rc; k++) {
            const fs_aligned_track *tr = &t->t[k];
            int i = fs_aligned_track_index(tr, (int)f.index);
            if (i < 0) continue;
            fs_image *crop = NULL;
            rc = load_crop(p, o, tr->id, (int)f.index, &crop, err);
            if (rc || !crop) continue;
            rc = fs_project_paste_alpha_opts(p, k, i, alpha, o, err);
            float fw = fade_weight(tr, i, t->frames, o->fade_frames);
            if (!rc && fw < 1.0f)
                for (size_t q = 0; q < (size_t)S * S; q++) alpha[q] *= fw;
            if (!rc) {
                fs_paste_crop(f.image, crop, alpha, tr->coeffs[i], NULL);
                pasted++;
            }
            fs_image_destroy(crop);
        }
        if (rc) break;
        if (o->debug) fs_project_draw_tracks(f.image, t, (int)f.index);
        if ((rc = fs_video_write(w, f.image, f.pts, err))) break;
        frames++;
        fs_progress_step(&pg, 1, "%lld faces pasted", (long long)pasted);
        if (fs_should_abort()) {
            rc = fs_errorf(err, "%s: interrupted; nothing written", out_path);
            break;
        }
    }
    fs_progress_end(&pg);
    free(alpha);
    fs_video_close(r);
    if (!rc && frames != t->frames)
        fs_warn("%s: decoded %lld frames, the project has %d", p->source, (long long)frames, t->frames);
    if (rc) {
        fs_video_writer_abort(w);
        return FS_ERR;
    }
    if (fs_video_writer_close(w, err)) return FS_ERR;
    fs_info("%s: %lld frames, %lld faces pasted", out_path, (long long)frames, (long long)pasted);
    if (o->occluder_px)
        fs_info("%s: %lld crop pixels in front of the faces kept from the source (occluders)", out_path,
                (long long)*o->occluder_px);
    return FS_OK;
}
