/* track.c — faces followed through a video (see track.h).
 *
 * Per frame:
 *  1. Tracking: every track seen in the last max_gap+1 frames gets the box its last landmarks
 *     imply (the predictor's mean shape fitted to them by a similarity,
 *     fs_shape_box_from_landmarks), the predictor runs in that box, and the box is refitted to
 *     the new landmarks and the predictor run once more (a fixed-point step that makes the
 *     landmarks nearly independent of the starting box).
 *  2. Confirmation: unless a full detection confirms it, a tracked face must be re-found by a
 *     cascade in a small region and scale range around it, resampled upright along the eye line
 *     (frontal, profile both ways; then frontal with the eye line turned by +-20 degrees);
 *     otherwise the track has no observation in this frame.
 *  3. Full detection: the frontal cascade (alt2) on the frame shrunk to det_max_width, plus the
 *     profile cascade both ways at half that size; on the first frame, every `redetect_every`
 *     frames, whenever no track is active, and in any frame where a track was lost.
 *     Detections matching a track (IoU of the predictor boxes > 0.3) confirm it; others resume a
 *     track lost at most max_gap frames ago nearby, or start a new track if strong enough
 *     (neighbours >= min_neighbors and >= 0.12 per pixel of box side; below 0.25 per pixel the
 *     middle of the face must also have a skin-like chroma, unless the frame is grey).
 *  4. finish(): gaps of at most max_gap frames inside a track are filled by linear interpolation
 *     (interpolated = 1); tracks with fewer than min_track_len observed frames are dropped; ids
 *     are renumbered 0.. in order of first appearance.
 *
 * Box calibration (Haar -> the box dlib's predictor was trained with): the predictor was trained
 * on dlib HOG boxes, whose average relation to the landmarks is the model's mean shape (the
 * training shapes normalised by their boxes). For 110 faces found by haarcascade_frontalface_alt2
 * (every 10th frame of the shared talking-head / group clips, and the shared photos) we iterated
 * box -> landmarks -> mean-shape box to its fixed point (tests/face/face_calibrate.c); relative to
 * the Haar box that box has side 0.908 +- 0.084, centre x -0.001 +- 0.020 and centre y
 * +0.068 +- 0.031 (in Haar box sides). A detection is therefore mapped by HAAR_SCALE / HAAR_DY
 * below and refined by one fixed-point step; the landmarks are then 0.030 of the inter-ocular
 * distance (mean over the 68 points) from the fixed point's, against 0.039 from the raw Haar box.
 * Profile detections start from a box shifted 0.13 sides towards the face and refine twice.
 * Every refinement runs the predictor in the face-upright frame (fs_shape_predict_affine with the
 * mean shape placed by scale, centre and eye-line angle), so rolled heads (~40 degrees in
 * multi_intel_headpose_two_people) keep accurate landmarks and stay tracked.
 */
#include "face/track.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "face/detect.h"
#include "face/shape_predictor.h"

#define HAAR_SCALE 0.91f /* predictor box side / Haar box side */
#define HAAR_DY 0.07f    /* predictor box centre y - Haar centre y, in Haar box sides */
#define NLM FS_FACE_NUM_LANDMARKS

typedef struct trk {
    int id;
    int alive;           /* may still be continued */
    int last_frame;      /* frame of the last real observation */
    float box[4];        /* predictor box at last_frame */
    float lm[2 * NLM];   /* landmarks at last_frame */
    int count, cap;      /* observations */
    fs_face_obs *obs;
    int seen_now;        /* observed in the current frame */
} trk;

struct fs_face_tracker {
    fs_face_tracker_opts o;
    fs_haar_cascade *frontal, *profile;
    fs_shape_predictor *sp;
    trk *t;
    int nt, capt;
    int next_id;
    int last_index;      /* last frame index pushed */
    int last_detect;     /* frame of the last full detection */
    int need_detect;
    int pushed;          /* frames pushed since create or the last reset */
    fs_face_tracker_stats st;
};

void fs_face_tracker_opts_default(fs_face_tracker_opts *o) {
    memset(o, 0, sizeof *o);
    o->cascade_path = NULL;
    o->predictor_path = NULL;
    o->redetect_every = 10;
    o->max_gap = 5;
    o->min_face = 32;
    o->profile_path = NULL;
    o->det_max_width = 640;
    o->min_neighbors = 4;
    o->min_track_len = 3;
}

