/* test_faceapi_units.c — each face-api network alone against face-api's own JavaScript
 * (data/reference.json): landmarks, expressions, age/gender and descriptor on the reference crop of
 * each image ("unit"), the SSD on the whole image ("faces"). Tolerances: landmarks and boxes 0.5 px,
 * expressions, gender probability and scores 1e-3, age 0.1 year, descriptor cosine >= 0.9999.
 * Usage: test_faceapi_units FRAMES_DIR (test_faceapi_units.sh extracts the frames). */
#include <stdio.h>

#include "faceapi_ref.h"
#include "models/faceapi_age_gender.h"
#include "models/faceapi_expression.h"
#include "models/faceapi_landmarks.h"
#include "models/faceapi_recognition.h"
#include "models/faceapi_ssd.h"

static const char *frames;
static const cJSON *images;

/* One network on one reference image: returns its error measure (NaN fails). */
typedef double (*unit_fn)(const void *net, const fs_image *im, const cJSON *img, const int crop[4]);

/* Runs fn on every reference image; checks error <= tol; prints and returns the worst. */
static double each_image(const void *net, unit_fn fn, const char *what, double tol) {
    double worst = 0;
    const cJSON *img;
    cJSON_ArrayForEach(img, images) {
        fs_image *im = ref_image(frames, img);
        float c[4];
        ref_floats(cJSON_GetObjectItem(cJSON_GetObjectItem(img, "unit"), "crop"), c, 4);
        int crop[4] = {(int)c[0], (int)c[1], (int)c[2], (int)c[3]};
        double d = fn(net, im, img, crop);
        printf("  %-11s %-10s error %.3g\n", what, cJSON_GetObjectItem(img, "name")->valuestring, d);
        CHECK_MSG(d <= tol, "%s %s: error %g > %g", what, cJSON_GetObjectItem(img, "name")->valuestring, d, tol);
        worst = check_max(worst, d);
        fs_image_destroy(im);
    }
    printf("%s %s maxdiff=%.3g (tolerance %g)\n", worst <= tol ? "OK" : "FAIL", what, worst, tol);
    return worst;
}

static void fail_load(const fs_err *err) {
    fprintf(stderr, "FAIL %s\n", err->msg);
    exit(1);
}

static double landmarks_unit(const void *net, const fs_image *im, const cJSON *img, const int c[4]) {
    float want[136], got[136];
    fs_err err;
    if (ref_floats(cJSON_GetObjectItem(cJSON_GetObjectItem(img, "unit"), "landmarks"), want, 136) != 136 ||
        fs_fa_landmarks_run(net, im->rgb, im->stride, c[0], c[1], c[2], c[3], got, &err))
        return NAN;
    return ref_maxdiff(got, want, 136);
}

static double expression_unit(const void *net, const fs_image *im, const cJSON *img, const int c[4]) {
    const cJSON *ex = cJSON_GetObjectItem(cJSON_GetObjectItem(img, "unit"), "expressions");
    float want[FS_FA_N_EXPRESSIONS], got[FS_FA_N_EXPRESSIONS];
    fs_err err;
    for (int i = 0; i < FS_FA_N_EXPRESSIONS; i++) want[i] = (float)ref_num(ex, fs_fa_expression_names[i]);
    if (fs_fa_expression_run(net, im->rgb, im->stride, c[0], c[1], c[2], c[3], got, &err)) return NAN;
    return ref_maxdiff(got, want, FS_FA_N_EXPRESSIONS);
}

/* max(|age diff| / 100, |probability diff|), and NaN when the gender differs: both within their
 * tolerance when this is <= 1e-3. */
static double age_gender_unit(const void *net, const fs_image *im, const cJSON *img, const int c[4]) {
    const cJSON *u = cJSON_GetObjectItem(img, "unit");
    fs_fa_age_gender_out r;
    fs_err err;
    if (fs_fa_age_gender_run(net, im->rgb, im->stride, c[0], c[1], c[2], c[3], &r, &err) ||
        strcmp(r.male ? "male" : "female", cJSON_GetObjectItem(u, "gender")->valuestring))
        return NAN;
    double da = fabs(r.age - ref_num(u, "age")) / 100, dp = fabs(r.probability - ref_num(u, "gender_probability"));
    return da > dp ? da : dp;
}

