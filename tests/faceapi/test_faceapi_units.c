/* test_faceapi_units.c — each face-api network alone on the reference crop of each image
 * (data/reference.json "unit"), against face-api's own JavaScript: landmarks within 0.5 px,
 * expressions within 1e-3. Usage: test_faceapi_units FRAMES_DIR (test_faceapi_units.sh). */
#include <stdio.h>

#include "faceapi_ref.h"
#include "models/faceapi_age_gender.h"
#include "models/faceapi_expression.h"
#include "models/faceapi_recognition.h"
#include "models/faceapi_ssd.h"
#include "models/faceapi_landmarks.h"

static const char *frames;
static const cJSON *images;

static void landmarks_parity(void) {
    fs_fa_landmarks *net;
    fs_err err;
    if (fs_fa_landmarks_load(ref_model("face-api-face_landmark_68_model-manifest"), &net, &err)) {
        fprintf(stderr, "FAIL %s\n", err.msg);
        exit(1);
    }
    double worst = 0;
    const cJSON *img;
    cJSON_ArrayForEach(img, images) {
        fs_image *im = ref_image(frames, img);
        const cJSON *u = cJSON_GetObjectItem(img, "unit");
        float crop[4], want[136], got[136];
        ref_floats(cJSON_GetObjectItem(u, "crop"), crop, 4);
        CHECK(ref_floats(cJSON_GetObjectItem(u, "landmarks"), want, 136) == 136);
        CHECK(fs_fa_landmarks_run(net, im->rgb, im->stride, (int)crop[0], (int)crop[1], (int)crop[2], (int)crop[3], got,
                                  &err) == FS_OK);
        double d = ref_maxdiff(got, want, 136);
        printf("landmarks %-10s crop %gx%g: got (%.3f, %.3f) want (%.3f, %.3f) maxdiff %.4f px\n",
               cJSON_GetObjectItem(img, "name")->valuestring, crop[2], crop[3], got[0], got[1], want[0], want[1], d);
        CHECK_MSG(d <= 0.5, "landmarks maxdiff %g px > 0.5", d);
        if (!(d <= worst)) worst = d;
        fs_image_destroy(im);
    }
    printf("%s landmarks68 units maxdiff=%.4f px (tolerance 0.5)\n", worst <= 0.5 ? "OK" : "FAIL", worst);
    fs_fa_landmarks_destroy(net);
}

static void expression_parity(void) {
    fs_fa_expression *net;
    fs_err err;
    if (fs_fa_expression_load(ref_model("face-api-face_expression_model-manifest"), &net, &err)) {
        fprintf(stderr, "FAIL %s\n", err.msg);
        exit(1);
    }
    double worst = 0;
    const cJSON *img;
    cJSON_ArrayForEach(img, images) {
        fs_image *im = ref_image(frames, img);
        const cJSON *u = cJSON_GetObjectItem(img, "unit"), *ex = cJSON_GetObjectItem(u, "expressions");
        float crop[4], want[FS_FA_N_EXPRESSIONS], got[FS_FA_N_EXPRESSIONS];
        ref_floats(cJSON_GetObjectItem(u, "crop"), crop, 4);
        for (int i = 0; i < FS_FA_N_EXPRESSIONS; i++) want[i] = (float)ref_num(ex, fs_fa_expression_names[i]);
        CHECK(fs_fa_expression_run(net, im->rgb, im->stride, (int)crop[0], (int)crop[1], (int)crop[2], (int)crop[3],
                                   got, &err) == FS_OK);
        double d = ref_maxdiff(got, want, FS_FA_N_EXPRESSIONS);
        printf("expressions %-10s neutral %.5f happy %.5f (want %.5f %.5f) maxdiff %.2g\n",
               cJSON_GetObjectItem(img, "name")->valuestring, got[0], got[1], want[0], want[1], d);
        CHECK_MSG(d <= 1e-3, "expressions maxdiff %g > 1e-3", d);
        if (!(d <= worst)) worst = d;
        fs_image_destroy(im);
    }
    printf("%s expression units maxdiff=%.2g (tolerance 1e-3)\n", worst <= 1e-3 ? "OK" : "FAIL", worst);
    fs_fa_expression_destroy(net);
}