int fs_face_tracker_create(const fs_face_tracker_opts *o, fs_face_tracker **out, fs_err *err) {
    fs_face_tracker_opts def;
    if (!o) {
        fs_face_tracker_opts_default(&def);
        o = &def;
    }
    if (o->redetect_every < 1 || o->max_gap < 0 || o->min_face < 0 || o->det_max_width < 0 || o->min_neighbors < 0)
        return fs_errorf(err, "face tracker: bad options (redetect_every >= 1, max_gap >= 0, min_face >= 0)");
    fs_face_tracker *tr = calloc(1, sizeof *tr);
    if (!tr) return fs_errorf(err, "out of memory");
    tr->o = *o;
    if (tr->o.det_max_width == 0) tr->o.det_max_width = 1 << 30;
    tr->last_index = -1;
    tr->last_detect = -1000000;
    const char *cp = o->cascade_path ? o->cascade_path : FS_HAAR_DIR "/haarcascade_frontalface_alt2.xml";
    if (fs_haar_cascade_load(cp, &tr->frontal, err)) {
        if (!o->cascade_path && err)
            fs_errorf(err, "%s: cannot read the face detector (%s); install Debian's opencv-data "
                           "(scripts/install-deps)",
                      cp, err->msg);
        fs_face_tracker_destroy(tr);
        return FS_ERR;
    }
    if (!(o->profile_path && !o->profile_path[0])) {
        const char *pp = o->profile_path ? o->profile_path : FS_HAAR_DIR "/haarcascade_profileface.xml";
        fs_err e2 = {0};
        if (fs_haar_cascade_load(pp, &tr->profile, &e2)) {
            if (o->profile_path) {
                if (err) *err = e2;
                fs_face_tracker_destroy(tr);
                return FS_ERR;
            }
            fs_verbose("face tracker: no profile cascade (%s); turned faces will be lost sooner", e2.msg);
            tr->profile = NULL;
        }
    }
    const char *sp = o->predictor_path ? o->predictor_path : FS_SHAPE_PREDICTOR_68;
    if (fs_shape_predictor_load(sp, &tr->sp, err)) {
        fs_face_tracker_destroy(tr);
        return FS_ERR;
    }
    if (tr->sp->num_parts != NLM) {
        fs_errorf(err, "%s: predictor has %d landmarks, want %d (use shape_predictor_68_face_landmarks.dat)", sp,
                  tr->sp->num_parts, NLM);
        fs_face_tracker_destroy(tr);
        return FS_ERR;
    }
    *out = tr;
    return FS_OK;
}

void fs_face_tracker_destroy(fs_face_tracker *tr) {
    if (!tr) return;
    fs_haar_cascade_destroy(tr->frontal);
    fs_haar_cascade_destroy(tr->profile);
    fs_shape_predictor_destroy(tr->sp);
    for (int i = 0; i < tr->nt; i++) free(tr->t[i].obs);
    free(tr->t);
    free(tr);
}

void fs_face_tracker_get_stats(const fs_face_tracker *tr, fs_face_tracker_stats *st) { *st = tr->st; }

/* ---------------------------------------------------------------- helpers */

static float iou(const float *a, const float *b) {
    float ix = fminf(a[2], b[2]) - fmaxf(a[0], b[0]), iy = fminf(a[3], b[3]) - fmaxf(a[1], b[1]);
    if (ix <= 0 || iy <= 0) return 0;
    float in = ix * iy, ua = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - in;
    return ua > 0 ? in / ua : 0;
}

/* landmarks from a starting box, then one fixed-point refinement; box_out = refined box */
/* One refinement: the mean shape fitted to `lm` by a similarity (rotation included) places the
 * unit box, and the predictor runs in that face-upright frame. */
static void refine(fs_face_tracker *tr, const fs_image *im, float *lm) {
    double T[6];
    fs_shape_fit_mean(tr->sp, lm, T);
    fs_shape_predict_affine(tr->sp, im, T, lm);
}

/* landmarks from a starting box (axis-aligned, as dlib's detector gives), then one refinement;
 * box_out = the axis-aligned box the final landmarks imply */
static void landmarks_from_box(fs_face_tracker *tr, const fs_image *im, const float box[4], float *lm,
                               float box_out[4]) {
    double t0 = fs_now_seconds();
    fs_shape_predict(tr->sp, im, box, lm);
    refine(tr, im, lm);
    fs_shape_box_from_landmarks(tr->sp, lm, box_out);
    tr->st.landmark_s += fs_now_seconds() - t0;
}

/* tracking: from the previous landmarks, two refinements */
static void landmarks_from_landmarks(fs_face_tracker *tr, const fs_image *im, const float *prev, float *lm,
                                     float box_out[4]) {
    double t0 = fs_now_seconds();
    memcpy(lm, prev, sizeof(float) * 2 * NLM);
    refine(tr, im, lm);
    refine(tr, im, lm);
    fs_shape_box_from_landmarks(tr->sp, lm, box_out);
    tr->st.landmark_s += fs_now_seconds() - t0;
}

