/* metrics.h — how good an edited video is, measured against its original
 * (`facestitch metrics ORIGINAL EDITED`; docs/method.md §8).
 *
 *   fs_metrics_opts o; fs_metrics_opts_default(&o);
 *   o.max_frames = 100;                                     // only the first 100 frames (0 = all)
 *   fs_metrics m;
 *   if (fs_metrics_compute("talk.mp4", "young.mp4", &o, &m, &err)) ...;   // err names the file
 *   printf("%.2f dB\n", m.bg_psnr_db);                      // INFINITY when the background is untouched
 *   fs_metrics_write_json(&m, stdout);                      // or fs_metrics_print_text(&m, stdout)
 *   fs_metrics_free(&m);
 *
 * The two videos must have the same frame size and the same number of frames (capped at max_frames);
 * an edited video written by facestitch always does. Three passes, all streaming (memory does not
 * grow with the length except for a few KB of landmarks per frame, as in docs/design.md §2):
 *   pass 1  decode ORIGINAL, detect + track faces (fs_project_detect_tracks): 68 landmarks per frame and the
 *           smoothed FFHQ crop quad of every track;
 *   pass 2  decode ORIGINAL and EDITED in lockstep: pixel metrics below;
 *   pass 3  decode EDITED, its faces tracked exactly as pass 1 tracks ORIGINAL's (same detector, same
 *           chunks of opts.track_chunk frames) for the landmark metrics.
 *
 * Regions of frame t (all from the ORIGINAL's tracks, frame pixel indices, pixel i's centre at i):
 *   Q_t  crop quads: union over the tracks present at t of the smoothed aligned-crop quad, grown by
 *        margin_px. facestitch's paste never touches a pixel outside the crop quad (face/paste.h),
 *        whatever mask it uses (landmark hull or BiSeNet labels), so "outside Q" is the background
 *        facestitch guarantees to leave exactly as it was.
 *   F_t  face region: union over the tracks of the convex hull of the 68 landmarks with the forehead
 *        extension (face/mask.h fs_mask_hull), grown by face_margin × crop side + margin_px (a mitred
 *        offset of the polygon). The paste's Full region with landmark masks is the hull dilated by a
 *        50/1024 square in crop pixels (≤ 0.069 × side diagonally), so F covers it (tested against
 *        fs_paste_support at crop sizes 64..1024; crops under 64 px need a larger face_margin, 0.15
 *        covers 32). With BiSeNet masks (hair, neck) an edit may reach beyond F but never beyond Q.
 *   Q and F are recomputed the way facestitch computes its tracks (same detector, smoothing over the
 *   frames compared): compare with the same --max-frames the edit used, since smoothing near the last
 *   frame depends on where the video stops.
 *
 * Metrics (RGB, 8-bit values 0..255, each channel a sample):
 *   background PSNR   over all frames, MSE = Σ (orig − edit)² / #samples over pixels outside Q;
 *                     PSNR = 10 log10(255² / MSE) dB; INFINITY when MSE = 0 (JSON: 999, see below).
 *                     Also the minimum of the per-frame PSNRs, the frame where it occurs, the largest
 *                     absolute difference, and the fraction of pixels that are background. The same
 *                     outside F ("hull"), inside F ("face") and over the whole frame.
 *   flicker           for each consecutive pair (t−1, t) with pixels inside F_{t−1} ∩ F_t: the mean
 *                     |I_t − I_{t−1}| over those pixels; then the mean over such pairs, for ORIGINAL
 *                     and for EDITED (same pixels), and ratio = edited / original (≈ 1: the edit adds
 *                     no flicker; 1 when both are 0; NAN when only the original is 0).
 *   landmarks         the tracker run on EDITED; each ORIGINAL track is matched to the EDITED track
 *                     with the largest summed box IoU over their common frames (mean IoU ≥ 0.3, one to
 *                     one, greedy). With d = inter-ocular distance of the ORIGINAL at frame t (centres
 *                     of landmarks 36–41 and 42–47) and frames where both tracks have an observed (not
 *                     interpolated) face:
 *                       jitter = mean over consecutive observed pairs of mean_l |lm_t,l − lm_t−1,l| / d
 *                                for ORIGINAL and for EDITED (same normaliser), ratio = edited / original;
 *                       shift  = mean over observed frames of mean_l |lm_edit,l − lm_orig,l| / d
 *                                (how far the edit moved the face geometry, in inter-ocular distances).
 *                     Totals pool every matched track's pairs / frames.
 *   TL-ID / TG-ID     docs/method.md §8.1: needs a face-embedding model (opts.embed). Without one
 *                     they are NAN and id_note says why. With one: for every frame with a face, the
 *                     first ORIGINAL track present gives the face (its quad and landmarks), embedded in
 *                     both videos; frames without a face are left out of both.
 *
 * NAN means "not defined" (no face, no pair, no background pixel): JSON null, text "n/a".
 */
