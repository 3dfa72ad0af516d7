/* debug.c — --debug overlays: boxes (green; cyan where interpolated), 68 landmarks (red),
 * smoothed quads (yellow, double line on the top side). */
#include "pipeline/project/project.h"

#include "core/log.h"
#include "image/image_ops.h"

void fs_project_draw_tracks(fs_image *im, const fs_aligned_tracks *t, int frame) {
    static const uint8_t green[3] = {0, 255, 0}, red[3] = {255, 40, 40}, yellow[3] = {255, 230, 0},
                         cyan[3] = {0, 220, 255};
    for (int k = 0; k < t->count; k++) {
        const fs_aligned_track *tr = &t->t[k];
        int i = fs_aligned_track_index(tr, frame);
        if (i < 0) continue;
        fs_draw_rect(im, tr->box[i][0], tr->box[i][1], tr->box[i][2], tr->box[i][3], tr->observed[i] ? green : cyan);
        int rad = im->w > 1000 ? 2 : 1;
        for (int l = 0; l < FS_FACE_NUM_LANDMARKS; l++) fs_draw_point(im, tr->lm[i][l][0], tr->lm[i][l][1], rad, red);
        float q[8];
        for (int c = 0; c < 4; c++) {
            q[2 * c] = (float)tr->quad[i][c][0];
            q[2 * c + 1] = (float)tr->quad[i][c][1];
        }
        fs_draw_poly(im, q, 4, yellow);
        /* top edge marker: a second line just inside the top side shows the orientation */
        fs_draw_line(im, (q[0] * 9 + q[2]) / 10, (q[1] * 9 + q[3]) / 10, (q[6] * 9 + q[4]) / 10, (q[7] * 9 + q[5]) / 10,
                     yellow);
    }
}

int fs_project_write_debug_video(const char *video, const fs_aligned_tracks *t, int64_t max_frames, const char *out, fs_err *err) {
    fs_video_open_opts vo;
    fs_video_open_opts_default(&vo);
    vo.max_frames = max_frames;
    fs_video_reader *r = NULL;
    if (fs_video_open(video, &vo, &r, err)) return FS_ERR;
    fs_video_writer_opts wo;
    fs_video_writer_opts_default(&wo);
    wo.preset = "veryfast";
    wo.crf = 20;
    fs_video_writer *w = NULL;
    if (fs_video_writer_open(out, fs_video_reader_info(r), &wo, &w, err)) {
        fs_video_close(r);
        return FS_ERR;
    }
    fs_progress pg;
    fs_progress_begin(&pg, "debug video", fs_video_reader_info(r)->frames);
    fs_video_frame f;
    int rc;
    while ((rc = fs_video_next(r, &f, err)) == FS_OK && f.image) {
        fs_project_draw_tracks(f.image, t, (int)f.index);
        if ((rc = fs_video_write(w, f.image, f.pts, err))) break;
        fs_progress_step(&pg, 1, NULL);
    }
    fs_progress_end(&pg);
    fs_video_close(r);
    if (rc) {
        fs_video_writer_abort(w);
        return FS_ERR;
    }
    return fs_video_writer_close(w, err);
}