static void haar_to_pred(const float *h, float *p) {
    float s = h[2] - h[0], cx = (h[0] + h[2]) / 2, cy = (h[1] + h[3]) / 2 + HAAR_DY * s, hs = HAAR_SCALE * s / 2;
    p[0] = cx - hs;
    p[1] = cy - hs;
    p[2] = cx + hs;
    p[3] = cy + hs;
}

/* p reallocated to twice *cap elements of `size` bytes (first_cap when empty); *cap updated on success.
 * NULL (p untouched) when out of memory. */
static void *grow(void *p, int *cap, size_t size, int first_cap) {
    const int nc = *cap ? *cap * 2 : first_cap;
    void *q = realloc(p, size * (size_t)nc);
    if (q) *cap = nc;
    return q;
}

static int add_obs(trk *t, int frame, const float *box, const float *lm, int interpolated) {
    if (t->count == t->cap) {
        fs_face_obs *o = grow(t->obs, &t->cap, sizeof *o, 64);
        if (!o) return FS_ERR;
        t->obs = o;
    }
    fs_face_obs *o = &t->obs[t->count++];
    memset(o, 0, sizeof *o);
    o->frame = frame;
    memcpy(o->box, box, sizeof o->box);
    memcpy(o->lm, lm, sizeof o->lm);
    o->interpolated = interpolated;
    return FS_OK;
}

/* Detections with one cascade (optionally on the mirrored image), in the coordinates of g. */
static int run_cascade(const fs_haar_cascade *c, const fs_gray *g, int mirror, const fs_detect_opts *o,
                       fs_detection **d, int *n, fs_err *err) {
    if (!mirror) return fs_haar_detect(c, g, o, d, n, err);
    fs_gray m = {g->w, g->h, malloc((size_t)g->w * g->h)};
    if (!m.px) return fs_errorf(err, "out of memory");
    for (int y = 0; y < g->h; y++)
        for (int x = 0; x < g->w; x++) m.px[(size_t)y * g->w + x] = g->px[(size_t)y * g->w + (g->w - 1 - x)];
    int rc = fs_haar_detect(c, &m, o, d, n, err);
    fs_gray_free(&m);
    for (int i = 0; rc == FS_OK && i < *n; i++) {
        float x0 = (*d)[i].x0, x1 = (*d)[i].x1;
        (*d)[i].x0 = g->w - x1;
        (*d)[i].x1 = g->w - x0;
    }
    return rc;
}

/* One confirmation try: the region around the expected Haar box, resampled so that the eye
 * line (cs_, sn) is horizontal, searched over scales 0.7..1.45. 1 found, 0 not, -1 error. */
static int verify_at(fs_face_tracker *tr, const fs_gray *dg, float ds, const float *pred, float cs_, float sn,
                     int frontal_only, fs_err *err) {
    double t0 = fs_now_seconds();
    float s = (pred[2] - pred[0]) / HAAR_SCALE * ds;                /* expected Haar side, dg pixels */
    float pcx = (pred[0] + pred[2]) / 2 * ds, pcy = (pred[1] + pred[3]) / 2 * ds;
    float hcx = pcx + HAAR_DY * s * sn, hcy = pcy - HAAR_DY * s * cs_; /* minus HAAR_DY along "down" */
    int m = (int)ceilf(0.8f * s), side = 2 * m;
    if (side < 24 || s < 16) {
        tr->st.verify_s += fs_now_seconds() - t0;
        return 0;
    }
    fs_gray crop = {side, side, malloc((size_t)side * side)};
    if (!crop.px) return fs_errorf(err, "out of memory"), -1;
    int outside = 0;
    for (int v = 0; v < side; v++)
        for (int u = 0; u < side; u++) {
            float du = u + 0.5f - m, dv = v + 0.5f - m;
            float x = hcx + du * cs_ - dv * sn - 0.5f, y = hcy + du * sn + dv * cs_ - 0.5f;
            int x0 = (int)floorf(x), y0 = (int)floorf(y);
            float ax = x - x0, ay = y - y0;
            uint8_t val = 0;
            if (x0 >= 0 && y0 >= 0 && x0 + 1 < dg->w && y0 + 1 < dg->h) {
                const uint8_t *r0 = dg->px + (size_t)y0 * dg->w + x0, *r1 = r0 + dg->w;
                float top = r0[0] + ax * (r0[1] - r0[0]), bot = r1[0] + ax * (r1[1] - r1[0]);
                val = (uint8_t)(top + ay * (bot - top) + 0.5f);
            } else {
                outside++;
            }
            crop.px[(size_t)v * side + u] = val;
        }
    int found = 0;
    fs_detect_opts o;
    fs_detect_opts_default(&o);
    o.min_neighbors = 1;
    o.min_size = (int)(0.7f * s);
    o.max_size = (int)ceilf(1.45f * s);
    o.threads = 1;
    float hb[4] = {m - s / 2, m - s / 2, m + s / 2, m + s / 2};
    const fs_haar_cascade *cs[3] = {tr->frontal, frontal_only ? NULL : tr->profile, frontal_only ? NULL : tr->profile};
    for (int k = 0; k < 3 && !found && outside < side * side / 4; k++) {
        if (!cs[k]) continue;
        fs_detection *d = NULL;
        int n = 0;
        if (run_cascade(cs[k], &crop, k == 2, &o, &d, &n, err)) {
            fs_gray_free(&crop);
            return -1;
        }
        for (int i = 0; i < n && !found; i++) {
            float db[4] = {d[i].x0, d[i].y0, d[i].x1, d[i].y1};
            /* profile boxes sit off-centre on the face: accept any solid overlap */
            if (iou(db, hb) > (k == 0 ? 0.3f : 0.2f)) found = 1;
        }
        free(d);
    }
    fs_gray_free(&crop);
    tr->st.verify_s += fs_now_seconds() - t0;
    return found;
}