#ifndef FS_PIPELINE_METRICS_H
#define FS_PIPELINE_METRICS_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"
#include "face/track.h"
#include "image/image.h"
#include "pipeline/project/project.h"

/* The number JSON gives for an infinite PSNR (identical pixels). */
#define FS_METRICS_PSNR_INF_JSON 999.0

/* A face-embedding model for TL-ID / TG-ID: writes embed_dim floats for the face of `frame` at
 * `quad` (TL, BL, BR, TR, frame pixels) with landmarks lm. Need not be normalised. */
typedef int (*fs_face_embed_fn)(void *user, const fs_image *frame, const double quad[4][2],
                                const float lm[FS_FACE_NUM_LANDMARKS][2], float *emb, fs_err *err);

/* Per-frame figures, handed to opts.frame_fn as pass 2 goes (e.g. a CSV). PSNRs as above (INFINITY,
 * NAN); flicker_* are NAN on the first frame and when no face pixel is in both frames. */
typedef struct fs_metrics_frame {
    int64_t frame;
    int faces;                  /* ORIGINAL tracks present */
    double bg_psnr_db, hull_psnr_db, face_psnr_db, frame_psnr_db;
    double flicker_original, flicker_edited;
} fs_metrics_frame;
typedef int (*fs_metrics_frame_fn)(void *user, const fs_metrics_frame *f, fs_err *err);

typedef struct fs_metrics_opts {
    int64_t max_frames;     /* compare only the first N frames (0 = all) */
    int64_t track_chunk;    /* both videos' faces are tracked in chunks of N frames (the parameter track_chunk,
                               src/pipeline/params.h; 0 = one pass): compare with the value the edit used */
    double face_margin;     /* F: hull grown by this fraction of the crop side (0.10) */
    double margin_px;       /* F and Q: grown by this many more frame pixels (1.5) */
    fs_face_embed_fn embed; /* NULL: TL-ID / TG-ID not available */
    void *embed_user;
    int embed_dim;          /* floats per embedding (512 for ArcFace) */
    const char *embed_name; /* shown in the report */
    fs_metrics_frame_fn frame_fn; /* NULL: none; a non-zero return stops with that error */
    void *frame_user;
} fs_metrics_opts;

typedef struct fs_metrics_track {
    int id;                 /* ORIGINAL track id */
    int edited_id;          /* matched EDITED track id, -1 when none */
    double match_iou;       /* mean box IoU over the common frames (NAN when unmatched) */
    int frames;             /* frames of the ORIGINAL track */
    int common_frames;      /* frames both observed (used for shift) */
    int pairs;              /* consecutive pairs both observed in both (used for jitter) */
    double jitter_original, jitter_edited, jitter_ratio, shift;
} fs_metrics_track;