static void age_gender_parity(void) {
    fs_fa_age_gender *net;
    fs_err err;
    if (fs_fa_age_gender_load(ref_model("face-api-age_gender_model-manifest"), &net, &err)) {
        fprintf(stderr, "FAIL %s\n", err.msg);
        exit(1);
    }
    double worst_age = 0, worst_p = 0;
    const cJSON *img;
    cJSON_ArrayForEach(img, images) {
        fs_image *im = ref_image(frames, img);
        const cJSON *u = cJSON_GetObjectItem(img, "unit");
        float crop[4];
        ref_floats(cJSON_GetObjectItem(u, "crop"), crop, 4);
        fs_fa_age_gender_out r;
        CHECK(fs_fa_age_gender_run(net, im->rgb, im->stride, (int)crop[0], (int)crop[1], (int)crop[2], (int)crop[3],
                                   &r, &err) == FS_OK);
        double da = fabs(r.age - ref_num(u, "age")), dp = fabs(r.probability - ref_num(u, "gender_probability"));
        int same = !strcmp(r.male ? "male" : "female", cJSON_GetObjectItem(u, "gender")->valuestring);
        printf("age_gender %-10s age %.4f (want %.4f) %s p %.6f (want %.6f)\n", cJSON_GetObjectItem(img, "name")->valuestring,
               r.age, ref_num(u, "age"), r.male ? "male" : "female", r.probability, ref_num(u, "gender_probability"));
        CHECK_MSG(da <= 0.1 && dp <= 1e-3 && same, "age diff %g, gender probability diff %g, same gender %d", da, dp, same);
        if (!(da <= worst_age)) worst_age = da;
        if (!(dp <= worst_p)) worst_p = dp;
        fs_image_destroy(im);
    }
    printf("%s age_gender units: age maxdiff=%.2g years (0.1), gender probability maxdiff=%.2g (1e-3)\n",
           worst_age <= 0.1 && worst_p <= 1e-3 ? "OK" : "FAIL", worst_age, worst_p);
    fs_fa_age_gender_destroy(net);
}

static void ssd_parity(void) {
    fs_fa_ssd *net;
    fs_err err;
    if (fs_fa_ssd_load(ref_model("face-api-ssd_mobilenetv1_model-manifest"), &net, &err)) {
        fprintf(stderr, "FAIL %s\n", err.msg);
        exit(1);
    }
    double worst_box = 0, worst_score = 0;
    const cJSON *img;
    cJSON_ArrayForEach(img, images) {
        fs_image *im = ref_image(frames, img);
        const cJSON *faces = cJSON_GetObjectItem(img, "faces"), *f;
        fs_fa_box got[FS_FA_SSD_MAX_RESULTS];
        int n = 0;
        CHECK(fs_fa_ssd_detect(net, im->rgb, im->stride, im->w, im->h, 0.5f, 100, got, &n, &err) == FS_OK);
        printf("ssd %-10s %d faces (want %d)\n", cJSON_GetObjectItem(img, "name")->valuestring, n,
               cJSON_GetArraySize(faces));
        CHECK_MSG(n == cJSON_GetArraySize(faces), "face count %d, want %d", n, cJSON_GetArraySize(faces));
        cJSON_ArrayForEach(f, faces) { /* match each reference face to the nearest box */
            float want[4], best = INFINITY;
            int bi = -1;
            ref_floats(cJSON_GetObjectItem(f, "box"), want, 4);
            for (int k = 0; k < n; k++) {
                float g4[4] = {(float)got[k].x, (float)got[k].y, (float)got[k].w, (float)got[k].h};
                float d = (float)ref_maxdiff(g4, want, 4);
                if (d < best) best = d, bi = k;
            }
            double ds = bi >= 0 ? fabs(got[bi].score - ref_num(f, "score")) : INFINITY;
            printf("  box [%.3f %.3f %.3f %.3f] want [%.3f %.3f %.3f %.3f] maxdiff %.4f px, score %.6f diff %.2g\n",
                   bi >= 0 ? got[bi].x : 0, bi >= 0 ? got[bi].y : 0, bi >= 0 ? got[bi].w : 0, bi >= 0 ? got[bi].h : 0,
                   want[0], want[1], want[2], want[3], best, bi >= 0 ? got[bi].score : 0, ds);
            CHECK_MSG(best <= 0.5 && ds <= 1e-3, "box maxdiff %g px, score diff %g", best, ds);
            if (!(best <= worst_box)) worst_box = best;
            if (!(ds <= worst_score)) worst_score = ds;
        }
        fs_image_destroy(im);
    }
    printf("%s ssd: box maxdiff=%.4f px (0.5), score maxdiff=%.2g (1e-3)\n",
           worst_box <= 0.5 && worst_score <= 1e-3 ? "OK" : "FAIL", worst_box, worst_score);
    fs_fa_ssd_destroy(net);
}