/* Is there a face near `pred` (predictor box, frame pixels) whose landmarks are `lm`? Tried with
 * the face upright by its eye line (frontal, then profile both ways), then with the eye line
 * turned by +-20 degrees (frontal), since landmarks lag behind a quickly rolling head. */
static int verify(fs_face_tracker *tr, const fs_gray *dg, float ds, const float *pred, const float *lm, fs_err *err) {
    float ex = 0, ey = 0;
    for (int p = 36; p < 42; p++) {
        ex -= lm[2 * p] / 6;
        ey -= lm[2 * p + 1] / 6;
    }
    for (int p = 42; p < 48; p++) {
        ex += lm[2 * p] / 6;
        ey += lm[2 * p + 1] / 6;
    }
    float en = sqrtf(ex * ex + ey * ey);
    float c = en > 0 ? ex / en : 1, sn = en > 0 ? ey / en : 0; /* eye line direction */
    int v = verify_at(tr, dg, ds, pred, c, sn, 0, err);
    const float c20 = 0.93969262f, s20 = 0.34202014f;
    for (int k = 0; k < 2 && v == 0; k++) {
        float sg = k ? -1.f : 1.f;
        v = verify_at(tr, dg, ds, pred, c * c20 - sg * sn * s20, sn * c20 + sg * c * s20, 1, err);
    }
    return v;
}

static trk *new_track(fs_face_tracker *tr) {
    if (tr->nt == tr->capt) {
        trk *t = grow(tr->t, &tr->capt, sizeof *t, 8);
        if (!t) return NULL;
        tr->t = t;
    }
    trk *t = &tr->t[tr->nt++];
    memset(t, 0, sizeof *t);
    t->id = tr->next_id++;
    t->alive = 1;
    t->last_frame = -1;
    return t;
}

static int observe(trk *t, int frame, const float *box, const float *lm) {
    if (add_obs(t, frame, box, lm, 0)) return FS_ERR;
    memcpy(t->box, box, sizeof t->box);
    memcpy(t->lm, lm, sizeof t->lm);
    t->last_frame = frame;
    t->seen_now = 1;
    return FS_OK;
}

/* Does the middle of the face (nose and cheeks, from the landmarks) have a skin-like chroma?
 * Used only for weak new candidates. BT.601 Cr/Cb of the mean colour; grey frames pass. */
static int skin_like(const fs_image *im, const float *lm) {
    static const int pts[][2] = {{29, 29}, {30, 30}, {33, 33}, {31, 2}, {35, 14}, {31, 3}, {35, 13}, {28, 28}};
    double r = 0, g = 0, b = 0;
    int n = 0;
    for (size_t k = 0; k < sizeof pts / sizeof pts[0]; k++) {
        float x = (lm[2 * pts[k][0]] + lm[2 * pts[k][1]]) / 2, y = (lm[2 * pts[k][0] + 1] + lm[2 * pts[k][1] + 1]) / 2;
        int xi = (int)lroundf(x), yi = (int)lroundf(y);
        for (int dy = -1; dy <= 1; dy++)
            for (int dx = -1; dx <= 1; dx++) {
                int X = xi + dx, Y = yi + dy;
                if (X < 0 || Y < 0 || X >= im->w || Y >= im->h) continue;
                const uint8_t *p = fs_image_px(im, X, Y);
                r += p[0];
                g += p[1];
                b += p[2];
                n++;
            }
    }
    if (n == 0) return 0;
    r /= n;
    g /= n;
    b /= n;
    double cr = 128 + 0.5 * r - 0.418688 * g - 0.081312 * b, cb = 128 - 0.168736 * r - 0.331264 * g + 0.5 * b;
    if (fabs(cr - 128) < 3 && fabs(cb - 128) < 3) return 1; /* grey: no colour to judge */
    return cr >= 133 && cr <= 185 && cb >= 70 && cb <= 135;
}

