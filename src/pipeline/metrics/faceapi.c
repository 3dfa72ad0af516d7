/* faceapi.c — face-api's networks as the face model of `metrics` (see faceapi.h). */
#include "pipeline/metrics/faceapi.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/path.h"
#include "models/faceapi_analyze.h"
#include "registry/registry.h"

void fs_metrics_faceapi_free(fs_metrics_faceapi *fa) {
    fs_fa_recognition_destroy(fa->rec);
    fs_fa_age_gender_destroy(fa->ag);
    fs_fa_expression_destroy(fa->ex);
    free(fa->age_o);
    free(fa->age_e);
    free(fa->happy_o);
    free(fa->happy_e);
    free(fa->cos);
    memset(fa, 0, sizeof *fa);
}

static int grow(fs_metrics_faceapi *fa, fs_err *err) {
    if (fa->n < fa->cap) return FS_OK;
    int64_t cap = fa->cap ? 2 * fa->cap : 256;
    float **arr[5] = {&fa->age_o, &fa->age_e, &fa->happy_o, &fa->happy_e, &fa->cos};
    for (int i = 0; i < 5; i++) {
        float *p = realloc(*arr[i], (size_t)cap * sizeof(float));
        if (!p) return fs_errorf(err, "out of memory for the face-api metrics");
        *arr[i] = p;
    }
    fa->cap = cap;
    return FS_OK;
}

/* Box.clipAtImageBorders of face-api (floors); 0 when empty. */
static int clip_box(double x, double y, double w, double h, int W, int H, int *c) {
    double cx = fmax(x, 0), cy = fmax(y, 0);
    c[0] = (int)floor(cx);
    c[1] = (int)floor(cy);
    c[2] = (int)floor(fmin(x + w - cx, W - cx));
    c[3] = (int)floor(fmin(y + h - cy, H - cy));
    return c[2] > 0 && c[3] > 0;
}

static void mean_pt(const float lm[][2], int a, int b, double *x, double *y) {
    *x = *y = 0;
    for (int i = a; i < b; i++) {
        *x += lm[i][0] / (b - a);
        *y += lm[i][1] / (b - a);
    }
}

static int embed(void *user, const fs_image *im, const double quad[4][2], const float lm[FS_FACE_NUM_LANDMARKS][2],
                 float *emb, fs_err *err) {
    (void)quad;
    fs_metrics_faceapi *fa = user;
    double c[3][2], x0 = INFINITY, y0 = INFINITY, x1 = -INFINITY, y1 = -INFINITY;
    mean_pt(lm, 36, 42, &c[0][0], &c[0][1]);
    mean_pt(lm, 42, 48, &c[1][0], &c[1][1]);
    mean_pt(lm, 48, 68, &c[2][0], &c[2][1]);
    double d = (hypot(c[2][0] - c[0][0], c[2][1] - c[0][1]) + hypot(c[2][0] - c[1][0], c[2][1] - c[1][1])) / 2;
    double size = floor(d / 0.45), rx = (c[0][0] + c[1][0] + c[2][0]) / 3, ry = (c[0][1] + c[1][1] + c[2][1]) / 3;
    int a[4], b[4];
    if (!clip_box(floor(fmax(0, rx - 0.5 * size)), floor(fmax(0, ry - 0.43 * size)), size, size, im->w, im->h, a))
        return fs_errorf(err, "metrics: a face crop is empty");
    for (int i = 0; i < 68; i++) {
        x0 = lm[i][0] < x0 ? lm[i][0] : x0;
        x1 = lm[i][0] > x1 ? lm[i][0] : x1;
        y0 = lm[i][1] < y0 ? lm[i][1] : y0;
        y1 = lm[i][1] > y1 ? lm[i][1] : y1;
    }
    double w = x1 - x0, h = y1 - y0;
    if (!clip_box(x0 - 0.1 * w, y0 - 0.1 * h, 1.2 * w, 1.2 * h, im->w, im->h, b))
        return fs_errorf(err, "metrics: a face crop is empty");
    fs_fa_age_gender_out ag;
    float ex[FS_FA_N_EXPRESSIONS];
    if (fs_fa_recognition_run(fa->rec, im->rgb, im->stride, a[0], a[1], a[2], a[3], emb, err) ||
        fs_fa_age_gender_run(fa->ag, im->rgb, im->stride, b[0], b[1], b[2], b[3], &ag, err) ||
        fs_fa_expression_run(fa->ex, im->rgb, im->stride, b[0], b[1], b[2], b[3], ex, err) || grow(fa, err))
        return FS_ERR;
    if (fa->calls++ % 2 == 0) { /* ORIGINAL: keep for the EDITED call that follows */
        memcpy(fa->last, emb, sizeof fa->last);
        fa->age_o[fa->n] = ag.age;
        fa->happy_o[fa->n] = ex[1];
        return FS_OK;
    }
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < FS_FA_DESCRIPTOR; i++) {
        ab += (double)fa->last[i] * emb[i];
        aa += (double)fa->last[i] * fa->last[i];
        bb += (double)emb[i] * emb[i];
    }
    fa->cos[fa->n] = (float)(ab / sqrt(aa * bb));
    fa->age_e[fa->n] = ag.age;
    fa->happy_e[fa->n] = ex[1];
    fa->n++;
    return FS_OK;
}

int fs_metrics_faceapi_init(fs_metrics_faceapi *fa, fs_metrics_opts *o, fs_err *err) {
    memset(fa, 0, sizeof *fa);
    char p[3][FS_PATH_MAX];
    const char *names[3] = {"face-api-face_recognition_model-manifest", "face-api-age_gender_model-manifest",
                            "face-api-face_expression_model-manifest"};
    for (int i = 0; i < 3; i++)
        if (fs_registry_path(names[i], p[i], sizeof p[i], err)) return FS_ERR;
    if (fs_fa_recognition_load(p[0], &fa->rec, err) || fs_fa_age_gender_load(p[1], &fa->ag, err) ||
        fs_fa_expression_load(p[2], &fa->ex, err)) {
        fs_metrics_faceapi_free(fa);
        return FS_ERR;
    }
    o->embed = embed;
    o->embed_user = fa;
    o->embed_dim = FS_FA_DESCRIPTOR;
    o->embed_name = "face-api 128-D descriptor standing in for ArcFace";
    return FS_OK;
}

void fs_metrics_faceapi_finish(const fs_metrics_faceapi *fa, fs_metrics *m) {
    double c = 0, da = 0, dh = 0;
    for (int64_t i = 0; i < fa->n; i++) {
        c += fa->cos[i];
        da += (double)fa->age_e[i] - fa->age_o[i];
        dh += (double)fa->happy_e[i] - fa->happy_o[i];
    }
    m->effect_frames = fa->n;
    m->identity_to_source = fa->n ? c / fa->n : NAN;
    m->age_delta = fa->n ? da / fa->n : NAN;
    m->happy_delta = fa->n ? dh / fa->n : NAN;
}