/* 1 - cosine of the 128-D descriptors. */
static double recognition_unit(const void *net, const fs_image *im, const cJSON *img, const int c[4]) {
    float want[FS_FA_DESCRIPTOR], got[FS_FA_DESCRIPTOR];
    fs_err err;
    if (ref_floats(cJSON_GetObjectItem(cJSON_GetObjectItem(img, "unit"), "descriptor"), want, FS_FA_DESCRIPTOR) !=
            FS_FA_DESCRIPTOR ||
        fs_fa_recognition_run(net, im->rgb, im->stride, c[0], c[1], c[2], c[3], got, &err))
        return NAN;
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < FS_FA_DESCRIPTOR; i++) {
        ab += (double)got[i] * want[i];
        aa += (double)got[i] * got[i];
        bb += (double)want[i] * want[i];
    }
    return 1 - ab / sqrt(aa * bb);
}

/* The SSD on the whole image: max(box px diff / 500, score diff) over the reference faces (each
 * matched to the nearest box), NaN when the face count differs. */
static double ssd_image(const void *net, const fs_image *im, const cJSON *img, const int c[4]) {
    (void)c;
    const cJSON *faces = cJSON_GetObjectItem(img, "faces"), *f;
    fs_fa_box got[FS_FA_SSD_MAX_RESULTS];
    int n = 0;
    fs_err err;
    if (fs_fa_ssd_detect(net, im->rgb, im->stride, im->w, im->h, 0.5f, 100, got, &n, &err) ||
        n != cJSON_GetArraySize(faces))
        return NAN;
    double worst = 0;
    cJSON_ArrayForEach(f, faces) {
        float want[4];
        double best = INFINITY, ds = INFINITY;
        ref_floats(cJSON_GetObjectItem(f, "box"), want, 4);
        for (int k = 0; k < n; k++) {
            float g4[4] = {(float)got[k].x, (float)got[k].y, (float)got[k].w, (float)got[k].h};
            double d = ref_maxdiff(g4, want, 4);
            if (d < best) best = d, ds = fabs(got[k].score - ref_num(f, "score"));
        }
        double e = best / 500 > ds ? best / 500 : ds;
        worst = check_max(worst, e);
    }
    return worst;
}

int main(int argc, char **argv) {
    if (argc < 2) test_skip("no frames dir given (run through test_faceapi_units.sh)");
    frames = argv[1];
    cJSON *ref = ref_load();
    images = cJSON_GetObjectItem(ref, "images");
    fs_err err;
    fs_fa_landmarks *lm;
    if (fs_fa_landmarks_load(ref_model("face-api-face_landmark_68_model-manifest"), &lm, &err)) fail_load(&err);
    each_image(lm, landmarks_unit, "landmarks68 (px)", 0.5);
    fs_fa_landmarks_destroy(lm);
    fs_fa_expression *ex;
    if (fs_fa_expression_load(ref_model("face-api-face_expression_model-manifest"), &ex, &err)) fail_load(&err);
    each_image(ex, expression_unit, "expressions", 1e-3);
    fs_fa_expression_destroy(ex);
    fs_fa_age_gender *ag;
    if (fs_fa_age_gender_load(ref_model("face-api-age_gender_model-manifest"), &ag, &err)) fail_load(&err);
    each_image(ag, age_gender_unit, "age/100 & gender p", 1e-3);
    fs_fa_age_gender_destroy(ag);
    fs_fa_recognition *rec;
    if (fs_fa_recognition_load(ref_model("face-api-face_recognition_model-manifest"), &rec, &err)) fail_load(&err);
    each_image(rec, recognition_unit, "descriptor 1-cos", 1e-4);
    fs_fa_recognition_destroy(rec);
    fs_fa_ssd *ssd;
    if (fs_fa_ssd_load(ref_model("face-api-ssd_mobilenetv1_model-manifest"), &ssd, &err)) fail_load(&err);
    each_image(ssd, ssd_image, "ssd box/500 & score", 1e-3);
    fs_fa_ssd_destroy(ssd);
    cJSON_Delete(ref);
    return check_finish();
}