/* A face found by a full detection: predictor box (refined), landmarks, detector strength. */
typedef struct cand {
    float box[4];
    float lm[2 * NLM];
    int neighbors;
    float side_det;   /* Haar box side in detection-image pixels (frontal scale) */
} cand;

typedef struct cands {
    cand *c;
    int n, cap;
} cands;

static int cands_push(cands *cs, const cand *c) {
    if (cs->n == cs->cap) {
        int nc = cs->cap ? cs->cap * 2 : 8;
        cand *p = realloc(cs->c, sizeof *p * (size_t)nc);
        if (!p) return FS_ERR;
        cs->c = p;
        cs->cap = nc;
    }
    cs->c[cs->n++] = *c;
    return FS_OK;
}

/* Full detection by an external detector (opts.detector): its boxes mapped to predictor boxes by
 * the detector's calibration, landmarks refined as for Haar boxes. Candidates count as strong (the
 * detector has its own threshold). */
static int external_detect(fs_face_tracker *tr, const fs_image *frame, cands *out, fs_err *err) {
    const fs_face_detector *det = tr->o.detector;
    enum { MAXB = 100 };
    float boxes[MAXB][4];
    int n = 0;
    double t0 = fs_now_seconds();
    if (det->detect(det->ctx, frame, boxes, MAXB, &n, err)) return FS_ERR;
    tr->st.detect_s += fs_now_seconds() - t0;
    for (int j = 0; j < n && j < MAXB; j++) {
        const float *b = boxes[j];
        float w = b[2] - b[0], h = b[3] - b[1];
        if (!(w > 0 && h > 0)) continue;
        float s = sqrtf(w * h);
        if (s * det->box_scale < (float)tr->o.min_face) continue;
        float cx = (b[0] + b[2]) / 2 + det->box_dx * s, cy = (b[1] + b[3]) / 2 + det->box_dy * s,
              hs = det->box_scale * s / 2;
        float pb[4] = {cx - hs, cy - hs, cx + hs, cy + hs};
        cand c;
        landmarks_from_box(tr, frame, pb, c.lm, c.box);
        c.neighbors = 1 << 20;
        c.side_det = 1;
        if (cands_push(out, &c)) return fs_errorf(err, "out of memory");
    }
    return FS_OK;
}

/* opts.detector's landmarks (when set) replace the dlib points reported for this frame's
 * observations; tracking goes on from dlib's. */
static int external_landmarks(fs_face_tracker *tr, const fs_image *frame, int idx, fs_err *err) {
    const fs_face_detector *det = tr->o.detector;
    if (!det || !det->landmarks) return FS_OK;
    for (int i = 0; i < tr->nt; i++) {
        trk *t = &tr->t[i];
        if (!t->seen_now || !t->count || t->obs[t->count - 1].frame != idx) continue;
        fs_face_obs *o = &t->obs[t->count - 1];
        if (det->landmarks(det->ctx, frame, o->box, &o->lm[0][0], err)) return FS_ERR;
    }
    return FS_OK;
}

/* Full detection: the frontal cascade on dg, and (when loaded) the profile cascade both ways on
 * dg shrunk by 2 (turned faces are large in the clips that matter; this keeps the cost at about
 * half of the frontal pass). Profile hits on a face the frontal pass found are dropped. */
