#include "pipeline/edit/columns.h"

#include <stdlib.h>
#include <string.h>

#include "image/font.h"

/* column c of frame src (w×h) shrunk by k (box filter) into out at (x0, y0) */
static void put_column(fs_image *out, const fs_image *src, int k, int x0, int y0) {
    int w = src->w / k, h = src->h / k;
    for (int y = 0; y < h; y++)
        for (int x = 0; x < w; x++) {
            int s[3] = {0, 0, 0};
            for (int dy = 0; dy < k; dy++)
                for (int dx = 0; dx < k; dx++) {
                    const uint8_t *p = fs_image_px(src, x * k + dx, y * k + dy);
                    s[0] += p[0], s[1] += p[1], s[2] += p[2];
                }
            uint8_t *q = fs_image_px(out, x0 + x, y0 + y);
            for (int c = 0; c < 3; c++) q[c] = (uint8_t)((s[c] + k * k / 2) / (k * k));
        }
}

static void close_all(fs_video_reader **r, int n) {
    for (int i = 0; i < n; i++) fs_video_close(r[i]);
}

int fs_columns_write(const char *const *inputs, const char *const *labels, int n, const char *audio_from,
                     const fs_video_writer_opts *wo, const char *out_path, fs_err *err) {
    if (n < 1 || n > FS_COLUMNS_MAX) return fs_errorf(err, "%s: %d columns (1..%d)", out_path, n, FS_COLUMNS_MAX);
    fs_video_reader *r[FS_COLUMNS_MAX] = {0};
    fs_video_open_opts vo;
    fs_video_open_opts_default(&vo);
    for (int i = 0; i < n; i++)
        if (fs_video_open(inputs[i], &vo, &r[i], err)) {
            close_all(r, n);
            return FS_ERR;
        }
    fs_video_info info = *fs_video_reader_info(r[0]);
    for (int i = 1; i < n; i++) {
        const fs_video_info *vi = fs_video_reader_info(r[i]);
        if (vi->width != info.width || vi->height != info.height) {
            close_all(r, n);
            return fs_errorf(err, "%s: %dx%d, the other columns are %dx%d", inputs[i], vi->width, vi->height,
                             info.width, info.height);
        }
    }
    int k = 1;
    while (n * info.width / k > 2048) k++;
    int cw = info.width / k & ~1, ch = info.height / k & ~1;
    int scale = ch >= 240 ? 3 : 2, band = (FS_FONT_H + 4) * scale;
    info.width = n * cw;
    info.height = ch + band;
    info.rotation = 0;
    fs_video_writer_opts o = *wo;
    o.audio_from = audio_from;
    fs_video_writer *w = NULL;
    fs_image *im = fs_image_create(info.width, info.height, err);
    if (!im || fs_video_writer_open(out_path, &info, &o, &w, err)) {
        fs_image_destroy(im);
        close_all(r, n);
        return FS_ERR;
    }
    static const uint8_t white[3] = {255, 255, 255};
    for (int i = 0; i < n; i++)
        fs_font_draw(im, i * cw + (cw - fs_font_width(labels[i], scale)) / 2, 2 * scale, scale, labels[i], white);
    int rc = FS_OK;
    for (;;) {
        fs_video_frame f[FS_COLUMNS_MAX];
        int ended = 0;
        for (int i = 0; i < n && !rc; i++) {
            rc = fs_video_next(r[i], &f[i], err);
            ended += !rc && !f[i].image;
        }
        if (rc || ended == n) break;
        if (ended) {
            rc = fs_errorf(err, "%s: the column videos have different frame counts", out_path);
            break;
        }
        for (int i = 0; i < n; i++) put_column(im, f[i].image, k, i * cw, band);
        if ((rc = fs_video_write(w, im, f[0].pts, err))) break;
    }
    close_all(r, n);
    fs_image_destroy(im);
    if (rc) {
        fs_video_writer_abort(w);
        return FS_ERR;
    }
    return fs_video_writer_close(w, err);
}
