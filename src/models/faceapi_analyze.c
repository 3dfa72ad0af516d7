/* faceapi_analyze.c — face-api's task chain on one image (see faceapi_analyze.h). The box
 * arithmetic follows face-api's classes (Box.clipAtImageBorders, FaceLandmarks.align, the
 * relative/absolute round trips of FaceDetection) so the crops are the same pixels. */
#include "models/faceapi_analyze.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/path.h"

static const char *const files[5] = {"ssd_mobilenetv1_model", "face_landmark_68_model", "face_recognition_model",
                                     "age_gender_model", "face_expression_model"};

void fs_fa_nets_free(fs_fa_nets *n) {
    fs_fa_ssd_destroy(n->ssd);
    fs_fa_landmarks_destroy(n->landmarks);
    fs_fa_recognition_destroy(n->recognition);
    fs_fa_age_gender_destroy(n->age_gender);
    fs_fa_expression_destroy(n->expression);
    memset(n, 0, sizeof *n);
}

int fs_fa_nets_load(fs_fa_nets *n, const char *dir, fs_err *err) {
    memset(n, 0, sizeof *n);
    char p[5][FS_PATH_MAX];
    for (int i = 0; i < 5; i++)
        if (fs_path_fmt(p[i], sizeof p[i], err, "%s/%s-weights_manifest.json", dir, files[i])) return FS_ERR;
    if (fs_fa_ssd_load(p[0], &n->ssd, err) || fs_fa_landmarks_load(p[1], &n->landmarks, err) ||
        fs_fa_recognition_load(p[2], &n->recognition, err) || fs_fa_age_gender_load(p[3], &n->age_gender, err) ||
        fs_fa_expression_load(p[4], &n->expression, err)) {
        fs_fa_nets_free(n);
        return FS_ERR;
    }
    return FS_OK;
}

typedef struct {
    double x, y, w, h;
} rect;

/* FaceDetection's absolute -> relative -> absolute round trip (forSize). */
static rect round_trip(rect r, int W, int H) {
    double iw = 1.0 / W, ih = 1.0 / H;
    return (rect){r.x * iw * W, r.y * ih * H, r.w * iw * W, r.h * ih * H};
}

/* Box.clipAtImageBorders(W, H) (which floors); 0 when the crop is empty. */
static int clip(rect r, int W, int H, int *c) {
    double x = fmax(r.x, 0), y = fmax(r.y, 0);
    double w = fmin(r.x + r.w - x, W - x), h = fmin(r.y + r.h - y, H - y);
    c[0] = (int)floor(x);
    c[1] = (int)floor(y);
    c[2] = (int)floor(w);
    c[3] = (int)floor(h);
    return c[2] > 0 && c[3] > 0;
}

static void centre(const float *pts, int from, int to, double *cx, double *cy) {
    double sx = 0, sy = 0;
    for (int i = from; i < to; i++) {
        sx += pts[2 * i];
        sy += pts[2 * i + 1];
    }
    *cx = sx / (to - from);
    *cy = sy / (to - from);
}

/* FaceLandmarks.alignDlib: a square from the eye and mouth centres (imgW/H: the landmark crop). */
static rect align_dlib(const float *pts, int imgW, int imgH) {
    double c[3][2];
    centre(pts, 36, 42, &c[0][0], &c[0][1]);
    centre(pts, 42, 48, &c[1][0], &c[1][1]);
    centre(pts, 48, 68, &c[2][0], &c[2][1]);
    double d = (hypot(c[2][0] - c[0][0], c[2][1] - c[0][1]) + hypot(c[2][0] - c[1][0], c[2][1] - c[1][1])) / 2;
    double size = floor(d / 0.45);
    double rx = (c[0][0] + c[1][0] + c[2][0]) / 3, ry = (c[0][1] + c[1][1] + c[2][1]) / 3;
    double x = floor(fmax(0, rx - 0.5 * size)), y = floor(fmax(0, ry - 0.43 * size));
    return (rect){x, y, fmin(size, imgW + x), fmin(size, imgH + y)};
}

/* FaceLandmarks.alignMinBbox(0.2): the points' bounding box grown by 20%. */
static rect align_min_bbox(const float *pts) {
    double x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    for (int i = 0; i < 68; i++) {
        x0 = pts[2 * i] < x0 ? pts[2 * i] : x0;
        x1 = pts[2 * i] > x1 ? pts[2 * i] : x1;
        y0 = pts[2 * i + 1] < y0 ? pts[2 * i + 1] : y0;
        y1 = pts[2 * i + 1] > y1 ? pts[2 * i + 1] : y1;
    }
    double w = x1 - x0, h = y1 - y0, px = w * 0.2, py = h * 0.2;
    return (rect){x0 - px / 2, y0 - py / 2, w + px, h + py};
}

/* One detected face: landmarks, then the three nets on their crops. 0: the face is dropped
 * (empty crop, as face-api's extractFaceTensors filters it). */
static int one_face(const fs_fa_nets *n, const uint8_t *rgb, int stride, int W, int H, fs_fa_face *f, fs_err *err) {
    int c[4];
    rect det = {f->box.x, f->box.y, f->box.w, f->box.h};
    if (!clip(round_trip(det, W, H), W, H, c)) return 0;
    if (fs_fa_landmarks_run(n->landmarks, rgb, stride, c[0], c[1], c[2], c[3], f->landmarks, err)) return -1;
    for (int i = 0; i < 68; i++) { /* shifted by the detection box (not the floored crop), as face-api */
        f->landmarks[2 * i] = (float)(f->landmarks[2 * i] + det.x);
        f->landmarks[2 * i + 1] = (float)(f->landmarks[2 * i + 1] + det.y);
    }
    int d[4], a[4];
    if (!clip(align_dlib(f->landmarks, c[2], c[3]), W, H, d)) return 0;
    rect ar = align_min_bbox(f->landmarks);
    ar = round_trip(round_trip(ar, W, H), W, H); /* alignedRect, then forSize */
    if (!clip(ar, W, H, a)) return 0;
    if (fs_fa_recognition_run(n->recognition, rgb, stride, d[0], d[1], d[2], d[3], f->descriptor, err) ||
        fs_fa_age_gender_run(n->age_gender, rgb, stride, a[0], a[1], a[2], a[3], &f->age_gender, err) ||
        fs_fa_expression_run(n->expression, rgb, stride, a[0], a[1], a[2], a[3], f->expressions, err))
        return -1;
    return 1;
}

int fs_fa_analyze(const fs_fa_nets *n, const uint8_t *rgb, int stride, int w, int h, float min_confidence,
                  fs_fa_face *out, int *count, fs_err *err) {
    fs_fa_box boxes[FS_FA_SSD_MAX_RESULTS];
    int nb = 0;
    *count = 0;
    if (fs_fa_ssd_detect(n->ssd, rgb, stride, w, h, min_confidence, FS_FA_SSD_MAX_RESULTS, boxes, &nb, err))
        return FS_ERR;
    return fs_fa_analyze_boxes(n, rgb, stride, w, h, boxes, nb, out, count, err);
}

int fs_fa_analyze_boxes(const fs_fa_nets *n, const uint8_t *rgb, int stride, int w, int h, const fs_fa_box *boxes,
                        int nb, fs_fa_face *out, int *count, fs_err *err) {
    int k = 0;
    *count = 0;
    for (int i = 0; i < nb; i++) {
        memset(&out[k], 0, sizeof out[k]);
        out[k].box = boxes[i];
        int r = one_face(n, rgb, stride, w, h, &out[k], err);
        if (r < 0) return FS_ERR;
        k += r;
    }
    *count = k;
    return FS_OK;
}