static int full_detect(fs_face_tracker *tr, const fs_image *frame, const fs_gray *dg, float ds, cands *out,
                       fs_err *err) {
    if (tr->o.detector && tr->o.detector->detect) return external_detect(tr, frame, out, err);
    double t0 = fs_now_seconds();
    fs_detect_opts o;
    fs_detect_opts_default(&o);
    o.min_neighbors = tr->o.min_neighbors > 2 ? 2 : tr->o.min_neighbors;
    o.min_size = (int)(tr->o.min_face * ds / HAAR_SCALE);
    fs_detection *d = NULL;
    int nd = 0;
    if (run_cascade(tr->frontal, dg, 0, &o, &d, &nd, err)) return FS_ERR;
    tr->st.detect_s += fs_now_seconds() - t0;
    for (int j = 0; j < nd; j++) {
        cand c;
        float hb[4] = {d[j].x0 / ds, d[j].y0 / ds, d[j].x1 / ds, d[j].y1 / ds}, pb[4];
        haar_to_pred(hb, pb);
        landmarks_from_box(tr, frame, pb, c.lm, c.box);
        c.neighbors = d[j].neighbors;
        c.side_det = d[j].x1 - d[j].x0;
        if (cands_push(out, &c)) {
            free(d);
            return fs_errorf(err, "out of memory");
        }
    }
    free(d);
    if (!tr->profile || dg->w < 80 || dg->h < 80) return FS_OK;
    t0 = fs_now_seconds();
    fs_gray half;
    if (fs_gray_resize(dg, dg->w / 2, dg->h / 2, &half, err)) return FS_ERR;
    float hs = ds * ((float)(dg->w / 2) / dg->w); /* half-image pixels per frame pixel */
    o.min_size = (int)(tr->o.min_face * hs / HAAR_SCALE);
    o.scale_factor = 1.2f; /* a coarser pyramid: the profile pass costs as much as the frontal one otherwise */
    int nfront = out->n;
    for (int mir = 0; mir < 2; mir++) {
        if (run_cascade(tr->profile, &half, mir, &o, &d, &nd, err)) {
            fs_gray_free(&half);
            return FS_ERR;
        }
        for (int j = 0; j < nd; j++) {
            cand c;
            float hb[4] = {d[j].x0 / hs, d[j].y0 / hs, d[j].x1 / hs, d[j].y1 / hs}, pb[4];
            /* the profile box sits off the face centre, towards the back of the head:
             * start from a smaller box shifted to the face side, then refine twice */
            float sd = hb[2] - hb[0], cx = (hb[0] + hb[2]) / 2 + (mir ? 0.13f : -0.13f) * sd,
                  cy = (hb[1] + hb[3]) / 2 + 0.10f * sd, h2 = 0.82f * sd / 2;
            pb[0] = cx - h2;
            pb[1] = cy - h2;
            pb[2] = cx + h2;
            pb[3] = cy + h2;
            float b1[4];
            landmarks_from_box(tr, frame, pb, c.lm, b1);
            landmarks_from_box(tr, frame, b1, c.lm, c.box);
            int dup = 0;
            for (int k = 0; k < out->n && !dup; k++) dup = iou(out->c[k].box, c.box) > 0.3f;
            (void)nfront;
            if (dup) continue;
            c.neighbors = d[j].neighbors;
            /* strength is judged on the frontal scale: a profile hit on the half image counts double size */
            c.side_det = (d[j].x1 - d[j].x0) * 2;
            if (cands_push(out, &c)) {
                free(d);
                fs_gray_free(&half);
                return fs_errorf(err, "out of memory");
            }
        }
        free(d);
    }
    fs_gray_free(&half);
    tr->st.detect_s += fs_now_seconds() - t0;
    return FS_OK;
}

/* ---------------------------------------------------------------- push */