typedef struct fs_metrics {
    char *original, *edited;            /* paths (owned) */
    int64_t frames;
    int width, height;
    double fps;
    /* outside the crop quads Q */
    double bg_psnr_db, bg_psnr_min_db;
    int64_t bg_psnr_min_frame;          /* -1 when every frame is identical there (or none has background) */
    double bg_fraction;                 /* background pixels / all pixels */
    int bg_max_abs_diff;                /* 0..255 */
    /* outside the face region F */
    double hull_psnr_db, hull_psnr_min_db, hull_fraction;
    int hull_max_abs_diff;
    /* inside F; whole frame */
    double face_psnr_db, frame_psnr_db;
    /* flicker of the face region */
    double flicker_original, flicker_edited, flicker_ratio;
    int64_t flicker_pairs;
    /* landmarks */
    int tracks_original, tracks_edited, tracks_matched;
    int64_t faces_tracked_frames;       /* frames where the ORIGINAL has at least one face */
    double lm_jitter_original, lm_jitter_edited, lm_jitter_ratio, lm_shift;
    int64_t lm_pairs, lm_frames;
    int track_count;                    /* = tracks_original */
    fs_metrics_track *tracks;           /* (track_count) owned */
    /* identity (TL-ID / TG-ID) */
    double tl_id, tg_id;                /* NAN when not available */
    int64_t id_frames;                  /* frames embedded */
    char id_note[160];                  /* "n/a: needs a face-embedding model", or the model's name */
    /* face-api's view (metrics/faceapi.h; NAN / 0 without it): mean cosine of each edited face to the
     * same frame's original, and mean edited - original estimated age and happy probability */
    double identity_to_source, age_delta, happy_delta;
    int64_t effect_frames;
    double seconds;                     /* wall time */
} fs_metrics;

void fs_metrics_opts_default(fs_metrics_opts *o);

/* Both passes. On failure *m is left zeroed (nothing to free) and err names the file:
 * "b.mp4: has 6 frames, a.mp4 has 75 ...", "b.mp4: frames are 480x270, a.mp4's are 512x600", or the
 * decoder's message for a broken file. */
int fs_metrics_compute(const char *original, const char *edited, const fs_metrics_opts *o, fs_metrics *m,
                       fs_err *err);
void fs_metrics_free(fs_metrics *m);

/* One JSON object (keys: see docs in cmd_metrics --help): numbers; null for NAN; FS_METRICS_PSNR_INF_JSON
 * for an infinite PSNR; "tracks": [{"id","edited_id","match_iou","frames","common_frames","pairs",
 * "jitter_original","jitter_edited","jitter_ratio","shift"}]. */
void fs_metrics_write_json(const fs_metrics *m, FILE *fp);
/* A readable table. */
void fs_metrics_print_text(const fs_metrics *m, FILE *fp);

/* ---- pieces, public for tests and other pipeline stages ---- */

/* Ors into mask (w×h bytes, row-major) the pixels within `margin` of the convex polygon xy (n points,
 * x,y pairs, any orientation): the mitred offset, i.e. every pixel centre p with
 * max over edges of the signed distance to the edge's line ≤ margin. Fewer than 3 points or a
 * degenerate polygon: nothing. */
void fs_metrics_fill_convex(uint8_t *mask, int w, int h, const float *xy, int n, double margin);

/* Regions of frame `frame` (w×h bytes each, overwritten; either may be NULL): face = F_t, quad = Q_t. */
void fs_metrics_frame_masks(const fs_aligned_tracks *t, int frame, const fs_metrics_opts *o, uint8_t *face,
                            uint8_t *quad);

/* Landmark stability of EDITED's tracks against ORIGINAL's (see above); fills tracks_*, lm_*,
 * track_count/tracks (replacing any) of m. */
int fs_metrics_landmarks(const fs_aligned_tracks *orig, const fs_aligned_tracks *edit, fs_metrics *m, fs_err *err);

/* TL-ID and TG-ID from n embeddings of d floats per video (row i = frame i; normalised here):
 * R = (E_e E_eᵀ) ⊘ (E_s E_sᵀ), TL = mean R[i][i+1], TG = mean of R off the diagonal. Pairs whose source
 * similarity is ~0 (|S| < 1e-6) are skipped. n < 2: NAN. O(n² d) flops by GEMM tiles of 256 x 256
 * frames (memory O(n d)); _ref: the same with plain loops (tests compare them). */
int fs_metrics_identity(const float *e_src, const float *e_edit, int64_t n, int d, double *tl, double *tg,
                        fs_err *err);
int fs_metrics_identity_ref(const float *e_src, const float *e_edit, int64_t n, int d, double *tl, double *tg,
                            fs_err *err);

/* 10 log10(255² / (sse / count)); INFINITY when sse == 0, NAN when count == 0. */
double fs_metrics_psnr(double sse, int64_t count);

#endif
