#include "pipeline/edit/stages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fileio.h"
#include "core/path.h"
#include "image/font.h"
#include "image/image_ops.h"

static int stage_path(const char *dir, const char *stage, int frame, char *buf, size_t n, fs_err *err) {
    return fs_path_fmt(buf, n, err, "%s/%s/%06d.png", dir, stage, frame);
}

int fs_stages_save(const char *dir, const char *stage, int frame, const float *img, int S, fs_err *err) {
    char path[FS_PATH_MAX];
    if (fs_path_join(path, sizeof path, dir, stage, err) || fs_mkdirs(path, err) ||
        stage_path(dir, stage, frame, path, sizeof path, err))
        return FS_ERR;
    fs_image *im = fs_image_create(S, S, err);
    if (!im) return FS_ERR;
    fs_image_from_float(im, img);
    int rc = fs_image_save_png_level(im, path, 1, err);
    fs_image_destroy(im);
    return rc;
}

int fs_stages_save_final(const char *video, const char *dir, fs_err *err) {
    char path[FS_PATH_MAX];
    if (fs_path_join(path, sizeof path, dir, "final", err) || fs_mkdirs(path, err)) return FS_ERR;
    fs_video_open_opts vo;
    fs_video_open_opts_default(&vo);
    fs_video_reader *r = NULL;
    if (fs_video_open(video, &vo, &r, err)) return FS_ERR;
    fs_video_frame f;
    int rc;
    while ((rc = fs_video_next(r, &f, err)) == FS_OK && f.image) {
        if ((rc = stage_path(dir, "final", (int)f.index, path, sizeof path, err))) break;
        if ((rc = fs_image_save_png_level(f.image, path, 1, err))) break;
    }
    fs_video_close(r);
    return rc;
}

/* src (S×S) scaled up by u (nearest) into out at column c, below the band */
static void put_tile(fs_image *out, const fs_image *src, int u, int c, int band) {
    int S = src->w;
    for (int y = 0; y < S * u; y++)
        for (int x = 0; x < S * u; x++)
            memcpy(fs_image_px(out, c * S * u + x, band + y), fs_image_px(src, x / u, y / u), 3);
}

static void clear_tiles(fs_image *im, int band) {
    for (int y = band; y < im->h; y++) memset(im->rgb + (size_t)y * im->stride, 0, 3 * (size_t)im->w);
}

/* fills the four tiles of frame f (black where a stage image is missing) */
static int frame_tiles(const fs_project *p, int track_id, const char *dir, int f, fs_image *im, int u, int band,
                       fs_err *err) {
    static const char *stages[3] = {"inversion", "naive", "stitched"};
    clear_tiles(im, band);
    fs_image *t = NULL;
    char path[FS_PATH_MAX];
    if (stage_path(dir, "stitched", f, path, sizeof path, err)) return FS_ERR;
    if (!fs_file_exists(path)) return FS_OK; /* the face is not in this frame */
    if (fs_project_load_crop(p, NULL, track_id, f, &t, err)) return FS_ERR;
    put_tile(im, t, u, 0, band);
    fs_image_destroy(t);
    for (int s = 0; s < 3; s++) {
        if (stage_path(dir, stages[s], f, path, sizeof path, err)) return FS_ERR;
        if (!fs_file_exists(path)) continue;
        if (fs_image_load(path, &t, err)) return FS_ERR;
        if (t->w == p->settings.size && t->h == t->w) put_tile(im, t, u, s + 1, band);
        fs_image_destroy(t);
    }
    return FS_OK;
}

int fs_stages_side_by_side(const fs_project *p, int track_id, const char *dir, const char *edited,
                           const fs_video_writer_opts *wo, const char *out_path, fs_err *err) {
    static const char *labels[4] = {"original", "inversion", "naive edit", "stitched"};
    int S = p->settings.size, u = S < 160 ? (160 + S - 1) / S : 1;
    int scale = S * u >= 512 ? 4 : 2, band = (FS_FONT_H + 4) * scale;
    fs_video_open_opts vo;
    fs_video_open_opts_default(&vo);
    fs_video_reader *r = NULL;
    if (fs_video_open(edited, &vo, &r, err)) return FS_ERR;
    fs_video_info info = *fs_video_reader_info(r);
    info.width = 4 * S * u;
    info.height = S * u + band;
    info.rotation = 0;
    fs_video_writer_opts o = *wo;
    o.audio_from = info.has_audio ? edited : NULL;
    fs_video_writer *w = NULL;
    fs_image *im = fs_image_create(info.width, info.height, err);
    if (!im || fs_video_writer_open(out_path, &info, &o, &w, err)) {
        fs_image_destroy(im);
        fs_video_close(r);
        return FS_ERR;
    }
    static const uint8_t white[3] = {255, 255, 255};
    for (int c = 0; c < 4; c++)
        fs_font_draw(im, c * S * u + (S * u - fs_font_width(labels[c], scale)) / 2, 2 * scale, scale, labels[c], white);
    fs_video_frame f;
    int rc;
    while ((rc = fs_video_next(r, &f, err)) == FS_OK && f.image) {
        if ((rc = frame_tiles(p, track_id, dir, (int)f.index, im, u, band, err))) break;
        if ((rc = fs_video_write(w, im, f.pts, err))) break;
    }
    fs_video_close(r);
    fs_image_destroy(im);
    if (rc) {
        fs_video_writer_abort(w);
        return FS_ERR;
    }
    return fs_video_writer_close(w, err);
}