int fs_face_tracker_push(fs_face_tracker *tr, const fs_image *frame, int idx, fs_err *err) {
    if (!frame || frame->w <= 0 || frame->h <= 0) return fs_errorf(err, "face tracker: empty frame %d", idx);
    if (idx <= tr->last_index)
        return fs_errorf(err, "face tracker: frame %d pushed after frame %d (frames must come in order)", idx,
                         tr->last_index);
    int prev = tr->last_index;
    tr->last_index = idx;
    tr->st.frames++;
    tr->pushed++;
    fs_gray g = {0}, dg = {0};
    if (fs_gray_from_image(frame, &g, err)) return FS_ERR;
    float ds = 1.0f;
    if (frame->w > tr->o.det_max_width) {
        int dw = tr->o.det_max_width, dh = (int)lround((double)frame->h * dw / frame->w);
        if (dh < 1) dh = 1;
        if (fs_gray_resize(&g, dw, dh, &dg, err)) {
            fs_gray_free(&g);
            return FS_ERR;
        }
        ds = (float)dw / frame->w;
        fs_gray_free(&g);
    } else {
        dg = g;
    }
    int rc = FS_OK;
    for (int i = 0; i < tr->nt; i++) tr->t[i].seen_now = 0;

    /* 1-2: track faces seen in the previous frame */
    int ntracked = 0, any_lost = 0;
    float (*tb)[4] = NULL, (*tl)[2 * NLM] = NULL;
    int *tix = NULL;
    if (tr->nt) {
        tb = malloc(sizeof *tb * (size_t)tr->nt);
        tl = malloc(sizeof *tl * (size_t)tr->nt);
        tix = malloc(sizeof *tix * (size_t)tr->nt);
        if (!tb || !tl || !tix) {
            rc = fs_errorf(err, "out of memory");
            goto done;
        }
    }
    for (int i = 0; i < tr->nt; i++) {
        trk *t = &tr->t[i];
        /* also tracks lost a few frames ago: re-found where they were, the gap gets interpolated */
        if (!t->alive || t->last_frame < 0 || idx - t->last_frame > tr->o.max_gap + 1) continue;
        landmarks_from_landmarks(tr, frame, t->lm, tl[ntracked], tb[ntracked]);
        tix[ntracked++] = i;
    }
    int detect_now = tr->need_detect || ntracked == 0 || idx - tr->last_detect >= tr->o.redetect_every;
    int *confirmed = calloc((size_t)(ntracked ? ntracked : 1), sizeof(int));
    if (!confirmed) {
        rc = fs_errorf(err, "out of memory");
        goto done;
    }
    if (!detect_now) {
        for (int k = 0; k < ntracked; k++) {
            int v = verify(tr, &dg, ds, tb[k], tl[k], err);
            if (v < 0) {
                rc = FS_ERR;
                free(confirmed);
                goto done;
            }
            confirmed[k] = v;
            if (!v) any_lost = 1;
        }
        if (any_lost) detect_now = 1; /* the face may have jumped: look everywhere now */
    }

    /* 3: full detection */
    if (detect_now) {
        cands cs = {0};
        if (full_detect(tr, frame, &dg, ds, &cs, err)) {
            free(cs.c);
            free(confirmed);
            rc = FS_ERR;
            goto done;
        }
        tr->st.detections_run++;
        tr->last_detect = idx;
        int nd = cs.n;
        int *used = calloc((size_t)(nd ? nd : 1), sizeof(int));
        if (!used) {
            free(cs.c);
            free(confirmed);
            rc = fs_errorf(err, "out of memory");
            goto done;
        }
        /* detections confirm tracked faces */
        for (int k = 0; k < ntracked; k++) {
            int best = -1;
            float bi = 0.3f;
            for (int j = 0; j < nd; j++) {
                float v = iou(tb[k], cs.c[j].box);
                if (!used[j] && v > bi) {
                    bi = v;
                    best = j;
                }
            }
            if (best >= 0) {
                used[best] = 1;
                if (!confirmed[k]) tr->st.detected_obs++;
                confirmed[k] = 2;
            }
        }
        /* tracked faces no detection found: check locally (turned faces, small faces) */
        for (int k = 0; k < ntracked; k++) {
            if (confirmed[k]) continue;
            int v = verify(tr, &dg, ds, tb[k], tl[k], err);
            if (v < 0) {
                rc = FS_ERR;
                break;
            }
            confirmed[k] = v;
        }
        for (int k = 0; k < ntracked && rc == FS_OK; k++) {
            trk *t = &tr->t[tix[k]];
            if (!confirmed[k]) continue;
            if (observe(t, idx, tb[k], tl[k])) rc = fs_errorf(err, "out of memory");
            if (confirmed[k] == 1) tr->st.tracked_obs++;
        }
        /* remaining detections: resume a recently lost track nearby, else a new track */
        for (int j = 0; j < nd && rc == FS_OK; j++) {
            if (used[j]) continue;
            const cand *c = &cs.c[j];
            int dup = 0;
            for (int i = 0; i < tr->nt; i++)
                if (tr->t[i].seen_now && iou(tr->t[i].box, c->box) > 0.3f) dup = 1;
            if (dup) continue;
            trk *best = NULL;
            float bd = 1e30f;
            for (int i = 0; i < tr->nt; i++) {
                trk *t = &tr->t[i];
                if (!t->alive || t->seen_now || t->last_frame < 0 || idx - t->last_frame > tr->o.max_gap + 1) continue;
                float sz = t->box[2] - t->box[0], sj = c->box[2] - c->box[0];
                float dx = (t->box[0] + t->box[2] - c->box[0] - c->box[2]) / 2,
                      dy = (t->box[1] + t->box[3] - c->box[1] - c->box[3]) / 2;
                float dist = sqrtf(dx * dx + dy * dy);
                if (dist < 0.5f * sz && sj > 0.67f * sz && sj < 1.5f * sz && dist < bd) {
                    bd = dist;
                    best = t;
                }
            }
            if (!best) {
                /* a new face must be a strong detection: big false positives (a tie, a hand) gather
                 * fewer neighbours than real faces of their size */
                if (c->neighbors < tr->o.min_neighbors || (float)c->neighbors < 0.12f * c->side_det) continue;
                /* weak ones (fewer than 0.25 neighbours per pixel of side) must also look like skin */
                if ((float)c->neighbors < 0.25f * c->side_det && !skin_like(frame, c->lm)) continue;
                best = new_track(tr);
            }
            if (!best) {
                rc = fs_errorf(err, "out of memory");
                break;
            }
            if (observe(best, idx, c->box, c->lm)) rc = fs_errorf(err, "out of memory");
            tr->st.detected_obs++;
        }
        free(used);
        free(cs.c);
    } else {
        for (int k = 0; k < ntracked; k++) {
            if (observe(&tr->t[tix[k]], idx, tb[k], tl[k])) rc = fs_errorf(err, "out of memory");
            tr->st.tracked_obs++;
        }
    }
    free(confirmed);

    /* two tracks on one face: the younger one ends */
    for (int i = 0; i < tr->nt; i++) {
        trk *a = &tr->t[i];
        if (!a->seen_now) continue;
        for (int j = i + 1; j < tr->nt; j++) {
            trk *b = &tr->t[j];
            if (b->seen_now && iou(a->box, b->box) > 0.5f) {
                b->count--; /* drop this frame's observation of the younger track */
                b->seen_now = 0;
                b->alive = 0;
                b->last_frame = b->count ? b->obs[b->count - 1].frame : -1;
            }
        }
    }
    /* bookkeeping: lost tracks, tracks too long gone */
    tr->need_detect = 0;
    for (int i = 0; i < tr->nt; i++) {
        trk *t = &tr->t[i];
        if (!t->alive) continue;
        if (!t->seen_now && t->last_frame == prev && prev >= 0) {
            tr->st.lost++;
            tr->need_detect = 1;
        }
        if (!t->seen_now && idx - t->last_frame > tr->o.max_gap) t->alive = 0;
        if (t->alive && !t->seen_now) tr->need_detect = 1;
    }
    if (rc == FS_OK) rc = external_landmarks(tr, frame, idx, err);
done:
    free(tb);
    free(tl);
    free(tix);
    fs_gray_free(&dg);
    return rc;
}

