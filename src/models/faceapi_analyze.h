/* faceapi_analyze.h — face-api's whole chain on one image, as
 * detectAllFaces(img, SsdMobilenetv1Options).withFaceLandmarks().withFaceDescriptors()
 * .withAgeAndGender().withFaceExpressions(): SSD boxes; the 68-landmark net on each box (clipped,
 * floored); the descriptor on the landmarks' dlib-style aligned square; age/gender and
 * expressions on the landmarks' bounding box padded by 20%. Everything in input pixels.
 *
 *   fs_fa_nets nets;
 *   if (fs_fa_nets_load(&nets, dir, &err)) ...;   // dir: fs_registry_face_api_dir (registry.h)
 *   fs_fa_face faces[FS_FA_SSD_MAX_RESULTS];
 *   int n;
 *   fs_fa_analyze(&nets, rgb, stride, w, h, 0.5f, faces, &n, &err);   // best score first
 *   fs_fa_nets_free(&nets);
 */
#ifndef FS_MODELS_FACEAPI_ANALYZE_H
#define FS_MODELS_FACEAPI_ANALYZE_H

#include "models/faceapi_age_gender.h"
#include "models/faceapi_expression.h"
#include "models/faceapi_landmarks.h"
#include "models/faceapi_recognition.h"
#include "models/faceapi_ssd.h"

typedef struct fs_fa_nets {
    fs_fa_ssd *ssd;
    fs_fa_landmarks *landmarks;
    fs_fa_recognition *recognition;
    fs_fa_age_gender *age_gender;
    fs_fa_expression *expression;
} fs_fa_nets;

typedef struct fs_fa_face {
    fs_fa_box box;                 /* the detection */
    float landmarks[136];          /* x0, y0, ... in input pixels */
    float descriptor[FS_FA_DESCRIPTOR];
    fs_fa_age_gender_out age_gender;
    float expressions[FS_FA_N_EXPRESSIONS]; /* fs_fa_expression_names order */
} fs_fa_face;

/* Loads the five networks from `dir`, the files of the face-api package's model/ folder (the models
 * cache keeps them in fs_registry_face_api_dir). */
int fs_fa_nets_load(fs_fa_nets *nets, const char *dir, fs_err *err);
void fs_fa_nets_free(fs_fa_nets *nets);

int fs_fa_analyze(const fs_fa_nets *nets, const uint8_t *rgb, int stride, int w, int h, float min_confidence,
                  fs_fa_face *out, int *n, fs_err *err);
/* The same chain on given boxes (another detector's): out has room for nb faces; faces whose crop is
 * empty are dropped. */
int fs_fa_analyze_boxes(const fs_fa_nets *nets, const uint8_t *rgb, int stride, int w, int h, const fs_fa_box *boxes,
                        int nb, fs_fa_face *out, int *n, fs_err *err);

#endif
