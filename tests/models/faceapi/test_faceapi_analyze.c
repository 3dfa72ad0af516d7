/* test_faceapi_analyze.c — face-api's whole chain (fs_fa_analyze) against face-api's JavaScript
 * (data/reference.json "faces"): same faces; boxes and landmarks within 0.5 px, scores 1e-3,
 * descriptor cosine >= 0.9999, age 0.1 year, gender probability and expressions 1e-3.
 * Usage: test_faceapi_analyze FRAMES_DIR (through test_faceapi_units.sh). */
#include <stdio.h>

#include "faceapi_ref.h"
#include "models/faceapi_analyze.h"

static double worst[6]; /* box, score, landmarks, 1 - cosine, age, probabilities */

static void keep_worst(int i, double v) {
    worst[i] = check_max(worst[i], v); /* NaN stays */
}

static void compare(const fs_fa_face *g, const cJSON *f) {
    float want[136], got[4] = {(float)g->box.x, (float)g->box.y, (float)g->box.w, (float)g->box.h};
    ref_floats(cJSON_GetObjectItem(f, "box"), want, 4);
    keep_worst(0, ref_maxdiff(got, want, 4));
    keep_worst(1, fabs(g->box.score - ref_num(f, "score")));
    ref_floats(cJSON_GetObjectItem(f, "landmarks"), want, 136);
    keep_worst(2, ref_maxdiff(g->landmarks, want, 136));
    ref_floats(cJSON_GetObjectItem(f, "descriptor"), want, FS_FA_DESCRIPTOR);
    double ab = 0, aa = 0, bb = 0;
    for (int i = 0; i < FS_FA_DESCRIPTOR; i++) {
        ab += (double)g->descriptor[i] * want[i];
        aa += (double)g->descriptor[i] * g->descriptor[i];
        bb += (double)want[i] * want[i];
    }
    keep_worst(3, 1 - ab / sqrt(aa * bb));
    keep_worst(4, fabs(g->age_gender.age - ref_num(f, "age")));
    keep_worst(5, fabs(g->age_gender.probability - ref_num(f, "gender_probability")));
    CHECK(!strcmp(g->age_gender.male ? "male" : "female", cJSON_GetObjectItem(f, "gender")->valuestring));
    const cJSON *ex = cJSON_GetObjectItem(f, "expressions");
    for (int i = 0; i < FS_FA_N_EXPRESSIONS; i++)
        keep_worst(5, fabs(g->expressions[i] - ref_num(ex, fs_fa_expression_names[i])));
    printf("  box [%.2f %.2f %.2f %.2f] score %.5f age %.3f (want %.3f) %s %.4f\n", g->box.x, g->box.y, g->box.w,
           g->box.h, g->box.score, g->age_gender.age, ref_num(f, "age"), g->age_gender.male ? "male" : "female",
           g->age_gender.probability);
}

int main(int argc, char **argv) {
    if (argc < 2) test_skip("no frames dir given (run through test_faceapi_units.sh)");
    ref_model("face-api-ssd_mobilenetv1_model-manifest");
    cJSON *ref = ref_load();
    fs_fa_nets nets;
    fs_err err;
    char dir[4096];
    if (fs_registry_face_api_dir(dir, sizeof dir, &err) || fs_fa_nets_load(&nets, dir, &err)) {
        fprintf(stderr, "FAIL %s\n", err.msg);
        return 1;
    }
    static fs_fa_face faces[FS_FA_SSD_MAX_RESULTS];
    const cJSON *img;
    cJSON_ArrayForEach(img, cJSON_GetObjectItem(ref, "images")) {
        fs_image *im = ref_image(argv[1], img);
        int n = 0;
        CHECK(fs_fa_analyze(&nets, im->rgb, im->stride, im->w, im->h, 0.5f, faces, &n, &err) == FS_OK);
        const cJSON *want = cJSON_GetObjectItem(img, "faces"), *f;
        printf("%-10s %d faces (want %d)\n", cJSON_GetObjectItem(img, "name")->valuestring, n, cJSON_GetArraySize(want));
        CHECK_MSG(n == cJSON_GetArraySize(want), "face count %d, want %d", n, cJSON_GetArraySize(want));
        cJSON_ArrayForEach(f, want) {
            float b[4];
            ref_floats(cJSON_GetObjectItem(f, "box"), b, 4);
            int bi = -1;
            double best = INFINITY;
            for (int k = 0; k < n; k++) {
                double d = fabs(faces[k].box.x - b[0]) + fabs(faces[k].box.y - b[1]);
                if (d < best) best = d, bi = k;
            }
            CHECK_MSG(bi >= 0, "no face near box x=%g", b[0]);
            if (bi >= 0) compare(&faces[bi], f);
        }
        fs_image_destroy(im);
    }
    int ok = worst[0] <= 0.5 && worst[1] <= 1e-3 && worst[2] <= 0.5 && worst[3] <= 1e-4 && worst[4] <= 0.1 &&
             worst[5] <= 1e-3;
    CHECK(ok);
    printf("%s analyze maxdiff: box %.4f px, score %.2g, landmarks %.4f px, descriptor 1-cos %.2g, age %.2g y, "
           "gender p / expressions %.2g\n",
           ok ? "OK" : "FAIL", worst[0], worst[1], worst[2], worst[3], worst[4], worst[5]);
    fs_fa_nets_free(&nets);
    cJSON_Delete(ref);
    return check_finish();
}