/* ---------------------------------------------------------------- finish */

int fs_face_tracker_take_tracklets(fs_face_tracker *tr, fs_face_tracks **out, fs_err *err) {
    fs_face_tracks *res = calloc(1, sizeof *res);
    if (!res) return fs_errorf(err, "out of memory");
    res->frames = tr->pushed;
    res->tracks = calloc((size_t)(tr->nt ? tr->nt : 1), sizeof *res->tracks);
    if (!res->tracks) {
        free(res);
        return fs_errorf(err, "out of memory");
    }
    for (int i = 0; i < tr->nt; i++) {
        trk *t = &tr->t[i];
        if (t->count < 1) continue; /* a younger duplicate that lost its only observation */
        fs_face_track *ft = &res->tracks[res->count];
        ft->obs = malloc(sizeof *ft->obs * (size_t)t->count);
        if (!ft->obs) {
            fs_face_tracks_destroy(res);
            return fs_errorf(err, "out of memory");
        }
        memcpy(ft->obs, t->obs, sizeof *ft->obs * (size_t)t->count);
        ft->count = t->count;
        ft->id = res->count++;
    }
    *out = res;
    return FS_OK;
}

void fs_face_tracker_reset(fs_face_tracker *tr) {
    for (int i = 0; i < tr->nt; i++) free(tr->t[i].obs);
    free(tr->t);
    tr->t = NULL;
    tr->nt = tr->capt = tr->next_id = 0;
    tr->last_index = -1;
    tr->last_detect = -1000000;
    tr->need_detect = 0;
    tr->pushed = 0;
}

int fs_face_tracker_finish(fs_face_tracker *tr, fs_face_tracks **out, fs_err *err) {
    fs_face_tracks *raw = NULL;
    if (fs_face_tracker_take_tracklets(tr, &raw, err)) return FS_ERR;
    const fs_face_tracks *chunks[1] = {raw};
    int rc = fs_face_tracks_join(chunks, 1, &tr->o, raw->frames, out, err);
    fs_face_tracks_destroy(raw);
    return rc;
}

void fs_face_tracks_destroy(fs_face_tracks *t) {
    if (!t) return;
    for (int i = 0; i < t->count; i++) free(t->tracks[i].obs);
    free(t->tracks);
    free(t);
}