static double cosine(const float *a, const float *b, int n) {
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < n; i++) {
        ab += (double)a[i] * b[i];
        aa += (double)a[i] * a[i];
        bb += (double)b[i] * b[i];
    }
    return ab / sqrt(aa * bb);
}

static void recognition_parity(void) {
    fs_fa_recognition *net;
    fs_err err;
    if (fs_fa_recognition_load(ref_model("face-api-face_recognition_model-manifest"), &net, &err)) {
        fprintf(stderr, "FAIL %s\n", err.msg);
        exit(1);
    }
    double worst_cos = 1, worst_abs = 0;
    const cJSON *img;
    cJSON_ArrayForEach(img, images) {
        fs_image *im = ref_image(frames, img);
        const cJSON *u = cJSON_GetObjectItem(img, "unit");
        float crop[4], want[FS_FA_DESCRIPTOR], got[FS_FA_DESCRIPTOR];
        ref_floats(cJSON_GetObjectItem(u, "crop"), crop, 4);
        CHECK(ref_floats(cJSON_GetObjectItem(u, "descriptor"), want, FS_FA_DESCRIPTOR) == FS_FA_DESCRIPTOR);
        CHECK(fs_fa_recognition_run(net, im->rgb, im->stride, (int)crop[0], (int)crop[1], (int)crop[2], (int)crop[3],
                                    got, &err) == FS_OK);
        double c = cosine(got, want, FS_FA_DESCRIPTOR), d = ref_maxdiff(got, want, FS_FA_DESCRIPTOR);
        printf("descriptor %-10s [0] %.6f (want %.6f) cosine %.8f maxdiff %.2g\n", cJSON_GetObjectItem(img, "name")->valuestring,
               got[0], want[0], c, d);
        CHECK_MSG(c >= 0.9999, "descriptor cosine %.8f < 0.9999", c);
        if (!(c >= worst_cos)) worst_cos = c;
        if (!(d <= worst_abs)) worst_abs = d;
        fs_image_destroy(im);
    }
    printf("%s recognition units: min cosine=%.8f (>= 0.9999), maxdiff=%.2g\n", worst_cos >= 0.9999 ? "OK" : "FAIL",
           worst_cos, worst_abs);
    fs_fa_recognition_destroy(net);
}

int main(int argc, char **argv) {
    if (argc < 2) test_skip("no frames dir given (run through test_faceapi_units.sh)");
    frames = argv[1];
    cJSON *ref = ref_load();
    images = cJSON_GetObjectItem(ref, "images");
    landmarks_parity();
    expression_parity();
    age_gender_parity();
    recognition_parity();
    ssd_parity();
    cJSON_Delete(ref);
    return check_finish();
}
