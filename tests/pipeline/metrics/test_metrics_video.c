/* test_metrics_video.c — fs_metrics_compute on a real clip (first frames) and edited copies of it
 * written losslessly: the clip against itself, noise painted inside the faces (background must stay
 * identical, face flicker must rise), a painted corner outside the faces (background PSNR must drop,
 * the face must not change), a shorter copy and a different size (refused, naming the files), broken
 * files. Also: the face region covers the paste support of a landmark mask at several crop sizes. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "core/log.h"
#include "core/rng.h"
#include "face/align.h"
#include "face/mask.h"
#include "face/paste.h"
#include "pipeline/metrics/metrics.h"

#define NFRAMES 8

static char tmpdir[256];

typedef enum { EDIT_NOISE_FACE, EDIT_CORNER } edit_kind;

/* Writes the first `frames` frames of clip, changed by `kind`, losslessly to out. */
static int write_edited(const char *clip, const fs_aligned_tracks *t, edit_kind kind, int frames, const char *out,
                        int *corner_ok) {
    fs_err err = {0};
    fs_video_open_opts vo;
    fs_video_open_opts_default(&vo);
    vo.max_frames = frames;
    fs_video_reader *r = NULL;
    if (fs_video_open(clip, &vo, &r, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
    const fs_video_info *vi = fs_video_reader_info(r);
    fs_video_writer_opts wo;
    fs_video_writer_opts_default(&wo);
    wo.crf = 0;
    fs_video_writer *w = NULL;
    if (fs_video_writer_open(out, vi, &wo, &w, &err)) {
        fs_video_close(r);
        return fprintf(stderr, "%s\n", err.msg), 1;
    }
    int W = vi->width, H = vi->height;
    uint8_t *hull = malloc((size_t)W * H), *face = malloc((size_t)W * H), *quad = malloc((size_t)W * H);
    fs_metrics_opts mo;
    fs_metrics_opts_default(&mo);
    unsigned seed = 12345;
    fs_video_frame f;
    int rc = 0;
    while (!rc && (rc = fs_video_next(r, &f, &err)) == FS_OK && f.image) {
        if (kind == EDIT_NOISE_FACE) {
            /* noise inside the plain landmark hull (no margin), different every frame */
            memset(hull, 0, (size_t)W * H);
            for (int k = 0; k < t->count; k++) {
                int i = fs_aligned_track_index(&t->t[k], (int)f.index);
                if (i < 0) continue;
                float pts[2 * (FS_FACE_NUM_LANDMARKS + 11)];
                int n = fs_mask_hull((const float(*)[2])t->t[k].lm[i], pts);
                fs_metrics_fill_convex(hull, W, H, pts, n, 0.0);
            }
            for (int y = 0; y < H; y++)
                for (int x = 0; x < W; x++) {
                    if (!hull[(size_t)y * W + x]) continue;
                    uint8_t *p = fs_image_px(f.image, x, y);
                    for (int c = 0; c < 3; c++) {
                        seed = seed * 1103515245u + 12345u;
                        int v = p[c] + (int)((seed >> 16) % 41) - 20;
                        p[c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : v);
                    }
                }
        } else {
            /* a 24x24 block in the top-left corner, which must lie outside every quad and face */
            fs_metrics_frame_masks(t, (int)f.index, &mo, face, quad);
            for (int y = 0; y < 24; y++)
                for (int x = 0; x < 24; x++) {
                    if (face[(size_t)y * W + x] || quad[(size_t)y * W + x]) *corner_ok = 0;
                    uint8_t *p = fs_image_px(f.image, x, y);
                    p[0] = 255 - p[0];
                    p[1] = 0;
                    p[2] = 255;
                }
        }
        rc = fs_video_write(w, f.image, f.pts, &err);
    }
    free(hull);
    free(face);
    free(quad);
    fs_video_close(r);
    if (rc) {
        fs_video_writer_abort(w);
        return fprintf(stderr, "%s\n", err.msg), 1;
    }
    if (fs_video_writer_close(w, &err)) return fprintf(stderr, "%s\n", err.msg), 1;
    return 0;
}

/* The paste support (landmark mask, hard Full region) at crop size S lies inside F and inside Q. */
static void check_cover(const char *clip, int frames) {
    fs_err err = {0};
    fs_project_settings as;
    fs_project_settings_default(&as);
    as.max_frames = frames;
    fs_aligned_tracks *t = NULL;
    if (fs_project_detect_tracks(clip, &as, NULL, &t, &err)) {
        CHECK_MSG(0, "%s", err.msg);
        return;
    }
    CHECK_MSG(t->count >= 1, "%s: no face", clip);
    int W = t->width, H = t->height;
    uint8_t *face = malloc((size_t)W * H), *quad = malloc((size_t)W * H), *sup = malloc((size_t)W * H);
    fs_metrics_opts mo;
    fs_metrics_opts_default(&mo);
    /* crop sizes of real models (1024, 256) and small ones; below 64 px a crop pixel is so coarse that
     * the paste reaches further (tiny test models): --face-margin 0.15 covers 32 */
    static const int sizes[] = {64, 256, 1024, 32};
    fs_metrics_opts wide = mo;
    wide.face_margin = 0.15;
    for (int f = 0; f < t->frames; f++) {
        for (int k = 0; k < t->count; k++) {
            const fs_aligned_track *tr = &t->t[k];
            int i = fs_aligned_track_index(tr, f);
            if (i < 0) continue;
            for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
                int S = sizes[s];
                fs_metrics_frame_masks(t, f, S < 64 ? &wide : &mo, face, quad);
                double kc[8];
                fs_align_coeffs(tr->quad[i], S, kc);
                float lmc[FS_FACE_NUM_LANDMARKS][2];
                fs_align_landmarks_to_crop(kc, (const float(*)[2])tr->lm[i], lmc);
                uint8_t *fg = malloc((size_t)S * S);
                float *alpha = malloc(sizeof *alpha * (size_t)S * S);
                fs_mask_from_landmarks(fg, S, (const float(*)[2])lmc);
                CHECK(fs_mask_paste_alpha(alpha, fg, S, 0, &err) == FS_OK);
                fs_paste_support(sup, W, H, S, alpha, kc);
                long n_sup = 0, out_f = 0, out_q = 0;
                for (size_t p = 0; p < (size_t)W * H; p++) {
                    if (!sup[p]) continue;
                    n_sup++;
                    out_f += !face[p];
                    out_q += !quad[p];
                }
                CHECK_MSG(n_sup > 0 && out_f == 0 && out_q == 0,
                          "%s frame %d S=%d: %ld support pixels, %ld outside the face region, %ld outside the quads",
                          clip, f, S, n_sup, out_f, out_q);
                if (f == 0 && S == 1024) {
                    long nf = 0;
                    for (size_t p = 0; p < (size_t)W * H; p++) nf += face[p];
                    printf("%s: paste support %ld px, face region %ld px (S=%d)\n", clip, n_sup, nf, S);
                }
                free(fg);
                free(alpha);
            }
        }
    }
    free(face);
    free(quad);
    free(sup);
    fs_aligned_tracks_destroy(t);
}

/* A stand-in face-embedding model for the TL-ID / TG-ID hook: the 8x8 aligned crop's pixels. */
static int toy_embed(void *user, const fs_image *frame, const double quad[4][2],
                     const float lm[FS_FACE_NUM_LANDMARKS][2], float *emb, fs_err *err) {
    (void)lm;
    (void)err;
    int *calls = user;
    (*calls)++;
    uint8_t px[8 * 8 * 3];
    fs_image crop = fs_image_view(px, 8, 8, 24);
    fs_align_crop(frame, quad, &crop, 1);
    for (int i = 0; i < 8 * 8 * 3; i++) emb[i] = px[i] / 255.0f + 0.1f;
    return FS_OK;
}

static int embed_calls = 0;

static int compute_opts(const char *a, const char *b, int64_t max_frames, int with_embed, fs_metrics *m, fs_err *err) {
    fs_metrics_opts o;
    fs_metrics_opts_default(&o);
    o.max_frames = max_frames;
    if (with_embed) {
        o.embed = toy_embed;
        o.embed_user = &embed_calls;
        o.embed_dim = 8 * 8 * 3;
        o.embed_name = "toy 8x8 crop";
    }
    return fs_metrics_compute(a, b, &o, m, err);
}

static int compute(const char *a, const char *b, int64_t max_frames, fs_metrics *m, fs_err *err) {
    return compute_opts(a, b, max_frames, 0, m, err);
}

int main(void) {
    const char *clip = test_shared_path("media/th_intel_headpose_male_480x270.mp4");
    const char *hopper = test_shared_path("media/synthetic_talking_head_grace_hopper_25fps_3s_aac.mp4");
    const char *broken = test_shared_path("media/broken_text_file.mp4");
    const char *truncated = test_shared_path("media/broken_truncated_moov_missing.mp4");
    fs_log_set_verbosity(0);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/fs_test_metrics_XXXXXX");
    if (!mkdtemp(tmpdir)) return 1;
    char noise[300], corner[300], shortv[300];
    snprintf(noise, sizeof noise, "%s/noise.mkv", tmpdir);
    snprintf(corner, sizeof corner, "%s/corner.mp4", tmpdir);
    snprintf(shortv, sizeof shortv, "%s/short.mp4", tmpdir);
    fs_err err = {0};

    /* the face region covers what the paste can touch */
    check_cover(clip, 1);
    check_cover(hopper, 1);

    /* 1. the clip against itself */
    fs_metrics m;
    CHECK_MSG(compute_opts(clip, clip, NFRAMES, 1, &m, &err) == FS_OK, "%s", err.msg);
    printf("self: bg %.1f dB (%.3f of pixels), flicker %.4f/%.4f ratio %.4f, jitter %.5f ratio %.4f shift %.5f\n",
           m.bg_psnr_db, m.bg_fraction, m.flicker_original, m.flicker_edited, m.flicker_ratio, m.lm_jitter_original,
           m.lm_jitter_ratio, m.lm_shift);
    CHECK(m.frames == NFRAMES && m.width == 480 && m.height == 270);
    CHECK(isinf(m.bg_psnr_db) && isinf(m.bg_psnr_min_db) && isinf(m.hull_psnr_db) && isinf(m.frame_psnr_db));
    CHECK(m.bg_max_abs_diff == 0 && m.bg_psnr_min_frame == -1);
    CHECK(m.bg_fraction > 0.5 && m.bg_fraction < 1.0 && m.hull_fraction > m.bg_fraction);
    CHECK(m.tracks_original == 1 && m.tracks_matched == 1 && m.faces_tracked_frames == NFRAMES);
    CHECK(m.flicker_pairs == NFRAMES - 1 && m.flicker_original > 0);
    CHECK(m.flicker_ratio == 1.0);
    CHECK(m.lm_pairs == NFRAMES - 1 && m.lm_jitter_original > 0 && m.lm_jitter_ratio == 1.0 && m.lm_shift == 0.0);
    /* the identity hook: an embedding model sees one face per frame in each video; self: TL = TG = 1 */
    CHECK(embed_calls == 2 * NFRAMES && m.id_frames == NFRAMES);
    CHECK_CLOSE(m.tl_id, 1.0, 1e-12);
    CHECK_CLOSE(m.tg_id, 1.0, 1e-12);
    CHECK(strstr(m.id_note, "toy 8x8 crop") != NULL);
    /* both videos' faces tracked the same way, here in chunks of 3 frames (fresh detections, warm-ups):
     * against itself the tracks are the same, to the bit */
    {
        fs_metrics_opts o;
        fs_metrics_opts_default(&o);
        o.max_frames = NFRAMES;
        o.track_chunk = 3;
        fs_metrics mc;
        CHECK_MSG(fs_metrics_compute(clip, clip, &o, &mc, &err) == FS_OK, "%s", err.msg);
        printf("self in chunks of 3: %d track(s), %d matched, jitter ratio %.6f, shift %.6f\n", mc.tracks_original,
               mc.tracks_matched, mc.lm_jitter_ratio, mc.lm_shift);
        CHECK(mc.tracks_original >= 1 && mc.tracks_matched == mc.tracks_original && mc.tracks_edited == mc.tracks_original);
        CHECK(mc.lm_pairs > 0 && mc.lm_jitter_ratio == 1.0 && mc.lm_shift == 0.0);
        fs_metrics_free(&mc);
    }
    double flicker_self = m.flicker_original;
    fs_metrics_free(&m);

    /* edited copies, with the original's tracks */
    fs_project_settings as;
    fs_project_settings_default(&as);
    as.max_frames = NFRAMES;
    fs_aligned_tracks *t = NULL;
    CHECK_MSG(fs_project_detect_tracks(clip, &as, NULL, &t, &err) == FS_OK, "%s", err.msg);
    if (!t) return check_finish();
    int corner_ok = 1;
    CHECK(write_edited(clip, t, EDIT_NOISE_FACE, NFRAMES, noise, &corner_ok) == 0);
    CHECK(write_edited(clip, t, EDIT_CORNER, NFRAMES, corner, &corner_ok) == 0);
    CHECK_MSG(corner_ok, "the painted corner must lie outside every quad and face region");
    CHECK(write_edited(clip, t, EDIT_CORNER, 6, shortv, &corner_ok) == 0);
    fs_aligned_tracks_destroy(t);

    /* 2. noise inside the faces only: background identical, face flicker up */
    CHECK_MSG(compute(clip, noise, NFRAMES, &m, &err) == FS_OK, "%s", err.msg);
    printf("noise in face: bg %.1f dB hull %.1f dB face %.2f dB, flicker %.4f -> %.4f (ratio %.3f), jitter ratio "
           "%.3f, shift %.4f\n",
           m.bg_psnr_db, m.hull_psnr_db, m.face_psnr_db, m.flicker_original, m.flicker_edited, m.flicker_ratio,
           m.lm_jitter_ratio, m.lm_shift);
    CHECK(isnan(m.tl_id) && isnan(m.tg_id) && strstr(m.id_note, "needs a face-embedding model"));
    CHECK(isinf(m.bg_psnr_db) && m.bg_max_abs_diff == 0);
    CHECK(isinf(m.hull_psnr_db) && m.hull_max_abs_diff == 0);
    CHECK(m.face_psnr_db > 10 && m.face_psnr_db < 40);
    CHECK(m.flicker_original == flicker_self);
    CHECK(m.flicker_edited > 2 * m.flicker_original && m.flicker_ratio > 2);
    CHECK(m.tracks_matched == 1 && m.lm_shift > 0); /* the noise moves the landmarks a little */
    fs_metrics_free(&m);

    /* 3. a painted corner: background PSNR drops, the face is untouched */
    CHECK_MSG(compute(clip, corner, NFRAMES, &m, &err) == FS_OK, "%s", err.msg);
    printf("corner: bg %.2f dB (worst %.2f at frame %lld, max |d| %d), face %.1f dB, flicker ratio %.4f, shift %.4f\n",
           m.bg_psnr_db, m.bg_psnr_min_db, (long long)m.bg_psnr_min_frame, m.bg_max_abs_diff, m.face_psnr_db,
           m.flicker_ratio, m.lm_shift);
    CHECK(m.bg_psnr_db < 40 && m.bg_psnr_min_db <= m.bg_psnr_db + 1e-9 && m.bg_max_abs_diff > 100);
    CHECK(m.bg_psnr_min_frame >= 0 && m.bg_psnr_min_frame < NFRAMES);
    CHECK(isinf(m.face_psnr_db));
    CHECK(m.flicker_ratio == 1.0);
    CHECK(m.tracks_matched == 1 && m.lm_shift < 0.005);
    fs_metrics_free(&m);

    /* 4. a shorter copy is refused (both files and both counts named), unless only its frames are compared */
    CHECK(compute(clip, shortv, NFRAMES, &m, &err) == FS_ERR);
    printf("short: %s\n", err.msg);
    CHECK(strstr(err.msg, shortv) && strstr(err.msg, clip) && strstr(err.msg, " 6 frames") && strstr(err.msg, "has 8"));
    CHECK(compute(clip, shortv, 0, &m, &err) == FS_ERR && strstr(err.msg, shortv));
    CHECK(compute(shortv, clip, 0, &m, &err) == FS_ERR && strstr(err.msg, shortv));
    CHECK_MSG(compute(clip, shortv, 6, &m, &err) == FS_OK, "%s", err.msg);
    CHECK(m.frames == 6 && m.bg_psnr_db < 40 && isinf(m.face_psnr_db));
    fs_metrics_free(&m);

    /* 5. different sizes, broken and missing files: FS_ERR naming the file, *m zeroed */
    CHECK(compute(clip, hopper, 4, &m, &err) == FS_ERR);
    printf("size: %s\n", err.msg);
    CHECK(strstr(err.msg, hopper) && strstr(err.msg, "512x600") && strstr(err.msg, "480x270"));
    CHECK(compute(clip, broken, 4, &m, &err) == FS_ERR && strstr(err.msg, "broken_text_file"));
    CHECK(compute(broken, clip, 4, &m, &err) == FS_ERR && strstr(err.msg, "broken_text_file"));
    CHECK(compute(truncated, clip, 4, &m, &err) == FS_ERR && strstr(err.msg, "broken_truncated_moov_missing"));
    CHECK(compute(clip, "/nonexistent/x.mp4", 4, &m, &err) == FS_ERR && strstr(err.msg, "/nonexistent/x.mp4"));
    CHECK(m.tracks == NULL && m.original == NULL);

    unlink(noise);
    unlink(corner);
    unlink(shortv);
    rmdir(tmpdir);
    return check_finish();
}
